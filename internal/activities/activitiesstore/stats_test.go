package activitiesstore

import (
	"testing"
	"time"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// The statistics' counts walk the time indexes, never a whole table.
func TestStatsCountsUseIndexes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		from := time.Date(2031, 3, 9, 16, 0, 0, 0, time.UTC)
		to := from.Add(24 * time.Hour)
		dbtest.RequireIndexed(t, db, []string{"signups_created_idx", "activities_formed_idx", "activities_cancelled_idx"}, countsQuery, from, to, from, to, from, to, activities.AutoCancelReason)
	}, Migrations())
}
