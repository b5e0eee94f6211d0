package posts

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/errs"
	"github.com/zuju/zuju/internal/platform/richtext"
	"github.com/zuju/zuju/internal/platform/textfilter"
)

// Limits of posts.
const (
	MaxTitleRunes   = 60
	MaxContentRunes = 20000 // of the text, tags aside
	MaxHTMLBytes    = 200 << 10
	MaxImages       = 9
	MaxCommentRunes = 1000
	MaxPage         = 50
)

// Errors of the service.
var (
	ErrEmptyTitle    = errs.Invalid("post.invalid_title", "标题需 1–60 个字")
	ErrEmptyContent  = errs.Invalid("post.empty", "内容不能为空")
	ErrTooLong       = errs.Invalid("post.too_long", "内容过长")
	ErrTooManyImages = errs.Invalid("post.too_many_images", "最多 9 张图片")
	ErrBadImage      = errs.Invalid("post.invalid_image", "图片地址无效")
	ErrBlocked       = errs.Invalid("post.blocked", "内容含有违规词语，请修改后再发布")
	ErrNotClubMember = errs.Forbidden("post.not_club_member", "加入社团后才能在社团版块发帖")
	ErrForbidden     = errs.Forbidden("post.forbidden", "你不能这样做")
	ErrBadParent     = errs.Invalid("comment.invalid_parent", "只能回复该帖子下的评论")
	ErrBadCursor     = errs.Invalid("post.invalid_cursor", "分页游标无效")
	ErrUnknownClub   = errs.Invalid("post.unknown_club", "社团不存在")
	ErrReason        = errs.Invalid("moderation.reason_required", "请填写驳回原因（1–200 字）")
	ErrBadKind       = errs.Invalid("moderation.invalid_kind", "只能审核帖子或评论")
	ErrNotPending    = errs.Conflict("moderation.not_pending", "该内容不在待审核状态")
)

// Clubs tells the posts module about clubs.
type Clubs interface {
	// Role is the user's role in the club ("" when not a member; "owner",
	// "officer", "member"); active is false for a club not (or no longer)
	// active; found is false for no club.
	Role(ctx context.Context, clubID, userID string) (role string, active, found bool, err error)
}

// Filter checks what people write.
type Filter interface {
	Check(text string) textfilter.Result
}

// Person is how an author appears.
type Person struct {
	ID, Nickname, AvatarURL string
}

// People looks up public profiles.
type People interface {
	People(ctx context.Context, ids []string) (map[string]Person, error)
}

// Service runs posts.
type Service struct {
	store  Store
	clubs  Clubs
	people People
	filter Filter
	clean  *richtext.Policy
	now    func() time.Time
	newID  func() string
	hot    *hotCache // nil: hot lists from the database
}

// NewService returns the service.
func NewService(store Store, clubs Clubs, people People, filter Filter, clean *richtext.Policy, now func() time.Time, newID func() string) *Service {
	return &Service{store: store, clubs: clubs, people: people, filter: filter, clean: clean, now: now, newID: newID}
}

// Draft is what an author writes.
type Draft struct {
	ClubID, Title, Content string
	ImageURLs              []string
	MembersOnly            bool
}

// View is a post as a caller sees it.
type View struct {
	Post
	Author    Person
	Liked     bool
	Favorited bool
}

// moderate runs texts through the filter: an error for a block, the
// status (published or pending_review) otherwise, and the masked texts.
func (s *Service) moderate(texts ...*string) (Status, error) {
	st := StatusPublished
	for _, t := range texts {
		res := s.filter.Check(*t)
		switch {
		case res.Action == textfilter.Block:
			return "", ErrBlocked
		case res.Action == textfilter.Review:
			st = StatusPendingReview
		}
		*t = res.Text
	}
	return st, nil
}

// Create publishes a post on the square or, for its members, on a club's
// board; held texts wait as pending_review.
func (s *Service) Create(ctx context.Context, d Draft) (*View, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	d.Title = strings.TrimSpace(d.Title)
	if n := utf8.RuneCountInString(d.Title); n < 1 || n > MaxTitleRunes {
		return nil, ErrEmptyTitle
	}
	if len(d.Content) > MaxHTMLBytes {
		return nil, ErrTooLong
	}
	d.Content = s.clean.Clean(d.Content)
	text := richtext.Text(d.Content)
	switch {
	case text == "" && len(d.ImageURLs) == 0:
		return nil, ErrEmptyContent
	case utf8.RuneCountInString(text) > MaxContentRunes:
		return nil, ErrTooLong
	case len(d.ImageURLs) > MaxImages:
		return nil, ErrTooManyImages
	}
	for _, u := range d.ImageURLs {
		if !(strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "/files/")) || len(u) > 500 || strings.ContainsAny(u, " \n\"'<>") {
			return nil, ErrBadImage
		}
	}
	if d.ClubID != "" {
		role, active, found, err := s.clubs.Role(ctx, d.ClubID, p.UserID)
		switch {
		case err != nil:
			return nil, err
		case !found || !active:
			return nil, ErrUnknownClub
		case role == "":
			return nil, ErrNotClubMember
		}
	} else {
		d.MembersOnly = false
	}
	// The filter decides on the text a reader sees; its masks apply to
	// the title and the HTML.
	st, err := s.moderate(&text)
	if err != nil {
		return nil, err
	}
	if ht, err := s.moderate(&d.Title, &d.Content); err != nil {
		return nil, err
	} else if ht == StatusPendingReview {
		st = StatusPendingReview
	}
	now := s.now().UTC()
	post := &Post{ID: s.newID(), ClubID: d.ClubID, AuthorID: p.UserID, Title: d.Title, Content: d.Content, ImageURLs: d.ImageURLs,
		MembersOnly: d.MembersOnly, Status: st, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreatePost(ctx, post); err != nil {
		return nil, err
	}
	if st == StatusPublished {
		s.rerank(ctx, post.ID)
	}
	return s.Get(ctx, post.ID)
}

