package app

import (
	"github.com/zuju/zuju/internal/admin"
	"github.com/zuju/zuju/internal/admin/adminhttp"
	"github.com/zuju/zuju/internal/platform/audit"
)

func registerAdmin(a *App) {
	adminhttp.Register(a.HTTP.API, admin.NewService(audit.NewReader(a.DB.Gorm)))
}
