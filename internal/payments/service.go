package payments

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/zuju/zuju/internal/platform/errs"
)

// DefaultOrderExpiry is how long an order may be paid when its seller
// sets no end.
const DefaultOrderExpiry = 15 * time.Minute

// Errors of payments arriving from a provider.
var (
	// ErrAmountMismatch: the provider reports another amount or currency
	// than the order's; nothing changes.
	ErrAmountMismatch = errs.Conflict("payment.amount_mismatch", "支付金额与订单不符")
)

// Service runs orders and refunds.
type Service struct {
	store     Store
	now       func() time.Time
	providers Providers
	refunds   RefundQueue
	logger    *slog.Logger
}

// NewService returns the service over store with the clock now.
func NewService(store Store, now func() time.Time) *Service {
	return &Service{store: store, now: now}
}

// NewOrder asks for an order.
type NewOrder struct {
	Kind           Kind
	UserID         string
	SubjectID      string
	AmountFen      int64
	Description    string
	ExpiresAt      time.Time // zero: DefaultOrderExpiry from now
	IdempotencyKey string
}

// CreateOrder creates a pending order, or returns the one created before
// under the same idempotency key.
func (s *Service) CreateOrder(ctx context.Context, r NewOrder) (*Order, error) {
	if r.AmountFen <= 0 {
		return nil, ErrAmount
	}
	if r.Kind != KindActivitySignup && r.Kind != KindMembership {
		return nil, fmt.Errorf("payments: unknown order kind %q", r.Kind)
	}
	now := s.now().UTC()
	exp := r.ExpiresAt
	if exp.IsZero() {
		exp = now.Add(DefaultOrderExpiry)
	}
	o := &Order{No: NewNo("ZJ", now), Kind: r.Kind, UserID: r.UserID, SubjectID: r.SubjectID, AmountFen: r.AmountFen,
		Description: r.Description, CreatedAt: now, ExpiresAt: exp.UTC()}
	out, _, err := s.store.CreateOrder(ctx, o, r.IdempotencyKey)
	return out, err
}

// Order returns an order.
func (s *Service) Order(ctx context.Context, no string) (*Order, error) {
	return s.store.Order(ctx, no)
}

// CloseOrder stops a pending order from being paid; closing a closed or
// paid order changes nothing (the caller looks at the order). An order
// placed at WeChat Pay is asked about there first: paid there, the
// payment is applied instead; otherwise it is closed there too. When
// WeChat Pay cannot be reached it is closed here all the same and
// reconciliation asks again later, so a payment that raced the close is
// found and refunded.
func (s *Service) CloseOrder(ctx context.Context, no string) (*Order, error) {
	o, err := s.store.Order(ctx, no)
	if err != nil {
		return nil, err
	}
	if o.Status != StatusPending {
		return o, nil
	}
	if o.Channel == ChannelWeChat && s.providers.WeChat != nil {
		paid, _, err := s.settleAtWeChat(ctx, o)
		if err != nil {
			s.log().Warn("close order at wechat pay; reconciliation asks again", "order_no", no, "err", err)
		}
		if paid {
			return s.store.Order(ctx, no)
		}
	}
	if _, err := s.store.Close(ctx, no, s.now()); err != nil {
		return nil, err
	}
	return s.store.Order(ctx, no)
}

// ProviderPayment is a payment a provider confirmed (a verified callback,
// a query, the sandbox).
type ProviderPayment struct {
	OrderNo   string
	AmountFen int64
	Currency  string
	Channel   string
	TradeNo   string
	PaidAt    time.Time
	// Notice is the provider notification that reported the payment (nil:
	// a query or the sandbox); it is recorded with the change, once.
	Notice *Notice
}

// Notice identifies a provider notification.
type Notice struct {
	ID, EventType string
	At            time.Time
}

// Paid applies a confirmed payment once: changed is true only the first
// time, and then payments.order_paid goes out. A payment of another amount
// or currency (CNY only) changes nothing (ErrAmountMismatch); a sandbox
// payment of an order not being paid in the sandbox neither
// (ErrChannelMismatch). A payment for a closed
// order is recorded too (the event says Late): the seller refunds it if it
// cannot fulfil it (activities.LateRefundNo for sign-ups).
//
// A payment reported by a notification seen before changes nothing either
// (changed false): the notification is recorded in the same transaction
// as the change, so a retried or concurrent copy finds it.
func (s *Service) Paid(ctx context.Context, p ProviderPayment) (*Order, bool, error) {
	if p.Currency != "CNY" {
		return nil, false, ErrAmountMismatch
	}
	if p.PaidAt.IsZero() {
		p.PaidAt = s.now()
	}
	return s.store.MarkPaid(ctx, p)
}

// RefundRequest asks to refund part or all of a paid order.
type RefundRequest struct {
	RefundNo  string // idempotency: the same number refunds once
	OrderNo   string
	AmountFen int64
	Reason    string
}

// Audit describes the audit row of a staff action (Action empty: none).
type Audit struct {
	Action, TargetType, TargetID string
}

// Refund records a refund (reserving its amount) and queues it for the
// provider; never more than was paid in total (ErrRefundTooLarge). The
// same refund number again returns the first refund (created false).
func (s *Service) Refund(ctx context.Context, r RefundRequest) (*Refund, bool, error) {
	return s.refund(ctx, r, Audit{})
}

func (s *Service) refund(ctx context.Context, r RefundRequest, au Audit) (*Refund, bool, error) {
	if r.AmountFen <= 0 {
		return nil, false, ErrRefundAmount
	}
	if r.RefundNo == "" {
		r.RefundNo = NewNo("RF", s.now())
	}
	rf, created, err := s.store.StartRefund(ctx, &Refund{No: r.RefundNo, OrderNo: r.OrderNo, AmountFen: r.AmountFen, Reason: r.Reason,
		CreatedAt: s.now().UTC()}, au)
	if err != nil || rf.Status != RefundPending || s.refunds == nil {
		return rf, created, err
	}
	// Queued again when repeated (the queue keeps one live job per refund).
	if err := s.refunds.EnqueueRefund(ctx, rf.No); err != nil {
		s.log().Warn("queue refund; reconciliation queues it later", "refund_no", rf.No, "err", err)
	}
	return rf, created, nil
}

// KnownRefunds reports which of these refund numbers are recorded.
func (s *Service) KnownRefunds(ctx context.Context, nos []string) (map[string]bool, error) {
	return s.store.KnownRefunds(ctx, nos)
}
