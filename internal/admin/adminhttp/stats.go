package adminhttp

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/admin"
)

func registerStats(api huma.API, svc *admin.Service) {
	tag := []string{"Admin"}
	huma.Register(api, huma.Operation{OperationID: "admin-stats-overview", Method: http.MethodGet, Path: "/admin/stats/overview",
		Summary: "Totals since the first account and today's figures (admins)",
		Description: "Days are calendar dates in the statistics' time zone (ZUJU_STATS_TIMEZONE). " +
			"Totals sum every day; active users are given for today only.",
		Tags: tag, Security: bearer},
		func(ctx context.Context, _ *struct{}) (*statsOverviewOut, error) {
			o, err := svc.StatsOverview(ctx)
			if err != nil {
				return nil, err
			}
			t := o.Totals
			out := &statsOverviewOut{}
			out.Body = StatsOverview{AsOf: o.AsOf, Timezone: o.Zone, Since: o.Since, Users: t.NewUsers, Signups: t.Signups,
				Formations: t.Formations, NotFormed: t.NotFormed, FormationRate: t.FormationRate(), RevenueFen: t.RevenueFen,
				RefundsFen: t.RefundsFen, NetRevenueFen: t.RevenueFen - t.RefundsFen, Today: toStatsDay(o.Today)}
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "admin-stats-daily", Method: http.MethodGet, Path: "/admin/stats/daily",
		Summary: "Figures of every day from `from` to `to`, days without anything as zeros (admins)",
		Description: "`from` and `to` are dates (YYYY-MM-DD) in the statistics' time zone, both included; without `to` the " +
			"series ends today, without `from` it has 30 days. At most 366 days: a bad date is 400 stats.invalid_date, " +
			"`from` after `to` 400 stats.invalid_range, a longer range 400 stats.range_too_long.",
		Tags: tag, Security: bearer},
		func(ctx context.Context, in *statsDailyIn) (*statsDailyOut, error) {
			days, err := svc.DailyStats(ctx, in.From, in.To)
			if err != nil {
				return nil, err
			}
			out := &statsDailyOut{}
			out.Body.Items = make([]StatsDay, len(days))
			for i, d := range days {
				out.Body.Items[i] = toStatsDay(d)
			}
			out.Body.From, out.Body.To = days[0].Date, days[len(days)-1].Date
			out.Body.Timezone = svc.StatsZone()
			return out, nil
		})
}

// StatsDay is the figures of one day.
type StatsDay struct {
	Date          string  `json:"date" format:"date" doc:"calendar date in the statistics' time zone"`
	NewUsers      int64   `json:"new_users" doc:"accounts created that day"`
	ActiveUsers   int64   `json:"active_users" doc:"accounts that signed in or renewed a session that day (every 15 minutes of use renews it)"`
	Signups       int64   `json:"signups" doc:"sign-ups made that day, whatever became of them later"`
	Formations    int64   `json:"formations" doc:"activities that reached their minimum (formed) that day"`
	NotFormed     int64   `json:"not_formed" doc:"activities cancelled automatically that day: their sign-up deadline passed below the minimum"`
	FormationRate float64 `json:"formation_rate" doc:"formations / (formations + not_formed), to 4 decimals; 0 when neither happened"`
	RevenueFen    int64   `json:"revenue_fen" doc:"amounts of the orders paid that day (activity sign-ups and memberships), by the payment time"`
	RefundsFen    int64   `json:"refunds_fen" doc:"refunds that went through that day, by the time they settled"`
}

func toStatsDay(d admin.DayStats) StatsDay {
	c := d.StatsCounts
	return StatsDay{Date: d.Date, NewUsers: c.NewUsers, ActiveUsers: c.ActiveUsers, Signups: c.Signups, Formations: c.Formations,
		NotFormed: c.NotFormed, FormationRate: c.FormationRate(), RevenueFen: c.RevenueFen, RefundsFen: c.RefundsFen}
}

// StatsOverview is the platform's totals and today.
type StatsOverview struct {
	AsOf          time.Time `json:"as_of" doc:"when the figures were counted"`
	Timezone      string    `json:"timezone" doc:"the statistics' time zone (IANA name)" example:"Asia/Shanghai"`
	Since         string    `json:"since" doc:"first date counted (the first account's); empty before any account exists"`
	Users         int64     `json:"users" doc:"accounts created"`
	Signups       int64     `json:"signups" doc:"sign-ups made"`
	Formations    int64     `json:"formations" doc:"activities formed"`
	NotFormed     int64     `json:"not_formed" doc:"activities cancelled for missing their minimum"`
	FormationRate float64   `json:"formation_rate" doc:"formations / (formations + not_formed), to 4 decimals"`
	RevenueFen    int64     `json:"revenue_fen" doc:"amounts of the orders paid"`
	RefundsFen    int64     `json:"refunds_fen" doc:"refunds that went through"`
	NetRevenueFen int64     `json:"net_revenue_fen" doc:"revenue_fen - refunds_fen"`
	Today         StatsDay  `json:"today" doc:"today so far"`
}

type statsOverviewOut struct{ Body StatsOverview }

type statsDailyIn struct {
	From string `query:"from" maxLength:"64" doc:"first date (YYYY-MM-DD); default 29 days before to" example:"2026-05-01"`
	To   string `query:"to" maxLength:"64" doc:"last date (YYYY-MM-DD); default today" example:"2026-05-30"`
}

type statsDailyOut struct {
	Body struct {
		Items    []StatsDay `json:"items"`
		From     string     `json:"from" format:"date" doc:"first date of the series"`
		To       string     `json:"to" format:"date" doc:"last date of the series"`
		Timezone string     `json:"timezone" doc:"the statistics' time zone (IANA name)"`
	}
}
