package reportshttp

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/reports"
)

// registerAdmin adds the staff's queue and resolution routes.
func registerAdmin(api huma.API, h handlers) {
	admin := []string{"Admin"}
	huma.Register(api, huma.Operation{OperationID: "admin-list-reports", Method: http.MethodGet, Path: "/admin/reports",
		Summary: "The report queue: one entry per reported target with its report count, reasons, latest snapshot and first/last report times, latest first (moderators and above)",
		Tags:    admin, Security: bearer}, h.queue)
	huma.Register(api, huma.Operation{OperationID: "admin-resolve-report", Method: http.MethodPost, Path: "/admin/reports/{id}/resolve",
		Summary: "Resolve every open report of this report's target with an action and a note (moderators: dismiss, hide, delete, warn, mute; admins also ban and cancel_activity; audited; 409 report.not_open when none is open)",
		Tags:    admin, Security: bearer}, h.resolve)
}

// ReportReasonCountDTO is how many of a target's reports gave one reason.
type ReportReasonCountDTO struct {
	Reason string `json:"reason" enum:"spam,fraud,harassment,porn,violence,illegal,false_info,other"`
	Count  int    `json:"count"`
}

// ReportQueueEntryDTO is one reported target in the queue.
type ReportQueueEntryDTO struct {
	ReportID       string                 `json:"report_id" doc:"the target's latest report: POST /admin/reports/{report_id}/resolve resolves all its open reports"`
	TargetType     string                 `json:"target_type" enum:"user,activity,post,comment,message,club"`
	TargetID       string                 `json:"target_id"`
	TargetOwnerID  string                 `json:"target_owner_id" doc:"the author, organizer or owner (the user themself for a user); empty for a system message"`
	TargetParentID string                 `json:"target_parent_id" doc:"a message's room, a comment's post, a club post's or activity's club; empty otherwise"`
	Count          int                    `json:"count" doc:"its reports in the listed status"`
	Reasons        []ReportReasonCountDTO `json:"reasons"`
	Snapshot       string                 `json:"snapshot" doc:"the content as the latest reporter saw it"`
	FirstReportAt  time.Time              `json:"first_reported_at"`
	LastReportAt   time.Time              `json:"last_reported_at"`
	Flagged        bool                   `json:"flagged" doc:"its open reports reached the auto-hide threshold (ZUJU_REPORTS_AUTOHIDE)"`
	Hidden         bool                   `json:"hidden" doc:"auto-hide took its content down pending review (posts and comments held, chat messages withdrawn)"`
}

type reportQueueIn struct {
	Status     string `query:"status" enum:"open,resolved,dismissed" default:"open"`
	TargetType string `query:"target_type" enum:"user,activity,post,comment,message,club"`
	Cursor     string `query:"cursor" maxLength:"100"`
	Limit      int    `query:"limit" minimum:"1" maximum:"50" default:"20"`
}

type reportQueueOut struct {
	Body struct {
		Items      []ReportQueueEntryDTO `json:"items"`
		NextCursor *string               `json:"next_cursor"`
	}
}

func (h handlers) queue(ctx context.Context, in *reportQueueIn) (*reportQueueOut, error) {
	list, next, err := h.svc.Queue(ctx, reports.Status(in.Status), reports.TargetType(in.TargetType), in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &reportQueueOut{}
	out.Body.Items = make([]ReportQueueEntryDTO, len(list))
	for i, e := range list {
		d := ReportQueueEntryDTO{ReportID: e.ReportID, TargetType: string(e.Type), TargetID: e.ID, TargetOwnerID: e.OwnerID,
			TargetParentID: e.ParentID, Count: e.Count, Reasons: []ReportReasonCountDTO{}, Snapshot: e.Snapshot,
			FirstReportAt: e.FirstAt, LastReportAt: e.LastAt, Flagged: e.Flagged, Hidden: e.Hidden}
		for _, r := range e.Reasons {
			d.Reasons = append(d.Reasons, ReportReasonCountDTO{Reason: string(r.Reason), Count: r.Count})
		}
		out.Body.Items[i] = d
	}
	if next != "" {
		out.Body.NextCursor = &next
	}
	return out, nil
}

type reportResolveIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Action       string `json:"action" enum:"dismiss,hide,delete,warn,mute,ban,cancel_activity"`
		Note         string `json:"note,omitempty" maxLength:"1000" doc:"at most 200 characters; shown to the reporters and the author; required for a ban"`
		DurationDays *int   `json:"duration_days,omitempty" minimum:"1" maximum:"3650" doc:"mute: 1–30 days (required); ban: 1–3650 days, absent for good; ignored otherwise"`
	}
}

// ReportResolutionDTO is what a resolution did.
type ReportResolutionDTO struct {
	ID          string     `json:"id"`
	TargetType  string     `json:"target_type" enum:"user,activity,post,comment,message,club"`
	TargetID    string     `json:"target_id"`
	Action      string     `json:"action" enum:"dismiss,hide,delete,warn,mute,ban,cancel_activity"`
	Note        string     `json:"note"`
	Until       *time.Time `json:"until,omitempty" doc:"end of the mute or ban; absent for a ban for good and other actions"`
	Status      string     `json:"status" enum:"resolved,dismissed" doc:"the reports' new status"`
	ReportCount int        `json:"report_count" doc:"open reports it resolved"`
	AuthorID    string     `json:"author_id"`
	ResolvedAt  time.Time  `json:"resolved_at"`
}

type reportResolveOut struct{ Body ReportResolutionDTO }

func (h handlers) resolve(ctx context.Context, in *reportResolveIn) (*reportResolveOut, error) {
	ev, err := h.svc.Resolve(ctx, in.ID, reports.Decision{Action: reports.Action(in.Body.Action), Note: in.Body.Note, Days: in.Body.DurationDays})
	if err != nil {
		return nil, err
	}
	return &reportResolveOut{Body: ReportResolutionDTO{ID: ev.ResolutionID, TargetType: string(ev.TargetType), TargetID: ev.TargetID,
		Action: string(ev.Action), Note: ev.Note, Until: ev.Until, Status: string(ev.Status), ReportCount: len(ev.ReporterIDs),
		AuthorID: ev.AuthorID, ResolvedAt: ev.ResolvedAt}}, nil
}
