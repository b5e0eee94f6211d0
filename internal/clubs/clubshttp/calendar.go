package clubshttp

import (
	"context"
	"time"
)

// CalendarEntryDTO is an activity on a club's calendar.
type CalendarEntryDTO struct {
	ActivityID string    `json:"activity_id"`
	Title      string    `json:"title"`
	City       string    `json:"city"`
	Cancelled  bool      `json:"cancelled"`
	Visibility string    `json:"visibility" enum:"public,members" doc:"members: only the club's members see it (listed for them only)"`
	StartAt    time.Time `json:"start_at"`
	EndAt      time.Time `json:"end_at"`
}

type clubCalendarIn struct {
	ID   string    `path:"id" maxLength:"64"`
	From time.Time `query:"from" required:"true" doc:"range start (RFC 3339)"`
	To   time.Time `query:"to" required:"true" doc:"range end, exclusive (at most a year after from)"`
}

type clubCalendarOut struct {
	Body struct {
		Items []CalendarEntryDTO `json:"items"`
	}
}

func (h handlers) calendar(ctx context.Context, in *clubCalendarIn) (*clubCalendarOut, error) {
	list, err := h.svc.Calendar(ctx, in.ID, in.From, in.To)
	if err != nil {
		return nil, err
	}
	out := &clubCalendarOut{}
	out.Body.Items = make([]CalendarEntryDTO, len(list))
	for i, e := range list {
		vis := "public"
		if e.MembersOnly {
			vis = "members"
		}
		out.Body.Items[i] = CalendarEntryDTO{ActivityID: e.ID, Title: e.Title, City: e.City, Cancelled: e.Cancelled, Visibility: vis,
			StartAt: e.StartAt, EndAt: e.EndAt}
	}
	return out, nil
}

type clubICSOut struct {
	ContentType  string `header:"Content-Type"`
	CacheControl string `header:"Cache-Control"`
	Body         []byte
}

func (h handlers) ics(ctx context.Context, in *clubIdIn) (*clubICSOut, error) {
	b, private, err := h.svc.ICS(ctx, in.ID, h.activityURL)
	if err != nil {
		return nil, err
	}
	cc := "public, max-age=300"
	if private {
		// A member's feed holds members-only activities: no shared cache
		// may hand it to anyone else.
		cc = "private, max-age=300"
	}
	return &clubICSOut{ContentType: "text/calendar; charset=utf-8", CacheControl: cc, Body: b}, nil
}
