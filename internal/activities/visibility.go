package activities

import (
	"context"
	"fmt"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/textfilter"
)

// Members-only club activities, and the word filter over what organizers
// write.
//
// A members-only activity is seen by the club's members, its organizer
// and staff. Everyone else gets ErrNotFound for it (details, sign-up,
// offers) and never finds it in a list: the public list, which the list
// cache serves, holds public activities only; a club's list shows its
// members-only activities to the club's members, read from the store every
// time (see Filter.MembersOnlyToo and listCache.page).

// TextFilter checks what people write (the moderation pipeline).
type TextFilter interface {
	Check(text string) textfilter.Result
}

// SetFilter passes titles and descriptions through the word filter.
func (s *Service) SetFilter(f TextFilter) { s.filter = f }

// filterTexts runs the title and description d sets through the filter:
// a blocked word (or one held for review: activities have no review
// queue) refuses the draft, replaced words are masked in a.
func (s *Service) filterTexts(a *Activity, d Draft) error {
	if s.filter == nil {
		return nil
	}
	for _, f := range []struct {
		set bool
		dst *string
	}{{d.Title != nil, &a.Title}, {d.Description != nil, &a.Description}} {
		if !f.set || *f.dst == "" {
			continue
		}
		res := s.filter.Check(*f.dst)
		if res.Action >= textfilter.Review {
			return ErrBlocked
		}
		if res.Action == textfilter.Replace {
			*f.dst = res.Text
		}
	}
	return nil
}

// inClub reports whether the user is a member of the club (any role).
func (s *Service) inClub(ctx context.Context, clubID, userID string) (bool, error) {
	if s.clubs == nil || clubID == "" || userID == "" {
		return false, nil
	}
	ok, err := s.clubs.IsMember(ctx, clubID, userID)
	if err != nil {
		return false, fmt.Errorf("check club membership: %w", err)
	}
	return ok, nil
}

// visible reports whether the caller may see a: a public activity anyone,
// a members-only one its organizer, staff and the club's members.
func (s *Service) visible(ctx context.Context, a *Activity) (bool, error) {
	if !a.ClubMembersOnly() {
		return true, nil
	}
	p, signedIn := auth.From(ctx)
	if !signedIn {
		return false, nil
	}
	if a.OrganizerID == p.UserID || p.IsStaff() {
		return true, nil
	}
	return s.inClub(ctx, a.ClubID, p.UserID)
}

// seesClub reports whether the caller sees the members-only activities of
// a club: staff and the club's members.
func (s *Service) seesClub(ctx context.Context, clubID string) (bool, error) {
	p, signedIn := auth.From(ctx)
	if !signedIn || clubID == "" {
		return false, nil
	}
	if p.IsStaff() {
		return true, nil
	}
	return s.inClub(ctx, clubID, p.UserID)
}

// loadVisible loads an activity the caller may see (ErrNotFound for a
// members-only one of a club they are not in).
func (s *Service) loadVisible(ctx context.Context, id string) (*Activity, error) {
	a, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	ok, err := s.visible(ctx, a)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotFound
	}
	return a, nil
}
