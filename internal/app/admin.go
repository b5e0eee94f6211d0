package app

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/admin"
	"github.com/zuju/zuju/internal/admin/adminhttp"
	"github.com/zuju/zuju/internal/admin/adminstore"
	"github.com/zuju/zuju/internal/payments"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/jobs"
	"github.com/zuju/zuju/internal/users"
)

// registerAdmin builds the admin module (audit log reader, announcements,
// system configs, statistics), loads the configs and starts the watcher
// that reloads them when a super admin changes one on any replica (every
// ZUJU_ADMIN_CONFIG_REFRESH). The statistics' roll-up of final days runs
// hourly (and at start) on the job queue's leader.
func registerAdmin(ctx context.Context, a *App) error {
	a.adminStore = adminstore.New(a.DB)
	a.Admin = admin.NewService(admin.Deps{
		Audit:         audit.NewReader(a.DB.Gorm),
		Announcements: a.adminStore,
		Configs:       a.adminStore,
		// Deployment settings that staff may change at run time.
		ConfigDefaults: map[string]any{
			admin.KeyReportsAutoHideThreshold: a.Config.Reports.AutoHide,
			admin.KeyChatReadOnlyHours:        int64(a.Config.Chat.ReadOnlyAfter / time.Hour),
		},
		Stats:      statsSource{users: a.Users, activities: a.Activities, payments: a.Payments},
		StatsStore: a.adminStore,
		StatsZone:  a.Config.StatsLocation(),
		Cache:      a.cache,
		Now:        a.Now,
		NewID:      func() string { return uuid.Must(uuid.NewV7()).String() },
		Logger:     a.Logger.With("module", "admin"),
	})
	if err := a.Admin.Configs().Refresh(ctx); err != nil {
		return err
	}
	a.Activities.SetSignupsOpen(func() bool { return a.Admin.Configs().Bool(admin.KeySignupsOpen) })
	adminhttp.Register(a.HTTP.API, a.Admin)
	jobs.RegisterFunc(a.Jobs, func(ctx context.Context, _ *river.Job[statsRollupArgs]) error {
		n, err := a.Admin.RollupStats(ctx)
		if n > 0 {
			a.Logger.Info("statistics days kept", "days", n)
		}
		return err
	})
	a.Jobs.AddPeriodic(river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) { return statsRollupArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	var stop context.CancelFunc
	done := make(chan struct{})
	every := a.Config.Admin.ConfigRefresh
	a.workers = append(a.workers, worker{name: "system configs", start: func(ctx context.Context) error {
		wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		stop = cancel
		go func() { defer close(done); a.Admin.Configs().Watch(wctx, every) }()
		return nil
	}, stop: func(context.Context) error {
		if stop != nil {
			stop()
			<-done
		}
		return nil
	}})
	return nil
}

// statsRollupArgs is the periodic job that keeps the statistics of the
// days that became final.
type statsRollupArgs struct{}

// Kind implements river.JobArgs.
func (statsRollupArgs) Kind() string { return "admin.stats_rollup" }

// statsSource asks the modules that own the data for the statistics'
// counts: accounts (users), sign-ups and formations (activities), money
// (payments).
type statsSource struct {
	users      *users.Service
	activities *activities.Service
	payments   *payments.Service
}

func (s statsSource) StatsCounts(ctx context.Context, from, to time.Time) (admin.StatsCounts, error) {
	u, err := s.users.Counts(ctx, from, to)
	if err != nil {
		return admin.StatsCounts{}, err
	}
	ac, err := s.activities.Counts(ctx, from, to)
	if err != nil {
		return admin.StatsCounts{}, err
	}
	p, err := s.payments.Totals(ctx, from, to)
	if err != nil {
		return admin.StatsCounts{}, err
	}
	return admin.StatsCounts{NewUsers: u.NewUsers, ActiveUsers: u.ActiveUsers, Signups: ac.Signups, Formations: ac.Formed,
		NotFormed: ac.NotFormed, RevenueFen: p.PaidFen, RefundsFen: p.RefundedFen}, nil
}

func (s statsSource) FirstAccountAt(ctx context.Context) (time.Time, error) {
	return s.users.FirstCreatedAt(ctx)
}

// systemInt is an int system config as it stands on this replica, or
// fallback before the admin module is built.
func (a *App) systemInt(key string, fallback int64) int64 {
	if a.Admin == nil {
		return fallback
	}
	return a.Admin.Configs().Int(key)
}
