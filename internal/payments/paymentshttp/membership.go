package paymentshttp

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/payments/membership"
)

func registerMembership(api huma.API, h handlers) {
	huma.Register(api, huma.Operation{OperationID: "list-membership-plans", Method: http.MethodGet, Path: "/membership/plans",
		Summary: "Membership plans on sale, cheapest first", Tags: []string{"Payments"}}, h.plans)
	huma.Register(api, huma.Operation{OperationID: "buy-membership", Method: http.MethodPost, Path: "/membership/orders",
		Summary: "Buy a plan: the order to pay (paying starts or extends the membership by the plan's days)", Tags: []string{"Payments"},
		Security: bearer, DefaultStatus: http.StatusCreated}, h.buy)
	tag := []string{"Admin"}
	huma.Register(api, huma.Operation{OperationID: "admin-list-membership-plans", Method: http.MethodGet, Path: "/admin/membership-plans",
		Summary: "Every membership plan (admins)", Tags: tag, Security: bearer}, h.adminPlans)
	huma.Register(api, huma.Operation{OperationID: "admin-create-membership-plan", Method: http.MethodPost, Path: "/admin/membership-plans",
		Summary: "Add a membership plan (admins; audited)", Tags: tag, Security: bearer, DefaultStatus: http.StatusCreated}, h.createPlan)
	huma.Register(api, huma.Operation{OperationID: "admin-update-membership-plan", Method: http.MethodPatch, Path: "/admin/membership-plans/{id}",
		Summary: "Change a membership plan or take it off sale (admins; audited)", Tags: tag, Security: bearer}, h.updatePlan)
}

// PlanDTO is a membership plan.
type PlanDTO struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	DurationDays int    `json:"duration_days"`
	PriceFen     int64  `json:"price_fen"`
}

// AdminPlanDTO is a plan as admins see it.
type AdminPlanDTO struct {
	PlanDTO
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toPlan(p *membership.Plan) PlanDTO {
	return PlanDTO{ID: p.ID, Name: p.Name, DurationDays: p.DurationDays, PriceFen: p.PriceFen}
}

func toAdminPlan(p *membership.Plan) AdminPlanDTO {
	return AdminPlanDTO{PlanDTO: toPlan(p), Enabled: p.Enabled, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

type plansOut struct {
	Body struct {
		Items []PlanDTO `json:"items"`
	}
}

func (h handlers) plans(ctx context.Context, _ *struct{}) (*plansOut, error) {
	list, err := h.members.Plans(ctx)
	if err != nil {
		return nil, err
	}
	out := &plansOut{}
	out.Body.Items = make([]PlanDTO, len(list))
	for i := range list {
		out.Body.Items[i] = toPlan(&list[i])
	}
	return out, nil
}

type buyIn struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"100" doc:"a retried request with the same key returns the same order"`
	Body           struct {
		PlanID string `json:"plan_id" minLength:"1" maxLength:"64"`
	}
}

func (h handlers) buy(ctx context.Context, in *buyIn) (*orderOut, error) {
	o, err := h.members.Buy(ctx, in.Body.PlanID, in.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	return &orderOut{Body: ToOrderDTO(o)}, nil
}

type adminPlansOut struct {
	Body struct {
		Items []AdminPlanDTO `json:"items"`
	}
}

func (h handlers) adminPlans(ctx context.Context, _ *struct{}) (*adminPlansOut, error) {
	list, err := h.members.AdminPlans(ctx)
	if err != nil {
		return nil, err
	}
	out := &adminPlansOut{}
	out.Body.Items = make([]AdminPlanDTO, len(list))
	for i := range list {
		out.Body.Items[i] = toAdminPlan(&list[i])
	}
	return out, nil
}

type createPlanIn struct {
	Body struct {
		Name         string `json:"name" maxLength:"30"`
		DurationDays int    `json:"duration_days" minimum:"1" maximum:"3660"`
		PriceFen     int64  `json:"price_fen" minimum:"1" maximum:"10000000"`
		Enabled      *bool  `json:"enabled,omitempty" doc:"on sale (default true)"`
	}
}

type planOut struct{ Body AdminPlanDTO }

func (h handlers) createPlan(ctx context.Context, in *createPlanIn) (*planOut, error) {
	enabled := in.Body.Enabled == nil || *in.Body.Enabled
	p, err := h.members.CreatePlan(ctx, in.Body.Name, in.Body.DurationDays, in.Body.PriceFen, enabled)
	if err != nil {
		return nil, err
	}
	return &planOut{Body: toAdminPlan(p)}, nil
}

type updatePlanIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Name         *string `json:"name,omitempty" maxLength:"30"`
		DurationDays *int    `json:"duration_days,omitempty" minimum:"1" maximum:"3660"`
		PriceFen     *int64  `json:"price_fen,omitempty" minimum:"1" maximum:"10000000"`
		Enabled      *bool   `json:"enabled,omitempty"`
	}
}

func (h handlers) updatePlan(ctx context.Context, in *updatePlanIn) (*planOut, error) {
	p, err := h.members.UpdatePlan(ctx, in.ID, membership.PlanPatch{Name: in.Body.Name, DurationDays: in.Body.DurationDays,
		PriceFen: in.Body.PriceFen, Enabled: in.Body.Enabled})
	if err != nil {
		return nil, err
	}
	return &planOut{Body: toAdminPlan(p)}, nil
}
