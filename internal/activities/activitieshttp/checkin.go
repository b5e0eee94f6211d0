package activitieshttp

import (
	"context"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/errs"
)

func registerCheckIn(api huma.API, h handlers) {
	tag := []string{"Activities"}
	huma.Register(api, huma.Operation{OperationID: "check-in", Method: http.MethodPost, Path: "/activities/{id}/check-ins",
		Summary: "Check a participant in from the code of their QR (organizer and admins, formed activities, " +
			"from 2 h before the start until the end)", Tags: tag, Security: bearer}, h.checkIn)
	huma.Register(api, huma.Operation{OperationID: "export-signups-csv", Method: http.MethodGet, Path: "/activities/{id}/signups.csv",
		Summary: "Participants as CSV (organizer and staff; UTF-8 with BOM)", Tags: tag, Security: bearer,
		Responses: csvResponses()}, h.exportCSV)
}

type checkInIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Code string `json:"code" minLength:"1" maxLength:"200" doc:"the payload of the participant's QR code"`
	}
}

func (h handlers) checkIn(ctx context.Context, in *checkInIn) (*signupOut, error) {
	s, err := h.svc.CheckIn(ctx, in.ID, in.Body.Code)
	if errors.Is(err, activities.ErrAlreadyCheckedIn) && s != nil {
		// A second scan: the problem carries the sign-up that was checked in.
		e, _ := errs.As(err)
		return nil, e.WithData(h.toSignup(ctx, s))
	}
	if err != nil {
		return nil, err
	}
	return &signupOut{Body: h.toSignup(ctx, s)}, nil
}

// ParticipantDTO is a sign-up as the activity's organizer and staff see
// it: without the check-in code, with the user's no-show count.
type ParticipantDTO struct {
	SignupDTO
	NoShowCount int `json:"no_show_count" doc:"finished activities this user missed (organizer and staff only)"`
}

type participantsOut struct {
	Body struct {
		Items      []ParticipantDTO `json:"items"`
		NextCursor *string          `json:"next_cursor"`
	}
}

func (h handlers) participants(ctx context.Context, in *idIn) (*participantsOut, error) {
	list, err := h.svc.Roster(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := &participantsOut{}
	out.Body.Items = make([]ParticipantDTO, len(list))
	for i := range list {
		out.Body.Items[i] = ParticipantDTO{SignupDTO: h.toSignup(ctx, &list[i].Signup), NoShowCount: list[i].NoShowCount}
	}
	return out, nil
}

func (h handlers) exportCSV(ctx context.Context, in *idIn) (*csvOut, error) {
	ex, err := h.svc.ExportParticipants(ctx, in.ID, false)
	if err != nil {
		return nil, err
	}
	return participantsCSV(ex)
}
