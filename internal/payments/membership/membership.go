// Package membership sells paid memberships: plans managed by admins, an
// order per purchase, and a membership that each paid order starts or
// extends by its plan's days, exactly once per order.
package membership

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zuju/zuju/internal/payments"
	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/errs"
)

// Plan is a membership plan.
type Plan struct {
	ID           string
	Name         string
	DurationDays int
	PriceFen     int64
	Enabled      bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Membership is a user's paid membership.
type Membership struct {
	UserID    string
	PlanID    string // the plan bought last
	StartedAt time.Time
	ExpiresAt time.Time
}

// ActiveAt reports whether the membership is in force at now.
func (m *Membership) ActiveAt(now time.Time) bool { return m != nil && now.Before(m.ExpiresAt) }

// Grant is one paid order applied to a membership.
type Grant struct {
	OrderNo string
	UserID  string
	PlanID  string
	Days    int
	At      time.Time // when it was paid: the extension starts then, or at the current end
}

// Audit describes the audit row of a staff mutation.
type Audit struct {
	Action, TargetType, TargetID string
}

// PlanPatch changes some fields of a plan.
type PlanPatch struct {
	Name         *string
	DurationDays *int
	PriceFen     *int64
	Enabled      *bool
}

// Store keeps plans and memberships.
type Store interface {
	Plans(ctx context.Context, enabledOnly bool) ([]Plan, error)
	Plan(ctx context.Context, id string) (*Plan, error)
	CreatePlan(ctx context.Context, p *Plan, au Audit) error
	UpdatePlan(ctx context.Context, id string, patch PlanPatch, at time.Time, au Audit) (*Plan, error)
	// Grant applies g once per order: false (and the membership as it is)
	// when the order was applied before.
	Grant(ctx context.Context, g Grant) (*Membership, bool, error)
	// Membership returns the user's membership, or nil.
	Membership(ctx context.Context, userID string) (*Membership, error)
	// Revoke takes a refunded order's days off the membership once.
	Revoke(ctx context.Context, orderNo string, at time.Time) (*Membership, bool, error)
}

// Orders creates the orders paying for plans (the payments service).
type Orders interface {
	CreateOrder(ctx context.Context, r payments.NewOrder) (*payments.Order, error)
}

// Errors of the module.
var (
	ErrPlanNotFound = errs.NotFound("plan.not_found", "会员套餐不存在")
	ErrPlanDisabled = errs.Conflict("plan.disabled", "该会员套餐已下架")
	ErrPlanName     = errs.Invalid("plan.invalid_name", "套餐名称为 1–30 个字")
	ErrPlanDays     = errs.Invalid("plan.invalid_duration", "套餐时长为 1–3660 天")
	ErrPlanPrice    = errs.Invalid("plan.invalid_price", "套餐价格为 1 分到 100000 元")
)

// Service runs plans and memberships.
type Service struct {
	store  Store
	orders Orders
	now    func() time.Time
	newID  func() string
}

// NewService returns the service.
func NewService(store Store, orders Orders, now func() time.Time, newID func() string) *Service {
	return &Service{store: store, orders: orders, now: now, newID: newID}
}

// Plans lists the plans on sale.
func (s *Service) Plans(ctx context.Context) ([]Plan, error) { return s.store.Plans(ctx, true) }

// AdminPlans lists every plan (admins).
func (s *Service) AdminPlans(ctx context.Context) ([]Plan, error) {
	if _, err := auth.RequireRole(ctx, auth.RoleAdmin, auth.RoleSuperAdmin); err != nil {
		return nil, err
	}
	return s.store.Plans(ctx, false)
}

// CreatePlan adds a plan (admins).
func (s *Service) CreatePlan(ctx context.Context, name string, days int, priceFen int64, enabled bool) (*Plan, error) {
	if _, err := auth.RequireRole(ctx, auth.RoleAdmin, auth.RoleSuperAdmin); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if err := validPlan(name, days, priceFen); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	p := &Plan{ID: s.newID(), Name: name, DurationDays: days, PriceFen: priceFen, Enabled: enabled, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreatePlan(ctx, p, Audit{Action: "membership_plan.create", TargetType: "membership_plan", TargetID: p.ID}); err != nil {
		return nil, err
	}
	return p, nil
}

// UpdatePlan changes a plan (admins). Orders already created keep their
// price; a paid order grants the plan's days as they are when it is paid.
func (s *Service) UpdatePlan(ctx context.Context, id string, patch PlanPatch) (*Plan, error) {
	if _, err := auth.RequireRole(ctx, auth.RoleAdmin, auth.RoleSuperAdmin); err != nil {
		return nil, err
	}
	cur, err := s.store.Plan(ctx, id)
	if err != nil {
		return nil, err
	}
	name, days, price := cur.Name, cur.DurationDays, cur.PriceFen
	if patch.Name != nil {
		name = strings.TrimSpace(*patch.Name)
		patch.Name = &name
	}
	if patch.DurationDays != nil {
		days = *patch.DurationDays
	}
	if patch.PriceFen != nil {
		price = *patch.PriceFen
	}
	if err := validPlan(name, days, price); err != nil {
		return nil, err
	}
	return s.store.UpdatePlan(ctx, id, patch, s.now(), Audit{Action: "membership_plan.update", TargetType: "membership_plan", TargetID: id})
}

func validPlan(name string, days int, priceFen int64) error {
	switch {
	case name == "" || utf8.RuneCountInString(name) > 30:
		return ErrPlanName
	case days < 1 || days > 3660:
		return ErrPlanDays
	case priceFen < 1 || priceFen > 10_000_000:
		return ErrPlanPrice
	}
	return nil
}

// Buy creates the order for a plan bought by the caller; a repeated
// request with the same idempotency key returns the same order.
func (s *Service) Buy(ctx context.Context, planID, idemKey string) (*payments.Order, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	plan, err := s.store.Plan(ctx, planID)
	if err != nil {
		return nil, err
	}
	if !plan.Enabled {
		return nil, ErrPlanDisabled
	}
	key := ""
	if idemKey != "" {
		key = "membership:" + idemKey
	}
	return s.orders.CreateOrder(ctx, payments.NewOrder{Kind: payments.KindMembership, UserID: p.UserID, SubjectID: plan.ID,
		AmountFen: plan.PriceFen, Description: "会员：" + plan.Name, IdempotencyKey: key})
}

// Apply starts or extends the buyer's membership for a paid order, once
// per order (a system call of the payments event consumer).
func (s *Service) Apply(ctx context.Context, orderNo, userID, planID string, paidAt time.Time) (*Membership, bool, error) {
	plan, err := s.store.Plan(ctx, planID)
	if err != nil {
		return nil, false, err
	}
	return s.store.Grant(ctx, Grant{OrderNo: orderNo, UserID: userID, PlanID: planID, Days: plan.DurationDays, At: paidAt})
}

// Revoke takes the days of a membership order refunded in full off its
// buyer's membership, once (a system call of the payments event consumer).
func (s *Service) Revoke(ctx context.Context, orderNo string) (*Membership, bool, error) {
	return s.store.Revoke(ctx, orderNo, s.now())
}

// Of returns a user's membership (nil when they never had one).
func (s *Service) Of(ctx context.Context, userID string) (*Membership, error) {
	return s.store.Membership(ctx, userID)
}

// IsMember reports whether the user's membership is in force now.
func (s *Service) IsMember(ctx context.Context, userID string) (bool, error) {
	m, err := s.store.Membership(ctx, userID)
	if err != nil {
		return false, err
	}
	return m.ActiveAt(s.now()), nil
}
