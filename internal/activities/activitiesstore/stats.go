package activitiesstore

import (
	"context"
	"fmt"
	"time"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// countsQuery reads the three counts of a window [from, to) from the time
// indexes (its arguments: from, to three times, then the automatic
// cancellation's reason).
const countsQuery = `SELECT
	(SELECT COUNT(*) FROM signups WHERE created_at >= ? AND created_at < ?),
	(SELECT COUNT(*) FROM activities WHERE formed_at >= ? AND formed_at < ?),
	(SELECT COUNT(*) FROM activities WHERE cancelled_at >= ? AND cancelled_at < ? AND cancel_reason = ?)`

// Counts counts, in one round trip over the time indexes, the sign-ups
// made in [from, to), the activities formed in it and those cancelled in
// it for missing their minimum.
func (s *Store) Counts(ctx context.Context, from, to time.Time) (activities.Counts, error) {
	var c activities.Counts
	f, t := from.UTC(), to.UTC()
	err := s.raw.SQL.QueryRowContext(ctx, sqldb.Rebind(s.pg, countsQuery), f, t, f, t, f, t, activities.AutoCancelReason).
		Scan(&c.Signups, &c.Formed, &c.NotFormed)
	if err != nil {
		return c, fmt.Errorf("count activities: %w", err)
	}
	return c, nil
}
