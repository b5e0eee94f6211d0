package paymentsstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/payments/membership"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// Memberships keeps membership plans and memberships.
type Memberships struct{ db *gorm.DB }

// NewMemberships returns the membership store over db.
func NewMemberships(db *sqldb.DB) *Memberships { return &Memberships{db: db.Gorm} }

var _ membership.Store = (*Memberships)(nil)

type planRow struct {
	ID           string `gorm:"primaryKey"`
	Name         string
	DurationDays int
	PriceFen     int64
	Enabled      bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (planRow) TableName() string { return "membership_plans" }

func (r planRow) plan() membership.Plan {
	return membership.Plan{ID: r.ID, Name: r.Name, DurationDays: r.DurationDays, PriceFen: r.PriceFen, Enabled: r.Enabled,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

type membershipRow struct {
	UserID    string `gorm:"primaryKey"`
	PlanID    string
	StartedAt time.Time
	ExpiresAt time.Time
	UpdatedAt time.Time
}

func (membershipRow) TableName() string { return "memberships" }

func (r membershipRow) membership() *membership.Membership {
	return &membership.Membership{UserID: r.UserID, PlanID: r.PlanID, StartedAt: r.StartedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
}

// Plans lists plans, cheapest first.
func (s *Memberships) Plans(ctx context.Context, enabledOnly bool) ([]membership.Plan, error) {
	q := s.db.WithContext(ctx).Order("price_fen, created_at")
	if enabledOnly {
		q = q.Where("enabled = ?", true)
	}
	var rows []planRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	out := make([]membership.Plan, len(rows))
	for i := range rows {
		out[i] = rows[i].plan()
	}
	return out, nil
}

// Plan loads a plan.
func (s *Memberships) Plan(ctx context.Context, id string) (*membership.Plan, error) {
	return s.plan(s.db.WithContext(ctx), id)
}

func (s *Memberships) plan(tx *gorm.DB, id string) (*membership.Plan, error) {
	var r planRow
	err := tx.Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, membership.ErrPlanNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load plan: %w", err)
	}
	p := r.plan()
	return &p, nil
}

// CreatePlan inserts a plan with its audit row.
func (s *Memberships) CreatePlan(ctx context.Context, p *membership.Plan, au membership.Audit) error {
	r := planRow{ID: p.ID, Name: p.Name, DurationDays: p.DurationDays, PriceFen: p.PriceFen, Enabled: p.Enabled,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&r).Error; err != nil {
			return fmt.Errorf("create plan: %w", err)
		}
		return audit.Record(ctx, tx, au.Action, au.TargetType, au.TargetID, nil, r.plan())
	})
}

// UpdatePlan applies patch with its audit row.
func (s *Memberships) UpdatePlan(ctx context.Context, id string, patch membership.PlanPatch, at time.Time, au membership.Audit) (*membership.Plan, error) {
	var out *membership.Plan
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockRow(tx, "membership_plans", "id", id); err != nil {
			return err
		}
		before, err := s.plan(tx, id)
		if err != nil {
			return err
		}
		set := map[string]any{"updated_at": at.UTC()}
		if patch.Name != nil {
			set["name"] = *patch.Name
		}
		if patch.DurationDays != nil {
			set["duration_days"] = *patch.DurationDays
		}
		if patch.PriceFen != nil {
			set["price_fen"] = *patch.PriceFen
		}
		if patch.Enabled != nil {
			set["enabled"] = *patch.Enabled
		}
		if err := tx.Model(&planRow{}).Where("id = ?", id).Updates(set).Error; err != nil {
			return fmt.Errorf("update plan: %w", err)
		}
		if out, err = s.plan(tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, au.Action, au.TargetType, au.TargetID, before, out)
	})
	return out, err
}

