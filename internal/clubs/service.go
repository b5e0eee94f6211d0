package clubs

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/errs"
	"github.com/zuju/zuju/internal/platform/search"
	"github.com/zuju/zuju/internal/platform/textfilter"
)

// Limits of what people write.
const (
	MaxNameRunes        = 30
	MaxDescriptionRunes = 2000
	MaxQuestions        = 5
	MaxQuestionRunes    = 100
	MaxMessageRunes     = 500
	MaxReasonRunes      = 200
	MaxPage             = 50
	MaxRoster           = 2000
)

// Errors of the service.
var (
	ErrInvalidName    = errs.Invalid("club.invalid_name", "社团名称需 2–30 个字")
	ErrInvalidText    = errs.Invalid("club.invalid_text", "内容过长")
	ErrBlocked        = errs.Invalid("club.blocked", "内容含有违规词语，请修改后再提交")
	ErrReasonRequired = errs.Invalid("club.reason_required", "请填写原因（1–200 字）")
	ErrNotOfficer     = errs.Forbidden("club.not_officer", "只有社团负责人可以这样做")
	ErrNotOwner       = errs.Forbidden("club.not_owner", "只有社长可以这样做")
	ErrNotActive      = errs.Conflict("club.not_active", "社团未通过审核或已解散")
	ErrCooldown       = errs.Conflict("club.apply_cooldown", "申请被拒后需等待一段时间才能再次申请")
	ErrAnswers        = errs.Invalid("club.invalid_answers", "请回答社团的全部问题（每题最多 500 字）")
	ErrBadRole        = errs.Invalid("club.invalid_role", "角色只能是 officer 或 member")
	ErrOwnerLeaves    = errs.Conflict("club.owner_cannot_leave", "社长需先转让社团才能退出")
	ErrBadCursor      = errs.Invalid("club.invalid_cursor", "分页游标无效")
)

// Settings tune clubs.
type Settings struct {
	// ApplyCooldown is how long after a rejection someone may apply again.
	ApplyCooldown time.Duration
}

// Person is how a member appears.
type Person struct {
	ID, Nickname, AvatarURL string
}

// People looks up public profiles.
type People interface {
	People(ctx context.Context, ids []string) (map[string]Person, error)
}

// Filter checks what people write (the moderation pipeline).
type Filter interface {
	Check(text string) textfilter.Result
}

// Service runs clubs.
type Service struct {
	store  Store
	people People
	acts   Activities
	filter Filter
	set    Settings
	now    func() time.Time
	newID  func() string
}

// NewService returns the service.
func NewService(store Store, people People, filter Filter, set Settings, now func() time.Time, newID func() string) *Service {
	return &Service{store: store, people: people, filter: filter, set: set, now: now, newID: newID}
}

// View is a club as a caller sees it.
type View struct {
	Club
	Owner     Person
	MyRole    Role // "" when not a member
	Favorited bool
	// MyApplication is the caller's own application when it is pending
	// or was rejected last (nil otherwise); set by Get only, not in lists.
	MyApplication *OwnApplication
}

// OwnApplication is the applicant's view of their latest application to
// a club: 待审核 while pending, 已拒绝 with the reason and when they may
// apply again.
type OwnApplication struct {
	ID        string
	Status    ApplicationStatus
	Reason    string
	CreatedAt time.Time
	DecidedAt *time.Time
	// ReapplyAt is, for a rejection, when the cooldown ends and they may
	// apply again (it may be past).
	ReapplyAt *time.Time
}

// person returns a profile from a lookup, or a placeholder.
func person(people map[string]Person, id string) Person {
	if p, ok := people[id]; ok {
		return p
	}
	return Person{ID: id, Nickname: "已注销用户"}
}

// Draft is what a club's creator writes.
type Draft struct {
	Name, CategoryID, Description, LogoURL string
	Questions                              []string
}

