// Package postshttp exposes posts over HTTP: the square and club boards,
// comments, likes, favorites, pinning, the author's own posts, and the moderators'
// review queue.
package postshttp

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/posts"
)

var bearer = []map[string][]string{{"bearer": {}}}

type handlers struct{ svc *posts.Service }

// Register adds the routes.
func Register(api huma.API, svc *posts.Service) {
	h := handlers{svc: svc}
	tag := []string{"Posts"}
	op := func(id, method, path, summary string, status int, secure bool) huma.Operation {
		o := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: tag, DefaultStatus: status}
		if secure {
			o.Security = bearer
		}
		return o
	}
	huma.Register(api, op("list-posts", http.MethodGet, "/posts", "The square (no club_id) or a club board: pinned first, latest or hot", 0, false), h.list)
	huma.Register(api, op("create-post", http.MethodPost, "/posts", "Post on the square or a club board (members): published, or pending_review when the filter holds it", http.StatusCreated, true), h.create)
	huma.Register(api, op("get-post", http.MethodGet, "/posts/{id}", "A post (members-only ones for the club's members)", 0, false), h.get)
	huma.Register(api, op("update-post-flags", http.MethodPatch, "/posts/{id}", "Pin or feature a post (the club's officers, staff)", 0, true), h.flags)
	huma.Register(api, op("delete-post", http.MethodDelete, "/posts/{id}", "Delete a post (its author, the club's officers, staff)", http.StatusNoContent, true), h.delete)
	huma.Register(api, op("like-post", http.MethodPut, "/posts/{id}/like", "Like a post (409 when liked already)", 0, true), h.like)
	huma.Register(api, op("unlike-post", http.MethodDelete, "/posts/{id}/like", "Take a like back", 0, true), h.unlike)
	huma.Register(api, op("favorite-post", http.MethodPut, "/posts/{id}/favorite", "Add a post to one's favorites (409 when it is there already)", 0, true), h.favorite)
	huma.Register(api, op("unfavorite-post", http.MethodDelete, "/posts/{id}/favorite", "Take a post out of one's favorites", 0, true), h.unfavorite)
	huma.Register(api, op("list-my-favorite-posts", http.MethodGet, "/me/favorites/posts", "The caller's favorite posts, newest favorite first (members-only posts of clubs they left are not shown)", 0, true), h.favorites)
	huma.Register(api, op("list-post-comments", http.MethodGet, "/posts/{id}/comments", "Comments and replies, oldest first", 0, false), h.comments)
	huma.Register(api, op("create-post-comment", http.MethodPost, "/posts/{id}/comments", "Comment, or reply to a top-level comment (parent_id)", http.StatusCreated, true), h.comment)
	huma.Register(api, op("list-my-posts", http.MethodGet, "/me/posts", "The caller's posts with their status (held and rejected ones with the reason)", 0, true), h.mine)
	admin := []string{"Admin"}
	huma.Register(api, huma.Operation{OperationID: "admin-moderation-queue", Method: http.MethodGet, Path: "/admin/moderation",
		Summary: "Posts and comments held for review, oldest first (staff)", Tags: admin, Security: bearer}, h.queue)
	huma.Register(api, huma.Operation{OperationID: "admin-moderation-approve", Method: http.MethodPost, Path: "/admin/moderation/{kind}/{id}/approve",
		Summary: "Publish a held post or comment (staff)", Tags: admin, Security: bearer, DefaultStatus: http.StatusNoContent}, h.approve)
	huma.Register(api, huma.Operation{OperationID: "admin-moderation-reject", Method: http.MethodPost, Path: "/admin/moderation/{kind}/{id}/reject",
		Summary: "Reject a held post or comment with the reason its author sees (staff)", Tags: admin, Security: bearer, DefaultStatus: http.StatusNoContent}, h.reject)
}

