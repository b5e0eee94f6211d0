package posts

import (
	"context"
	"time"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/errs"
)

// Errors of favorites (a second favorite is a conflict, like a second
// like).
var (
	ErrAlreadyFavorited = errs.Conflict("post.already_favorited", "你已经收藏过了")
	ErrNotFavorited     = errs.Conflict("post.not_favorited", "你还没有收藏")
)

// Favorite is a post in someone's favorites, with when it was added.
type Favorite struct {
	Post Post
	At   time.Time
}

// FavoriteCursor is a position in someone's favorites (newest first).
type FavoriteCursor struct {
	At     time.Time
	PostID string
}

// Favorite adds (on) or removes a published post the caller sees to or
// from their favorites; adding twice is ErrAlreadyFavorited, removing
// what is not there ErrNotFavorited.
func (s *Service) Favorite(ctx context.Context, id string, on bool) (*View, error) {
	if err := s.mark(ctx, id, on, s.store.Favorite, ErrAlreadyFavorited, ErrNotFavorited); err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// favoriteScan bounds the favorites read for one page when many are
// hidden (members-only posts of clubs the caller left).
const favoriteScan = 5

// Favorites lists the caller's favorite posts, newest favorite first,
// with the next cursor ("" at the end). Only published posts the caller
// may see now are shown: members-only posts of a club they left are not.
// A page may hold fewer than limit posts when many are hidden; the cursor
// then continues after the last one read.
func (s *Service) Favorites(ctx context.Context, cursor string, limit int) ([]View, string, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > MaxPage {
		limit = 20
	}
	var pos *FavoriteCursor
	if cursor != "" {
		c, err := decodeCursor(cursor)
		if err != nil || c.Pinned {
			return nil, "", ErrBadCursor
		}
		pos = &FavoriteCursor{At: time.UnixMicro(int64(c.Key)).UTC(), PostID: c.ID}
	}
	roles := map[string]bool{} // club → the caller is a member
	member := func(clubID string) (bool, error) {
		if m, ok := roles[clubID]; ok {
			return m, nil
		}
		role, _, _, err := s.clubs.Role(ctx, clubID, p.UserID)
		if err != nil {
			return false, err
		}
		roles[clubID] = role != "" || p.IsStaff()
		return roles[clubID], nil
	}
	var shown []Favorite
	exhausted := false
scan:
	for range favoriteScan {
		batch, err := s.store.Favorites(ctx, p.UserID, pos, limit+1)
		if err != nil {
			return nil, "", err
		}
		for _, f := range batch {
			pos = &FavoriteCursor{At: f.At, PostID: f.Post.ID}
			if f.Post.Status != StatusPublished {
				continue
			}
			if f.Post.MembersOnly {
				ok, err := member(f.Post.ClubID)
				if err != nil {
					return nil, "", err
				}
				if !ok {
					continue
				}
			}
			shown = append(shown, f)
			if len(shown) > limit {
				break scan
			}
		}
		if len(batch) <= limit {
			exhausted = true
			break
		}
	}
	next := ""
	switch {
	case len(shown) > limit:
		shown = shown[:limit]
		last := shown[limit-1]
		next = favoriteCursor(last.At, last.Post.ID)
	case !exhausted && pos != nil:
		next = favoriteCursor(pos.At, pos.PostID)
	}
	list := make([]Post, len(shown))
	for i := range shown {
		list[i] = shown[i].Post
	}
	views, err := s.views(ctx, list)
	return views, next, err
}

func favoriteCursor(at time.Time, postID string) string {
	return encodeCursor(Cursor{Key: float64(at.UnixMicro()), ID: postID})
}
