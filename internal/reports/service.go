package reports

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/ratelimit"
)

// Limits of reports.
const (
	MaxDetailRunes   = 500
	MaxSnapshotRunes = 1000
	MaxTargetID      = 64
	MaxPage          = 50
)

// Settings tune filing.
type Settings struct {
	// PerUser is how many reports one user may file (attempts on missing
	// targets count too).
	PerUser ratelimit.Limit
	// AutoHide is the count of open reports that hides a target pending
	// review (0: off).
	AutoHide int
	// AutoHideNow, when set, replaces AutoHide, read at each report (a
	// system config).
	AutoHideNow func() int
}

// DefaultSettings are the defaults: 30 reports an hour per user, auto-hide
// at 5 open reports.
func DefaultSettings() Settings {
	return Settings{PerUser: ratelimit.PerHour(30), AutoHide: 5}
}

// Deps are what the service works with.
type Deps struct {
	Store Store
	// Targets finds each type of target; a type without a lookup cannot
	// be reported.
	Targets  map[TargetType]Lookup
	Limiter  Limiter
	Settings Settings
	Now      func() time.Time
	NewID    func() string
	// Admin is the queue's store (nil: no queue, no auto-hide).
	Admin AdminStore
	// Actions carry out resolutions and auto-hide.
	Actions Actions
	Logger  *slog.Logger
}

// Service files reports.
type Service struct {
	store   Store
	targets map[TargetType]Lookup
	limiter Limiter
	set     Settings
	now     func() time.Time
	newID   func() string
	admin   AdminStore
	actions Actions
	logger  *slog.Logger
}

// NewService returns the service.
func NewService(d Deps) *Service {
	if d.Limiter == nil {
		d.Limiter = ratelimit.Off()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{store: d.Store, targets: d.Targets, limiter: d.Limiter, set: d.Settings, now: d.Now, newID: d.NewID,
		admin: d.Admin, actions: d.Actions, logger: d.Logger}
}

// Filing is what a reporter sends.
type Filing struct {
	TargetType TargetType
	TargetID   string
	Reason     Reason
	Detail     string
}

// File files the caller's report of a target they can see, once: a
// second report of the same target is ErrDuplicate, a report of
// oneself or one's own content ErrSelf, a target that is missing or
// hidden from the caller ErrTargetNotFound. The report stores the
// target's owner and a snapshot of its content as it is now; the report
// that brings the target's open reports to Settings.AutoHide takes it
// down pending review (see autoHide).
func (s *Service) File(ctx context.Context, f Filing) (*Report, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	f.TargetID = strings.TrimSpace(f.TargetID)
	f.Detail = strings.TrimSpace(f.Detail)
	switch {
	case !f.TargetType.Valid():
		return nil, ErrBadTargetType
	case f.TargetID == "" || utf8.RuneCountInString(f.TargetID) > MaxTargetID:
		return nil, ErrBadTargetID
	case !f.Reason.Valid():
		return nil, ErrBadReason
	case utf8.RuneCountInString(f.Detail) > MaxDetailRunes:
		return nil, ErrDetailTooLong
	case f.Reason == ReasonOther && f.Detail == "":
		return nil, ErrDetailRequired
	case f.TargetType == TargetUser && f.TargetID == p.UserID:
		return nil, ErrSelf
	}
	lookup, ok := s.targets[f.TargetType]
	if !ok {
		return nil, ErrBadTargetType
	}
	if res, err := s.limiter.Allow(ctx, "report:user:"+p.UserID, s.set.PerUser); err != nil {
		return nil, err
	} else if !res.Allowed {
		return nil, ErrRateLimited.WithRetryAfter(res.RetryAfter)
	}
	t, found, err := lookup.Lookup(ctx, f.TargetID)
	switch {
	case err != nil:
		return nil, fmt.Errorf("look up %s %s: %w", f.TargetType, f.TargetID, err)
	case !found:
		return nil, ErrTargetNotFound
	case t.OwnerID != "" && t.OwnerID == p.UserID:
		return nil, ErrSelf
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	r := &Report{ID: s.newID(), ReporterID: p.UserID, TargetType: f.TargetType, TargetID: f.TargetID,
		TargetOwnerID: t.OwnerID, TargetParentID: t.ParentID, Reason: f.Reason, Detail: f.Detail,
		Snapshot: Truncate(strings.TrimSpace(t.Snapshot), MaxSnapshotRunes), Status: StatusOpen, CreatedAt: now, UpdatedAt: now}
	if err := s.store.Create(ctx, r); err != nil {
		return nil, err
	}
	s.autoHide(ctx, r)
	return r, nil
}

// Mine lists the caller's reports with where they stand, newest first,
// with the next cursor ("" at the end).
func (s *Service) Mine(ctx context.Context, cursor string, limit int) ([]Report, string, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > MaxPage {
		limit = 20
	}
	var after *Cursor
	if cursor != "" {
		if after, err = decodeCursor(cursor); err != nil {
			return nil, "", err
		}
	}
	list, err := s.store.ByReporter(ctx, p.UserID, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		next = encodeCursor(Cursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	return list, next, nil
}

// Truncate cuts s to at most n runes, marking a cut with "…".
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func encodeCursor(c Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + ":" + c.ID))
}

func decodeCursor(s string) (*Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrBadCursor
	}
	at, id, ok := strings.Cut(string(b), ":")
	if !ok || id == "" {
		return nil, ErrBadCursor
	}
	us, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return nil, ErrBadCursor
	}
	return &Cursor{CreatedAt: time.UnixMicro(us).UTC(), ID: id}, nil
}
