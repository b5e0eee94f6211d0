// Package payments owns orders and refunds: orders for paid activity
// sign-ups and membership plans, amounts in integer fen computed on the
// server, one state change per order however often a provider calls back,
// and refunds that never exceed what was paid.
package payments

import (
	"crypto/rand"
	"encoding/binary"
	"strconv"
	"time"

	"github.com/zuju/zuju/internal/platform/errs"
)

// Kind is what an order pays for.
type Kind string

// Order kinds.
const (
	KindActivitySignup Kind = "activity_signup"
	KindMembership     Kind = "membership"
)

// Status is an order's state.
type Status string

// Order states (API.md): pending → paid → refunding → refunded or
// partially_refunded; pending → closed (→ paid when the money arrives
// anyway). The store makes each change with one conditional UPDATE.
const (
	StatusPending           Status = "pending"
	StatusPaid              Status = "paid"
	StatusClosed            Status = "closed"
	StatusRefunding         Status = "refunding"
	StatusRefunded          Status = "refunded"
	StatusPartiallyRefunded Status = "partially_refunded"
)

// Errors of the module.
var (
	ErrNotFound       = errs.NotFound("order.not_found", "订单不存在")
	ErrBadTransition  = errs.Conflict("order.bad_transition", "订单当前状态不允许该操作")
	ErrAmount         = errs.Invalid("order.invalid_amount", "订单金额不正确")
	ErrRefundTooLarge = errs.Conflict("refund.exceeds_paid", "退款金额超过可退金额")
	ErrRefundAmount   = errs.Invalid("refund.invalid_amount", "退款金额必须大于 0")
	ErrRefundNotFound = errs.NotFound("refund.not_found", "退款单不存在")
	// ErrChannelMismatch: the order is paid through another channel.
	ErrChannelMismatch = errs.Conflict("payment.channel_mismatch", "订单的支付方式与此不符")
	// ErrTradeReused: a provider transaction already paid another order.
	ErrTradeReused = errs.Conflict("payment.trade_reused", "该支付流水已用于其他订单")
)

// Order is a payment for one sign-up or membership.
type Order struct {
	No          string
	Kind        Kind
	UserID      string
	SubjectID   string // the sign-up or the membership plan
	AmountFen   int64
	Status      Status
	Channel     string // wechat, sandbox; empty until paid
	TradeNo     string // the provider's transaction id
	Description string
	RefundedFen int64 // settled refunds
	// RefundingFen is the sum of refunds in flight.
	RefundingFen int64
	CreatedAt    time.Time
	ExpiresAt    time.Time
	PaidAt       *time.Time
}

// RefundStatus is a refund's state.
type RefundStatus string

// Refund states: pending until the provider settles it.
const (
	RefundPending   RefundStatus = "pending"
	RefundSucceeded RefundStatus = "succeeded"
	RefundFailed    RefundStatus = "failed"
)

// Refund returns part or all of a paid order; its number makes it
// idempotent.
type Refund struct {
	No        string
	OrderNo   string
	AmountFen int64
	Status    RefundStatus
	Reason    string
	// FailureReason says why a failed refund failed (shown to staff).
	FailureReason string
	// ProviderRefundID is the provider's id once it accepted the refund.
	ProviderRefundID string
	CreatedAt        time.Time
	SettledAt        *time.Time
}

// beijing is the zone order numbers read in (China Standard Time has no
// daylight saving).
var beijing = time.FixedZone("CST", 8*3600)

// NewNo returns an order or refund number: prefix, the Beijing time to the
// second and 10 random digits ("ZJ20261202183015" + "0123456789"), within
// WeChat Pay's 32 characters of [0-9A-Za-z] and sortable by time.
func NewNo(prefix string, now time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	n := binary.BigEndian.Uint64(b[:]) % 10_000_000_000
	digits := strconv.FormatUint(n, 10)
	for len(digits) < 10 {
		digits = "0" + digits
	}
	return prefix + now.In(beijing).Format("20060102150405") + digits
}
