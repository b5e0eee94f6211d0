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
)

func registerActivities(a *App) {
	a.Activities = activities.NewService(activitiesstore.New(a.DB.Gorm), a.Now)
	c := a.Config.Activity
	a.Activities.SetSignupPolicy(activities.SignupPolicy{PaymentHold: c.PaymentHold, CancelCutoff: c.CancelCutoff,
		FullRefundBefore: c.FullRefundBefore, LateRefundPercent: c.LateRefundPercent})
	if a.payments != nil {
		a.Activities.SetPayments(a.payments)
	}
	activitieshttp.Register(a.HTTP.API, a.Activities)
	jobs.RegisterFunc(a.Jobs, func(ctx context.Context, _ *river.Job[sweepArgs]) error {
		n, err := a.Activities.Sweep(ctx)
		if err == nil && n > 0 {
			a.Logger.Info("activity lifecycle sweep", "changed", n)
		}
		return err
	})
	a.Jobs.Every(time.Minute, func() river.JobArgs { return sweepArgs{} })
}

// sweepArgs is the periodic job that cancels activities that missed their
// minimum and finishes those that ended.
type sweepArgs struct{}

// Kind implements river.JobArgs.
func (sweepArgs) Kind() string { return "activities.sweep" }

func registerAdmin(a *App) {
	adminhttp.Register(a.HTTP.API, admin.NewService(audit.NewReader(a.DB.Gorm)))
}
