package users

import (
	"context"
	"sync"
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
// per user and day, written once per process and day. A failure is
// logged, the sign-in goes on.
func (s *Service) markActive(ctx context.Context, userID string, at time.Time) {
	zone := s.s.DayZone
	if zone == nil {
		zone = time.UTC
	}
	day := at.In(zone).Format(time.DateOnly)
	if !s.active.first(day, userID) {
		return
	}
	if err := s.Store.MarkActive(ctx, userID, day, at); err != nil {
		s.active.forget(day, userID)
		s.Logger.Warn("record active day", "err", err)
	}
}

// activeSeen remembers the users this process recorded active today, so
// the renewals of a day after the first write nothing.
type activeSeen struct {
	mu   sync.Mutex
	day  string
	seen map[string]struct{}
}

// first reports whether userID is not recorded on day yet, and notes it.
func (a *activeSeen) first(day, userID string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.day != day || len(a.seen) >= 500_000 {
		a.day, a.seen = day, map[string]struct{}{}
	}
	if _, ok := a.seen[userID]; ok {
		return false
	}
	a.seen[userID] = struct{}{}
	return true
}

// forget drops a note whose write failed, so the next sign-in tries again.
func (a *activeSeen) forget(day, userID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.day == day {
		delete(a.seen, userID)
	}
}
