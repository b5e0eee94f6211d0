// Package notificationshttp exposes the in-app inbox and the delivery
// preferences over HTTP.
package notificationshttp

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/notifications"
)

var bearer = []map[string][]string{{"bearer": {}}}

type handlers struct{ svc *notifications.Service }

// Register adds the routes.
func Register(api huma.API, svc *notifications.Service) {
	h := handlers{svc: svc}
	tag := []string{"Notifications"}
	huma.Register(api, huma.Operation{OperationID: "list-notifications", Method: http.MethodGet, Path: "/notifications",
		Summary: "The caller's inbox, newest first (unread=true: unread only)", Tags: tag, Security: bearer}, h.list)
	huma.Register(api, huma.Operation{OperationID: "count-unread-notifications", Method: http.MethodGet, Path: "/notifications/unread-count",
		Summary: "How many of the caller's notifications are unread", Tags: tag, Security: bearer}, h.unread)
	huma.Register(api, huma.Operation{OperationID: "mark-notifications-read", Method: http.MethodPost, Path: "/notifications/read",
		Summary: "Mark the caller's notifications read: the given ids, or all of them", Tags: tag, Security: bearer}, h.markRead)
	huma.Register(api, huma.Operation{OperationID: "mark-notification-read", Method: http.MethodPost, Path: "/notifications/{id}/read",
		Summary: "Mark one of the caller's notifications read (404 notification.not_found for anyone else's)", Tags: tag, Security: bearer}, h.markOne)
	huma.Register(api, huma.Operation{OperationID: "get-notification-preferences", Method: http.MethodGet, Path: "/me/notification-preferences",
		Summary: "Which notification types the caller receives on which channel (the in-app inbox is always on)", Tags: tag, Security: bearer}, h.prefs)
	huma.Register(api, huma.Operation{OperationID: "set-notification-preferences", Method: http.MethodPut, Path: "/me/notification-preferences",
		Summary: "Turn channels on or off per type; pairs not given keep their setting", Tags: tag, Security: bearer}, h.setPrefs)
}

// NotificationDTO is one entry of the inbox.
type NotificationDTO struct {
	ID        string         `json:"id"`
	Type      string         `json:"type" enum:"activity_formed,activity_reminder,activity_cancelled,waitlist_offered,payment_succeeded,refund_succeeded,refund_failed,application_approved,application_rejected,club_approved,club_rejected,club_banned,content_approved,content_rejected,report_resolved,content_actioned,announcement"`
	Title     string         `json:"title"`
	Body      string         `json:"body"`
	Link      string         `json:"link,omitempty" doc:"app path to open, when there is one"`
	Data      map[string]any `json:"data" doc:"the producer's detail (ids, names, amounts)"`
	CreatedAt time.Time      `json:"created_at"`
	ReadAt    *time.Time     `json:"read_at,omitempty" doc:"absent while unread"`
}

func toDTO(n *notifications.Notification) NotificationDTO {
	d := NotificationDTO{ID: n.ID, Type: string(n.Type), Title: n.Title, Body: n.Body, Link: n.Link, CreatedAt: n.CreatedAt, ReadAt: n.ReadAt}
	if json.Unmarshal(n.Data, &d.Data) != nil || d.Data == nil {
		d.Data = map[string]any{}
	}
	return d
}

type notifListIn struct {
	Cursor string `query:"cursor" maxLength:"300"`
	Limit  int    `query:"limit" minimum:"1" maximum:"50" default:"20"`
	Unread bool   `query:"unread" doc:"only unread notifications"`
}

type notifListOut struct {
	Body struct {
		Items      []NotificationDTO `json:"items"`
		NextCursor *string           `json:"next_cursor"`
	}
}

