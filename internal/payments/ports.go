package payments

import (
	"context"
	"time"
)

// Store keeps orders and refunds; every change is atomic and reports
// whether it happened.
type Store interface {
	CreateOrder(ctx context.Context, o *Order, idempotencyKey string) (*Order, bool, error)
	Order(ctx context.Context, no string) (*Order, error)
	MarkPaid(ctx context.Context, no string, amountFen int64, channel, tradeNo string, at time.Time) (*Order, bool, error)
	Close(ctx context.Context, no string, at time.Time) (bool, error)
	StartRefund(ctx context.Context, r *Refund) (*Refund, bool, error)
	SettleRefund(ctx context.Context, no string, succeeded bool, at time.Time) (bool, error)
}
