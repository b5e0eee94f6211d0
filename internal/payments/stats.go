package payments

import (
	"context"
	"time"
)

// Totals is the money that moved in a time window, in fen.
type Totals struct {
	// PaidFen is the amounts of the orders paid in the window (by the
	// provider's payment time), of every kind and whatever was refunded
	// of them later.
	PaidFen int64
	// RefundedFen is the refunds that went through (succeeded) in the
	// window, by the time they settled.
	RefundedFen int64
}

// Totals sums what was paid and refunded in [from, to), from indexed
// times (no scan of the tables).
func (s *Service) Totals(ctx context.Context, from, to time.Time) (Totals, error) {
	return s.store.Totals(ctx, from.UTC(), to.UTC())
}
