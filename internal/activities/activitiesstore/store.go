// Package activitiesstore is the GORM store of the activities module, with
// its migrations for SQLite and PostgreSQL.
package activitiesstore

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the module's migration trees.
func Migrations() sqldb.Migrations { return sqldb.Embedded("activities", migrations) }

// Store implements activities.Store on GORM.
type Store struct {
	db  *gorm.DB
	raw *sqldb.DB // the same database, for the hand-scanned list
	pg  bool      // PostgreSQL (else SQLite): the full-text search differs
}

// New returns a store over db.
func New(db *sqldb.DB) *Store {
	return &Store{db: db.Gorm, raw: db, pg: db.Dialect == sqldb.Postgres}
}

var _ activities.Store = (*Store)(nil)

type typeRow struct {
	ID        string
	Name      string
	Sort      int
	CreatedAt time.Time
}

func (typeRow) TableName() string { return "activity_types" }

func (r typeRow) typ() activities.Type {
	return activities.Type{ID: r.ID, Name: r.Name, Sort: r.Sort, CreatedAt: r.CreatedAt.UTC()}
}

type row struct {
	ID               string
	Title            string
	TypeID           string
	TagIDs           string
	City             string
	Address          string
	Lat, Lng         float64
	StartAt          time.Time
	EndAt            time.Time
	SignupDeadline   time.Time
	MinParticipants  int
	MaxParticipants  int
	ParticipantCount int
	PriceFen         int64
	MemberOnly       bool
	Status           string
	Description      string
	CoverURL         string
	OrganizerID      string
	ClubID           string
	Visibility       string
	CancelReason     string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	PublishedAt      *time.Time
	CancelledAt      *time.Time
	HotScore         float64
	SearchTokens     string `gorm:"->:false;<-"` // written, never read back
}

func (row) TableName() string { return "activities" }

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// visibilityOf stores an unset visibility as public.
func visibilityOf(v activities.Visibility) string {
	if v == "" {
		return string(activities.VisibilityPublic)
	}
	return string(v)
}

func toRow(a *activities.Activity) row {
	return row{ID: a.ID, Title: a.Title, TypeID: a.TypeID, TagIDs: strings.Join(a.TagIDs, ","), City: a.City,
		Address: a.Address, Lat: a.Lat, Lng: a.Lng, StartAt: a.StartAt.UTC(), EndAt: a.EndAt.UTC(),
		SignupDeadline: a.SignupDeadline.UTC(), MinParticipants: a.MinParticipants, MaxParticipants: a.MaxParticipants,
		ParticipantCount: a.ParticipantCount, PriceFen: a.PriceFen, MemberOnly: a.MemberOnly, Status: string(a.Status),
		Description: a.Description, CoverURL: a.CoverURL, OrganizerID: a.OrganizerID, ClubID: a.ClubID,
		Visibility: visibilityOf(a.Visibility), CancelReason: a.CancelReason, CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
		PublishedAt: utc(a.PublishedAt), CancelledAt: utc(a.CancelledAt)}
}

func (r row) activity() activities.Activity {
	var tags []string
	if r.TagIDs != "" {
		tags = strings.Split(r.TagIDs, ",")
	}
	return activities.Activity{ID: r.ID, Title: r.Title, TypeID: r.TypeID, TagIDs: tags, City: r.City,
		Address: r.Address, Lat: r.Lat, Lng: r.Lng, StartAt: r.StartAt.UTC(), EndAt: r.EndAt.UTC(),
		SignupDeadline: r.SignupDeadline.UTC(), MinParticipants: r.MinParticipants, MaxParticipants: r.MaxParticipants,
		ParticipantCount: r.ParticipantCount, PriceFen: r.PriceFen, MemberOnly: r.MemberOnly,
		Status: activities.Status(r.Status), Description: r.Description, CoverURL: r.CoverURL,
		OrganizerID: r.OrganizerID, ClubID: r.ClubID, Visibility: activities.Visibility(visibilityOf(activities.Visibility(r.Visibility))), CancelReason: r.CancelReason,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), PublishedAt: utc(r.PublishedAt), CancelledAt: utc(r.CancelledAt),
		HotScore: r.HotScore}
}

