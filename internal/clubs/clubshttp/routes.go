// Package clubshttp exposes clubs over HTTP: categories, the directory,
// clubs, join applications, rosters and roles, favorites, and staff
// review.
package clubshttp

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/clubs"
)

var bearer = []map[string][]string{{"bearer": {}}}

type handlers struct {
	svc         *clubs.Service
	activityURL func(id string) string
}

// Register adds the club routes; activityURL links an activity's page
// (calendar feeds).
func Register(api huma.API, svc *clubs.Service, activityURL func(id string) string) {
	h := handlers{svc: svc, activityURL: activityURL}
	tag := []string{"Clubs"}
	op := func(id, method, path, summary string, status int, secure bool) huma.Operation {
		o := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: tag, DefaultStatus: status}
		if secure {
			o.Security = bearer
		}
		return o
	}
	huma.Register(api, op("list-club-categories", http.MethodGet, "/club-categories", "Club categories in their order", 0, false), h.categories)
	huma.Register(api, op("list-clubs", http.MethodGet, "/clubs", "The club directory: active clubs, keyword, category, sort by members or recent activity", 0, false), h.directory)
	huma.Register(api, op("create-club", http.MethodPost, "/clubs", "Found a club (pending until staff approve it; the caller owns it)", http.StatusCreated, true), h.create)
	huma.Register(api, op("get-club", http.MethodGet, "/clubs/{id}", "A club with the caller's role (pending and rejected ones: owner and staff only)", 0, false), h.get)
	huma.Register(api, op("update-club", http.MethodPatch, "/clubs/{id}", "Edit a club (its officers, staff)", 0, true), h.update)
	huma.Register(api, op("dissolve-club", http.MethodDelete, "/clubs/{id}", "Dissolve a club (its owner, staff; audited)", http.StatusNoContent, true), h.dissolve)
	huma.Register(api, op("apply-to-club", http.MethodPost, "/clubs/{id}/applications", "Apply to join (one pending application; a cooldown after a rejection)", http.StatusCreated, true), h.apply)
	huma.Register(api, op("list-club-applications", http.MethodGet, "/clubs/{id}/applications", "The club's applications (officers)", 0, true), h.applications)
	huma.Register(api, op("approve-club-application", http.MethodPost, "/clubs/{id}/applications/{app_id}/approve", "Approve an application: the applicant joins (officers)", 0, true), h.approve)
	huma.Register(api, op("reject-club-application", http.MethodPost, "/clubs/{id}/applications/{app_id}/reject", "Reject an application with a reason (officers)", 0, true), h.reject)
	huma.Register(api, op("list-club-members", http.MethodGet, "/clubs/{id}/members", "The roster, owner and officers first (members and staff)", 0, true), h.members)
	huma.Register(api, op("set-club-role", http.MethodPatch, "/clubs/{id}/members/{user_id}", "Change a member's role (the owner); role owner hands the club over", 0, true), h.setRole)
	huma.Register(api, op("remove-club-member", http.MethodDelete, "/clubs/{id}/members/{user_id}", "Remove a member (officers; officers by the owner) or, for one's own id, leave", http.StatusNoContent, true), h.remove)
	huma.Register(api, op("ban-club-member", http.MethodPost, "/clubs/{id}/bans", "Ban a user from the club, removing them (officers; officers by the owner; audited): for days or for good", http.StatusCreated, true), h.ban)
	huma.Register(api, op("list-club-bans", http.MethodGet, "/clubs/{id}/bans", "The club's bans in force, newest first (officers)", 0, true), h.bans)
	huma.Register(api, op("unban-club-member", http.MethodDelete, "/clubs/{id}/bans/{user_id}", "Lift a ban (officers; audited): the user may apply again", http.StatusNoContent, true), h.unban)
	huma.Register(api, op("favorite-club", http.MethodPut, "/clubs/{id}/favorite", "Mark the club a favorite", http.StatusNoContent, true), h.favorite)
	huma.Register(api, op("unfavorite-club", http.MethodDelete, "/clubs/{id}/favorite", "Unmark the club", http.StatusNoContent, true), h.unfavorite)
	huma.Register(api, op("club-calendar", http.MethodGet, "/clubs/{id}/calendar", "The club's activities starting in a date range", 0, false), h.calendar)
	huma.Register(api, huma.Operation{OperationID: "club-calendar-ics", Method: http.MethodGet, Path: "/clubs/{id}/calendar.ics",
		Summary: "The club's iCalendar feed (RFC 5545): the last 30 and the next 180 days", Tags: tag,
		Responses: map[string]*huma.Response{"200": {Description: "iCalendar", Content: map[string]*huma.MediaType{"text/calendar": {}}}}}, h.ics)
	registerMyClubs(api, h)
	admin := []string{"Admin"}
	registerCategories(api, h)
	huma.Register(api, huma.Operation{OperationID: "admin-create-club-category", Method: http.MethodPost, Path: "/admin/club-categories",
		Summary: "Add a club category (admins; audited)", Tags: admin, Security: bearer, DefaultStatus: http.StatusCreated}, h.createCategory)
	huma.Register(api, huma.Operation{OperationID: "admin-list-clubs", Method: http.MethodGet, Path: "/admin/clubs",
		Summary: "Clubs by status, newest first (staff): ?status=pending is the review queue", Tags: admin, Security: bearer}, h.adminList)
	huma.Register(api, huma.Operation{OperationID: "admin-approve-club", Method: http.MethodPost, Path: "/admin/clubs/{id}/approve",
		Summary: "Approve a pending club (staff; audited)", Tags: admin, Security: bearer}, h.approveClub)
	huma.Register(api, huma.Operation{OperationID: "admin-reject-club", Method: http.MethodPost, Path: "/admin/clubs/{id}/reject",
		Summary: "Reject a pending club with a reason (staff; audited)", Tags: admin, Security: bearer}, h.rejectClub)
}

