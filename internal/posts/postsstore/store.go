// Package postsstore is the GORM store of the posts module, with its
// migrations for SQLite and PostgreSQL.
package postsstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/errs"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/ranking"
	"github.com/zuju/zuju/internal/platform/sqldb"
	"github.com/zuju/zuju/internal/posts"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the module's migration trees.
func Migrations() sqldb.Migrations { return sqldb.Embedded("posts", migrations) }

// Store keeps posts.
type Store struct{ db *gorm.DB }

// New returns a store over db.
func New(db *sqldb.DB) *Store { return &Store{db: db.Gorm} }

var _ posts.Store = (*Store)(nil)

type postRow struct {
	ID           string `gorm:"primaryKey"`
	ClubID       string
	AuthorID     string
	Title        string
	Content      string
	ImageURLs    string `gorm:"column:image_urls"`
	MembersOnly  bool
	Status       string
	ReviewReason string
	LikeCount    int
	CommentCount int
	Pinned       bool
	Featured     bool
	HotScore     float64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (postRow) TableName() string { return "posts" }

func (r postRow) post() posts.Post {
	p := posts.Post{ID: r.ID, ClubID: r.ClubID, AuthorID: r.AuthorID, Title: r.Title, Content: r.Content, MembersOnly: r.MembersOnly,
		Status: posts.Status(r.Status), ReviewReason: r.ReviewReason, LikeCount: r.LikeCount, CommentCount: r.CommentCount,
		Pinned: r.Pinned, Featured: r.Featured, HotScore: r.HotScore, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.ImageURLs != "" {
		p.ImageURLs = strings.Split(r.ImageURLs, "\n")
	}
	return p
}

type commentRow struct {
	ID        string `gorm:"primaryKey"`
	PostID    string
	ParentID  string
	AuthorID  string
	Content   string
	Status    string
	CreatedAt time.Time
}

func (commentRow) TableName() string { return "post_comments" }

func (r commentRow) comment() posts.Comment {
	return posts.Comment{ID: r.ID, PostID: r.PostID, ParentID: r.ParentID, AuthorID: r.AuthorID, Content: r.Content,
		Status: posts.Status(r.Status), CreatedAt: r.CreatedAt.UTC()}
}

// CreatePost inserts a post.
func (s *Store) CreatePost(ctx context.Context, p *posts.Post) error {
	p.HotScore = posts.HotScore(0, 0, p.CreatedAt)
	r := postRow{ID: p.ID, ClubID: p.ClubID, AuthorID: p.AuthorID, Title: p.Title, Content: p.Content, ImageURLs: strings.Join(p.ImageURLs, "\n"),
		MembersOnly: p.MembersOnly, Status: string(p.Status), HotScore: p.HotScore, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.CreatedAt.UTC()}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return fmt.Errorf("create post: %w", err)
	}
	return nil
}

// Post loads a post.
func (s *Store) Post(ctx context.Context, id string) (*posts.Post, error) {
	var r postRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, posts.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load post: %w", err)
	}
	p := r.post()
	return &p, nil
}

// List lists a board's published posts, pinned first, in the filter's
// order after its cursor.
func (s *Store) List(ctx context.Context, f posts.ListFilter) ([]posts.Post, error) {
	q := s.db.WithContext(ctx).Model(&postRow{}).Where("club_id = ? AND status = ?", f.ClubID, posts.StatusPublished)
	if !f.MembersOnly {
		q = q.Where("members_only = ?", false)
	}
	key := "created_at"
	if f.Sort == posts.SortHot {
		key = "hot_score"
	}
	if c := f.After; c != nil {
		var v any = c.Key
		if f.Sort != posts.SortHot {
			v = time.UnixMicro(int64(c.Key)).UTC()
		}
		q = q.Where("(pinned < ?) OR (pinned = ? AND ("+key+" < ? OR ("+key+" = ? AND id > ?)))", c.Pinned, c.Pinned, v, v, c.ID)
	}
	var rows []postRow
	if err := q.Order("pinned DESC, " + key + " DESC, id").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list posts: %w", err)
	}
	return postsOf(rows), nil
}

func postsOf(rows []postRow) []posts.Post {
	out := make([]posts.Post, len(rows))
	for i := range rows {
		out[i] = rows[i].post()
	}
	return out
}

