// Package moderationstore is the GORM store of the moderation module, with
// its migrations for SQLite and PostgreSQL.
package moderationstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/moderation"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/sqldb"
	"github.com/zuju/zuju/internal/platform/textfilter"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the module's migration trees.
func Migrations() sqldb.Migrations { return sqldb.Embedded("moderation", migrations) }

// Store keeps the sensitive words.
type Store struct{ db *gorm.DB }

// New returns a store over db.
func New(db *sqldb.DB) *Store { return &Store{db: db.Gorm} }

var _ moderation.Store = (*Store)(nil)

type wordRow struct {
	ID        string `gorm:"primaryKey"`
	Word      string
	Action    string
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (wordRow) TableName() string { return "sensitive_words" }

func (r wordRow) word() moderation.Word {
	a, _ := textfilter.ParseAction(r.Action)
	return moderation.Word{ID: r.ID, Text: r.Word, Action: a, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// Words lists the words, newest first.
func (s *Store) Words(ctx context.Context) ([]moderation.Word, error) {
	var rows []wordRow
	if err := s.db.WithContext(ctx).Order("created_at DESC, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list sensitive words: %w", err)
	}
	out := make([]moderation.Word, len(rows))
	for i := range rows {
		out[i] = rows[i].word()
	}
	return out, nil
}

// Version is the words' version: it moves with every change.
func (s *Store) Version(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db.WithContext(ctx).Raw("SELECT version FROM sensitive_words_version WHERE id = 1").Scan(&v).Error; err != nil {
		return 0, fmt.Errorf("read sensitive words version: %w", err)
	}
	return v, nil
}

// change runs fn and moves the version in one transaction.
func (s *Store) change(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Exec("UPDATE sensitive_words_version SET version = version + 1 WHERE id = 1").Error
	})
}

// CreateWord inserts a word (ErrWordExists for one already listed).
func (s *Store) CreateWord(ctx context.Context, w *moderation.Word) error {
	r := wordRow{ID: w.ID, Word: w.Text, Action: w.Action.String(), CreatedBy: w.CreatedBy, CreatedAt: w.CreatedAt.UTC(), UpdatedAt: w.UpdatedAt.UTC()}
	err := s.change(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, "sensitive_word.create", "sensitive_word", w.ID, nil, r)
	})
	if sqldb.IsUniqueViolation(err) {
		return moderation.ErrWordExists
	}
	if err != nil {
		return fmt.Errorf("create sensitive word: %w", err)
	}
	return nil
}

func (s *Store) load(tx *gorm.DB, id string) (wordRow, error) {
	var r wordRow
	err := tx.Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return r, moderation.ErrWordNotFound
	}
	return r, err
}

// UpdateWord changes a word's action.
func (s *Store) UpdateWord(ctx context.Context, id string, action textfilter.Action, at time.Time) (*moderation.Word, error) {
	var after wordRow
	err := s.change(ctx, func(tx *gorm.DB) error {
		before, err := s.load(tx, id)
		if err != nil {
			return err
		}
		after = before
		after.Action, after.UpdatedAt = action.String(), at.UTC()
		if err := tx.Model(&wordRow{}).Where("id = ?", id).Updates(map[string]any{"action": after.Action, "updated_at": after.UpdatedAt}).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, "sensitive_word.update", "sensitive_word", id, before, after)
	})
	if err != nil {
		if errors.Is(err, moderation.ErrWordNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("update sensitive word: %w", err)
	}
	w := after.word()
	return &w, nil
}

// DeleteWord removes a word.
func (s *Store) DeleteWord(ctx context.Context, id string) error {
	err := s.change(ctx, func(tx *gorm.DB) error {
		before, err := s.load(tx, id)
		if err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM sensitive_words WHERE id = ?", id).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, "sensitive_word.delete", "sensitive_word", id, before, nil)
	})
	if err != nil && !errors.Is(err, moderation.ErrWordNotFound) {
		return fmt.Errorf("delete sensitive word: %w", err)
	}
	return err
}
