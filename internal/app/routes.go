package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/activities/activitieshttp"
	"github.com/zuju/zuju/internal/activities/activitiesstore"
	"github.com/zuju/zuju/internal/platform/jobs"
	"github.com/zuju/zuju/internal/users"
)

func registerActivities(ctx context.Context, a *App, opts Options) error {
	store := activitiesstore.New(a.DB)
	if n, err := store.IndexMissing(ctx); err != nil {
		return err
	} else if n > 0 {
		a.Logger.Info("indexed activities for keyword search", "activities", n)
	}
	a.Activities = activities.NewService(store, a.Now)
	if ttl := a.Config.Activity.ListCacheTTL; ttl > 0 {
		a.Activities.SetListCache(a.cache, ttl)
	}
	a.Activities.SetInterests(interestTags{a.Users})
	a.Activities.SetPeople(people{users: a.Users})
	a.Activities.SetTagCatalog(tagCatalog{users: a.Users})
	a.Activities.SetCovers(a.files, a.limiter, activities.CoverSettings{MaxBytes: a.Config.Files.MaxImageBytes,
		PerUser: users.DefaultSettings().UploadsPerUser, Logger: a.Logger.With("module", "activities")})
	a.Activities.SetCheckIn(a.checkInSettings())
	c := a.Config.Activity
	a.Activities.SetSignupPolicy(activities.SignupPolicy{PaymentHold: c.PaymentHold, CancelCutoff: c.CancelCutoff,
		FullRefundBefore: c.FullRefundBefore, LateRefundPercent: c.LateRefundPercent})
	activitieshttp.Register(a.HTTP.API, a.Activities)
	sweep := func(ctx context.Context) error {
		n, err := a.Activities.Sweep(ctx)
		if err == nil && n > 0 {
			a.Logger.Info("activity lifecycle sweep", "changed", n)
		}
		return err
	}
	// The periodic sweep and the wake-ups run the same sweep; wake-ups keep
	// their own kind so jobs of one moment are one job.
	jobs.RegisterFunc(a.Jobs, func(ctx context.Context, _ *river.Job[sweepArgs]) error { return sweep(ctx) })
	a.Jobs.Every(time.Minute, func() river.JobArgs { return sweepArgs{} })
	jobs.RegisterFunc(a.Jobs, func(ctx context.Context, _ *river.Job[wakeArgs]) error { return sweep(ctx) })
	a.Activities.SetTimers(jobTimers{jobs: a.Jobs, logger: a.Logger.With("component", "activities")})
	return nil
}

// wakeArgs is a durable one-off sweep at a moment an activity's lifecycle
// acts (deadline, reminder, end, offer expiry). Jobs for the same second
// are one job.
type wakeArgs struct {
	At time.Time `json:"at"`
}

// Kind implements river.JobArgs.
func (wakeArgs) Kind() string { return "activities.wake" }

// jobTimers schedules wake-ups on the job queue.
type jobTimers struct {
	jobs   *jobs.Queue
	logger *slog.Logger
}

// WakeAt implements activities.Timers. A failure is logged: the periodic
// sweep acts within a minute anyway.
func (t jobTimers) WakeAt(ctx context.Context, at time.Time) {
	at = at.UTC().Truncate(time.Second).Add(time.Second)
	_, err := t.jobs.Insert(ctx, wakeArgs{At: at}, &river.InsertOpts{ScheduledAt: at, UniqueOpts: river.UniqueOpts{ByArgs: true}})
	if err != nil {
		t.logger.Warn("schedule activity wake-up", "at", at, "err", err)
	}
}

// interestTags lets activities rank by the users' interest tags.
type interestTags struct{ users *users.Service }

func (i interestTags) TagIDs(ctx context.Context, userID string) ([]string, error) {
	return i.users.InterestTagIDs(ctx, userID)
}

// sweepArgs is the periodic job that cancels activities that missed their
// minimum and finishes those that ended.
type sweepArgs struct{}

// Kind implements river.JobArgs.
func (sweepArgs) Kind() string { return "activities.sweep" }
