package activities

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zuju/zuju/internal/platform/auth"
)

// CheckInSettings configure check-in codes and the check-in window.
type CheckInSettings struct {
	// Key signs the check-in codes (the app derives it from its secret, so
	// every replica accepts the codes of every other).
	Key []byte
	// OpensBefore is how long before the start the organizer may scan
	// codes; the window closes at the activity's end.
	OpensBefore time.Duration
}

// DefaultCheckInOpensBefore opens check-in two hours before the start.
const DefaultCheckInOpensBefore = 2 * time.Hour

// DefaultCheckInSettings returns the default window with a random key, so
// a service built without settings never signs with a guessable key (its
// codes are then valid for this process only).
func DefaultCheckInSettings() CheckInSettings {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return CheckInSettings{Key: key, OpensBefore: DefaultCheckInOpensBefore}
}

// SetCheckIn replaces the check-in settings (a zero window keeps the default).
func (s *Service) SetCheckIn(c CheckInSettings) {
	if len(c.Key) == 0 {
		c.Key = s.checkIn.Key
	}
	if c.OpensBefore <= 0 {
		c.OpensBefore = DefaultCheckInOpensBefore
	}
	s.checkIn = c
}

// checkInVersion prefixes every check-in payload, so the format can change.
const checkInVersion = "ZJ1"

// checkInPayload is the signed QR payload of a sign-up:
// ZJ1.<sign-up id>.<base64url HMAC-SHA256(key, id "|" per-sign-up secret)>.
// Without the key and the secret stored with the sign-up it cannot be
// made up or derived from another sign-up's payload.
func (s *Service) checkInPayload(sg *Signup) string {
	return checkInVersion + "." + sg.ID + "." + base64.RawURLEncoding.EncodeToString(s.checkInMAC(sg))
}

// OwnCheckInPayload returns the sign-up's check-in payload when the caller
// owns the sign-up, and nil for everyone else (organizers and staff
// included: they scan codes, they never see them).
func (s *Service) OwnCheckInPayload(ctx context.Context, sg *Signup) *string {
	p, ok := auth.From(ctx)
	if !ok || p.UserID != sg.UserID || sg.CheckInCode == "" {
		return nil
	}
	code := s.checkInPayload(sg)
	return &code
}

func (s *Service) checkInMAC(sg *Signup) []byte {
	m := hmac.New(sha256.New, s.checkIn.Key)
	m.Write([]byte(sg.ID))
	m.Write([]byte{'|'})
	m.Write([]byte(sg.CheckInCode))
	return m.Sum(nil)
}

// parseCheckIn splits a payload into the sign-up id and its signature.
func parseCheckIn(code string) (id string, mac []byte, ok bool) {
	parts := strings.Split(strings.TrimSpace(code), ".")
	if len(parts) != 3 || parts[0] != checkInVersion || parts[1] == "" || len(parts[1]) > 64 {
		return "", nil, false
	}
	mac, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(mac) != sha256.Size {
		return "", nil, false
	}
	return parts[1], mac, true
}

// CheckIn checks a participant in from the code of their QR: the caller
// must be the activity's organizer or an admin (moderators review
// content; they do not run the door); the code's signature must
// hold (compared in constant time) and name a sign-up of this activity;
// the activity must be formed and within its window (OpensBefore the
// start until the end). The sign-up goes from confirmed to checked_in
// once; scanning it again answers ErrAlreadyCheckedIn with the sign-up.
func (s *Service) CheckIn(ctx context.Context, activityID, code string) (*Signup, error) {
	a, _, err := s.manage(ctx, activityID)
	if err != nil {
		return nil, err
	}
	id, mac, ok := parseCheckIn(code)
	if !ok {
		return nil, ErrCheckInInvalidCode
	}
	sg, err := s.store.SignupByID(ctx, id)
	if errors.Is(err, ErrSignupNotFound) {
		return nil, ErrCheckInInvalidCode
	}
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(mac, s.checkInMAC(sg)) {
		return nil, ErrCheckInInvalidCode
	}
	if sg.ActivityID != a.ID {
		return nil, ErrCheckInOtherActivity
	}
	now := s.clock()
	if err := s.checkInOpen(a, now); err != nil {
		return nil, err
	}
	return s.store.CheckIn(ctx, sg.ID, now)
}

// checkInOpen tells whether the activity takes check-ins at now.
func (s *Service) checkInOpen(a *Activity, now time.Time) error {
	switch {
	case a.Status == StatusCancelled || a.Status == StatusFinished:
		return ErrCheckInClosed.WithDetail("活动" + a.Status.Label() + "，不能再签到")
	case now.Before(a.StartAt.Add(-s.checkIn.OpensBefore)):
		return ErrCheckInNotOpen.WithDetail(fmt.Sprintf("签到在活动开始前 %s开放", hours(s.checkIn.OpensBefore)))
	case !now.Before(a.EndAt):
		return ErrCheckInClosed.WithDetail("活动已结束，签到已关闭")
	case a.Status != StatusFormed:
		return ErrCheckInNotFormed
	}
	return nil
}

// organizerOrStaff loads an activity the caller organizes or, as staff
// (moderator and above), oversees.
func (s *Service) organizerOrStaff(ctx context.Context, id string) (*Activity, auth.Principal, error) {
	return s.loadFor(ctx, id, auth.Principal.IsStaff)
}