// Types lists the catalog.
func (s *Store) Types(ctx context.Context) ([]activities.Type, error) {
	var rows []typeRow
	if err := s.db.WithContext(ctx).Order("sort, name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list activity types: %w", err)
	}
	out := make([]activities.Type, len(rows))
	for i, r := range rows {
		out[i] = r.typ()
	}
	return out, nil
}

// TypeExists reports whether the type exists.
func (s *Store) TypeExists(ctx context.Context, id string) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&typeRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return false, fmt.Errorf("check activity type: %w", err)
	}
	return n > 0, nil
}

// CreateType inserts a type with its audit row.
func (s *Store) CreateType(ctx context.Context, t *activities.Type, a activities.Audit) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r := typeRow{ID: t.ID, Name: t.Name, Sort: t.Sort, CreatedAt: t.CreatedAt.UTC()}
		if err := tx.Create(&r).Error; err != nil {
			if sqldb.IsUniqueViolation(err) {
				return activities.ErrTypeExists
			}
			return fmt.Errorf("create activity type: %w", err)
		}
		return audit.Record(ctx, tx, a.Action, a.TargetType, a.TargetID, nil, r.typ())
	})
}

// UpdateType changes a type with its audit row.
func (s *Store) UpdateType(ctx context.Context, id string, name *string, sort *int, a activities.Audit) (*activities.Type, error) {
	var out activities.Type
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var before typeRow
		if err := tx.Where("id = ?", id).Take(&before).Error; err != nil {
			if sqldb.IsNotFound(err) {
				return activities.ErrTypeNotFound
			}
			return fmt.Errorf("load activity type: %w", err)
		}
		after := before
		if name != nil {
			after.Name = *name
		}
		if sort != nil {
			after.Sort = *sort
		}
		err := tx.Model(&typeRow{}).Where("id = ?", id).Updates(map[string]any{"name": after.Name, "sort": after.Sort}).Error
		if sqldb.IsUniqueViolation(err) {
			return activities.ErrTypeExists
		}
		if err != nil {
			return fmt.Errorf("update activity type: %w", err)
		}
		out = after.typ()
		if after.Name != before.Name {
			if err := reindexType(tx, id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, a.Action, a.TargetType, a.TargetID, before.typ(), out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteType removes a type no activity uses, with its audit row.
func (s *Store) DeleteType(ctx context.Context, id string, a activities.Audit) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var before typeRow
		if err := tx.Where("id = ?", id).Take(&before).Error; err != nil {
			if sqldb.IsNotFound(err) {
				return activities.ErrTypeNotFound
			}
			return fmt.Errorf("load activity type: %w", err)
		}
		err := tx.Where("id = ?", id).Delete(&typeRow{}).Error
		if sqldb.IsForeignKeyViolation(err) {
			return activities.ErrTypeInUse
		}
		if err != nil {
			return fmt.Errorf("delete activity type: %w", err)
		}
		return audit.Record(ctx, tx, a.Action, a.TargetType, a.TargetID, before.typ(), nil)
	})
}

// Create inserts an activity with its search tokens and tags.
func (s *Store) Create(ctx context.Context, a *activities.Activity) error {
	r := toRow(a)
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		tokens, err := searchTokens(tx, a)
		if err != nil {
			return err
		}
		r.SearchTokens = tokens
		if err := tx.Create(&r).Error; err != nil {
			if sqldb.IsForeignKeyViolation(err) {
				return activities.ErrUnknownType
			}
			return fmt.Errorf("create activity: %w", err)
		}
		return setTags(tx, a.ID, a.TagIDs)
	})
}