// AuthorDTO is a post's or comment's author.
type AuthorDTO struct {
	ID        string `json:"id"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
}

// PostDTO is a post (API.md's Post).
type PostDTO struct {
	ID           string    `json:"id"`
	ClubID       *string   `json:"club_id" doc:"null on the square"`
	Author       AuthorDTO `json:"author"`
	Title        string    `json:"title"`
	Content      string    `json:"content" doc:"cleaned HTML"`
	ImageURLs    []string  `json:"image_urls"`
	MembersOnly  bool      `json:"members_only"`
	Status       string    `json:"status" enum:"published,pending_review,rejected,deleted"`
	ReviewReason string    `json:"review_reason,omitempty"`
	LikeCount    int       `json:"like_count"`
	CommentCount int       `json:"comment_count"`
	Liked        bool      `json:"liked"`
	Favorited    bool      `json:"favorited"`
	Pinned       bool      `json:"pinned"`
	Featured     bool      `json:"featured"`
	CreatedAt    time.Time `json:"created_at"`
}

func toPost(v *posts.View) PostDTO {
	d := PostDTO{ID: v.ID, Author: AuthorDTO{ID: v.Author.ID, Nickname: v.Author.Nickname, AvatarURL: v.Author.AvatarURL}, Title: v.Title,
		Content: v.Content, ImageURLs: v.ImageURLs, MembersOnly: v.MembersOnly, Status: string(v.Status), ReviewReason: v.ReviewReason,
		LikeCount: v.LikeCount, CommentCount: v.CommentCount, Liked: v.Liked, Favorited: v.Favorited, Pinned: v.Pinned, Featured: v.Featured, CreatedAt: v.CreatedAt}
	if v.ClubID != "" {
		id := v.ClubID
		d.ClubID = &id
	}
	if d.ImageURLs == nil {
		d.ImageURLs = []string{}
	}
	return d
}

type postListIn struct {
	ClubID string `query:"club_id" maxLength:"64"`
	Sort   string `query:"sort" enum:"latest,hot" default:"latest"`
	Cursor string `query:"cursor" maxLength:"300"`
	Limit  int    `query:"limit" minimum:"1" maximum:"50" default:"20"`
}

type postListOut struct {
	Body struct {
		Items      []PostDTO `json:"items"`
		NextCursor *string   `json:"next_cursor"`
	}
}

func (h handlers) list(ctx context.Context, in *postListIn) (*postListOut, error) {
	list, next, err := h.svc.List(ctx, in.ClubID, posts.Sort(in.Sort), in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &postListOut{}
	out.Body.Items = make([]PostDTO, len(list))
	for i := range list {
		out.Body.Items[i] = toPost(&list[i])
	}
	if next != "" {
		out.Body.NextCursor = &next
	}
	return out, nil
}

type postCreateIn struct {
	Body struct {
		ClubID      string   `json:"club_id,omitempty" maxLength:"64"`
		Title       string   `json:"title" maxLength:"240"`
		Content     string   `json:"content" maxLength:"204800" doc:"rich text (HTML); cleaned on the server"`
		ImageURLs   []string `json:"image_urls,omitempty" maxItems:"9"`
		MembersOnly bool     `json:"members_only,omitempty" doc:"club boards: only the club's members see it"`
	}
}

type postOut struct{ Body PostDTO }

func (h handlers) create(ctx context.Context, in *postCreateIn) (*postOut, error) {
	v, err := h.svc.Create(ctx, posts.Draft{ClubID: in.Body.ClubID, Title: in.Body.Title, Content: in.Body.Content,
		ImageURLs: in.Body.ImageURLs, MembersOnly: in.Body.MembersOnly})
	if err != nil {
		return nil, err
	}
	return &postOut{Body: toPost(v)}, nil
}

type postIDIn struct {
	ID string `path:"id" maxLength:"64"`
}

func (h handlers) get(ctx context.Context, in *postIDIn) (*postOut, error) {
	v, err := h.svc.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &postOut{Body: toPost(v)}, nil
}

type postFlagsIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Pinned   *bool `json:"pinned,omitempty"`
		Featured *bool `json:"featured,omitempty"`
	}
}

func (h handlers) flags(ctx context.Context, in *postFlagsIn) (*postOut, error) {
	v, err := h.svc.Flags(ctx, in.ID, in.Body.Pinned, in.Body.Featured)
	if err != nil {
		return nil, err
	}
	return &postOut{Body: toPost(v)}, nil
}

func (h handlers) delete(ctx context.Context, in *postIDIn) (*struct{}, error) {
	return nil, h.svc.Delete(ctx, in.ID)
}

func (h handlers) like(ctx context.Context, in *postIDIn) (*postOut, error) {
	v, err := h.svc.Like(ctx, in.ID, true)
	if err != nil {
		return nil, err
	}
	return &postOut{Body: toPost(v)}, nil
}

func (h handlers) unlike(ctx context.Context, in *postIDIn) (*postOut, error) {
	v, err := h.svc.Like(ctx, in.ID, false)
	if err != nil {
		return nil, err
	}
	return &postOut{Body: toPost(v)}, nil
}

func (h handlers) favorite(ctx context.Context, in *postIDIn) (*postOut, error) {
	v, err := h.svc.Favorite(ctx, in.ID, true)
	if err != nil {
		return nil, err
	}
	return &postOut{Body: toPost(v)}, nil
}

func (h handlers) unfavorite(ctx context.Context, in *postIDIn) (*postOut, error) {
	v, err := h.svc.Favorite(ctx, in.ID, false)
	if err != nil {
		return nil, err
	}
	return &postOut{Body: toPost(v)}, nil
}

type postFavoritesIn struct {
	Cursor string `query:"cursor" maxLength:"300"`
	Limit  int    `query:"limit" minimum:"1" maximum:"50" default:"20"`
}

func (h handlers) favorites(ctx context.Context, in *postFavoritesIn) (*postListOut, error) {
	list, next, err := h.svc.Favorites(ctx, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &postListOut{}
	out.Body.Items = make([]PostDTO, len(list))
	for i := range list {
		out.Body.Items[i] = toPost(&list[i])
	}
	if next != "" {
		out.Body.NextCursor = &next
	}
	return out, nil
}

// CommentDTO is a comment (API.md's Comment).
type CommentDTO struct {
	ID        string    `json:"id"`
	PostID    string    `json:"post_id"`
	ParentID  *string   `json:"parent_id" doc:"the comment this replies to; null for a top-level comment"`
	Author    AuthorDTO `json:"author"`
	Content   string    `json:"content"`
	Status    string    `json:"status" enum:"published,pending_review,rejected,deleted"`
	CreatedAt time.Time `json:"created_at"`
}

func toComment(c *posts.CommentView) CommentDTO {
	d := CommentDTO{ID: c.ID, PostID: c.PostID, Author: AuthorDTO{ID: c.Author.ID, Nickname: c.Author.Nickname, AvatarURL: c.Author.AvatarURL},
		Content: c.Content, Status: string(c.Status), CreatedAt: c.CreatedAt}
	if c.ParentID != "" {
		p := c.ParentID
		d.ParentID = &p
	}
	return d
}

type commentsIn struct {
	ID    string `path:"id" maxLength:"64"`
	After string `query:"after" maxLength:"64" doc:"the last comment id of the previous page"`
	Limit int    `query:"limit" minimum:"1" maximum:"50" default:"50"`
}

type commentsOut struct {
	Body struct {
		Items []CommentDTO `json:"items"`
	}
}

func (h handlers) comments(ctx context.Context, in *commentsIn) (*commentsOut, error) {
	list, err := h.svc.Comments(ctx, in.ID, in.After, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &commentsOut{}
	out.Body.Items = make([]CommentDTO, len(list))
	for i := range list {
		out.Body.Items[i] = toComment(&list[i])
	}
	return out, nil
}

type commentIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Content  string `json:"content" maxLength:"4000"`
		ParentID string `json:"parent_id,omitempty" maxLength:"64"`
	}
}

type commentOut struct{ Body CommentDTO }

func (h handlers) comment(ctx context.Context, in *commentIn) (*commentOut, error) {
	c, err := h.svc.AddComment(ctx, in.ID, in.Body.Content, in.Body.ParentID)
	if err != nil {
		return nil, err
	}
	return &commentOut{Body: toComment(c)}, nil
}

func (h handlers) mine(ctx context.Context, _ *struct{}) (*postListOut, error) {
	list, err := h.svc.Mine(ctx)
	if err != nil {
		return nil, err
	}
	out := &postListOut{}
	out.Body.Items = make([]PostDTO, len(list))
	for i := range list {
		out.Body.Items[i] = toPost(&list[i])
	}
	return out, nil
}

type queueOut struct {
	Body struct {
		Posts    []PostDTO    `json:"posts"`
		Comments []CommentDTO `json:"comments"`
	}
}

func (h handlers) queue(ctx context.Context, _ *struct{}) (*queueOut, error) {
	ps, cs, err := h.svc.Queue(ctx)
	if err != nil {
		return nil, err
	}
	out := &queueOut{}
	out.Body.Posts = make([]PostDTO, len(ps))
	for i := range ps {
		out.Body.Posts[i] = toPost(&ps[i])
	}
	out.Body.Comments = make([]CommentDTO, len(cs))
	for i := range cs {
		out.Body.Comments[i] = toComment(&cs[i])
	}
	return out, nil
}

type decisionIn struct {
	Kind string `path:"kind" enum:"post,comment"`
	ID   string `path:"id" maxLength:"64"`
	Body *struct {
		Reason string `json:"reason,omitempty" maxLength:"800"`
	}
}

func (in *decisionIn) reason() string {
	if in.Body == nil {
		return ""
	}
	return in.Body.Reason
}

func (h handlers) approve(ctx context.Context, in *decisionIn) (*struct{}, error) {
	return nil, h.svc.Decide(ctx, in.Kind, in.ID, true, in.reason())
}

func (h handlers) reject(ctx context.Context, in *decisionIn) (*struct{}, error) {
	return nil, h.svc.Decide(ctx, in.Kind, in.ID, false, in.reason())
}
