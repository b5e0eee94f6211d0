package adminstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/zuju/zuju/internal/admin"
)

type statsDayRow struct {
	Zone              string `gorm:"primaryKey"`
	Day               string `gorm:"primaryKey"`
	admin.StatsCounts `gorm:"embedded"`
	ComputedAt        time.Time
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
		out[i] = admin.DayStats{Date: r.Day, StatsCounts: r.StatsCounts}
	}
	return out, nil
}

// SaveStatsDays keeps days; one kept already (by another replica's read
// or the roll-up) stays.
func (s *Store) SaveStatsDays(ctx context.Context, zone string, days []admin.DayStats, at time.Time) error {
	rows := make([]statsDayRow, len(days))
	for i, d := range days {
		rows[i] = statsDayRow{Zone: zone, Day: d.Date, StatsCounts: d.StatsCounts, ComputedAt: at.UTC()}
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, 100).Error
	if err != nil {
		return fmt.Errorf("keep statistics days: %w", err)
	}
	return nil
}
