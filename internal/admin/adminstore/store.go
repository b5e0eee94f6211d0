// Package adminstore is the GORM store of the admin module (announcements,
// system configs and the statistics of final days), with its migrations
// for SQLite and PostgreSQL.
package adminstore

import (
	"embed"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/admin"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the module's migration trees.
func Migrations() sqldb.Migrations { return sqldb.Embedded("admin", migrations) }

// Store keeps the admin module's tables.
type Store struct{ db *gorm.DB }

// New returns a store over db.
func New(db *sqldb.DB) *Store { return &Store{db: db.Gorm} }

var (
	_ admin.AnnouncementStore = (*Store)(nil)
	_ admin.ConfigStore       = (*Store)(nil)
	_ admin.StatsStore        = (*Store)(nil)
)
