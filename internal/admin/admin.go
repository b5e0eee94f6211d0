// Package admin provides the operators' cross-cutting tools: the audit log
// reader, announcements, system configs and statistics.
package admin

import (
	"context"
	"log/slog"
	"time"

	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/cache"
)

// Deps are what the admin service is built from.
type Deps struct {
	Audit         AuditReader
	Announcements AnnouncementStore
	Configs       ConfigStore
	// ConfigDefaults are the deployment's defaults of some system
	// configs (see NewConfigs).
	ConfigDefaults map[string]any
	// Stats counts what the statistics show (the owning modules);
	// StatsStore keeps the final days; StatsZone is the zone of their
	// days (UTC when nil).
	Stats      StatsSource
	StatsStore StatsStore
	StatsZone  *time.Location
	// Cache holds the public announcement list for a short time (shared
	// by the replicas when it is Redis).
	Cache  cache.Cache
	Now    func() time.Time
	NewID  func() string
	Logger *slog.Logger
}

// Service implements the admin use cases.
type Service struct {
	audit   AuditReader
	ann     AnnouncementStore
	cache   cache.Cache
	now     func() time.Time
	newID   func() string
	log     *slog.Logger
	configs *Configs

	stats      StatsSource
	statsStore StatsStore
	zone       *time.Location
}

// NewService returns the admin service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.StatsZone == nil {
		d.StatsZone = time.UTC
	}
	return &Service{audit: d.Audit, ann: d.Announcements, cache: d.Cache, now: d.Now, newID: d.NewID, log: d.Logger,
		configs: NewConfigs(d.Configs, d.Logger, d.ConfigDefaults), stats: d.Stats, statsStore: d.StatsStore, zone: d.StatsZone}
}

// AuditLogs lists audit rows (admins and super admins; moderators see only
// their own actions).
func (s *Service) AuditLogs(ctx context.Context, f audit.Filter) ([]audit.Entry, int64, error) {
	p, err := auth.RequireRole(ctx, auth.StaffRoles()...)
	if err != nil {
		return nil, 0, err
	}
	if !p.IsAdmin() {
		f.ActorID = p.UserID
	}
	return s.audit.List(ctx, f)
}

func requireAdmin(ctx context.Context) (auth.Principal, error) {
	return auth.RequireRole(ctx, auth.RoleAdmin, auth.RoleSuperAdmin)
}
