package payments

import (
	"context"
	"net/http"
	"time"

	"github.com/zuju/zuju/internal/payments/wechatpay"
)

// Store keeps orders and refunds; every change is atomic and reports
// whether it happened.
type Store interface {
	CreateOrder(ctx context.Context, o *Order, idempotencyKey string) (*Order, bool, error)
	Order(ctx context.Context, no string) (*Order, error)
	MarkPaid(ctx context.Context, p ProviderPayment) (*Order, bool, error)
	Close(ctx context.Context, no string, at time.Time) (bool, error)
	StartRefund(ctx context.Context, r *Refund, au Audit) (*Refund, bool, error)
	SettleRefund(ctx context.Context, no string, succeeded bool, failure string, at time.Time) (bool, error)

	SetChannel(ctx context.Context, no, channel string, at time.Time) (bool, error)
	MarkFulfilled(ctx context.Context, no string, at time.Time) error
	ExpiredPending(ctx context.Context, now time.Time, limit int) ([]Order, error)
	ClosedUnconfirmed(ctx context.Context, since, now time.Time, limit int) ([]Order, error)
	MarkProviderClosed(ctx context.Context, no string, at time.Time) error
	DeferCheck(ctx context.Context, no string, until time.Time) error
	Unfulfilled(ctx context.Context, paidBefore time.Time, limit int) ([]Order, error)
	NotificationSeen(ctx context.Context, id string) (bool, error)
	RecordNotification(ctx context.Context, id, eventType, orderNo string, at time.Time) (bool, error)
	Refund(ctx context.Context, no string) (*Refund, error)
	SetProviderRefundID(ctx context.Context, no, id string, at time.Time) error
	FlagRefund(ctx context.Context, no, reason string, at time.Time) error
	PendingRefunds(ctx context.Context, before time.Time, limit int) ([]string, error)
	Refunds(ctx context.Context, orderNos []string) (map[string][]Refund, error)
	KnownRefunds(ctx context.Context, nos []string) (map[string]bool, error)
	AdminOrders(ctx context.Context, f AdminFilter) ([]Order, int64, error)
	// Republish writes an order's payments.order_paid event again (for a
	// paid order its seller has not applied yet).
	Republish(ctx context.Context, no string) error
	// Totals sums the orders paid and the refunds that went through in
	// [from, to).
	Totals(ctx context.Context, from, to time.Time) (Totals, error)
}

// WeChatPay is the WeChat Pay APIv3 client (package wechatpay).
type WeChatPay interface {
	Prepay(ctx context.Context, r wechatpay.PrepayRequest) (wechatpay.RequestPayment, error)
	QueryOrder(ctx context.Context, outTradeNo string) (wechatpay.Trade, error)
	CloseOrder(ctx context.Context, outTradeNo string) error
	CreateRefund(ctx context.Context, r wechatpay.RefundRequest) (wechatpay.Refund, error)
	QueryRefund(ctx context.Context, outRefundNo string) (wechatpay.Refund, error)
	ParseNotification(ctx context.Context, r *http.Request) (wechatpay.Notification, error)
}

// Payers finds the WeChat identity a user pays with.
type Payers interface {
	// OpenID is the user's openid under the mini program ("" when the
	// account is not bound to WeChat).
	OpenID(ctx context.Context, userID string) (string, error)
}

// RefundQueue runs refunds in the background (durable jobs with retries).
// It keeps at most one live job per refund: queueing a refund that has
// one changes nothing.
type RefundQueue interface {
	EnqueueRefund(ctx context.Context, refundNo string) error
}