// ClubCategoryDTO is a club category.
type ClubCategoryDTO struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type clubCategoriesOut struct {
	Body struct {
		Items []ClubCategoryDTO `json:"items"`
	}
}

func (h handlers) categories(ctx context.Context, _ *struct{}) (*clubCategoriesOut, error) {
	list, err := h.svc.Categories(ctx)
	if err != nil {
		return nil, err
	}
	out := &clubCategoriesOut{}
	out.Body.Items = make([]ClubCategoryDTO, len(list))
	for i, c := range list {
		out.Body.Items[i] = ClubCategoryDTO{ID: c.ID, Name: c.Name}
	}
	return out, nil
}

type clubCategoryIn struct {
	Body struct {
		Name string `json:"name" maxLength:"80"`
		Sort int    `json:"sort,omitempty" minimum:"-1000" maximum:"1000"`
	}
}

type clubCategoryOut struct{ Body ClubCategoryDTO }

func (h handlers) createCategory(ctx context.Context, in *clubCategoryIn) (*clubCategoryOut, error) {
	c, err := h.svc.CreateCategory(ctx, in.Body.Name, in.Body.Sort)
	if err != nil {
		return nil, err
	}
	return &clubCategoryOut{Body: ClubCategoryDTO{ID: c.ID, Name: c.Name}}, nil
}

// ClubPersonDTO is a public profile.
type ClubPersonDTO struct {
	ID        string `json:"id"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
}

// ClubDTO is a club (API.md's Club).
type ClubDTO struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	CategoryID   string        `json:"category_id"`
	Description  string        `json:"description"`
	LogoURL      string        `json:"logo_url"`
	Questions    []string      `json:"questions" doc:"what applicants answer"`
	Status       string        `json:"status" enum:"pending,active,rejected,dissolved"`
	ReviewReason string        `json:"review_reason,omitempty" doc:"why staff rejected it"`
	MemberCount  int           `json:"member_count"`
	Owner        ClubPersonDTO `json:"owner"`
	MyRole       *string       `json:"my_role" doc:"owner, officer, member; null when not a member"`
	Favorited    bool          `json:"favorited"`
	CreatedAt    time.Time     `json:"created_at"`
	// MyApplication is the caller's own join application, in GET
	// /clubs/{id} only.
	MyApplication *ClubMyApplicationDTO `json:"my_application,omitempty" doc:"the caller's own join application while it is pending or when it was rejected last (absent otherwise, and in lists): 待审核 / 已拒绝 with the reason and reapply_at"`
}

// ClubMyApplicationDTO is the caller's own latest join application to a
// club.
type ClubMyApplicationDTO struct {
	ID        string     `json:"id"`
	Status    string     `json:"status" enum:"pending,rejected"`
	Reason    string     `json:"reason,omitempty" doc:"why the officers rejected it"`
	CreatedAt time.Time  `json:"created_at"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	ReapplyAt *time.Time `json:"reapply_at,omitempty" doc:"after a rejection: when the cooldown ends and the caller may apply again (may be past)"`
}

func toClub(v *clubs.View) ClubDTO {
	d := ClubDTO{ID: v.ID, Name: v.Name, CategoryID: v.CategoryID, Description: v.Description, LogoURL: v.LogoURL,
		Questions: v.Questions, Status: string(v.Status), ReviewReason: v.ReviewReason, MemberCount: v.MemberCount,
		Owner: ClubPersonDTO{ID: v.Owner.ID, Nickname: v.Owner.Nickname, AvatarURL: v.Owner.AvatarURL}, Favorited: v.Favorited, CreatedAt: v.CreatedAt}
	if d.Questions == nil {
		d.Questions = []string{}
	}
	if v.MyRole != "" {
		r := string(v.MyRole)
		d.MyRole = &r
	}
	if a := v.MyApplication; a != nil {
		d.MyApplication = &ClubMyApplicationDTO{ID: a.ID, Status: string(a.Status), Reason: a.Reason, CreatedAt: a.CreatedAt,
			DecidedAt: a.DecidedAt, ReapplyAt: a.ReapplyAt}
	}
	return d
}

type clubDirectoryIn struct {
	Q          string `query:"q" maxLength:"50"`
	CategoryID string `query:"category_id" maxLength:"64"`
	Sort       string `query:"sort" enum:"members,recent" default:"members"`
	Cursor     string `query:"cursor" maxLength:"200"`
	Limit      int    `query:"limit" minimum:"1" maximum:"50" default:"20"`
}

