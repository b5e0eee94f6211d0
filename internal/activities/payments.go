package activities

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Paid sign-ups. A paid activity's seat is held as pending_payment while
// its order (from the Payments port) is open; ConfirmPayment turns it into
// a confirmed seat. Effects on orders travel two ways:
//   - refunds only through the outbox (TopicRefundRequested), written in
//     the transaction that cancels the sign-up, one per sign-up with a
//     refund number derived from it, so redelivery is idempotent;
//   - closing the order of a released hold through the outbox
//     (TopicHoldReleased, the durable path) and, where the service has the
//     order at hand, a best-effort Payments.CloseOrder right after the
//     commit so the order stops being payable at once.

// TopicRefundRequested asks the payments module to refund a paid sign-up.
const TopicRefundRequested = "activities.refund_requested"

// RefundRequestedEvent is the payload of activities.refund_requested.
type RefundRequestedEvent struct {
	// RefundNo is derived from the sign-up: one refund per sign-up.
	RefundNo   string `json:"refund_no"`
	OrderNo    string `json:"order_no"`
	SignupID   string `json:"signup_id"`
	ActivityID string `json:"activity_id"`
	UserID     string `json:"user_id"`
	AmountFen  int64  `json:"amount_fen"`
	Reason     string `json:"reason"`
}

// TopicHoldReleased tells the payments module that a pending_payment
// sign-up gave up its seat: its order is to be closed. Should it have been
// paid meanwhile, the payments module refunds that payment once per order,
// under LateRefundNo(order_no), whether this event or ConfirmPayment's
// Released answer tells it first.
const TopicHoldReleased = "activities.hold_released"

// HoldReleasedEvent is the payload of activities.hold_released.
type HoldReleasedEvent struct {
	OrderNo    string `json:"order_no"`
	SignupID   string `json:"signup_id"`
	ActivityID string `json:"activity_id"`
	UserID     string `json:"user_id"`
	// Reason is one of the Release* values.
	Reason string `json:"reason"`
}

// Why a hold was released.
const (
	ReleaseExpired           = "expired"
	ReleaseCancelled         = "signup_cancelled"
	ReleaseActivityCancelled = "activity_cancelled"
)

// Refund reasons shown with the refund.
const (
	RefundReasonSelfCancel = "取消报名退款"
	RefundReasonActivity   = "活动取消，全额退款"
	RefundReasonLeftClub   = "退出社团，报名取消退款"
	RefundReasonRemoved    = "已不是社团成员，全额退款"
)

// RefundNo is the refund number of a sign-up's refund.
func RefundNo(signupID string) string { return "RF" + strings.ReplaceAll(signupID, "-", "") }

// LateRefundNo is the refund number of a payment that arrived for a hold
// already released: one per order, so the two paths that report it (the
// hold_released event and ConfirmPayment answering Released) refund once.
func LateRefundNo(orderNo string) string { return "RL" + orderNo }

// OrderKey is the idempotency key of a sign-up's order.
func OrderKey(signupID string) string { return "activity_signup:" + signupID }

// Payment reports that an order of a sign-up was paid (the payments
// module's consumer calls ConfirmPayment with it). SignupID or OrderNo
// names the sign-up; when both are given they must match.
type Payment struct {
	SignupID  string
	OrderNo   string
	AmountFen int64
	PaidAt    time.Time
}

// ConfirmOutcome says what ConfirmPayment did.
type ConfirmOutcome string

// Outcomes of ConfirmPayment.
const (
	// Confirmed: the held seat is now a confirmed one.
	Confirmed ConfirmOutcome = "confirmed"
	// AlreadyConfirmed: this payment was applied before; nothing changed.
	AlreadyConfirmed ConfirmOutcome = "already_confirmed"
	// Released: the hold had expired or was given up (the seat may belong
	// to someone else now, or the activity was cancelled); nothing changed
	// and the caller refunds the payment under LateRefundNo.
	Released ConfirmOutcome = "released"
)

// ConfirmResult is the answer of ConfirmPayment.
type ConfirmResult struct {
	Outcome ConfirmOutcome
	Signup  Signup
}

// SignupPolicy holds the time and money rules of sign-ups.
type SignupPolicy struct {
	// PaymentHold is how long a paid sign-up holds its seat for payment.
	PaymentHold time.Duration
	// CancelCutoff: a seat cannot be given up by its holder later than
	// this before the start.
	CancelCutoff time.Duration
	// FullRefundBefore: cancelled at least this long before the start, a
	// paid seat is refunded in full; later, LateRefundPercent of it.
	FullRefundBefore  time.Duration
	LateRefundPercent int
}

// DefaultSignupPolicy is the policy without configuration.
func DefaultSignupPolicy() SignupPolicy {
	return SignupPolicy{PaymentHold: 15 * time.Minute, CancelCutoff: 2 * time.Hour,
		FullRefundBefore: 24 * time.Hour, LateRefundPercent: 50}
}

// SelfCancelRefund is the cancellation policy in one place: whether a
// seat starting at start may be given up at now, and how much of paidFen
// comes back (integer fen, rounded down). Exactly CancelCutoff before the
// start is still allowed; exactly FullRefundBefore is still a full refund.
func (p SignupPolicy) SelfCancelRefund(paidFen int64, start, now time.Time) (int64, error) {
	left := start.Sub(now)
	switch {
	case left < p.CancelCutoff:
		return 0, ErrCancelClosed.WithDetail(fmt.Sprintf("活动开始前 %s 内不能取消报名", hours(p.CancelCutoff)))
	case paidFen <= 0:
		return 0, nil
	case left >= p.FullRefundBefore:
		return paidFen, nil
	}
	return paidFen * int64(p.LateRefundPercent) / 100, nil
}

// hours writes a duration as people read it ("2 小时", "90 分钟").
func hours(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d 小时", int(d/time.Hour))
	}
	return fmt.Sprintf("%d 分钟", int(d/time.Minute))
}

// RefundsRequestedSince lists the refund requests of sign-ups refunded at
// or after since (a system call: the payments reconciliation makes sure
// none was lost on the way, e.g. when the single binary stopped between
// the cancellation and the refund).
func (s *Service) RefundsRequestedSince(ctx context.Context, since time.Time, limit int) ([]RefundRequestedEvent, error) {
	return s.store.RefundedSince(ctx, since, limit)
}
