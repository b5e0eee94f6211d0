package activitieshttp

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/auth"
)

// SignupDTO is a sign-up. The check-in code is shown to its owner only.
type SignupDTO struct {
	ID          string     `json:"id"`
	ActivityID  string     `json:"activity_id"`
	UserID      string     `json:"user_id"`
	Status      string     `json:"status" enum:"pending_payment,confirmed,waitlisted,offered,cancelled,refunded,checked_in,no_show"`
	Position    int        `json:"position" doc:"waitlist order (0 when not waitlisted)"`
	CheckInCode *string    `json:"check_in_code" doc:"signed QR payload (ZJ1.<sign-up id>.<signature>) the organizer scans; shown to the sign-up's owner only"`
	CreatedAt   time.Time  `json:"created_at"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	// OfferExpiresAt ends an open waitlist offer (status offered).
	OfferExpiresAt *time.Time `json:"offer_expires_at,omitempty"`
	// CheckedInAt is when the organizer scanned the code (status checked_in).
	CheckedInAt *time.Time `json:"checked_in_at,omitempty"`
	// HoldExpiresAt ends the payment window of a held seat (status pending_payment).
	HoldExpiresAt *time.Time `json:"hold_expires_at,omitempty"`
	OrderNo       string     `json:"order_no,omitempty" doc:"the order paying for a paid sign-up (shown to its owner)"`
	AmountFen     int64      `json:"amount_fen,omitempty" doc:"the price of a paid sign-up, in fen (what its order asks; what was paid once confirmed)"`
	RefundFen     int64      `json:"refund_fen,omitempty" doc:"refunded on cancellation, in fen"`
}

// toSignup converts a sign-up; its check-in code (the signed QR payload)
// and its order number are filled for the sign-up's owner only.
func (h handlers) toSignup(ctx context.Context, s *activities.Signup) SignupDTO {
	d := SignupDTO{ID: s.ID, ActivityID: s.ActivityID, UserID: s.UserID, Status: string(s.Status), Position: s.Position,
		CreatedAt: s.CreatedAt, CancelledAt: s.CancelledAt, OfferExpiresAt: s.OfferExpiresAt, CheckedInAt: s.CheckedInAt,
		RefundFen: s.RefundFen, CheckInCode: h.svc.OwnCheckInPayload(ctx, s)}
	if s.Status == activities.SignupPendingPayment {
		d.HoldExpiresAt = s.HoldExpiresAt
	}
	if p, ok := auth.From(ctx); ok && p.UserID == s.UserID {
		d.OrderNo, d.AmountFen = s.OrderNo, s.AmountFen
	}
	return d
}

// SignupOrderDTO is the order paying for a sign-up (the fields of API.md's Order
// known when it is created; the payments routes serve the rest).
type SignupOrderDTO struct {
	OrderNo   string    `json:"order_no"`
	Kind      string    `json:"kind" enum:"activity_signup,membership"`
	UserID    string    `json:"user_id"`
	AmountFen int64     `json:"amount_fen"`
	Status    string    `json:"status" enum:"pending,paid,closed,refunding,refunded,partially_refunded"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

func toOrder(s *activities.Signup, o *activities.Order) *SignupOrderDTO {
	if o == nil {
		return nil
	}
	return &SignupOrderDTO{OrderNo: o.No, Kind: "activity_signup", UserID: s.UserID, AmountFen: o.AmountFen,
		Status: o.Status, CreatedAt: o.CreatedAt, ExpiresAt: o.ExpiresAt}
}

func registerSignups(api huma.API, h handlers) {
	tag := []string{"Activities"}
	huma.Register(api, huma.Operation{OperationID: "sign-up", Method: http.MethodPost, Path: "/activities/{id}/signups",
		Summary: "Sign up: a confirmed seat while there is room (held as pending_payment with its order on a paid activity), a waitlist place when full", Tags: tag, Security: bearer,
		DefaultStatus: http.StatusCreated}, h.signUp)
	huma.Register(api, huma.Operation{OperationID: "cancel-my-signup", Method: http.MethodDelete, Path: "/activities/{id}/signups/me",
		Summary: "Cancel one's own sign-up (refunded per the cancellation policy)", Tags: tag, Security: bearer}, h.cancelMine)
	huma.Register(api, huma.Operation{OperationID: "accept-waitlist-offer", Method: http.MethodPost, Path: "/activities/{id}/signups/me/accept",
		Summary: "Take the seat offered from the waitlist (within its window; on a paid activity it is held as pending_payment, payable until the window ends)", Tags: tag, Security: bearer}, h.acceptOffer)
	huma.Register(api, huma.Operation{OperationID: "list-signups", Method: http.MethodGet, Path: "/activities/{id}/signups",
		Summary: "Participants and waitlist (organizer and staff)", Tags: tag, Security: bearer}, h.participants)
	huma.Register(api, huma.Operation{OperationID: "list-my-signups", Method: http.MethodGet, Path: "/me/signups",
		Summary: "The caller's sign-ups, newest first, each with its activity's summary; pages of limit (default 20, at most 50) follow next_cursor", Tags: tag, Security: bearer}, h.mySignups)
}

type signUpOut struct {
	Body struct {
		Signup SignupDTO       `json:"signup"`
		Order  *SignupOrderDTO `json:"order" doc:"the order to pay for a paid activity; null for free ones"`
	}
}

type signUpIn struct {
	ID             string `path:"id" maxLength:"64"`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"100" doc:"a retried request with the same key returns the first result"`
}

func (h handlers) signUp(ctx context.Context, in *signUpIn) (*signUpOut, error) {
	s, o, err := h.svc.SignUp(ctx, in.ID, in.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	out := &signUpOut{}
	out.Body.Signup = h.toSignup(ctx, s)
	out.Body.Order = toOrder(s, o)
	return out, nil
}

type signupOut struct{ Body SignupDTO }

func (h handlers) cancelMine(ctx context.Context, in *idIn) (*signupOut, error) {
	s, err := h.svc.CancelMine(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &signupOut{Body: h.toSignup(ctx, s)}, nil
}

// SignupActivityDTO is the summary of a sign-up's activity.
type SignupActivityDTO struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	City     string    `json:"city"`
	StartAt  time.Time `json:"start_at"`
	EndAt    time.Time `json:"end_at"`
	Status   string    `json:"status" enum:"draft,published,formed,finished,cancelled"`
	CoverURL string    `json:"cover_url"`
	PriceFen int64     `json:"price_fen"`
}

// MySignupDTO is one of the caller's sign-ups with its activity's summary.
type MySignupDTO struct {
	SignupDTO
	Activity *SignupActivityDTO `json:"activity" doc:"the activity's summary (null only when the activity no longer exists)"`
}

type mySignupsIn struct {
	Cursor string `query:"cursor" maxLength:"200" doc:"next_cursor of the previous page"`
	Limit  int    `query:"limit" minimum:"1" maximum:"50" default:"20"`
}

type mySignupsOut struct {
	Body struct {
		Items      []MySignupDTO `json:"items"`
		NextCursor *string       `json:"next_cursor" doc:"cursor of the next page; null on the last"`
	}
}

func (h handlers) mySignups(ctx context.Context, in *mySignupsIn) (*mySignupsOut, error) {
	list, next, err := h.svc.MySignups(ctx, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &mySignupsOut{}
	out.Body.Items = make([]MySignupDTO, len(list))
	for i := range list {
		out.Body.Items[i].SignupDTO = h.toSignup(ctx, &list[i].Signup)
		if b := list[i].Activity; b != nil {
			out.Body.Items[i].Activity = &SignupActivityDTO{ID: b.ID, Title: b.Title, City: b.City, StartAt: b.StartAt, EndAt: b.EndAt,
				Status: string(b.Status), CoverURL: b.CoverURL, PriceFen: b.PriceFen}
		}
	}
	if next != "" {
		out.Body.NextCursor = &next
	}
	return out, nil
}

func (h handlers) acceptOffer(ctx context.Context, in *idIn) (*signupOut, error) {
	s, err := h.svc.AcceptOffer(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &signupOut{Body: h.toSignup(ctx, s)}, nil
}
