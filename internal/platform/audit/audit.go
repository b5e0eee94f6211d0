// Package audit records staff actions in an append-only log, written in the
// same transaction as the action it describes.
package audit

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/reqctx"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the audit log's migration trees.
func Migrations() sqldb.Migrations { return sqldb.Embedded("audit", migrations) }

// Entry is one audit row.
type Entry struct {
	ID         string    `gorm:"primaryKey" json:"id"`
	ActorID    string    `json:"actor_id"`
	Action     string    `json:"action"`
	TargetType string    `json:"target_type"`
	TargetID   string    `json:"target_id"`
	Before     string    `json:"before"`
	After      string    `json:"after"`
	IP         string    `json:"ip"`
	RequestID  string    `json:"request_id"`
	CreatedAt  time.Time `json:"created_at"`
}

// TableName implements gorm's tabler.
func (Entry) TableName() string { return "audit_logs" }

// Record appends an entry inside tx. The actor, ip and request id come from
// ctx; before and after are stored as JSON (nil stays empty).
func Record(ctx context.Context, tx *gorm.DB, action, targetType, targetID string, before, after any) error {
	p, _ := auth.From(ctx)
	info := reqctx.From(ctx)
	e := Entry{
		ID:         uuid.Must(uuid.NewV7()).String(),
		ActorID:    p.UserID,
		Action:     action,
		TargetType: targetType,
		TargetID:   targetID,
		Before:     marshal(before),
		After:      marshal(after),
		IP:         info.ClientIP,
		RequestID:  info.RequestID,
		CreatedAt:  time.Now().UTC(),
	}
	if err := tx.WithContext(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

func marshal(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return string(b)
}

// Filter selects audit rows.
type Filter struct {
	ActorID, Action, TargetType, TargetID string
	From, To                              time.Time
	Page, PageSize                        int
}

// Reader lists audit rows.
type Reader struct{ db *gorm.DB }

// NewReader returns a reader over db.
func NewReader(db *gorm.DB) *Reader { return &Reader{db: db} }

// List returns one page of entries, newest first, and the total count.
func (r *Reader) List(ctx context.Context, f Filter) ([]Entry, int64, error) {
	q := r.db.WithContext(ctx).Model(&Entry{})
	if f.ActorID != "" {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.TargetType != "" {
		q = q.Where("target_type = ?", f.TargetType)
	}
	if f.TargetID != "" {
		q = q.Where("target_id = ?", f.TargetID)
	}
	if !f.From.IsZero() {
		q = q.Where("created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("created_at < ?", f.To.UTC())
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count audit logs: %w", err)
	}
	var out []Entry
	err := q.Order("created_at DESC, id DESC").Offset((f.Page - 1) * f.PageSize).Limit(f.PageSize).Find(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list audit logs: %w", err)
	}
	return out, total, nil
}
