package paymentsstore

import (
	"context"
	"fmt"
	"time"

	"github.com/zuju/zuju/internal/payments"
)

// totalsQuery reads both sums of a window [from, to) from the time indexes
// (its arguments: from, to, from, to); refunds by status and settle time.
const totalsQuery = `SELECT
	(SELECT COALESCE(SUM(amount_fen), 0) FROM orders WHERE paid_at >= ? AND paid_at < ?),
	(SELECT COALESCE(SUM(amount_fen), 0) FROM refunds WHERE status = 'succeeded' AND settled_at >= ? AND settled_at < ?)`

// Totals sums, in one round trip over the time indexes, the orders paid in
// [from, to) and the refunds that succeeded in it.
func (s *Store) Totals(ctx context.Context, from, to time.Time) (payments.Totals, error) {
	var t payments.Totals
	f, e := from.UTC(), to.UTC()
	err := s.db.WithContext(ctx).Raw(totalsQuery, f, e, f, e).Row().Scan(&t.PaidFen, &t.RefundedFen)
	if err != nil {
		return t, fmt.Errorf("sum payments: %w", err)
	}
	return t, nil
}
