// Package reportshttp exposes reports over HTTP: filing one, the
// reporter's own list, the list of reasons, and the staff's queue and
// resolutions.
package reportshttp

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/reports"
)

var bearer = []map[string][]string{{"bearer": {}}}

type handlers struct{ svc *reports.Service }

// Register adds the routes.
func Register(api huma.API, svc *reports.Service) {
	h := handlers{svc: svc}
	tag := []string{"Reports"}
	huma.Register(api, huma.Operation{OperationID: "create-report", Method: http.MethodPost, Path: "/reports",
		Summary: "Report a user, activity, post, comment, chat message or club the caller can see (once per target: 409 report.duplicate)",
		Tags:    tag, Security: bearer, DefaultStatus: http.StatusCreated}, h.create)
	huma.Register(api, huma.Operation{OperationID: "list-my-reports", Method: http.MethodGet, Path: "/me/reports",
		Summary: "The caller's reports with where they stand, newest first", Tags: tag, Security: bearer}, h.mine)
	huma.Register(api, huma.Operation{OperationID: "list-report-reasons", Method: http.MethodGet, Path: "/report-reasons",
		Summary: "The reasons a report can give, with their labels, in the order to offer them", Tags: tag}, h.reasons)
	registerAdmin(api, h)
}

// ReportDTO is a report as its reporter sees it (API.md's Report).
type ReportDTO struct {
	ID         string    `json:"id"`
	TargetType string    `json:"target_type" enum:"user,activity,post,comment,message,club"`
	TargetID   string    `json:"target_id"`
	Reason     string    `json:"reason" enum:"spam,fraud,harassment,porn,violence,illegal,false_info,other"`
	Detail     string    `json:"detail"`
	Status     string    `json:"status" enum:"open,resolved,dismissed" doc:"open until the operators resolve (act on) or dismiss it"`
	CreatedAt  time.Time `json:"created_at"`
}

func toReport(r *reports.Report) ReportDTO {
	return ReportDTO{ID: r.ID, TargetType: string(r.TargetType), TargetID: r.TargetID, Reason: string(r.Reason), Detail: r.Detail,
		Status: string(r.Status), CreatedAt: r.CreatedAt}
}

type reportFileIn struct {
	Body struct {
		TargetType string `json:"target_type" enum:"user,activity,post,comment,message,club"`
		TargetID   string `json:"target_id" minLength:"1" maxLength:"64"`
		Reason     string `json:"reason" enum:"spam,fraud,harassment,porn,violence,illegal,false_info,other" doc:"see GET /report-reasons"`
		Detail     string `json:"detail,omitempty" maxLength:"2000" doc:"at most 500 characters; required for reason other"`
	}
}

type reportFileOut struct{ Body ReportDTO }

func (h handlers) create(ctx context.Context, in *reportFileIn) (*reportFileOut, error) {
	r, err := h.svc.File(ctx, reports.Filing{TargetType: reports.TargetType(in.Body.TargetType), TargetID: in.Body.TargetID,
		Reason: reports.Reason(in.Body.Reason), Detail: in.Body.Detail})
	if err != nil {
		return nil, err
	}
	return &reportFileOut{Body: toReport(r)}, nil
}

type reportListIn struct {
	Cursor string `query:"cursor" maxLength:"300"`
	Limit  int    `query:"limit" minimum:"1" maximum:"50" default:"20"`
}

type reportListOut struct {
	Body struct {
		Items      []ReportDTO `json:"items"`
		NextCursor *string     `json:"next_cursor"`
	}
}

func (h handlers) mine(ctx context.Context, in *reportListIn) (*reportListOut, error) {
	list, next, err := h.svc.Mine(ctx, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &reportListOut{}
	out.Body.Items = make([]ReportDTO, len(list))
	for i := range list {
		out.Body.Items[i] = toReport(&list[i])
	}
	if next != "" {
		out.Body.NextCursor = &next
	}
	return out, nil
}

// ReportReasonDTO is one reason a report can give.
type ReportReasonDTO struct {
	Code  string `json:"code" enum:"spam,fraud,harassment,porn,violence,illegal,false_info,other"`
	Label string `json:"label" doc:"what apps show (Chinese)"`
}

type reportReasonsOut struct {
	Body struct {
		Items []ReportReasonDTO `json:"items"`
	}
}

func (h handlers) reasons(_ context.Context, _ *struct{}) (*reportReasonsOut, error) {
	out := &reportReasonsOut{}
	for _, r := range reports.Reasons() {
		out.Body.Items = append(out.Body.Items, ReportReasonDTO{Code: string(r.Code), Label: r.Label})
	}
	return out, nil
}
