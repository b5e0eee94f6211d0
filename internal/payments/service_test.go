package payments_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/payments"
	"github.com/zuju/zuju/internal/payments/paymentsstore"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

func TestServiceOrdersPaymentsAndRefunds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
		svc := payments.NewService(paymentsstore.New(db), func() time.Time { return now })

		if _, err := svc.CreateOrder(ctx, payments.NewOrder{Kind: payments.KindMembership, UserID: "u1", SubjectID: "plan", AmountFen: 0}); !errors.Is(err, payments.ErrAmount) {
			t.Fatalf("free order: %v", err)
		}
		req := payments.NewOrder{Kind: payments.KindMembership, UserID: "u1", SubjectID: "plan-year", AmountFen: 9900, IdempotencyKey: "k1", Description: "年度会员"}
		o, err := svc.CreateOrder(ctx, req)
		if err != nil || o.Status != payments.StatusPending || !o.ExpiresAt.Equal(now.Add(payments.DefaultOrderExpiry)) {
			t.Fatalf("create: %+v %v", o, err)
		}
		if again, err := svc.CreateOrder(ctx, req); err != nil || again.No != o.No {
			t.Fatalf("retried create: %+v %v", again, err)
		}

		if _, changed, err := svc.Paid(ctx, payments.ProviderPayment{OrderNo: o.No, AmountFen: 9800, Currency: "CNY", Channel: "wechat"}); changed || !errors.Is(err, payments.ErrAmountMismatch) {
			t.Fatalf("wrong amount: %v %v", changed, err)
		}
		if _, changed, err := svc.Paid(ctx, payments.ProviderPayment{OrderNo: o.No, AmountFen: 9900, Currency: "USD", Channel: "wechat"}); changed || !errors.Is(err, payments.ErrAmountMismatch) {
			t.Fatalf("wrong currency: %v %v", changed, err)
		}
		if _, _, err := svc.Paid(ctx, payments.ProviderPayment{OrderNo: "ZJ-none", AmountFen: 1, Currency: "CNY"}); !errors.Is(err, payments.ErrNotFound) {
			t.Fatalf("unknown order: %v", err)
		}
		for i, want := range []bool{true, false, false} {
			paid, changed, err := svc.Paid(ctx, payments.ProviderPayment{OrderNo: o.No, AmountFen: 9900, Currency: "CNY", Channel: "wechat", TradeNo: "42001"})
			if err != nil || changed != want || paid.Status != payments.StatusPaid {
				t.Fatalf("payment %d: %+v %v %v", i, paid, changed, err)
			}
		}
		if closed, err := svc.CloseOrder(ctx, o.No); err != nil || closed.Status != payments.StatusPaid {
			t.Fatalf("closing a paid order: %+v %v", closed, err)
		}

		if _, _, err := svc.Refund(ctx, payments.RefundRequest{RefundNo: "RF1", OrderNo: o.No, AmountFen: 9901}); !errors.Is(err, payments.ErrRefundTooLarge) {
			t.Fatalf("refund beyond the payment: %v", err)
		}
		rf, created, err := svc.Refund(ctx, payments.RefundRequest{RefundNo: "RF1", OrderNo: o.No, AmountFen: 9900, Reason: "退会员"})
		if err != nil || !created || rf.Status != payments.RefundPending {
			t.Fatalf("refund: %+v %v %v", rf, created, err)
		}
		if _, created, err := svc.Refund(ctx, payments.RefundRequest{RefundNo: "RF1", OrderNo: o.No, AmountFen: 9900}); created || err != nil {
			t.Fatalf("repeated refund: %v %v", created, err)
		}
	}, outbox.Migrations(), paymentsstore.Migrations())
}
