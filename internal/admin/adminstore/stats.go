package adminstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/zuju/zuju/internal/admin"
)

type statsDayRow struct {
	Zone        string `gorm:"primaryKey"`
	Day         string `gorm:"primaryKey"`
	NewUsers    int64
	ActiveUsers int64
	Signups     int64
	Formations  int64
	NotFormed   int64
	RevenueFen  int64
	RefundsFen  int64
	ComputedAt  time.Time
}

func (statsDayRow) TableName() string { return "stats_days" }

// StatsDays returns the kept days of zone from first to last (a range of
// the primary key).
func (s *Store) StatsDays(ctx context.Context, zone, first, last string) ([]admin.DayStats, error) {
	var rows []statsDayRow
	if err := s.db.WithContext(ctx).Where("zone = ? AND day >= ? AND day <= ?", zone, first, last).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load statistics days: %w", err)
	}
	out := make([]admin.DayStats, len(rows))
	for i, r := range rows {
		out[i] = admin.DayStats{Date: r.Day, StatsCounts: admin.StatsCounts{NewUsers: r.NewUsers, ActiveUsers: r.ActiveUsers,
			Signups: r.Signups, Formations: r.Formations, NotFormed: r.NotFormed, RevenueFen: r.RevenueFen, RefundsFen: r.RefundsFen}}
	}
	return out, nil
}

// SaveStatsDays keeps days; one kept already (by another replica's read
// or the roll-up) stays.
func (s *Store) SaveStatsDays(ctx context.Context, zone string, days []admin.DayStats, at time.Time) error {
	rows := make([]statsDayRow, len(days))
	for i, d := range days {
		c := d.StatsCounts
		rows[i] = statsDayRow{Zone: zone, Day: d.Date, NewUsers: c.NewUsers, ActiveUsers: c.ActiveUsers, Signups: c.Signups,
			Formations: c.Formations, NotFormed: c.NotFormed, RevenueFen: c.RevenueFen, RefundsFen: c.RefundsFen, ComputedAt: at.UTC()}
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, 100).Error
	if err != nil {
		return fmt.Errorf("keep statistics days: %w", err)
	}
	return nil
}