// check validates a draft's texts and runs them through the word filter.
func (s *Service) check(ctx context.Context, d *Draft) error {
	d.Name, d.Description = strings.TrimSpace(d.Name), strings.TrimSpace(d.Description)
	if n := utf8.RuneCountInString(d.Name); n < 2 || n > MaxNameRunes {
		return ErrInvalidName
	}
	if utf8.RuneCountInString(d.Description) > MaxDescriptionRunes || len(d.Questions) > MaxQuestions {
		return ErrInvalidText
	}
	qs := d.Questions[:0]
	for _, q := range d.Questions {
		q = strings.TrimSpace(strings.ReplaceAll(q, "\n", " "))
		if utf8.RuneCountInString(q) > MaxQuestionRunes {
			return ErrInvalidText
		}
		if q != "" {
			qs = append(qs, q)
		}
	}
	d.Questions = qs
	for _, t := range append([]string{d.Name, d.Description}, d.Questions...) {
		if s.filter.Check(t).Action >= textfilter.Review {
			return ErrBlocked
		}
	}
	d.Name = s.filter.Check(d.Name).Text
	d.Description = s.filter.Check(d.Description).Text
	ok, err := s.store.CategoryExists(ctx, d.CategoryID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrCategoryNotFound
	}
	return nil
}

// Create founds a club owned by the caller, pending until staff approve it.
func (s *Service) Create(ctx context.Context, d Draft) (*View, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.check(ctx, &d); err != nil {
		return nil, err
	}
	c := &Club{ID: s.newID(), Name: d.Name, CategoryID: d.CategoryID, Description: d.Description, LogoURL: d.LogoURL,
		Questions: d.Questions, OwnerID: p.UserID, CreatedAt: s.now().UTC()}
	if err := s.store.CreateClub(ctx, c); err != nil {
		return nil, err
	}
	return s.Get(ctx, c.ID)
}

// visible loads a club the caller may see: active and dissolved ones for
// everyone, pending and rejected ones for their owner and staff.
func (s *Service) visible(ctx context.Context, id string) (*Club, auth.Principal, error) {
	p, _ := auth.From(ctx)
	c, err := s.store.Club(ctx, id)
	if err != nil {
		return nil, p, err
	}
	if (c.Status == StatusPending || c.Status == StatusRejected) && c.OwnerID != p.UserID && !p.IsStaff() {
		return nil, p, ErrNotFound
	}
	return c, p, nil
}

// Get returns a club with the caller's role and favorite.
func (s *Service) Get(ctx context.Context, id string) (*View, error) {
	c, p, err := s.visible(ctx, id)
	if err != nil {
		return nil, err
	}
	views, err := s.views(ctx, p.UserID, []Club{*c})
	if err != nil {
		return nil, err
	}
	v := &views[0]
	if p.UserID != "" {
		if v.MyApplication, err = s.ownApplication(ctx, id, p.UserID); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// ownApplication returns the user's latest application to the club when
// it is pending or rejected: an approved one is their membership (or
// history, once they left), so it is not shown.
func (s *Service) ownApplication(ctx context.Context, clubID, userID string) (*OwnApplication, error) {
	a, err := s.store.LatestApplication(ctx, clubID, userID)
	if err != nil || a == nil || a.Status == ApplicationApproved {
		return nil, err
	}
	own := &OwnApplication{ID: a.ID, Status: a.Status, Reason: a.Reason, CreatedAt: a.CreatedAt, DecidedAt: a.DecidedAt}
	if a.Status == ApplicationRejected && a.DecidedAt != nil {
		at := a.DecidedAt.Add(s.set.ApplyCooldown)
		own.ReapplyAt = &at
	}
	return own, nil
}

func (s *Service) views(ctx context.Context, userID string, list []Club) ([]View, error) {
	ids := make([]string, len(list))
	for i := range list {
		ids[i] = list[i].ID
	}
	roles, favs, err := s.store.Relations(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	owners := make([]string, len(list))
	for i := range list {
		owners[i] = list[i].OwnerID
	}
	people, err := s.people.People(ctx, owners)
	if err != nil {
		return nil, err
	}
	out := make([]View, len(list))
	for i, c := range list {
		out[i] = View{Club: c, Owner: person(people, c.OwnerID), MyRole: roles[c.ID], Favorited: favs[c.ID]}
	}
	return out, nil
}

// Directory lists active clubs: keyword, category, sort (members or
// recent), cursor; it returns the next cursor ("" at the end).
func (s *Service) Directory(ctx context.Context, q, categoryID string, sort Sort, cursor string, limit int) ([]View, string, error) {
	if sort == "" {
		sort = SortMembers
	}
	if limit <= 0 || limit > MaxPage {
		limit = 20
	}
	f := DirectoryFilter{Tokens: search.Tokens(q), CategoryID: categoryID, Sort: sort, Limit: limit + 1}
	if cursor != "" {
		c, err := decodeCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		f.After = c
	}
	if q != "" && len(f.Tokens) == 0 {
		return []View{}, "", nil
	}
	list, err := s.store.Directory(ctx, f)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		key := int64(last.MemberCount)
		if sort == SortRecent {
			key = last.LastActiveAt.UnixMicro()
		}
		next = encodeCursor(Cursor{Key: key, ID: last.ID})
	}
	p, _ := auth.From(ctx)
	views, err := s.views(ctx, p.UserID, list)
	return views, next, err
}

func encodeCursor(c Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.Key, 10) + ":" + c.ID))
}