// Grant applies a paid order to its buyer's membership once: the
// membership runs from the later of the payment and its current end, for
// the order's days.
func (s *Memberships) Grant(ctx context.Context, g membership.Grant) (*membership.Membership, bool, error) {
	var out *membership.Membership
	applied := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO membership_grants (order_no, user_id, plan_id, days, granted_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (order_no) DO NOTHING`, g.OrderNo, g.UserID, g.PlanID, g.Days, g.At.UTC())
		if res.Error != nil {
			return fmt.Errorf("record membership grant: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			applied = true
			// Created empty (expired at the payment) if new, then locked,
			// so concurrent grants to one user add up.
			if err := tx.Exec(`INSERT INTO memberships (user_id, plan_id, started_at, expires_at, updated_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (user_id) DO NOTHING`, g.UserID, g.PlanID, g.At.UTC(), g.At.UTC(), g.At.UTC()).Error; err != nil {
				return fmt.Errorf("create membership: %w", err)
			}
		}
		if err := lockRow(tx, "memberships", "user_id", g.UserID); err != nil {
			return err
		}
		var r membershipRow
		if err := tx.Where("user_id = ?", g.UserID).Take(&r).Error; err != nil {
			return fmt.Errorf("load membership: %w", err)
		}
		if applied {
			from := r.ExpiresAt
			if g.At.After(from) {
				from = g.At
				r.StartedAt = g.At.UTC()
			}
			r.ExpiresAt = from.Add(time.Duration(g.Days) * 24 * time.Hour).UTC()
			r.PlanID, r.UpdatedAt = g.PlanID, g.At.UTC()
			if err := tx.Exec(`UPDATE memberships SET plan_id = ?, started_at = ?, expires_at = ?, updated_at = ? WHERE user_id = ?`,
				r.PlanID, r.StartedAt.UTC(), r.ExpiresAt, r.UpdatedAt, g.UserID).Error; err != nil {
				return fmt.Errorf("extend membership: %w", err)
			}
		}
		out = r.membership()
		return nil
	})
	return out, applied, err
}

// Membership returns the user's membership, or nil.
func (s *Memberships) Membership(ctx context.Context, userID string) (*membership.Membership, error) {
	var r membershipRow
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load membership: %w", err)
	}
	return r.membership(), nil
}

// lockRow takes a row's write lock for the rest of tx with a no-op
// update (PostgreSQL locks the row; SQLite has one writer anyway).
func lockRow(tx *gorm.DB, table, key, id string) error {
	if err := tx.Exec("UPDATE "+table+" SET "+key+" = "+key+" WHERE "+key+" = ?", id).Error; err != nil {
		return fmt.Errorf("lock %s: %w", table, err)
	}
	return nil
}

// Revoke takes a refunded order's days off its buyer's membership, once:
// false when the order granted nothing or was revoked before.
func (s *Memberships) Revoke(ctx context.Context, orderNo string, at time.Time) (*membership.Membership, bool, error) {
	var out *membership.Membership
	revoked := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var g struct {
			UserID string
			Days   int
		}
		res := tx.Raw(`UPDATE membership_grants SET revoked_at = ? WHERE order_no = ? AND revoked_at IS NULL RETURNING user_id, days`,
			at.UTC(), orderNo).Scan(&g)
		if res.Error != nil {
			return fmt.Errorf("revoke membership grant: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		revoked = true
		if err := lockRow(tx, "memberships", "user_id", g.UserID); err != nil {
			return err
		}
		var r membershipRow
		if err := tx.Where("user_id = ?", g.UserID).Take(&r).Error; err != nil {
			return fmt.Errorf("load membership: %w", err)
		}
		r.ExpiresAt = r.ExpiresAt.Add(-time.Duration(g.Days) * 24 * time.Hour).UTC()
		if err := tx.Exec(`UPDATE memberships SET expires_at = ?, updated_at = ? WHERE user_id = ?`, r.ExpiresAt, at.UTC(), g.UserID).Error; err != nil {
			return fmt.Errorf("shorten membership: %w", err)
		}
		out = r.membership()
		return nil
	})
	return out, revoked, err
}
