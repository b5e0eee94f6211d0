package admin

import (
	"context"
	"math"
	"time"
)

// Statistics: totals and a daily series of new users, active users,
// sign-ups, formations, the formation rate, revenue and refunds.
//
// A day is a calendar date in the statistics' zone (ZUJU_STATS_TIMEZONE),
// from its midnight to the next. Its figures are the owning modules' counts
// over that window (StatsSource: indexed time ranges, never a scan). A day
// that is final — ended at least StatsFinalAfter ago — is counted once and
// kept in stats_days, by the hourly roll-up or by the first read that
// needs it, and read from there afterwards; only the days still open
// (today and the two before) are counted on every read.

// Statistics limits.
const (
	// StatsMaxDays is the longest daily series one request may ask for.
	StatsMaxDays = 366
	// StatsDefaultDays is the series asked for without dates: the last 30
	// days up to today.
	StatsDefaultDays = 30
	// StatsFinalAfter is how long after its end a day is final and kept:
	// a payment is dated by the provider's payment time, and its report
	// may arrive late (WeChat Pay retries notifications for about a day;
	// reconciliation asks about closed orders for 25 hours).
	StatsFinalAfter = 48 * time.Hour
)

// StatsCounts are the figures of a day, or their sums.
type StatsCounts struct {
	// NewUsers is the accounts created.
	NewUsers int64
	// ActiveUsers is the accounts that signed in or renewed a session
	// (every 15 minutes of use renews it). Not summed into totals.
	ActiveUsers int64
	// Signups is the sign-ups made, whatever became of them.
	Signups int64
	// Formations is the activities that reached their minimum (formed).
	Formations int64
	// NotFormed is the activities cancelled automatically because their
	// sign-up deadline passed below the minimum.
	NotFormed int64
	// RevenueFen is the amounts of the orders paid (activity sign-ups and
	// memberships), by the payment's time.
	RevenueFen int64
	// RefundsFen is the refunds that went through, by the time they
	// settled.
	RefundsFen int64
}

// FormationRate is the share of the activities decided (formed, or
// cancelled for missing their minimum) that formed, to four decimals;
// 0 when none was decided.
func (c StatsCounts) FormationRate() float64 {
	decided := c.Formations + c.NotFormed
	if decided == 0 {
		return 0
	}
	return math.Round(float64(c.Formations)/float64(decided)*10000) / 10000
}

func (c *StatsCounts) add(o StatsCounts) {
	c.NewUsers += o.NewUsers
	c.Signups += o.Signups
	c.Formations += o.Formations
	c.NotFormed += o.NotFormed
	c.RevenueFen += o.RevenueFen
	c.RefundsFen += o.RefundsFen
}

// DayStats are the figures of one day.
type DayStats struct {
	// Date is the calendar date (YYYY-MM-DD) in the statistics' zone.
	Date string
	StatsCounts
}

// StatsOverview is the platform's totals since its first account, and
// today so far.
type StatsOverview struct {
	AsOf time.Time
	Zone string
	// Since is the first date counted (the first account's); empty
	// before any account exists.
	Since string
	// Totals sums every day; its ActiveUsers stays 0 (people active on
	// several days would count more than once).
	Totals StatsCounts
	Today  DayStats
}

// StatsZone names the statistics' time zone.
func (s *Service) StatsZone() string { return s.zone.String() }

// DailyStats returns the figures of every day from from to to (dates
// YYYY-MM-DD in the statistics' zone, both included), days without
// anything as zeros, for admins and super admins. Without to it ends
// today; without from it starts StatsDefaultDays-1 days before to.
func (s *Service) DailyStats(ctx context.Context, from, to string) ([]DayStats, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	first, last, err := s.statsRange(from, to)
	if err != nil {
		return nil, err
	}
	since, err := s.stats.FirstAccountAt(ctx)
	if err != nil {
		return nil, err
	}
	days, _, err := s.statsDays(ctx, first, last, since)
	return days, err
}

// StatsOverview returns the totals since the first account and today's
// figures, for admins and super admins.
func (s *Service) StatsOverview(ctx context.Context) (*StatsOverview, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	now := s.now()
	today := s.dateOf(now)
	out := &StatsOverview{AsOf: now.UTC(), Zone: s.zone.String(), Today: DayStats{Date: today.Format(time.DateOnly)}}
	since, err := s.stats.FirstAccountAt(ctx)
	if err != nil || since.IsZero() {
		return out, err
	}
	first := s.dateOf(since)
	if first.After(today) {
		first = today // the first account's clock ran ahead
	}
	days, _, err := s.statsDays(ctx, first, today, since)
	if err != nil {
		return nil, err
	}
	for _, d := range days {
		out.Totals.add(d.StatsCounts)
	}
	out.Since, out.Today = first.Format(time.DateOnly), days[len(days)-1]
	return out, nil
}

