// Package posts runs the public square and the club boards: posts with a
// title, cleaned rich text and images, comments with one level of
// replies, likes, favorites, pinning and featuring, and the hot order.
// Every text goes through the moderation filter: blocked, masked, or held
// as pending_review until a moderator decides.
package posts

import (
	"context"
	"math"
	"time"

	"github.com/zuju/zuju/internal/platform/errs"
	"github.com/zuju/zuju/internal/platform/ranking"
)

// Status is a post's or comment's state.
type Status string

// States.
const (
	StatusPublished     Status = "published"
	StatusPendingReview Status = "pending_review"
	StatusRejected      Status = "rejected"
	StatusDeleted       Status = "deleted"
)

// Post is a post of the square (ClubID "") or of a club board.
type Post struct {
	ID, ClubID, AuthorID string
	Title, Content       string // Content: cleaned HTML
	ImageURLs            []string
	MembersOnly          bool
	Status               Status
	ReviewReason         string
	LikeCount            int
	CommentCount         int
	Pinned, Featured     bool
	HotScore             float64
	CreatedAt, UpdatedAt time.Time
}

// Comment is a comment on a post, or a reply to one (ParentID).
type Comment struct {
	ID, PostID, ParentID, AuthorID string
	Content                        string
	Status                         Status
	CreatedAt                      time.Time
}

// Sort orders a list.
type Sort string

// List orders.
const (
	SortLatest Sort = "latest"
	SortHot    Sort = "hot"
)

// ListFilter selects posts of one board.
type ListFilter struct {
	ClubID string // "" is the square
	Sort   Sort
	// MembersOnly includes members-only posts (the caller is a member).
	MembersOnly bool
	After       *Cursor
	Limit       int
}

// Cursor is a position in a list order.
type Cursor struct {
	Pinned bool
	Key    float64 // hot score, or creation time in unix microseconds
	ID     string
}

// hotEpoch keeps hot scores small; hotHalfDay is the age that weighs as
// much as ten times the points.
var hotEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const hotTimescale = 45000.0 // seconds: 12.5 h

// HotScore is a post's place in the hot order: log10 of its points
// (likes, and comments twice) plus its creation time over 12.5 hours. The
// score only changes when the points do, and the order decays with age
// by itself: a post needs ten times the points of one 12.5 h older.
func HotScore(likes, comments int, createdAt time.Time) float64 {
	points := max(1, likes+2*comments)
	return math.Log10(float64(points)) + createdAt.Sub(hotEpoch).Seconds()/hotTimescale
}

// Store keeps posts; counters and scores change atomically with the
// likes and comments that move them.
type Store interface {
	CreatePost(ctx context.Context, p *Post) error
	Post(ctx context.Context, id string) (*Post, error)
	List(ctx context.Context, f ListFilter) ([]Post, error)
	// SetStatus moves a post from one state to another; false when it was
	// not in from.
	SetStatus(ctx context.Context, id string, from, to Status, reason string, at time.Time) (bool, error)
	SetFlags(ctx context.Context, id string, pinned, featured *bool, at time.Time) error
	// Like adds (on) or removes a like; false when nothing changed.
	Like(ctx context.Context, postID, userID string, on bool, at time.Time) (bool, error)
	Liked(ctx context.Context, userID string, postIDs []string) (map[string]bool, error)
	AddComment(ctx context.Context, c *Comment) error
	Comment(ctx context.Context, id string) (*Comment, error)
	Comments(ctx context.Context, postID string, after string, limit int) ([]Comment, error)
	SetCommentStatus(ctx context.Context, id string, from, to Status, at time.Time) (bool, error)
	// Review moves a held post or comment (kind "post" or "comment") to
	// published or rejected (with the reason, for a post) and writes the
	// posts.reviewed event in the same transaction; false when it was not
	// held.
	Review(ctx context.Context, kind, id string, to Status, reason string, at time.Time) (bool, error)
	// Pending lists posts and comments held for review, oldest first.
	PendingPosts(ctx context.Context, limit int) ([]Post, error)
	PendingComments(ctx context.Context, limit int) ([]Comment, error)
	ByAuthor(ctx context.Context, authorID string, limit int) ([]Post, error)
	// Posts loads posts by id (missing ones are left out, in no order).
	Posts(ctx context.Context, ids []string) ([]Post, error)
	// HotEntries lists a board's published posts (pinned or not; with
	// members-only ones or without) with their hot scores, hottest first:
	// what a cold ranking board is rebuilt from.
	HotEntries(ctx context.Context, clubID string, pinned, membersOnly bool) ([]ranking.Entry, error)
	// Favorite adds (on) or removes a favorite; false when nothing changed.
	Favorite(ctx context.Context, postID, userID string, on bool, at time.Time) (bool, error)
	Favorited(ctx context.Context, userID string, postIDs []string) (map[string]bool, error)
	// Favorites lists a user's favorites of published posts, newest
	// first, after a position.
	Favorites(ctx context.Context, userID string, after *FavoriteCursor, limit int) ([]Favorite, error)
}

// Errors of the module.
var (
	ErrNotFound        = errs.NotFound("post.not_found", "帖子不存在")
	ErrCommentNotFound = errs.NotFound("comment.not_found", "评论不存在")
	ErrAlreadyLiked    = errs.Conflict("post.already_liked", "你已经赞过了")
	ErrNotLiked        = errs.Conflict("post.not_liked", "你还没有赞过")
)
