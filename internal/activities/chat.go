package activities

import (
	"context"
	"time"
)

// The chat module's view of activities: who is seated, for the room that
// opens when an activity forms.

// ChatRoomID is the id of an activity's chat room: the room shares the
// activity's id, so it is known before the room exists.
func ChatRoomID(activityID string) string { return activityID }

// ChatInfo is what the chat room of an activity needs of it.
type ChatInfo struct {
	ID, Title, OrganizerID string
	Status                 Status
	EndAt                  time.Time
	// Seated are the confirmed and checked-in participants, in sign-up order.
	Seated []string
}

// ChatInfo returns an activity's organizer and seated participants (for
// the chat module's consumers: no caller to check).
func (s *Service) ChatInfo(ctx context.Context, id string) (ChatInfo, error) {
	a, err := s.store.Get(ctx, id)
	if err != nil {
		return ChatInfo{}, err
	}
	seated, err := s.store.Seated(ctx, id, a.MaxParticipants+1)
	if err != nil {
		return ChatInfo{}, err
	}
	return ChatInfo{ID: a.ID, Title: a.Title, OrganizerID: a.OrganizerID, Status: a.Status, EndAt: a.EndAt, Seated: seated}, nil
}

// HoldsSeat reports whether the user's sign-up on the activity is
// confirmed or checked in.
func (s *Service) HoldsSeat(ctx context.Context, activityID, userID string) (bool, error) {
	sg, err := s.store.ActiveSignup(ctx, activityID, userID)
	if err != nil || sg == nil {
		return false, err
	}
	return sg.Status == SignupConfirmed || sg.Status == SignupCheckedIn, nil
}

// FormedIDs lists formed activities, soonest first (the chat module's
// reconciliation of rooms).
func (s *Service) FormedIDs(ctx context.Context, limit int) ([]string, error) {
	return s.store.Formed(ctx, limit)
}

// Clubs tells who may organize activities for a club.
type Clubs interface {
	// CanOrganize: the user is an officer or the owner of the active club.
	CanOrganize(ctx context.Context, clubID, userID string) (bool, error)
	// Exists: the club is active.
	Exists(ctx context.Context, clubID string) bool
	// IsMember: the user is a member of the club (any role); members see
	// the club's members-only activities.
	IsMember(ctx context.Context, clubID, userID string) (bool, error)
}

// SetClubs connects the clubs module.
func (s *Service) SetClubs(c Clubs) { s.clubs = c }

// CalendarEntry is an activity on a club's calendar (its address is for
// participants only: the city stands for it).
type CalendarEntry struct {
	ID, Title, City string
	Status          Status
	Visibility      Visibility
	StartAt, EndAt  time.Time
	UpdatedAt       time.Time
}

// ClubCalendar lists a club's activities (published or later, cancelled
// ones too) starting in [from, to), by start; its members-only ones only
// with membersToo (the clubs module tells whether its caller may see them).
func (s *Service) ClubCalendar(ctx context.Context, clubID string, from, to time.Time, limit int, membersToo bool) ([]CalendarEntry, error) {
	list, err := s.store.ClubCalendar(ctx, clubID, from, to, limit, membersToo)
	if err != nil {
		return nil, err
	}
	out := make([]CalendarEntry, len(list))
	for i, a := range list {
		out[i] = CalendarEntry{ID: a.ID, Title: a.Title, City: a.City, Status: a.Status, Visibility: a.Visibility,
			StartAt: a.StartAt, EndAt: a.EndAt, UpdatedAt: a.UpdatedAt}
	}
	return out, nil
}
