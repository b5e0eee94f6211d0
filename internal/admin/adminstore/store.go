// Package adminstore is the GORM store of the admin module (announcements
// and system configs), with its migrations for SQLite and PostgreSQL.
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
type Store struct {
	db *gorm.DB
	// afterAudit, when set, runs inside a mutation's transaction after its
	// audit row was written (tests inject failures with it).
	afterAudit func(tx *gorm.DB) error
}

// New returns a store over db.
func New(db *sqldb.DB) *Store { return &Store{db: db.Gorm} }

// FailAfterAudit makes every later mutation run fn after its audit insert,
// inside the transaction; an error from fn rolls the whole mutation back.
// For tests.
func (s *Store) FailAfterAudit(fn func(tx *gorm.DB) error) { s.afterAudit = fn }

func (s *Store) audited(tx *gorm.DB) error {
	if s.afterAudit != nil {
		return s.afterAudit(tx)
	}
	return nil
}

var (
	_ admin.AnnouncementStore = (*Store)(nil)
	_ admin.ConfigStore       = (*Store)(nil)
)