// SetStatus moves a post between states.
func (s *Store) SetStatus(ctx context.Context, id string, from, to posts.Status, reason string, at time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE posts SET status = ?, review_reason = ?, updated_at = ? WHERE id = ? AND status = ?`,
		to, reason, at.UTC(), id, from)
	if res.Error != nil {
		return false, fmt.Errorf("set post status: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// SetFlags pins or features a post.
func (s *Store) SetFlags(ctx context.Context, id string, pinned, featured *bool, at time.Time) error {
	set := map[string]any{"updated_at": at.UTC()}
	if pinned != nil {
		set["pinned"] = *pinned
	}
	if featured != nil {
		set["featured"] = *featured
	}
	if err := s.db.WithContext(ctx).Model(&postRow{}).Where("id = ?", id).Updates(set).Error; err != nil {
		return fmt.Errorf("set post flags: %w", err)
	}
	return nil
}

// rescore recomputes a post's hot score from its counters, inside tx.
func rescore(tx *gorm.DB, postID string) error {
	var r postRow
	if err := tx.Select("like_count", "comment_count", "created_at").Where("id = ?", postID).Take(&r).Error; err != nil {
		return err
	}
	return tx.Exec(`UPDATE posts SET hot_score = ? WHERE id = ?`, posts.HotScore(r.LikeCount, r.CommentCount, r.CreatedAt), postID).Error
}

// Like adds or removes a like with its counter and score, in one
// transaction.
func (s *Store) Like(ctx context.Context, postID, userID string, on bool, at time.Time) (bool, error) {
	changed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var res *gorm.DB
		if on {
			res = tx.Exec(`INSERT INTO post_likes (post_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT (post_id, user_id) DO NOTHING`,
				postID, userID, at.UTC())
		} else {
			res = tx.Exec(`DELETE FROM post_likes WHERE post_id = ? AND user_id = ?`, postID, userID)
		}
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		changed = true
		delta := 1
		if !on {
			delta = -1
		}
		if err := tx.Exec(`UPDATE posts SET like_count = like_count + ? WHERE id = ?`, delta, postID).Error; err != nil {
			return err
		}
		return rescore(tx, postID)
	})
	if err != nil {
		return false, fmt.Errorf("like post: %w", err)
	}
	return changed, nil
}

// Liked reports which of these posts the user liked.
func (s *Store) Liked(ctx context.Context, userID string, postIDs []string) (map[string]bool, error) {
	out := map[string]bool{}
	if userID == "" || len(postIDs) == 0 {
		return out, nil
	}
	var ids []string
	if err := s.db.WithContext(ctx).Table("post_likes").Where("user_id = ? AND post_id IN ?", userID, postIDs).Pluck("post_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("load likes: %w", err)
	}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// AddComment inserts a comment; a published one counts on its post.
func (s *Store) AddComment(ctx context.Context, c *posts.Comment) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&commentRow{ID: c.ID, PostID: c.PostID, ParentID: c.ParentID, AuthorID: c.AuthorID, Content: c.Content,
			Status: string(c.Status), CreatedAt: c.CreatedAt.UTC()}).Error; err != nil {
			return err
		}
		if c.Status != posts.StatusPublished {
			return nil
		}
		return countComment(tx, c.PostID, 1)
	})
	if err != nil {
		return fmt.Errorf("add comment: %w", err)
	}
	return nil
}

func countComment(tx *gorm.DB, postID string, delta int) error {
	if err := tx.Exec(`UPDATE posts SET comment_count = comment_count + ? WHERE id = ?`, delta, postID).Error; err != nil {
		return err
	}
	return rescore(tx, postID)
}

// Comment loads a comment.
func (s *Store) Comment(ctx context.Context, id string) (*posts.Comment, error) {
	var r commentRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, posts.ErrCommentNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load comment: %w", err)
	}
	c := r.comment()
	return &c, nil
}

// Comments lists a post's published comments and replies, oldest first,
// after a comment id.
func (s *Store) Comments(ctx context.Context, postID, after string, limit int) ([]posts.Comment, error) {
	q := s.db.WithContext(ctx).Where("post_id = ? AND status = ?", postID, posts.StatusPublished)
	if after != "" {
		var a commentRow
		if err := s.db.WithContext(ctx).Where("id = ? AND post_id = ?", after, postID).Take(&a).Error; err == nil {
			q = q.Where("(created_at > ?) OR (created_at = ? AND id > ?)", a.CreatedAt, a.CreatedAt, a.ID)
		}
	}
	var rows []commentRow
	if err := q.Order("created_at, id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	out := make([]posts.Comment, len(rows))
	for i := range rows {
		out[i] = rows[i].comment()
	}
	return out, nil
}

// SetCommentStatus moves a comment between states, with its post's
// counter.
func (s *Store) SetCommentStatus(ctx context.Context, id string, from, to posts.Status, at time.Time) (bool, error) {
	changed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		_, changed, err = setCommentStatus(tx, id, from, to)
		return err
	})
	if err != nil && !errors.Is(err, posts.ErrCommentNotFound) {
		err = fmt.Errorf("set comment status: %w", err)
	}
	return changed, err
}

// setCommentStatus moves a comment between states inside tx, with its
// post's counter, and returns the comment.
func setCommentStatus(tx *gorm.DB, id string, from, to posts.Status) (commentRow, bool, error) {
	var c commentRow
	if err := tx.Where("id = ?", id).Take(&c).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return c, false, posts.ErrCommentNotFound
		}
		return c, false, err
	}
	res := tx.Exec(`UPDATE post_comments SET status = ? WHERE id = ? AND status = ?`, to, id, from)
	if res.Error != nil || res.RowsAffected == 0 {
		return c, false, res.Error
	}
	switch {
	case from == posts.StatusPublished && to != posts.StatusPublished:
		return c, true, countComment(tx, c.PostID, -1)
	case from != posts.StatusPublished && to == posts.StatusPublished:
		return c, true, countComment(tx, c.PostID, 1)
	}
	return c, true, nil
}

// Review publishes or rejects a held post or comment with a conditional
// update, and writes posts.reviewed (addressed to the author) in the same
// transaction with its audit row (post.review, comment.review), so a
// decision that commits always tells its author and a second decision of
// the same item changes, audits and tells nothing.
func (s *Store) Review(ctx context.Context, kind, id string, to posts.Status, reason string, at time.Time) (bool, error) {
	changed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ev := posts.ReviewedEvent{Kind: kind, ID: id, PostID: id, Approved: to == posts.StatusPublished, Status: to, Reason: reason,
			ReviewedAt: at.UTC()}
		switch kind {
		case "post":
			res := tx.Exec(`UPDATE posts SET status = ?, review_reason = ?, updated_at = ? WHERE id = ? AND status = ?`,
				to, reason, at.UTC(), id, posts.StatusPendingReview)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			var p postRow
			if err := tx.Select("id", "author_id", "title").Where("id = ?", id).Take(&p).Error; err != nil {
				return err
			}
			ev.AuthorID, ev.Subject = p.AuthorID, p.Title
		case "comment":
			c, ok, err := setCommentStatus(tx, id, posts.StatusPendingReview, to)
			if err != nil || !ok {
				return err
			}
			ev.PostID, ev.AuthorID, ev.Subject = c.PostID, c.AuthorID, posts.Subject(c.Content)
		default:
			return posts.ErrBadKind
		}
		changed = true
		if _, err := outbox.Add(ctx, tx, posts.TopicReviewed, ev); err != nil {
			return err
		}
		// The moderator's decision is audited with it.
		return audit.Record(ctx, tx, kind+".review", kind, id, map[string]any{"status": posts.StatusPendingReview},
			map[string]any{"status": to, "reason": reason})
	})
	if err != nil {
		if _, ok := errs.As(err); ok {
			return false, err
		}
		return false, fmt.Errorf("review %s: %w", kind, err)
	}
	return changed, nil
}

// PendingPosts lists posts held for review, oldest first.
func (s *Store) PendingPosts(ctx context.Context, limit int) ([]posts.Post, error) {
	var rows []postRow
	if err := s.db.WithContext(ctx).Where("status = ?", posts.StatusPendingReview).Order("created_at, id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list pending posts: %w", err)
	}
	return postsOf(rows), nil
}

// PendingComments lists comments held for review, oldest first.
func (s *Store) PendingComments(ctx context.Context, limit int) ([]posts.Comment, error) {
	var rows []commentRow
	if err := s.db.WithContext(ctx).Where("status = ?", posts.StatusPendingReview).Order("created_at, id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list pending comments: %w", err)
	}
	out := make([]posts.Comment, len(rows))
	for i := range rows {
		out[i] = rows[i].comment()
	}
	return out, nil
}

// ByAuthor lists an author's posts, newest first (every status but
// deleted).
func (s *Store) ByAuthor(ctx context.Context, authorID string, limit int) ([]posts.Post, error) {
	var rows []postRow
	err := s.db.WithContext(ctx).Where("author_id = ? AND status <> ?", authorID, posts.StatusDeleted).Order("created_at DESC, id").
		Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list author's posts: %w", err)
	}
	return postsOf(rows), nil
}

// Posts loads posts by id.
func (s *Store) Posts(ctx context.Context, ids []string) ([]posts.Post, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []postRow
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load posts: %w", err)
	}
	return postsOf(rows), nil
}

// HotEntries lists a board's published posts with their hot scores,
// along the hot index.
func (s *Store) HotEntries(ctx context.Context, clubID string, pinned, membersOnly bool) ([]ranking.Entry, error) {
	q := s.db.WithContext(ctx).Model(&postRow{}).Select("id", "hot_score").
		Where("club_id = ? AND status = ? AND pinned = ?", clubID, posts.StatusPublished, pinned)
	if !membersOnly {
		q = q.Where("members_only = ?", false)
	}
	var rows []struct {
		ID       string
		HotScore float64
	}
	if err := q.Order("hot_score DESC, id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list hot entries: %w", err)
	}
	out := make([]ranking.Entry, len(rows))
	for i, r := range rows {
		out[i] = ranking.Entry{ID: r.ID, Score: r.HotScore}
	}
	return out, nil
}

// Favorite adds or removes a favorite.
func (s *Store) Favorite(ctx context.Context, postID, userID string, on bool, at time.Time) (bool, error) {
	var res *gorm.DB
	if on {
		// Microseconds, as cursors carry them.
		res = s.db.WithContext(ctx).Exec(`INSERT INTO post_favorites (post_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT (post_id, user_id) DO NOTHING`,
			postID, userID, at.UTC().Truncate(time.Microsecond))
	} else {
		res = s.db.WithContext(ctx).Exec(`DELETE FROM post_favorites WHERE post_id = ? AND user_id = ?`, postID, userID)
	}
	if res.Error != nil {
		return false, fmt.Errorf("favorite post: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Favorited reports which of these posts the user has among favorites.
func (s *Store) Favorited(ctx context.Context, userID string, postIDs []string) (map[string]bool, error) {
	out := map[string]bool{}
	if userID == "" || len(postIDs) == 0 {
		return out, nil
	}
	var ids []string
	if err := s.db.WithContext(ctx).Table("post_favorites").Where("user_id = ? AND post_id IN ?", userID, postIDs).Pluck("post_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("load favorites: %w", err)
	}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// Favorites lists a user's favorites of published posts, newest first,
// along the (user_id, created_at) index.
func (s *Store) Favorites(ctx context.Context, userID string, after *posts.FavoriteCursor, limit int) ([]posts.Favorite, error) {
	q := s.db.WithContext(ctx).Table("post_favorites AS f").Select("f.post_id, f.created_at").
		Joins("JOIN posts AS p ON p.id = f.post_id").
		Where("f.user_id = ? AND p.status = ?", userID, posts.StatusPublished)
	if after != nil {
		at := after.At.UTC()
		q = q.Where("(f.created_at < ?) OR (f.created_at = ? AND f.post_id > ?)", at, at, after.PostID)
	}
	var rows []struct {
		PostID    string
		CreatedAt time.Time
	}
	if err := q.Order("f.created_at DESC, f.post_id").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list favorites: %w", err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.PostID
	}
	list, err := s.Posts(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]posts.Post, len(list))
	for _, p := range list {
		byID[p.ID] = p
	}
	out := make([]posts.Favorite, 0, len(rows))
	for _, r := range rows {
		if p, ok := byID[r.PostID]; ok {
			out = append(out, posts.Favorite{Post: p, At: r.CreatedAt.UTC()})
		}
	}
	return out, nil
}
