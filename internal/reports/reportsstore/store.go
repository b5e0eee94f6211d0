// Package reportsstore is the GORM store of the reports module, with its
// migrations for SQLite and PostgreSQL.
package reportsstore

import (
	"context"
	"embed"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/platform/sqldb"
	"github.com/zuju/zuju/internal/reports"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the module's migration trees.
func Migrations() sqldb.Migrations { return sqldb.Embedded("reports", migrations) }

// Store keeps reports.
type Store struct{ db *gorm.DB }

// New returns a store over db.
func New(db *sqldb.DB) *Store { return &Store{db: db.Gorm} }

var _ reports.Store = (*Store)(nil)

type reportRow struct {
	ID             string `gorm:"primaryKey"`
	ReporterID     string
	TargetType     string
	TargetID       string
	TargetOwnerID  string
	TargetParentID string
	Reason         string
	Detail         string
	Snapshot       string
	Status         string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (reportRow) TableName() string { return "reports" }

func (r reportRow) report() reports.Report {
	return reports.Report{ID: r.ID, ReporterID: r.ReporterID, TargetType: reports.TargetType(r.TargetType), TargetID: r.TargetID,
		TargetOwnerID: r.TargetOwnerID, TargetParentID: r.TargetParentID, Reason: reports.Reason(r.Reason), Detail: r.Detail,
		Snapshot: r.Snapshot, Status: reports.Status(r.Status), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// Create stores a report; the unique index on reporter and target turns a
// second one (or the loser of a race) into reports.ErrDuplicate.
func (s *Store) Create(ctx context.Context, r *reports.Report) error {
	row := reportRow{ID: r.ID, ReporterID: r.ReporterID, TargetType: string(r.TargetType), TargetID: r.TargetID,
		TargetOwnerID: r.TargetOwnerID, TargetParentID: r.TargetParentID, Reason: string(r.Reason), Detail: r.Detail,
		Snapshot: r.Snapshot, Status: string(r.Status), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	err := s.db.WithContext(ctx).Create(&row).Error
	if sqldb.IsUniqueViolation(err) {
		return reports.ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("file report: %w", err)
	}
	return nil
}

// ByReporter lists a reporter's reports, newest first, after a position.
func (s *Store) ByReporter(ctx context.Context, reporterID string, after *reports.Cursor, limit int) ([]reports.Report, error) {
	q := s.db.WithContext(ctx).Model(&reportRow{}).Where("reporter_id = ?", reporterID)
	if after != nil {
		at := after.CreatedAt.UTC()
		q = q.Where("(created_at < ? OR (created_at = ? AND id < ?))", at, at, after.ID)
	}
	var rows []reportRow
	if err := q.Order("created_at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	out := make([]reports.Report, len(rows))
	for i := range rows {
		out[i] = rows[i].report()
	}
	return out, nil
}
