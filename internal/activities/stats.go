package activities

import (
	"context"
	"time"
)

// Counts is what happened to activities in a time window.
type Counts struct {
	// Signups is the sign-ups made in the window, whatever became of them
	// (confirmed, waitlisted, held for payment, cancelled later).
	Signups int64
	// Formed is the activities that reached their minimum (formed) in
	// the window.
	Formed int64
	// NotFormed is the activities cancelled automatically in the window
	// because their sign-up deadline passed below the minimum.
	NotFormed int64
}

// Counts counts sign-ups, formations and activities that did not form in
// [from, to), from indexed times (no scan of the tables).
func (s *Service) Counts(ctx context.Context, from, to time.Time) (Counts, error) {
	return s.store.Counts(ctx, from.UTC(), to.UTC())
}
