package app

import (
	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/activities/activitieshttp"
	"github.com/zuju/zuju/internal/activities/activitiesstore"
	"github.com/zuju/zuju/internal/admin"
	"github.com/zuju/zuju/internal/admin/adminhttp"
	"github.com/zuju/zuju/internal/platform/audit"
)

func registerActivities(a *App) {
	a.Activities = activities.NewService(activitiesstore.New(a.DB.Gorm), a.Now)
	activitieshttp.Register(a.HTTP.API, a.Activities)
}

func registerAdmin(a *App) {
	adminhttp.Register(a.HTTP.API, admin.NewService(audit.NewReader(a.DB.Gorm)))
}
