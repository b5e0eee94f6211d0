package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/activities/activitieshttp"
	"github.com/zuju/zuju/internal/activities/activitiesstore"
	"github.com/zuju/zuju/internal/admin"
	"github.com/zuju/zuju/internal/admin/adminhttp"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/jobs"
	"github.com/zuju/zuju/internal/users"
)

func registerActivities(ctx context.Context, a *App) error {
	store := activitiesstore.New(a.DB.Gorm)
	if n, err := store.IndexMissing(ctx); err != nil {
		return err
	} else if n > 0 {
		a.Logger.Info("indexed activities for keyword search", "activities", n)
	}
	a.Activities = activities.NewService(store, a.Now)
	if ttl := a.Config.Activities.ListCacheTTL; ttl > 0 {
		a.Activities.SetListCache(a.cache, ttl)
	}
	a.Activities.SetInterests(interestTags{a.Users})
	activitieshttp.Register(a.HTTP.API, a.Activities)
	jobs.RegisterFunc(a.Jobs, func(ctx context.Context, _ *river.Job[sweepArgs]) error {
		n, err := a.Activities.Sweep(ctx)
		if err == nil && n > 0 {
			a.Logger.Info("activity lifecycle sweep", "changed", n)
		}
		return err
	})
	a.Jobs.Every(time.Minute, func() river.JobArgs { return sweepArgs{} })
	return nil
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

func registerAdmin(a *App) {
	adminhttp.Register(a.HTTP.API, admin.NewService(audit.NewReader(a.DB.Gorm)))
}
