package adminstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/errs"
)

type configRow struct {
	Key       string `gorm:"primaryKey"`
	Value     string
	UpdatedBy string
	UpdatedAt time.Time
}

func (configRow) TableName() string { return "system_configs" }

func errAs(err error) (*errs.Error, bool) { return errs.As(err) }

// ConfigVersion is the configs' version: it moves with every change.
func (s *Store) ConfigVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db.WithContext(ctx).Raw("SELECT version FROM system_configs_version WHERE id = 1").Scan(&v).Error; err != nil {
		return 0, fmt.Errorf("read system configs version: %w", err)
	}
	return v, nil
}

// ConfigValues returns every stored value with the version they belong to.
func (s *Store) ConfigValues(ctx context.Context) (map[string]string, int64, error) {
	var rows []configRow
	var v int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw("SELECT version FROM system_configs_version WHERE id = 1").Scan(&v).Error; err != nil {
			return err
		}
		return tx.Find(&rows).Error
	})
	if err != nil {
		return nil, 0, fmt.Errorf("load system configs: %w", err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Key] = r.Value
	}
	return out, v, nil
}

// SetConfig stores a value, audited, and moves the version.
func (s *Store) SetConfig(ctx context.Context, key, value, before string, at time.Time) error {
	r := configRow{Key: key, Value: value, UpdatedAt: at.UTC()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r.UpdatedBy = actor(ctx)
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}},
			DoUpdates: clause.AssignmentColumns([]string{"value", "updated_by", "updated_at"})}).Create(&r).Error; err != nil {
			return err
		}
		if err := tx.Exec("UPDATE system_configs_version SET version = version + 1 WHERE id = 1").Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, "config.set", "config", key, rawJSON(before), rawJSON(value))
	})
	if err != nil {
		return fmt.Errorf("set config %s: %w", key, err)
	}
	return nil
}

func rawJSON(s string) json.RawMessage {
	if !json.Valid([]byte(s)) {
		b, _ := json.Marshal(s)
		return b
	}
	return json.RawMessage(s)
}

func actor(ctx context.Context) string {
	p, _ := auth.From(ctx)
	return p.UserID
}