func (h handlers) list(ctx context.Context, in *notifListIn) (*notifListOut, error) {
	list, next, err := h.svc.List(ctx, in.Cursor, in.Limit, in.Unread)
	if err != nil {
		return nil, err
	}
	out := &notifListOut{}
	out.Body.Items = make([]NotificationDTO, len(list))
	for i := range list {
		out.Body.Items[i] = toDTO(&list[i])
	}
	if next != "" {
		out.Body.NextCursor = &next
	}
	return out, nil
}

type notifUnreadOut struct {
	Body struct {
		Unread int64 `json:"unread"`
	}
}

func (h handlers) unread(ctx context.Context, _ *struct{}) (*notifUnreadOut, error) {
	n, err := h.svc.UnreadCount(ctx)
	if err != nil {
		return nil, err
	}
	out := &notifUnreadOut{}
	out.Body.Unread = n
	return out, nil
}

type notifMarkIn struct {
	Body struct {
		IDs []string `json:"ids,omitempty" maxItems:"100" doc:"the notifications to mark (ignored with all)"`
		All bool     `json:"all,omitempty" doc:"mark every notification of the caller read"`
	}
}

type notifMarkOut struct {
	Body struct {
		Marked int64 `json:"marked" doc:"how many became read"`
		Unread int64 `json:"unread" doc:"unread left"`
	}
}

func (h handlers) markRead(ctx context.Context, in *notifMarkIn) (*notifMarkOut, error) {
	n, err := h.svc.MarkRead(ctx, in.Body.IDs, in.Body.All)
	if err != nil {
		return nil, err
	}
	left, err := h.svc.UnreadCount(ctx)
	if err != nil {
		return nil, err
	}
	out := &notifMarkOut{}
	out.Body.Marked, out.Body.Unread = n, left
	return out, nil
}

type notifOneIn struct {
	ID string `path:"id" maxLength:"64"`
}

type notifOneOut struct{ Body NotificationDTO }

func (h handlers) markOne(ctx context.Context, in *notifOneIn) (*notifOneOut, error) {
	n, err := h.svc.MarkOneRead(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &notifOneOut{Body: toDTO(n)}, nil
}

// NotificationPreferenceDTO is whether a type goes out on a channel.
type NotificationPreferenceDTO struct {
	Type    string `json:"type" enum:"activity_formed,activity_reminder,activity_cancelled,waitlist_offered,payment_succeeded,refund_succeeded,refund_failed,application_approved,application_rejected,club_approved,club_rejected,club_banned,content_approved,content_rejected,report_resolved,content_actioned,announcement"`
	Channel string `json:"channel" enum:"sms,email,wechat"`
	Enabled bool   `json:"enabled"`
}

type notifPrefsOut struct {
	Body struct {
		Items []NotificationPreferenceDTO `json:"items"`
	}
}

func toPrefs(list []notifications.Preference) *notifPrefsOut {
	out := &notifPrefsOut{}
	out.Body.Items = make([]NotificationPreferenceDTO, len(list))
	for i, p := range list {
		out.Body.Items[i] = NotificationPreferenceDTO{Type: string(p.Type), Channel: string(p.Channel), Enabled: p.Enabled}
	}
	return out
}

func (h handlers) prefs(ctx context.Context, _ *struct{}) (*notifPrefsOut, error) {
	list, err := h.svc.Preferences(ctx)
	if err != nil {
		return nil, err
	}
	return toPrefs(list), nil
}

type notifSetPrefsIn struct {
	Body struct {
		Items []NotificationPreferenceDTO `json:"items" maxItems:"100"`
	}
}

func (h handlers) setPrefs(ctx context.Context, in *notifSetPrefsIn) (*notifPrefsOut, error) {
	prefs := make([]notifications.Preference, len(in.Body.Items))
	for i, p := range in.Body.Items {
		prefs[i] = notifications.Preference{Type: notifications.Type(p.Type), Channel: notifications.Channel(p.Channel), Enabled: p.Enabled}
	}
	list, err := h.svc.SetPreferences(ctx, prefs)
	if err != nil {
		return nil, err
	}
	return toPrefs(list), nil
}