// Get loads an activity.
func (s *Store) Get(ctx context.Context, id string) (*activities.Activity, error) {
	var r row
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		if sqldb.IsNotFound(err) {
			return nil, activities.ErrNotFound
		}
		return nil, fmt.Errorf("load activity: %w", err)
	}
	a := r.activity()
	return &a, nil
}

// Update saves the editable fields (with the search tokens and tags) if
// the activity is still editable, its capacity is not below the seats
// taken and, once anybody signed up, its price and member restriction are
// unchanged. It takes the activity's row first (see the lock order in
// holds.go), so these checks see every sign-up committed before. Seats a
// raised capacity adds are offered to the waitlist first (offerFreeSeats).
// A published activity whose seated sign-ups reach the (possibly lowered)
// minimum is formed in the same transaction; a.Status tells. A non-empty
// audit is written in the same transaction, with the activity before and
// after.
func (s *Store) Update(ctx context.Context, a *activities.Activity, au activities.Audit) error {
	r := toRow(a)
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockActivity(tx, a.ID, false); err != nil {
			return err
		}
		var before row
		if au.Action != "" {
			if err := tx.Where("id = ?", a.ID).Take(&before).Error; err != nil && !sqldb.IsNotFound(err) {
				return fmt.Errorf("load activity: %w", err)
			}
		}
		tokens, err := searchTokens(tx, a)
		if err != nil {
			return err
		}
		if err := s.update(tx, a, r, tokens); err != nil {
			return err
		}
		if err := s.offerFreeSeats(ctx, tx, a.ID, r.UpdatedAt); err != nil {
			return err
		}
		if err := s.formIfReady(ctx, tx, a.ID, r.UpdatedAt); err != nil {
			return err
		}
		var after row
		if err := tx.Where("id = ?", a.ID).Take(&after).Error; err != nil {
			return fmt.Errorf("load activity: %w", err)
		}
		a.Status = activities.Status(after.Status)
		if au.Action == "" {
			return nil
		}
		return audit.Record(ctx, tx, au.Action, au.TargetType, au.TargetID, before.activity(), after.activity())
	})
}