type clubDirectoryOut struct {
	Body struct {
		Items      []ClubDTO `json:"items"`
		NextCursor *string   `json:"next_cursor"`
	}
}

func (h handlers) directory(ctx context.Context, in *clubDirectoryIn) (*clubDirectoryOut, error) {
	list, next, err := h.svc.Directory(ctx, in.Q, in.CategoryID, clubs.Sort(in.Sort), in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &clubDirectoryOut{}
	out.Body.Items = make([]ClubDTO, len(list))
	for i := range list {
		out.Body.Items[i] = toClub(&list[i])
	}
	if next != "" {
		out.Body.NextCursor = &next
	}
	return out, nil
}

type clubCreateIn struct {
	Body struct {
		Name        string   `json:"name" maxLength:"120"`
		CategoryID  string   `json:"category_id" maxLength:"64"`
		Description string   `json:"description,omitempty" maxLength:"8000"`
		LogoURL     string   `json:"logo_url,omitempty" maxLength:"500"`
		Questions   []string `json:"questions,omitempty" maxItems:"5" doc:"up to 5 questions applicants answer"`
	}
}

type clubViewOut struct{ Body ClubDTO }

func (h handlers) create(ctx context.Context, in *clubCreateIn) (*clubViewOut, error) {
	v, err := h.svc.Create(ctx, clubs.Draft{Name: in.Body.Name, CategoryID: in.Body.CategoryID, Description: in.Body.Description,
		LogoURL: in.Body.LogoURL, Questions: in.Body.Questions})
	if err != nil {
		return nil, err
	}
	return &clubViewOut{Body: toClub(v)}, nil
}

type clubIdIn struct {
	ID string `path:"id" maxLength:"64"`
}

func (h handlers) get(ctx context.Context, in *clubIdIn) (*clubViewOut, error) {
	v, err := h.svc.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &clubViewOut{Body: toClub(v)}, nil
}

type clubReasonIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body *struct {
		Reason string `json:"reason,omitempty" maxLength:"800"`
	}
}

func (r *clubReasonIn) reason() string {
	if r.Body == nil {
		return ""
	}
	return r.Body.Reason
}

func (h handlers) approveClub(ctx context.Context, in *clubReasonIn) (*clubViewOut, error) {
	v, err := h.svc.Review(ctx, in.ID, true, in.reason())
	if err != nil {
		return nil, err
	}
	return &clubViewOut{Body: toClub(v)}, nil
}

func (h handlers) rejectClub(ctx context.Context, in *clubReasonIn) (*clubViewOut, error) {
	v, err := h.svc.Review(ctx, in.ID, false, in.reason())
	if err != nil {
		return nil, err
	}
	return &clubViewOut{Body: toClub(v)}, nil
}

type clubPatchIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Name        *string  `json:"name,omitempty" maxLength:"120"`
		CategoryID  *string  `json:"category_id,omitempty" maxLength:"64"`
		Description *string  `json:"description,omitempty" maxLength:"8000"`
		LogoURL     *string  `json:"logo_url,omitempty" maxLength:"500"`
		Questions   []string `json:"questions,omitempty" maxItems:"5"`
	}
}

func (h handlers) update(ctx context.Context, in *clubPatchIn) (*clubViewOut, error) {
	cur, err := h.svc.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	d := clubs.Draft{Name: cur.Name, CategoryID: cur.CategoryID, Description: cur.Description, LogoURL: cur.LogoURL, Questions: cur.Questions}
	b := in.Body
	for _, f := range []struct {
		from *string
		to   *string
	}{{b.Name, &d.Name}, {b.CategoryID, &d.CategoryID}, {b.Description, &d.Description}, {b.LogoURL, &d.LogoURL}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	if b.Questions != nil {
		d.Questions = b.Questions
	}
	v, err := h.svc.Update(ctx, in.ID, d)
	if err != nil {
		return nil, err
	}
	return &clubViewOut{Body: toClub(v)}, nil
}

func (h handlers) dissolve(ctx context.Context, in *clubIdIn) (*struct{}, error) {
	return nil, h.svc.Dissolve(ctx, in.ID)
}

type adminClubsIn struct {
	Status   string `query:"status" enum:"pending,active,rejected,dissolved,"`
	Page     int    `query:"page" minimum:"1" default:"1"`
	PageSize int    `query:"page_size" minimum:"1" maximum:"100" default:"20"`
}

type adminClubsOut struct {
	Body struct {
		Items []ClubDTO `json:"items"`
		Total int64     `json:"total"`
	}
}

func (h handlers) adminList(ctx context.Context, in *adminClubsIn) (*adminClubsOut, error) {
	list, total, err := h.svc.AdminClubs(ctx, clubs.Status(in.Status), in.Page, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &adminClubsOut{}
	out.Body.Items = make([]ClubDTO, len(list))
	for i := range list {
		out.Body.Items[i] = toClub(&list[i])
	}
	out.Body.Total = total
	return out, nil
}
