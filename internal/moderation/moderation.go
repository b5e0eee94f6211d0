// Package moderation is the one pipeline every text people write goes
// through: the sensitive words admins manage (block, replace, review) on
// top of the starter list the platform ships with, applied by a filter
// that every replica keeps current, and optionally an outside
// content-security provider after it (WeChat's msg_sec_check).
package moderation

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/errs"
	"github.com/zuju/zuju/internal/platform/textfilter"
)

// Word is a sensitive word admins manage.
type Word struct {
	ID        string
	Text      string
	Action    textfilter.Action
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Store keeps the words; each change moves the version, in its
// transaction, with its audit row.
type Store interface {
	Words(ctx context.Context) ([]Word, error)
	Version(ctx context.Context) (int64, error)
	CreateWord(ctx context.Context, w *Word) error
	UpdateWord(ctx context.Context, id string, action textfilter.Action, at time.Time) (*Word, error)
	DeleteWord(ctx context.Context, id string) error
}

// Errors of the module.
var (
	ErrWordExists   = errs.Conflict("sensitive_word.exists", "该敏感词已存在")
	ErrWordNotFound = errs.NotFound("sensitive_word.not_found", "敏感词不存在")
	ErrBadWord      = errs.Invalid("sensitive_word.invalid", "敏感词需 1–50 个字")
	ErrBadAction    = errs.Invalid("sensitive_word.invalid_action", "处理方式只能是 block、replace 或 review")
)

// Service manages the words and keeps the filter current.
type Service struct {
	store   Store
	starter []textfilter.Word
	filter  atomic.Pointer[textfilter.Filter]
	version atomic.Int64
	now     func() time.Time
	newID   func() string
	log     *slog.Logger

	provider        Provider
	providerTimeout time.Duration
}

// NewService returns the service over the starter list.
func NewService(store Store, starter []textfilter.Word, now func() time.Time, newID func() string, log *slog.Logger) *Service {
	s := &Service{store: store, starter: starter, now: now, newID: newID, log: log}
	s.filter.Store(textfilter.New(starter))
	s.version.Store(-1)
	return s
}

// Check runs a text through the current word filter only: it is
// synchronous and never leaves the process. CheckContext adds the outside
// provider.
func (s *Service) Check(text string) textfilter.Result { return s.filter.Load().Check(text) }

// Refresh rebuilds the filter when the words changed (on any replica).
func (s *Service) Refresh(ctx context.Context) error {
	v, err := s.store.Version(ctx)
	if err != nil || v == s.version.Load() {
		return err
	}
	words, err := s.store.Words(ctx)
	if err != nil {
		return err
	}
	all := make([]textfilter.Word, 0, len(s.starter)+len(words))
	own := make(map[string]bool, len(words))
	for _, w := range words {
		own[w.Text] = true
		all = append(all, textfilter.Word{Text: w.Text, Action: w.Action})
	}
	for _, w := range s.starter {
		if !own[w.Text] {
			all = append(all, w)
		}
	}
	s.filter.Store(textfilter.New(all))
	s.version.Store(v)
	return nil
}

// Watch refreshes the filter every interval until ctx ends.
func (s *Service) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("refresh sensitive words", "err", err)
			}
		}
	}
}

// Words lists the managed words (staff).
func (s *Service) Words(ctx context.Context) ([]Word, error) {
	if _, err := auth.RequireRole(ctx, auth.StaffRoles()...); err != nil {
		return nil, err
	}
	return s.store.Words(ctx)
}

func admin(ctx context.Context) (auth.Principal, error) {
	return auth.RequireRole(ctx, auth.RoleAdmin, auth.RoleSuperAdmin)
}

// CreateWord adds a word (admins; audited); the filter applies it at once
// here and within seconds on every replica.
func (s *Service) CreateWord(ctx context.Context, text, action string) (*Word, error) {
	p, err := admin(ctx)
	if err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	if n := utf8.RuneCountInString(text); n < 1 || n > 50 {
		return nil, ErrBadWord
	}
	act, err := textfilter.ParseAction(action)
	if err != nil {
		return nil, ErrBadAction
	}
	now := s.now().UTC()
	w := &Word{ID: s.newID(), Text: text, Action: act, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateWord(ctx, w); err != nil {
		return nil, err
	}
	return w, s.Refresh(ctx)
}

// UpdateWord changes a word's action (admins; audited).
func (s *Service) UpdateWord(ctx context.Context, id, action string) (*Word, error) {
	if _, err := admin(ctx); err != nil {
		return nil, err
	}
	act, err := textfilter.ParseAction(action)
	if err != nil {
		return nil, ErrBadAction
	}
	w, err := s.store.UpdateWord(ctx, id, act, s.now())
	if err != nil {
		return nil, err
	}
	return w, s.Refresh(ctx)
}

// DeleteWord removes a word (admins; audited).
func (s *Service) DeleteWord(ctx context.Context, id string) error {
	if _, err := admin(ctx); err != nil {
		return err
	}
	if err := s.store.DeleteWord(ctx, id); err != nil {
		return err
	}
	return s.Refresh(ctx)
}
