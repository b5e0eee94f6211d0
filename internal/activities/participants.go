package activities

import (
	"context"

	"github.com/zuju/zuju/internal/platform/auth"
)

// Participant is a sign-up as its activity's organizer and staff see it.
type Participant struct {
	Signup
	// NoShowCount is how many finished activities the user missed.
	NoShowCount int
}

// Roster lists an activity's sign-ups with each user's no-show count
// (its organizer and staff only).
func (s *Service) Roster(ctx context.Context, activityID string) ([]Participant, error) {
	if _, _, err := s.organizerOrStaff(ctx, activityID); err != nil {
		return nil, err
	}
	return s.store.Roster(ctx, activityID, Audit{})
}

// Export is an activity's participants table for download.
type Export struct {
	Activity     *Activity
	Participants []Participant
	// Nicknames maps user ids to display names (empty without a lookup).
	Nicknames map[string]string
}

// ExportParticipants returns an activity's participants for a CSV export.
// From the admin console (admin true) it is for staff only; otherwise for
// the organizer and staff. A staff export of someone else's activity is a
// read of personal data and is audited with the read, in one transaction.
func (s *Service) ExportParticipants(ctx context.Context, activityID string, admin bool) (*Export, error) {
	if admin {
		if _, err := auth.RequireRole(ctx, auth.StaffRoles()...); err != nil {
			return nil, err
		}
	}
	a, p, err := s.organizerOrStaff(ctx, activityID)
	if err != nil {
		return nil, err
	}
	var au Audit
	if admin || a.OrganizerID != p.UserID {
		au = Audit{Action: "activity.export_participants", TargetType: "activity", TargetID: a.ID}
	}
	list, err := s.store.Roster(ctx, activityID, au)
	if err != nil {
		return nil, err
	}
	ex := &Export{Activity: a, Participants: list, Nicknames: map[string]string{}}
	ids := make([]string, len(list))
	for i := range list {
		ids[i] = list[i].UserID
	}
	r, err := s.lookup(ctx, ids, nil)
	if err != nil {
		return nil, err
	}
	for id, p := range r.people {
		ex.Nicknames[id] = p.Nickname
	}
	return ex, nil
}

// Label is the sign-up status as users read it.
func (s SignupStatus) Label() string {
	switch s {
	case SignupPendingPayment:
		return "待支付"
	case SignupConfirmed:
		return "已确认"
	case SignupWaitlisted:
		return "候补中"
	case SignupOffered:
		return "候补待确认"
	case SignupCancelled:
		return "已取消"
	case SignupRefunded:
		return "已退款"
	case SignupCheckedIn:
		return "已签到"
	case SignupNoShow:
		return "缺席"
	}
	return string(s)
}
