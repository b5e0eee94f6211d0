package posts

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zuju/zuju/internal/platform/auth"
)

// Delete removes a post: its author, the club's officers, staff.
func (s *Service) Delete(ctx context.Context, id string) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	post, acc, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if post.AuthorID != p.UserID && !acc.moderate {
		return ErrForbidden
	}
	if _, err = s.store.SetStatus(ctx, id, post.Status, StatusDeleted, "", s.now()); err != nil {
		return err
	}
	s.rerank(ctx, id)
	return nil
}

// Flags pins or features a post (the club's officers for its board,
// staff anywhere).
func (s *Service) Flags(ctx context.Context, id string, pinned, featured *bool) (*View, error) {
	if _, err := auth.Require(ctx); err != nil {
		return nil, err
	}
	_, acc, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if !acc.moderate {
		return nil, ErrForbidden
	}
	if err := s.store.SetFlags(ctx, id, pinned, featured, s.now()); err != nil {
		return nil, err
	}
	if pinned != nil {
		s.rerank(ctx, id)
	}
	return s.Get(ctx, id)
}

// Like likes (on) or unlikes a published post the caller sees; liking
// twice is ErrAlreadyLiked, unliking what one never liked ErrNotLiked.
func (s *Service) Like(ctx context.Context, id string, on bool) (*View, error) {
	if err := s.mark(ctx, id, on, s.store.Like, ErrAlreadyLiked, ErrNotLiked); err != nil {
		return nil, err
	}
	s.rerank(ctx, id)
	return s.Get(ctx, id)
}

// mark sets (on) or clears one of the caller's marks (a like, a
// favorite) on a published post they see, through set; setting it twice
// is already, clearing one that is not there is missing.
func (s *Service) mark(ctx context.Context, id string, on bool,
	set func(ctx context.Context, postID, userID string, on bool, at time.Time) (bool, error), already, missing error) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	post, _, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if post.Status != StatusPublished {
		return ErrNotFound
	}
	changed, err := set(ctx, id, p.UserID, on, s.now())
	switch {
	case err != nil:
		return err
	case !changed && on:
		return already
	case !changed:
		return missing
	}
	return nil
}

// CommentView is a comment with its author.
type CommentView struct {
	Comment
	Author Person
}

// AddComment comments on a published post the caller sees, or replies to
// one of its top-level comments.
func (s *Service) AddComment(ctx context.Context, postID, content, parentID string) (*CommentView, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	content = strings.TrimSpace(content)
	switch n := utf8.RuneCountInString(content); {
	case n == 0:
		return nil, ErrEmptyContent
	case n > MaxCommentRunes:
		return nil, ErrTooLong
	}
	post, _, err := s.load(ctx, postID)
	if err != nil {
		return nil, err
	}
	if post.Status != StatusPublished {
		return nil, ErrNotFound
	}
	if parentID != "" {
		parent, err := s.store.Comment(ctx, parentID)
		if err != nil || parent.PostID != postID || parent.ParentID != "" || parent.Status != StatusPublished {
			return nil, ErrBadParent
		}
	}
	st, err := s.moderate(&content)
	if err != nil {
		return nil, err
	}
	c := &Comment{ID: s.newID(), PostID: postID, ParentID: parentID, AuthorID: p.UserID, Content: content, Status: st, CreatedAt: s.now().UTC()}
	if err := s.store.AddComment(ctx, c); err != nil {
		return nil, err
	}
	if st == StatusPublished {
		s.rerank(ctx, postID)
	}
	views, err := s.commentViews(ctx, []Comment{*c})
	if err != nil {
		return nil, err
	}
	return &views[0], nil
}

// Comments lists a post's published comments and replies, oldest first,
// after a comment id.
func (s *Service) Comments(ctx context.Context, postID, after string, limit int) ([]CommentView, error) {
	if _, _, err := s.load(ctx, postID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxPage {
		limit = MaxPage
	}
	list, err := s.store.Comments(ctx, postID, after, limit)
	if err != nil {
		return nil, err
	}
	return s.commentViews(ctx, list)
}

func (s *Service) commentViews(ctx context.Context, list []Comment) ([]CommentView, error) {
	ids := make([]string, len(list))
	for i := range list {
		ids[i] = list[i].AuthorID
	}
	people, err := s.people.People(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]CommentView, len(list))
	for i, c := range list {
		a, ok := people[c.AuthorID]
		if !ok {
			a = Person{ID: c.AuthorID, Nickname: "已注销用户"}
		}
		out[i] = CommentView{Comment: c, Author: a}
	}
	return out, nil
}

