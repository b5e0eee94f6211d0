package admin

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/clock"
	"github.com/zuju/zuju/internal/platform/errs"
)

// countingSource answers one new user per hour of the window and records
// the windows it was asked about.
type countingSource struct {
	first time.Time
	asked [][2]time.Time
}

func (c *countingSource) StatsCounts(_ context.Context, from, to time.Time) (StatsCounts, error) {
	c.asked = append(c.asked, [2]time.Time{from, to})
	return StatsCounts{NewUsers: int64(to.Sub(from) / time.Hour)}, nil
}

func (c *countingSource) FirstAccountAt(context.Context) (time.Time, error) { return c.first, nil }

type memStatsStore struct{ days map[string]DayStats }

func (m *memStatsStore) StatsDays(_ context.Context, zone, first, last string) ([]DayStats, error) {
	var out []DayStats
	for k, d := range m.days {
		if k[:len(zone)] == zone && d.Date >= first && d.Date <= last {
			out = append(out, d)
		}
	}
	return out, nil
}

func (m *memStatsStore) SaveStatsDays(_ context.Context, zone string, days []DayStats, _ time.Time) error {
	for _, d := range days {
		if _, ok := m.days[zone+"/"+d.Date]; !ok {
			m.days[zone+"/"+d.Date] = d
		}
	}
	return nil
}

func adminCtx() context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{UserID: "u1", Roles: []auth.Role{auth.RoleAdmin}})
}

// A day runs from midnight to midnight in the zone: 23 hours on the day
// daylight saving starts, 25 on the day it ends. A day is counted once it
// started, kept once it ended two days ago and read from the kept row
// afterwards; days before the first account are not counted.
func TestStatsDaysInTheZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewManual(time.Date(2031, 3, 12, 12, 0, 0, 0, ny))
	src := &countingSource{first: time.Date(2031, 3, 8, 18, 0, 0, 0, ny)}
	store := &memStatsStore{days: map[string]DayStats{}}
	s := NewService(Deps{Stats: src, StatsStore: store, StatsZone: ny, Now: clk.Now})
	days, err := s.DailyStats(adminCtx(), "2031-03-07", "2031-03-13")
	if err != nil {
		t.Fatal(err)
	}
	// 7th: before the first account; 8th: 24 h; 9th: DST starts (23 h);
	// 10th, 11th: 24 h; 12th: today, counted whole; 13th: not begun.
	want := []int64{0, 24, 23, 24, 24, 24, 0}
	for i, d := range days {
		if d.NewUsers != want[i] {
			t.Errorf("%s: %d hours, want %d", d.Date, d.NewUsers, want[i])
		}
	}
	if len(days) != 7 || days[0].Date != "2031-03-07" || days[6].Date != "2031-03-13" {
		t.Fatalf("days: %+v", days)
	}
	if len(src.asked) != 5 {
		t.Fatalf("%d days counted, want 5 (8th to 12th)", len(src.asked))
	}
	if start := src.asked[1][0]; !start.Equal(time.Date(2031, 3, 9, 5, 0, 0, 0, time.UTC)) {
		t.Fatalf("the 9th starts at %s, want 05:00 UTC (midnight EST)", start.UTC())
	}
	// Final (ended at least 48 h ago): the 8th and the 9th.
	if len(store.days) != 2 {
		t.Fatalf("%d days kept, want 2: %v", len(store.days), store.days)
	}
	src.asked = nil
	if _, err := s.DailyStats(adminCtx(), "2031-03-07", "2031-03-13"); err != nil {
		t.Fatal(err)
	}
	if len(src.asked) != 3 {
		t.Fatalf("%d days counted again, want 3 (10th to 12th; the kept ones are read)", len(src.asked))
	}
	// November: the day daylight saving ends has 25 hours.
	clk.Advance(240 * 24 * time.Hour)
	days, err = s.DailyStats(adminCtx(), "2031-11-02", "2031-11-02")
	if err != nil || days[0].NewUsers != 25 {
		t.Fatalf("2031-11-02: %+v %v", days, err)
	}
	n, err := s.RollupStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// From the 8th of March to the day before the day 48 h ago, less the
	// two kept before and the 2nd of November kept by the read.
	last := time.Date(2031, 11, 4, 0, 0, 0, 0, time.UTC) // now is the 7th: 48 h before is the 5th
	all := int(last.Sub(time.Date(2031, 3, 8, 0, 0, 0, 0, time.UTC)).Hours()/24) + 1
	if n != all-3 || len(store.days) != all {
		t.Fatalf("roll-up kept %d (%d in all), want %d (%d)", n, len(store.days), all-3, all)
	}
}

func TestStatsRange(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 5, 30, 23, 30, 0, 0, time.UTC)) // 31st in Shanghai
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	s := NewService(Deps{Stats: &countingSource{}, StatsStore: &memStatsStore{days: map[string]DayStats{}}, StatsZone: sh, Now: clk.Now})
	for _, c := range []struct {
		from, to    string
		first, last string
		err         error
	}{
		{"", "", "2026-05-02", "2026-05-31", nil},
		{"", "2026-01-31", "2026-01-02", "2026-01-31", nil},
		{"2026-05-31", "", "2026-05-31", "2026-05-31", nil},
		{"2025-06-01", "2026-06-01", "2025-06-01", "2026-06-01", nil}, // 366 days
		{"2025-05-31", "2026-06-01", "", "", ErrStatsRangeTooLong},
		{"2026-06-01", "", "", "", ErrStatsBadRange},
		{"2026-13-01", "", "", "", ErrStatsBadDate},
		{"", "26-05-01", "", "", ErrStatsBadDate},
		{" 2026-05-01", "", "", "", ErrStatsBadDate},
	} {
		first, last, err := s.statsRange(c.from, c.to)
		if !errors.Is(err, c.err) || (c.err == nil && (first.Format(time.DateOnly) != c.first || last.Format(time.DateOnly) != c.last)) {
			t.Errorf("from %q to %q: %s..%s %v, want %s..%s %v", c.from, c.to, first.Format(time.DateOnly), last.Format(time.DateOnly), err, c.first, c.last, c.err)
		}
	}
	if _, err := s.DailyStats(auth.WithPrincipal(context.Background(), auth.Principal{UserID: "m", Roles: []auth.Role{auth.RoleModerator}}), "", ""); !errors.Is(err, errs.ErrForbidden) {
		t.Fatalf("a moderator read statistics: %v", err)
	}
	for _, c := range []struct {
		c    StatsCounts
		want float64
	}{{StatsCounts{}, 0}, {StatsCounts{Formations: 2, NotFormed: 1}, 0.6667}, {StatsCounts{Formations: 1, NotFormed: 2}, 0.3333}, {StatsCounts{NotFormed: 3}, 0}, {StatsCounts{Formations: 3}, 1}} {
		if got := c.c.FormationRate(); got != c.want {
			t.Errorf("rate of %+v = %v, want %v", c.c, got, c.want)
		}
	}
}
