// Package adminhttp exposes the admin module over HTTP.
package adminhttp

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/admin"
	"github.com/zuju/zuju/internal/platform/audit"
)

// Register adds the admin routes to api (rooted at /api/v1).
func Register(api huma.API, svc *admin.Service) {
	registerAnnouncements(api, svc)
	registerConfigs(api, svc)
	registerStats(api, svc)
	huma.Register(api, huma.Operation{OperationID: "admin-audit-logs", Method: http.MethodGet, Path: "/admin/audit-logs",
		Summary: "Audit log of staff actions", Tags: []string{"Admin"},
		Security: []map[string][]string{{"bearer": {}}}}, func(ctx context.Context, in *auditIn) (*auditOut, error) {
		list, total, err := svc.AuditLogs(ctx, audit.Filter{ActorID: in.ActorID, Action: in.Action,
			TargetType: in.TargetType, TargetID: in.TargetID, From: in.From, To: in.To, Page: in.Page, PageSize: in.PageSize})
		if err != nil {
			return nil, err
		}
		out := &auditOut{}
		out.Body.Items, out.Body.Total = list, total
		if out.Body.Items == nil {
			out.Body.Items = []audit.Entry{}
		}
		return out, nil
	})
}

type auditIn struct {
	Page       int       `query:"page" minimum:"1" default:"1"`
	PageSize   int       `query:"page_size" minimum:"1" maximum:"100" default:"20"`
	ActorID    string    `query:"actor_id" maxLength:"64"`
	Action     string    `query:"action" maxLength:"64"`
	TargetType string    `query:"target_type" maxLength:"32"`
	TargetID   string    `query:"target_id" maxLength:"64"`
	From       time.Time `query:"from"`
	To         time.Time `query:"to"`
}

type auditOut struct {
	Body struct {
		Items []audit.Entry `json:"items"`
		Total int64         `json:"total"`
	}
}