// Mine lists the caller's posts with their status (held ones and
// rejected ones with the reason).
func (s *Service) Mine(ctx context.Context) ([]View, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	list, err := s.store.ByAuthor(ctx, p.UserID, 200)
	if err != nil {
		return nil, err
	}
	return s.views(ctx, list)
}

// Queue lists what waits for review: posts and comments (staff).
func (s *Service) Queue(ctx context.Context) ([]View, []CommentView, error) {
	if _, err := auth.RequireRole(ctx, auth.StaffRoles()...); err != nil {
		return nil, nil, err
	}
	ps, err := s.store.PendingPosts(ctx, 200)
	if err != nil {
		return nil, nil, err
	}
	cs, err := s.store.PendingComments(ctx, 200)
	if err != nil {
		return nil, nil, err
	}
	pv, err := s.views(ctx, ps)
	if err != nil {
		return nil, nil, err
	}
	cv, err := s.commentViews(ctx, cs)
	return pv, cv, err
}

// Decide publishes or rejects a held post or comment (staff; a rejection
// carries the reason its author sees). The author is told through the
// posts.reviewed event the store writes with the decision.
func (s *Service) Decide(ctx context.Context, kind, id string, approve bool, reason string) error {
	if _, err := auth.RequireRole(ctx, auth.StaffRoles()...); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if !approve && (reason == "" || utf8.RuneCountInString(reason) > 200) {
		return ErrReason
	}
	to := StatusPublished
	if !approve {
		to = StatusRejected
	}
	if kind != "post" && kind != "comment" {
		return ErrBadKind
	}
	changed, err := s.store.Review(ctx, kind, id, to, reason, s.now())
	if err == nil && !changed && kind == "post" {
		if _, lerr := s.store.Post(ctx, id); lerr != nil {
			return lerr
		}
	}
	if err != nil {
		return err
	}
	if !changed {
		return ErrNotPending
	}
	postID := id
	if kind == "comment" {
		c, err := s.store.Comment(ctx, id)
		if err != nil {
			return err
		}
		postID = c.PostID
	}
	s.rerank(ctx, postID)
	return nil
}

// Hold takes a published post or comment (kind "post" or "comment") off
// the boards pending review, with the reason its author sees (staff; the
// reports queue's auto-hide and hide action). False when it was not
// published (already held, rejected or deleted): holding twice is a no-op.
func (s *Service) Hold(ctx context.Context, kind, id, reason string) (bool, error) {
	if _, err := auth.RequireRole(ctx, auth.StaffRoles()...); err != nil {
		return false, err
	}
	var changed bool
	var err error
	postID := id
	switch kind {
	case "post":
		if _, err := s.store.Post(ctx, id); err != nil {
			return false, err
		}
		changed, err = s.store.SetStatus(ctx, id, StatusPublished, StatusPendingReview, reason, s.now())
	case "comment":
		var c *Comment
		if c, err = s.store.Comment(ctx, id); err != nil {
			return false, err
		}
		postID = c.PostID
		changed, err = s.store.SetCommentStatus(ctx, id, StatusPublished, StatusPendingReview, s.now())
	default:
		return false, ErrBadKind
	}
	if err != nil {
		return false, err
	}
	if changed {
		s.rerank(ctx, postID)
	}
	return changed, nil
}

// Remove deletes a post or comment in whatever state it is (staff; the
// reports queue's delete action). Deleting twice is a no-op.
func (s *Service) Remove(ctx context.Context, kind, id string) error {
	if _, err := auth.RequireRole(ctx, auth.StaffRoles()...); err != nil {
		return err
	}
	switch kind {
	case "post":
		p, err := s.store.Post(ctx, id)
		if err != nil {
			return err
		}
		if p.Status == StatusDeleted {
			return nil
		}
		if _, err := s.store.SetStatus(ctx, id, p.Status, StatusDeleted, "", s.now()); err != nil {
			return err
		}
		s.rerank(ctx, id)
	case "comment":
		c, err := s.store.Comment(ctx, id)
		if err != nil {
			return err
		}
		if c.Status == StatusDeleted {
			return nil
		}
		if _, err := s.store.SetCommentStatus(ctx, id, c.Status, StatusDeleted, s.now()); err != nil {
			return err
		}
		s.rerank(ctx, c.PostID)
	default:
		return ErrBadKind
	}
	return nil
}
