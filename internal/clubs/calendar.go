package clubs

import (
	"context"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/zuju/zuju/internal/platform/errs"
)

// The club calendar: the club's activities in a date range, and the same
// as an iCalendar feed (RFC 5545) that calendar apps subscribe to.

// CalendarEntry is an activity on a club's calendar.
type CalendarEntry struct {
	ID, Title, City string
	Cancelled       bool
	// MembersOnly: only the club's members see it (and find it here).
	MembersOnly    bool
	StartAt, EndAt time.Time
	UpdatedAt      time.Time
}

// Activities lists a club's activities.
type Activities interface {
	// ClubCalendar lists the club's activities starting in [from, to);
	// members-only ones only with membersToo.
	ClubCalendar(ctx context.Context, clubID string, from, to time.Time, limit int, membersToo bool) ([]CalendarEntry, error)
}

// SetActivities connects the activities module.
func (s *Service) SetActivities(a Activities) { s.acts = a }

// Calendar limits.
const (
	MaxCalendarRange = 366 * 24 * time.Hour
	maxCalendarItems = 500
	// The feed covers the last 30 and the next 180 days.
	feedPast, feedAhead = 30 * 24 * time.Hour, 180 * 24 * time.Hour
)

// ErrCalendarRange refuses a range that is empty or longer than a year.
var ErrCalendarRange = errs.Invalid("club.invalid_range", "日期范围需在一年以内，且开始早于结束")

// Calendar lists the club's activities starting in [from, to): its
// members-only ones for its members and staff only.
func (s *Service) Calendar(ctx context.Context, clubID string, from, to time.Time) ([]CalendarEntry, error) {
	if !from.Before(to) || to.Sub(from) > MaxCalendarRange {
		return nil, ErrCalendarRange
	}
	_, members, err := s.calendarCaller(ctx, clubID)
	if err != nil {
		return nil, err
	}
	return s.acts.ClubCalendar(ctx, clubID, from, to, maxCalendarItems, members)
}

// calendarCaller loads a club the caller may see and tells whether they
// see its members-only activities (its members and staff).
func (s *Service) calendarCaller(ctx context.Context, clubID string) (*Club, bool, error) {
	c, p, err := s.visible(ctx, clubID)
	if err != nil {
		return nil, false, err
	}
	if p.UserID == "" {
		return c, false, nil
	}
	if p.IsStaff() {
		return c, true, nil
	}
	ok, err := s.IsMember(ctx, clubID, p.UserID)
	return c, ok, err
}

// ICS returns the club's calendar feed. activityURL turns an activity id
// into the link of its page. private tells that the feed holds members-only
// activities (the caller is a member or staff): it must not be kept by
// shared caches.
func (s *Service) ICS(ctx context.Context, clubID string, activityURL func(id string) string) (feed []byte, private bool, err error) {
	c, members, err := s.calendarCaller(ctx, clubID)
	if err != nil {
		return nil, false, err
	}
	now := s.now().UTC()
	list, err := s.acts.ClubCalendar(ctx, clubID, now.Add(-feedPast), now.Add(feedAhead), maxCalendarItems, members)
	if err != nil {
		return nil, false, err
	}
	cal := ics.NewCalendarFor("Zuju")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(c.Name)
	cal.SetXWRCalName(c.Name)
	cal.SetTimezoneId("Asia/Shanghai")
	for _, a := range list {
		e := cal.AddEvent(a.ID + "@zuju")
		e.SetDtStampTime(a.UpdatedAt)
		e.SetModifiedAt(a.UpdatedAt)
		e.SetStartAt(a.StartAt.UTC())
		e.SetEndAt(a.EndAt.UTC())
		e.SetSummary(a.Title)
		e.SetLocation(a.City)
		e.SetURL(activityURL(a.ID))
		if a.MembersOnly {
			e.SetClass(ics.ClassificationPrivate)
		}
		if a.Cancelled {
			e.SetStatus(ics.ObjectStatusCancelled)
		} else {
			e.SetStatus(ics.ObjectStatusConfirmed)
		}
	}
	return []byte(cal.Serialize(ics.WithNewLine("\r\n"))), members, nil // RFC 5545: CRLF
}

// CanOrganize reports whether the user may organize activities for the
// club: an officer or the owner of an active club.
func (s *Service) CanOrganize(ctx context.Context, clubID, userID string) (bool, error) {
	c, err := s.store.Club(ctx, clubID)
	if err != nil {
		if e, ok := errs.As(err); ok && e.Code == ErrNotFound.Code {
			return false, nil
		}
		return false, err
	}
	if c.Status != StatusActive || userID == "" {
		return false, nil
	}
	m, err := s.store.Member(ctx, clubID, userID)
	if err != nil || m == nil {
		return false, err
	}
	return m.Role.Rank() >= RoleOfficer.Rank(), nil
}

// Exists reports whether the club is active.
func (s *Service) Exists(ctx context.Context, clubID string) bool {
	c, err := s.store.Club(ctx, clubID)
	return err == nil && c.Status == StatusActive
}

// RoleOf returns a user's role in a club ("" when not a member) and the
// club's status; ErrNotFound for no club (other modules' checks).
func (s *Service) RoleOf(ctx context.Context, clubID, userID string) (Role, Status, error) {
	c, err := s.store.Club(ctx, clubID)
	if err != nil {
		return "", "", err
	}
	if userID == "" {
		return "", c.Status, nil
	}
	m, err := s.store.Member(ctx, clubID, userID)
	if err != nil || m == nil {
		return "", c.Status, err
	}
	return m.Role, c.Status, nil
}
