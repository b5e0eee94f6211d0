package activities

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"

	"github.com/google/uuid"

	"github.com/zuju/zuju/internal/platform/auth"
)

// Members tells whether a user holds an active paid membership (the
// membership module answers; nil means nobody is a member yet).
type Members interface {
	IsMember(ctx context.Context, userID string) (bool, error)
}

// SetMembers connects the membership check.
func (s *Service) SetMembers(m Members) { s.members = m }

// SignUp signs the caller up: a confirmed seat while there is room, a
// waitlist place when full. Paid activities open with the payments module.
// A retried request with the same idempotency key gets the first result.
func (s *Service) SignUp(ctx context.Context, activityID, idemKey string) (*Signup, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if idemKey != "" {
		if sg, err := s.store.SignupByKey(ctx, activityID, p.UserID, idemKey); err != nil || sg != nil {
			return sg, err
		}
	}
	a, err := s.store.Get(ctx, activityID)
	if err != nil {
		return nil, err
	}
	switch {
	case a.Status == StatusDraft:
		return nil, ErrNotFound
	case a.OrganizerID == p.UserID:
		return nil, ErrOrganizerSelf
	case a.PriceFen > 0:
		return nil, ErrPaidNotYet
	}
	if a.MemberOnly {
		ok := false
		if s.members != nil {
			if ok, err = s.members.IsMember(ctx, p.UserID); err != nil {
				return nil, err
			}
		}
		if !ok {
			return nil, ErrMembersOnly
		}
	}
	code := make([]byte, 18)
	_, _ = rand.Read(code)
	sg, err := s.store.SignUp(ctx, &Signup{ID: uuid.Must(uuid.NewV7()).String(), ActivityID: activityID, UserID: p.UserID,
		CheckInCode: base64.RawURLEncoding.EncodeToString(code), IdempotencyKey: idemKey}, s.clock())
	if errors.Is(err, ErrAlreadySignedUp) && idemKey != "" {
		// A concurrent retry of the same request won: answer with its result.
		if first, ferr := s.store.SignupByKey(ctx, activityID, p.UserID, idemKey); ferr == nil && first != nil {
			return first, nil
		}
	}
	return sg, err
}

// CancelMine cancels the caller's own sign-up; its seat goes back.
func (s *Service) CancelMine(ctx context.Context, activityID string) (*Signup, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	sg, err := s.store.CancelSignup(ctx, activityID, p.UserID, s.clock())
	if err == nil {
		s.wake(ctx, s.clock().Add(OfferWindow)) // a freed seat may now be on offer
	}
	return sg, err
}

// Participants lists an activity's sign-ups (its organizer and staff).
func (s *Service) Participants(ctx context.Context, activityID string) ([]Signup, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.store.Get(ctx, activityID)
	if err != nil {
		return nil, err
	}
	if a.OrganizerID != p.UserID && !p.IsStaff() {
		return nil, ErrNotOrganizer
	}
	return s.store.Signups(ctx, activityID)
}

// MySignups lists the caller's sign-ups, newest first.
func (s *Service) MySignups(ctx context.Context, limit int) ([]Signup, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	return s.store.MySignups(ctx, p.UserID, limit)
}

// AcceptOffer takes the seat offered to the caller from the waitlist.
func (s *Service) AcceptOffer(ctx context.Context, activityID string) (*Signup, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.AcceptOffer(ctx, activityID, p.UserID, s.clock())
}