// RollupStats counts and keeps every final day since the first account
// that is not kept yet (the hourly job); it reports how many it kept.
func (s *Service) RollupStats(ctx context.Context) (int, error) {
	since, err := s.stats.FirstAccountAt(ctx)
	if err != nil || since.IsZero() {
		return 0, err
	}
	// The last final day is the one before the day StatsFinalAfter ago.
	last := s.dateOf(s.now().Add(-StatsFinalAfter)).AddDate(0, 0, -1)
	kept := 0
	for first := s.dateOf(since); !first.After(last); first = first.AddDate(0, 0, StatsMaxDays) {
		end := first.AddDate(0, 0, StatsMaxDays-1)
		if end.After(last) {
			end = last
		}
		_, n, err := s.statsDays(ctx, first, end, since)
		kept += n
		if err != nil {
			return kept, err
		}
	}
	return kept, nil
}

// statsDays returns the figures of the dates first to last: kept days
// from stats_days, the others counted (zeros without counting for days
// that start in the future or end before the first account at since);
// final days counted here are kept. It reports how many it kept.
func (s *Service) statsDays(ctx context.Context, first, last, since time.Time) ([]DayStats, int, error) {
	zone := s.zone.String()
	stored, err := s.statsStore.StatsDays(ctx, zone, first.Format(time.DateOnly), last.Format(time.DateOnly))
	if err != nil {
		return nil, 0, err
	}
	kept := make(map[string]DayStats, len(stored))
	for _, d := range stored {
		kept[d.Date] = d
	}
	now := s.now()
	var out, fresh []DayStats
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		day := DayStats{Date: d.Format(time.DateOnly)}
		if k, ok := kept[day.Date]; ok {
			out = append(out, k)
			continue
		}
		start, end := s.bounds(d)
		if start.Before(now) && !since.IsZero() && end.After(since) {
			if day.StatsCounts, err = s.stats.StatsCounts(ctx, start, end); err != nil {
				return nil, 0, err
			}
			if !now.Before(end.Add(StatsFinalAfter)) {
				fresh = append(fresh, day)
			}
		}
		out = append(out, day)
	}
	if len(fresh) > 0 {
		if err := s.statsStore.SaveStatsDays(ctx, zone, fresh, now); err != nil {
			// Counted right all the same; a later read keeps them.
			s.log.Warn("keep final statistics days", "days", len(fresh), "err", err)
			return out, 0, nil
		}
	}
	return out, len(fresh), nil
}

// statsRange parses and checks a request's dates (see DailyStats).
func (s *Service) statsRange(from, to string) (time.Time, time.Time, error) {
	last := s.dateOf(s.now())
	if to != "" {
		d, err := parseDate(to)
		if err != nil {
			return d, d, err
		}
		last = d
	}
	first := last.AddDate(0, 0, -(StatsDefaultDays - 1))
	if from != "" {
		d, err := parseDate(from)
		if err != nil {
			return d, d, err
		}
		first = d
	}
	switch {
	case first.After(last):
		return first, last, ErrStatsBadRange
	case last.Sub(first) >= StatsMaxDays*24*time.Hour:
		return first, last, ErrStatsRangeTooLong
	}
	return first, last, nil
}

// parseDate reads YYYY-MM-DD as a calendar date (midnight UTC stands for
// the date; bounds places it in the zone).
func parseDate(v string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, v)
	if err != nil || d.Format(time.DateOnly) != v {
		return time.Time{}, ErrStatsBadDate
	}
	return d, nil
}

// dateOf is t's calendar date in the statistics' zone (as midnight UTC).
func (s *Service) dateOf(t time.Time) time.Time {
	y, m, d := t.In(s.zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// bounds is the window of a calendar date: from its midnight in the
// statistics' zone to the next (23 or 25 hours across a daylight saving
// change).
func (s *Service) bounds(date time.Time) (time.Time, time.Time) {
	y, m, d := date.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, s.zone), time.Date(y, m, d+1, 0, 0, 0, 0, s.zone)
}
