package activities

import (
	"context"
	"time"
)

// Timers schedules a durable wake-up of the lifecycle sweep at a moment
// (the job queue answers). Wake-ups make deadlines, reminders and ends
// happen on time; the periodic sweep still catches anything a crash left
// unscheduled, so implementations report failures themselves and the
// service goes on.
type Timers interface {
	WakeAt(ctx context.Context, at time.Time)
}

// SetTimers connects the wake-up scheduler.
func (s *Service) SetTimers(t Timers) { s.timers = t }

// wakeFor schedules the moments the sweep must act on a published
// activity: its sign-up deadline, its reminders and its end.
func (s *Service) wakeFor(ctx context.Context, a *Activity) {
	// The reminders go out 24 h and 2 h before the start.
	s.wake(ctx, a.SignupDeadline, a.StartAt.Add(-24*time.Hour), a.StartAt.Add(-2*time.Hour), a.EndAt)
}

// wake schedules the sweep at each future moment.
func (s *Service) wake(ctx context.Context, moments ...time.Time) {
	if s.timers == nil {
		return
	}
	now := s.clock()
	for _, at := range moments {
		if at.After(now) {
			s.timers.WakeAt(ctx, at)
		}
	}
}
