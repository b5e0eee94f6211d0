package admin

import (
	"context"
	"time"

	"github.com/zuju/zuju/internal/platform/audit"
)

// AuditReader lists audit rows.
type AuditReader interface {
	List(ctx context.Context, f audit.Filter) ([]audit.Entry, int64, error)
}

// AnnouncementStore keeps announcements. Every mutation records its audit
// row in the same transaction.
type AnnouncementStore interface {
	CreateAnnouncement(ctx context.Context, a *Announcement) error
	Announcement(ctx context.Context, id string) (*Announcement, error)
	// UpdateAnnouncement loads the row, lets fn change it (fn may refuse
	// with an error) and stores it, audited as action.
	UpdateAnnouncement(ctx context.Context, id, action string, fn func(a *Announcement) error) (*Announcement, error)
	DeleteAnnouncement(ctx context.Context, id string) error
	ListAnnouncements(ctx context.Context, f AnnouncementFilter) ([]Announcement, int64, error)
	// PublishedAnnouncements lists the published ones not ended at now,
	// pinned first, newest published first.
	PublishedAnnouncements(ctx context.Context, now time.Time, limit int) ([]Announcement, error)
}

// ConfigStore keeps the config values set by super admins.
type ConfigStore interface {
	// ConfigValues returns every stored value (JSON) and the version.
	ConfigValues(ctx context.Context) (map[string]string, int64, error)
	// ConfigVersion moves with every change.
	ConfigVersion(ctx context.Context) (int64, error)
	// SetConfig stores value (JSON) under key, audited with the value
	// before, and moves the version, in one transaction.
	SetConfig(ctx context.Context, key, value, before string, at time.Time) error
}

// StatsSource is what the statistics ask the modules that own the data
// (users, activities, payments), each from indexed times.
type StatsSource interface {
	// StatsCounts counts what happened in [from, to).
	StatsCounts(ctx context.Context, from, to time.Time) (StatsCounts, error)
	// FirstAccountAt is when the first account was created (zero without
	// accounts): nothing counted happened before.
	FirstAccountAt(ctx context.Context) (time.Time, error)
}

// StatsStore keeps the figures of final days.
type StatsStore interface {
	// StatsDays returns the kept days of zone from first to last
	// (YYYY-MM-DD, both included), in any order.
	StatsDays(ctx context.Context, zone, first, last string) ([]DayStats, error)
	// SaveStatsDays keeps days; a day kept already stays as it is.
	SaveStatsDays(ctx context.Context, zone string, days []DayStats, at time.Time) error
}
