package activities

import (
	"context"
	"errors"
)

// Sweep applies the lifecycle's time rules: seats held for payment past
// their hold are released (their orders closed) and, like expired waitlist
// offers, pass their seat to the next person; a published activity whose
// sign-up deadline passed with fewer seated sign-ups (confirmed or checked
// in; seats held for payment and open offers do not count) than its
// minimum is cancelled (every paid seat
// refunded through activities.refund_requested, held seats released), and
// a formed activity whose end passed is finished. Each change is a
// conditional update, so running the sweep on several replicas at once, or
// again after a crash, makes every change exactly once. It reports how many
// sign-ups and activities changed.
// Last, it sends the reminders that are due (sendReminders).
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.clock()
	released, err := s.store.ExpireHolds(ctx, now, 500)
	for _, h := range released {
		s.closeOrder(ctx, h.OrderNo)
	}
	if err != nil {
		return len(released), err
	}
	changed, err := s.store.ExpireOffers(ctx, now, 500)
	changed += len(released)
	if err != nil {
		return changed, err
	}
	for _, rule := range []struct {
		from, to Status
		reason   string
	}{
		{StatusPublished, StatusCancelled, AutoCancelReason},
		{StatusFormed, StatusFinished, ""},
	} {
		ids, err := s.store.Due(ctx, rule.from, now, 500)
		if err != nil {
			return changed, err
		}
		for _, id := range ids {
			_, err := s.store.SetStatus(ctx, id, rule.from, rule.to, now, rule.reason, Audit{})
			switch {
			case errors.Is(err, ErrBadTransition):
				// Another replica (or a sign-up) got there first.
			case err != nil:
				return changed, err
			default:
				changed++
			}
		}
	}
	if _, err := s.sendReminders(ctx, now); err != nil {
		return changed, err
	}
	return changed, nil
}
