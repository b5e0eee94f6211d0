package paymentsstore

import (
	"testing"
	"time"

	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// The statistics' sums walk the time indexes, never a whole table.
func TestStatsTotalsUseIndexes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		from := time.Date(2031, 3, 9, 16, 0, 0, 0, time.UTC)
		to := from.Add(24 * time.Hour)
		dbtest.RequireIndexed(t, db, []string{"orders_paid_idx", "refunds_settled_idx"}, totalsQuery, from, to, from, to)
	}, Migrations())
}
