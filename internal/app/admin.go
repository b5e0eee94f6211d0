package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/zuju/zuju/internal/admin"
	"github.com/zuju/zuju/internal/admin/adminhttp"
	"github.com/zuju/zuju/internal/admin/adminstore"
	"github.com/zuju/zuju/internal/platform/audit"
)

// registerAdmin builds the admin module (audit log reader, announcements,
// system configs), loads the configs and starts the watcher that reloads
// them when a super admin changes one on any replica (every
// ZUJU_ADMIN_CONFIG_REFRESH).
func registerAdmin(ctx context.Context, a *App) error {
	a.adminStore = adminstore.New(a.DB)
	a.Admin = admin.NewService(admin.Deps{
		Audit:         audit.NewReader(a.DB.Gorm),
		Announcements: a.adminStore,
		Configs:       a.adminStore,
		Cache:         a.cache,
		Now:           a.Now,
		NewID:         func() string { return uuid.Must(uuid.NewV7()).String() },
		Logger:        a.Logger.With("module", "admin"),
	})
	if err := a.Admin.Configs().Refresh(ctx); err != nil {
		return err
	}
	adminhttp.Register(a.HTTP.API, a.Admin)
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