func decodeCursor(s string) (*Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrBadCursor
	}
	k, id, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(k, 10, 64)
	if !ok || err != nil || id == "" {
		return nil, ErrBadCursor
	}
	return &Cursor{Key: n, ID: id}, nil
}

// Review approves or rejects a pending club (staff; a rejection needs a
// reason).
func (s *Service) Review(ctx context.Context, id string, approve bool, reason string) (*View, error) {
	if _, err := auth.RequireRole(ctx, auth.StaffRoles()...); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); (!approve && n == 0) || n > MaxReasonRunes {
		return nil, ErrReasonRequired
	}
	if _, err := s.store.Club(ctx, id); err != nil {
		return nil, err
	}
	ok, err := s.store.Review(ctx, id, approve, reason, s.now())
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotPending
	}
	return s.Get(ctx, id)
}

// role returns the caller's role in a club (staff count as owners).
func (s *Service) role(ctx context.Context, clubID string) (*Club, auth.Principal, Role, error) {
	c, p, err := s.visible(ctx, clubID)
	if err != nil {
		return nil, p, "", err
	}
	if p.UserID == "" {
		return nil, p, "", errs.ErrUnauthenticated
	}
	m, err := s.store.Member(ctx, clubID, p.UserID)
	if err != nil {
		return nil, p, "", err
	}
	r := Role("")
	if m != nil {
		r = m.Role
	}
	if p.IsStaff() && r.Rank() < RoleOwner.Rank() {
		r = RoleOwner
	}
	return c, p, r, nil
}

// beijing is the zone times are shown in.
var beijing = time.FixedZone("CST", 8*3600)

// Categories lists the club categories.
func (s *Service) Categories(ctx context.Context) ([]Category, error) { return s.store.Categories(ctx) }

// CreateCategory adds a category (admins).
func (s *Service) CreateCategory(ctx context.Context, name string, sort int) (*Category, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	name, err := categoryName(name)
	if err != nil {
		return nil, err
	}
	c := &Category{ID: s.newID(), Name: name, Sort: sort, CreatedAt: s.now().UTC()}
	if err := s.store.CreateCategory(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Update edits a club (its officers and owner, staff): name, category,
// description, logo, questions.
func (s *Service) Update(ctx context.Context, id string, d Draft) (*View, error) {
	c, _, _, err := s.officer(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Status == StatusDissolved || c.Status == StatusRejected {
		return nil, ErrNotActive
	}
	if err := s.check(ctx, &d); err != nil {
		return nil, err
	}
	c.Name, c.CategoryID, c.Description, c.LogoURL, c.Questions = d.Name, d.CategoryID, d.Description, d.LogoURL, d.Questions
	if err := s.store.UpdateClub(ctx, c, s.now()); err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Dissolve ends a club (its owner, staff).
func (s *Service) Dissolve(ctx context.Context, id string) error {
	_, _, role, err := s.role(ctx, id)
	if err != nil {
		return err
	}
	if role != RoleOwner {
		return ErrNotOwner
	}
	ok, err := s.store.Dissolve(ctx, id, s.now())
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotActive
	}
	return nil
}

// AdminClubs lists clubs for staff (status "" for all), newest first.
func (s *Service) AdminClubs(ctx context.Context, status Status, page, size int) ([]View, int64, error) {
	p, err := auth.RequireRole(ctx, auth.StaffRoles()...)
	if err != nil {
		return nil, 0, err
	}
	list, total, err := s.store.AdminClubs(ctx, status, page, size)
	if err != nil {
		return nil, 0, err
	}
	views, err := s.views(ctx, p.UserID, list)
	return views, total, err
}
