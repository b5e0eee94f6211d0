package users

import (
	"context"
	"time"
)

// Counts is what happened to accounts in a time window.
type Counts struct {
	// NewUsers is the accounts created in the window.
	NewUsers int64
	// ActiveUsers is the accounts whose first sign-in or session renewal
	// of a day (in Settings.DayZone) fell in the window: for a window that
	// is one such day, the users active that day.
	ActiveUsers int64
}

// Counts counts the accounts created and active in [from, to), from
// indexed times (no scan of the tables).
func (s *Service) Counts(ctx context.Context, from, to time.Time) (Counts, error) {
	return s.Store.Counts(ctx, from.UTC(), to.UTC())
}

// FirstCreatedAt is when the first account was created (zero without
// accounts): nothing any statistic counts happened before it.
func (s *Service) FirstCreatedAt(ctx context.Context) (time.Time, error) {
	return s.Store.FirstCreatedAt(ctx)
}

// markActive records that the user is active today (a sign-in or a
// session renewal; every 15 minutes of use renews the session): one row
// per user and day. A failure is logged, the sign-in goes on.
func (s *Service) markActive(ctx context.Context, userID string, at time.Time) {
	zone := s.s.DayZone
	if zone == nil {
		zone = time.UTC
	}
	if err := s.Store.MarkActive(ctx, userID, at.In(zone).Format(time.DateOnly), at); err != nil {
		s.Logger.Warn("record active day", "err", err)
	}
}