func (s *Store) update(tx *gorm.DB, a *activities.Activity, r row, tokens string) error {
	res := tx.Model(&row{}).
		Where("id = ? AND status IN ? AND participant_count <= ?", a.ID, []string{string(activities.StatusDraft), string(activities.StatusPublished)}, r.MaxParticipants).
		Where("((price_fen = ? AND member_only = ? AND visibility = ?) OR NOT EXISTS (SELECT 1 FROM signups WHERE signups.activity_id = activities.id AND signups.status IN ?))",
			r.PriceFen, r.MemberOnly, r.Visibility, activeSignup).
		Updates(map[string]any{
			"title": r.Title, "type_id": r.TypeID, "tag_ids": r.TagIDs, "city": r.City, "address": r.Address,
			"lat": r.Lat, "lng": r.Lng, "start_at": r.StartAt, "end_at": r.EndAt, "signup_deadline": r.SignupDeadline,
			"min_participants": r.MinParticipants, "max_participants": r.MaxParticipants, "price_fen": r.PriceFen,
			"member_only": r.MemberOnly, "description": r.Description, "cover_url": r.CoverURL, "club_id": r.ClubID,
			"visibility": r.Visibility,
			"updated_at": r.UpdatedAt, "search_tokens": tokens,
		})
	if res.Error != nil {
		if sqldb.IsForeignKeyViolation(res.Error) {
			return activities.ErrUnknownType
		}
		return fmt.Errorf("update activity: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return whyNotUpdated(tx, a.ID, r)
	}
	return setTags(tx, a.ID, a.TagIDs)
}

// whyNotUpdated tells which condition of update failed (under the row
// lock the update took, so nothing changed in between).
func whyNotUpdated(tx *gorm.DB, id string, want row) error {
	var cur row
	if err := tx.Where("id = ?", id).Take(&cur).Error; err != nil {
		if sqldb.IsNotFound(err) {
			return activities.ErrNotFound
		}
		return fmt.Errorf("load activity: %w", err)
	}
	switch {
	case !activities.Status(cur.Status).Editable():
		return activities.ErrNotEditable
	case cur.ParticipantCount > want.MaxParticipants:
		return activities.ErrInvalid.WithDetail("人数上限不能少于已报名人数")
	}
	return activities.ErrLockedAfterSignup
}

// SetStatus moves an activity between statuses with a conditional update,
// so of two concurrent transitions only one happens.
func (s *Store) SetStatus(ctx context.Context, id string, from, to activities.Status, now time.Time, reason string, a activities.Audit) (*activities.Activity, error) {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		set := map[string]any{"status": string(to), "updated_at": now.UTC()}
		switch to {
		case activities.StatusPublished:
			set["published_at"] = now.UTC()
		case activities.StatusCancelled:
			set["cancelled_at"], set["cancel_reason"] = now.UTC(), reason
		}
		res := tx.Model(&row{}).Where("id = ? AND status = ?", id, string(from)).Updates(set)
		if res.Error != nil {
			return fmt.Errorf("set activity status: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return activities.ErrBadTransition
		}
		if to == activities.StatusFinished {
			if err := markNoShows(ctx, tx, id, now); err != nil {
				return err
			}
		}
		if to == activities.StatusCancelled {
			ids, err := userIDs(tx, id, activeSignup, 0)
			if err != nil {
				return fmt.Errorf("list participants: %w", err)
			}
			ev := activities.CancelledEvent{ActivityID: id, Reason: reason, Automatic: reason == activities.AutoCancelReason, ParticipantIDs: ids}
			if _, err := outbox.Add(ctx, tx, activities.TopicCancelled, ev); err != nil {
				return err
			}
			if err := s.settleCancelled(ctx, tx, id, now); err != nil {
				return err
			}
		}
		if a.Action == "" {
			return nil
		}
		return audit.Record(ctx, tx, a.Action, a.TargetType, a.TargetID, map[string]string{"status": string(from)},
			map[string]string{"status": string(to), "reason": reason})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Due lists activities whose deadline (published, fewer seated sign-ups
// than the minimum: seats held for payment and open offers do not count)
// ClubCalendar lists a club's non-draft activities starting in [from,
// to); members-only ones only with membersToo.
func (s *Store) ClubCalendar(ctx context.Context, clubID string, from, to time.Time, limit int, membersToo bool) ([]activities.Activity, error) {
	var rows []row
	q := s.db.WithContext(ctx).Where("club_id = ? AND status <> ? AND start_at >= ? AND start_at < ?", clubID, string(activities.StatusDraft),
		from.UTC(), to.UTC())
	if !membersToo {
		q = q.Where("visibility = ?", string(activities.VisibilityPublic))
	}
	err := q.Order("start_at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list club calendar: %w", err)
	}
	out := make([]activities.Activity, len(rows))
	for i := range rows {
		out[i] = rows[i].activity()
	}
	return out, nil
}

// Formed lists formed activities, soonest first.
func (s *Store) Formed(ctx context.Context, limit int) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Model(&row{}).Where("status = ?", string(activities.StatusFormed)).
		Order("start_at, id").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("list formed activities: %w", err)
	}
	return ids, nil
}

// or end (formed) has passed.
func (s *Store) Due(ctx context.Context, status activities.Status, now time.Time, limit int) ([]string, error) {
	q := s.db.WithContext(ctx).Model(&row{}).Where("status = ?", string(status))
	switch status {
	case activities.StatusPublished:
		q = q.Where("signup_deadline <= ?", now.UTC()).
			Where("(SELECT COUNT(*) FROM signups WHERE signups.activity_id = activities.id AND signups.status IN ?) < min_participants", seated)
	case activities.StatusFormed:
		q = q.Where("end_at <= ?", now.UTC())
	default:
		return nil, nil
	}
	var ids []string
	if err := q.Order("id").Limit(limit).Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("list due activities: %w", err)
	}
	return ids, nil
}
