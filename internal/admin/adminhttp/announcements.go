package adminhttp

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/admin"
)

var bearer = []map[string][]string{{"bearer": {}}}

func registerAnnouncements(api huma.API, svc *admin.Service) {
	tag := []string{"Admin"}
	h := annHandlers{svc: svc}
	huma.Register(api, huma.Operation{OperationID: "admin-list-announcements", Method: http.MethodGet, Path: "/admin/announcements",
		Summary: "Announcements of any status, newest first (staff)", Tags: tag, Security: bearer}, h.list)
	huma.Register(api, huma.Operation{OperationID: "admin-get-announcement", Method: http.MethodGet, Path: "/admin/announcements/{id}",
		Summary: "One announcement (staff)", Tags: tag, Security: bearer}, h.get)
	huma.Register(api, huma.Operation{OperationID: "admin-create-announcement", Method: http.MethodPost, Path: "/admin/announcements",
		Summary: "Write a draft announcement (admins; audited)", Tags: tag, Security: bearer, DefaultStatus: http.StatusCreated}, h.create)
	huma.Register(api, huma.Operation{OperationID: "admin-update-announcement", Method: http.MethodPatch, Path: "/admin/announcements/{id}",
		Summary: "Edit an announcement; absent fields stay (admins; audited)", Tags: tag, Security: bearer}, h.update)
	huma.Register(api, huma.Operation{OperationID: "admin-delete-announcement", Method: http.MethodDelete, Path: "/admin/announcements/{id}",
		Summary: "Delete an announcement (admins; audited)", Tags: tag, Security: bearer, DefaultStatus: http.StatusNoContent}, h.delete)
	for _, op := range []struct {
		id, path, summary string
		fn                func(context.Context, string) (*admin.Announcement, error)
	}{
		{"admin-publish-announcement", "publish", "Publish a draft: shown in the apps from starts_at to ends_at (admins; audited)", svc.PublishAnnouncement},
		{"admin-unpublish-announcement", "unpublish", "Take a published announcement back to draft (admins; audited)", svc.UnpublishAnnouncement},
		{"admin-pin-announcement", "pin", "Pin an announcement: listed first (admins; audited)", func(ctx context.Context, id string) (*admin.Announcement, error) {
			return svc.PinAnnouncement(ctx, id, true)
		}},
		{"admin-unpin-announcement", "unpin", "Unpin an announcement (admins; audited)", func(ctx context.Context, id string) (*admin.Announcement, error) {
			return svc.PinAnnouncement(ctx, id, false)
		}},
	} {
		fn := op.fn
		huma.Register(api, huma.Operation{OperationID: op.id, Method: http.MethodPost, Path: "/admin/announcements/{id}/" + op.path,
			Summary: op.summary, Tags: tag, Security: bearer}, func(ctx context.Context, in *annIDIn) (*annOut, error) {
			a, err := fn(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &annOut{Body: toAnn(a)}, nil
		})
	}
	huma.Register(api, huma.Operation{OperationID: "list-announcements", Method: http.MethodGet, Path: "/announcements",
		Summary: "Announcements shown now: published, started, not ended; pinned first, then newest (cached briefly)",
		Tags:    []string{"Announcements"}}, h.public)
}

type annHandlers struct{ svc *admin.Service }

// AdminAnnouncement is an announcement.
type AdminAnnouncement struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Content     string     `json:"content"`
	Status      string     `json:"status" enum:"draft,published"`
	Pinned      bool       `json:"pinned"`
	Audience    string     `json:"audience" enum:"all,h5,admin"`
	StartsAt    *time.Time `json:"starts_at,omitempty"`
	EndsAt      *time.Time `json:"ends_at,omitempty"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// AdminPublicAnnouncement is an announcement as the apps show it.
type AdminPublicAnnouncement struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Content     string     `json:"content"`
	Pinned      bool       `json:"pinned"`
	EndsAt      *time.Time `json:"ends_at,omitempty"`
	PublishedAt time.Time  `json:"published_at"`
}

func opt(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toAnn(a *admin.Announcement) AdminAnnouncement {
	return AdminAnnouncement{ID: a.ID, Title: a.Title, Content: a.Content, Status: a.Status, Pinned: a.Pinned, Audience: a.Audience,
		StartsAt: opt(a.StartsAt), EndsAt: opt(a.EndsAt), PublishedAt: opt(a.PublishedAt), CreatedBy: a.CreatedBy,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

type annListIn struct {
	Page     int    `query:"page" minimum:"1" default:"1"`
	PageSize int    `query:"page_size" minimum:"1" maximum:"100" default:"20"`
	Status   string `query:"status" enum:"draft,published,"`
}

type adminAnnouncementsOut struct {
	Body struct {
		Items []AdminAnnouncement `json:"items"`
		Total int64               `json:"total"`
	}
}

func (h annHandlers) list(ctx context.Context, in *annListIn) (*adminAnnouncementsOut, error) {
	list, total, err := h.svc.Announcements(ctx, admin.AnnouncementFilter{Status: in.Status, Page: in.Page, PageSize: in.PageSize})
	if err != nil {
		return nil, err
	}
	out := &adminAnnouncementsOut{}
	out.Body.Items, out.Body.Total = make([]AdminAnnouncement, len(list)), total
	for i := range list {
		out.Body.Items[i] = toAnn(&list[i])
	}
	return out, nil
}

type annIDIn struct {
	ID string `path:"id" maxLength:"64"`
}

type annOut struct{ Body AdminAnnouncement }

func (h annHandlers) get(ctx context.Context, in *annIDIn) (*annOut, error) {
	a, err := h.svc.Announcement(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &annOut{Body: toAnn(a)}, nil
}

// AdminAnnouncementInput is a new announcement or a change. Titles and
// bodies are staff texts: they do not go through the sensitive-word
// filter. An empty starts_at or ends_at ("") clears it.
type AdminAnnouncementInput struct {
	Title    *string `json:"title,omitempty" maxLength:"100" doc:"1–100 characters"`
	Content  *string `json:"content,omitempty" maxLength:"10000" doc:"1–10000 characters"`
	Pinned   *bool   `json:"pinned,omitempty"`
	Audience *string `json:"audience,omitempty" enum:"all,h5,admin" doc:"who sees it (default all)"`
	StartsAt *string `json:"starts_at,omitempty" doc:"RFC 3339; shown from then (empty: from publication)"`
	EndsAt   *string `json:"ends_at,omitempty" doc:"RFC 3339; hidden from then (empty: until unpublished)"`
	// ExpiresAt is ends_at under the name API.md gives it.
	ExpiresAt *string `json:"expires_at,omitempty" doc:"same as ends_at"`
}

func parseOptTime(field string, s *string) (*time.Time, error) {
	if s == nil {
		return nil, nil
	}
	if *s == "" {
		return &time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, *s)
	if err != nil {
		return nil, huma.Error422UnprocessableEntity(field+" 须为 RFC 3339 时间", &huma.ErrorDetail{Location: "body." + field, Message: "invalid time", Value: *s})
	}
	return &t, nil
}

func (b AdminAnnouncementInput) input() (admin.AnnouncementInput, error) {
	in := admin.AnnouncementInput{Title: b.Title, Content: b.Content, Pinned: b.Pinned, Audience: b.Audience}
	var err error
	if in.StartsAt, err = parseOptTime("starts_at", b.StartsAt); err != nil {
		return in, err
	}
	ends := b.EndsAt
	if ends == nil {
		ends = b.ExpiresAt
	}
	if in.EndsAt, err = parseOptTime("ends_at", ends); err != nil {
		return in, err
	}
	return in, nil
}

type annCreateIn struct{ Body AdminAnnouncementInput }

func (h annHandlers) create(ctx context.Context, in *annCreateIn) (*annOut, error) {
	ai, err := in.Body.input()
	if err != nil {
		return nil, err
	}
	if ai.Title == nil {
		ai.Title = new(string)
	}
	if ai.Content == nil {
		ai.Content = new(string)
	}
	a, err := h.svc.CreateAnnouncement(ctx, ai)
	if err != nil {
		return nil, err
	}
	return &annOut{Body: toAnn(a)}, nil
}

type annPatchIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body AdminAnnouncementInput
}

func (h annHandlers) update(ctx context.Context, in *annPatchIn) (*annOut, error) {
	ai, err := in.Body.input()
	if err != nil {
		return nil, err
	}
	a, err := h.svc.UpdateAnnouncement(ctx, in.ID, ai)
	if err != nil {
		return nil, err
	}
	return &annOut{Body: toAnn(a)}, nil
}

func (h annHandlers) delete(ctx context.Context, in *annIDIn) (*struct{}, error) {
	return nil, h.svc.DeleteAnnouncement(ctx, in.ID)
}

type publicIn struct {
	Audience string `query:"audience" enum:"h5,admin," doc:"h5 (default) or admin"`
}

type adminPublicAnnouncementsOut struct {
	CacheControl string `header:"Cache-Control"`
	Body         struct {
		Items []AdminPublicAnnouncement `json:"items"`
	}
}

func (h annHandlers) public(ctx context.Context, in *publicIn) (*adminPublicAnnouncementsOut, error) {
	list, err := h.svc.PublishedAnnouncements(ctx, in.Audience)
	if err != nil {
		return nil, err
	}
	out := &adminPublicAnnouncementsOut{CacheControl: "public, max-age=15"}
	out.Body.Items = make([]AdminPublicAnnouncement, len(list))
	for i, a := range list {
		out.Body.Items[i] = AdminPublicAnnouncement{ID: a.ID, Title: a.Title, Content: a.Content, Pinned: a.Pinned,
			EndsAt: opt(a.EndsAt), PublishedAt: a.PublishedAt}
	}
	return out, nil
}