// access is what the caller may do with a post.
type access struct {
	see, moderate bool
}

// accessTo decides what the caller may do with a post: published posts
// are seen by everyone (members-only ones by the club's members); held
// and rejected ones by their author, the club's officers and staff.
func (s *Service) accessTo(ctx context.Context, post *Post) (access, error) {
	p, _ := auth.From(ctx)
	var acc access
	role := ""
	if post.ClubID != "" && p.UserID != "" {
		r, _, _, err := s.clubs.Role(ctx, post.ClubID, p.UserID)
		if err != nil {
			return acc, err
		}
		role = r
	}
	officer := role == "owner" || role == "officer"
	acc.moderate = p.IsStaff() || officer
	switch post.Status {
	case StatusPublished:
		acc.see = !post.MembersOnly || role != "" || p.IsStaff()
	case StatusPendingReview, StatusRejected:
		acc.see = post.AuthorID == p.UserID || acc.moderate
	}
	return acc, nil
}

// load returns a post the caller may see (ErrNotFound otherwise).
func (s *Service) load(ctx context.Context, id string) (*Post, access, error) {
	post, err := s.store.Post(ctx, id)
	if err != nil {
		return nil, access{}, err
	}
	acc, err := s.accessTo(ctx, post)
	if err != nil {
		return nil, acc, err
	}
	if !acc.see {
		return nil, acc, ErrNotFound
	}
	return post, acc, nil
}

// Get returns a post.
func (s *Service) Get(ctx context.Context, id string) (*View, error) {
	post, _, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	views, err := s.views(ctx, []Post{*post})
	if err != nil {
		return nil, err
	}
	return &views[0], nil
}

func (s *Service) views(ctx context.Context, list []Post) ([]View, error) {
	p, _ := auth.From(ctx)
	ids, authors := make([]string, len(list)), make([]string, len(list))
	for i := range list {
		ids[i], authors[i] = list[i].ID, list[i].AuthorID
	}
	liked, err := s.store.Liked(ctx, p.UserID, ids)
	if err != nil {
		return nil, err
	}
	favs, err := s.store.Favorited(ctx, p.UserID, ids)
	if err != nil {
		return nil, err
	}
	people, err := s.people.People(ctx, authors)
	if err != nil {
		return nil, err
	}
	out := make([]View, len(list))
	for i, post := range list {
		a, ok := people[post.AuthorID]
		if !ok {
			a = Person{ID: post.AuthorID, Nickname: "已注销用户"}
		}
		out[i] = View{Post: post, Author: a, Liked: liked[post.ID], Favorited: favs[post.ID]}
	}
	return out, nil
}

// List lists a board (the square for clubID ""), pinned first, latest or
// hot, with the next cursor ("" at the end).
func (s *Service) List(ctx context.Context, clubID string, sort Sort, cursor string, limit int) ([]View, string, error) {
	if sort == "" {
		sort = SortLatest
	}
	if limit <= 0 || limit > MaxPage {
		limit = 20
	}
	f := ListFilter{ClubID: clubID, Sort: sort, Limit: limit + 1}
	if clubID != "" {
		p, _ := auth.From(ctx)
		role, _, found, err := s.clubs.Role(ctx, clubID, p.UserID)
		if err != nil {
			return nil, "", err
		}
		if !found {
			return nil, "", ErrUnknownClub
		}
		f.MembersOnly = role != "" || p.IsStaff()
	}
	if cursor != "" {
		c, err := decodeCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		f.After = c
	}
	if sort == SortHot && s.hot != nil {
		list, next, err := s.rankedHot(ctx, clubID, f.MembersOnly, f.After, limit)
		if err == nil {
			views, err := s.views(ctx, list)
			return views, next, err
		}
		if !errors.Is(err, errCold) {
			s.hot.logger.Warn("posts: hot list from the ranking; reading the database", "club_id", clubID, "err", err)
		}
	}
	return s.listDB(ctx, f, limit)
}

// listDB reads a page of a board from the database.
func (s *Service) listDB(ctx context.Context, f ListFilter, limit int) ([]View, string, error) {
	sort := f.Sort
	list, err := s.store.List(ctx, f)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		key := last.HotScore
		if sort != SortHot {
			key = float64(last.CreatedAt.UnixMicro())
		}
		next = encodeCursor(Cursor{Pinned: last.Pinned, Key: key, ID: last.ID})
	}
	views, err := s.views(ctx, list)
	return views, next, err
}

func encodeCursor(c Cursor) string {
	pin := "0"
	if c.Pinned {
		pin = "1"
	}
	return base64.RawURLEncoding.EncodeToString([]byte(pin + ":" + strconv.FormatFloat(c.Key, 'g', -1, 64) + ":" + c.ID))
}

func decodeCursor(s string) (*Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrBadCursor
	}
	parts := strings.SplitN(string(b), ":", 3)
	if len(parts) != 3 || (parts[0] != "0" && parts[0] != "1") || parts[2] == "" {
		return nil, ErrBadCursor
	}
	k, err := strconv.ParseFloat(parts[1], 64)
	if err != nil {
		return nil, ErrBadCursor
	}
	return &Cursor{Pinned: parts[0] == "1", Key: k, ID: parts[2]}, nil
}
