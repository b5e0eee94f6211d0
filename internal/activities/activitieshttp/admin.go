package activitieshttp

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/activities"
)

func registerAdminActivities(api huma.API, h handlers) {
	tag := []string{"Admin"}
	huma.Register(api, huma.Operation{OperationID: "admin-list-activities", Method: http.MethodGet, Path: "/admin/activities",
		Summary: "Activities of every status, newest first (staff)", Tags: tag, Security: bearer}, h.adminActivities)
	huma.Register(api, huma.Operation{OperationID: "admin-export-participants", Method: http.MethodGet, Path: "/admin/activities/{id}/participants.csv",
		Summary: "An activity's participants as CSV (staff; the read is audited)", Tags: tag, Security: bearer,
		Responses: csvResponses()}, h.adminExportCSV)
}

type adminActivitiesIn struct {
	Page     int    `query:"page" minimum:"1" default:"1"`
	PageSize int    `query:"page_size" minimum:"1" maximum:"100" default:"20"`
	Q        string `query:"q" maxLength:"100" doc:"part of the title, or an activity id"`
	Status   string `query:"status" enum:"draft,published,formed,finished,cancelled,"`
}

type adminActivitiesOut struct {
	Body struct {
		Items []ActivityDTO `json:"items"`
		Total int64         `json:"total"`
	}
}

func (h handlers) adminActivities(ctx context.Context, in *adminActivitiesIn) (*adminActivitiesOut, error) {
	list, total, err := h.svc.AdminList(ctx, activities.AdminFilter{Query: in.Q, Status: activities.Status(in.Status),
		Page: in.Page, PageSize: in.PageSize})
	if err != nil {
		return nil, err
	}
	out := &adminActivitiesOut{}
	out.Body.Items = make([]ActivityDTO, len(list))
	for i := range list {
		out.Body.Items[i] = toDTO(list[i])
	}
	out.Body.Total = total
	return out, nil
}

func (h handlers) adminExportCSV(ctx context.Context, in *idIn) (*csvOut, error) {
	ex, err := h.svc.ExportParticipants(ctx, in.ID, true)
	if err != nil {
		return nil, err
	}
	return participantsCSV(ex)
}
