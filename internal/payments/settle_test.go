package payments_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/payments"
	"github.com/zuju/zuju/internal/payments/paymentsstore"
	"github.com/zuju/zuju/internal/payments/wechatpay"
	"github.com/zuju/zuju/internal/payments/wechatpay/wechatpaytest"
	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

type openIDs map[string]string

func (o openIDs) OpenID(_ context.Context, userID string) (string, error) { return o[userID], nil }

// Refund execution at WeChat Pay: processing, then settled by a query;
// refused for good (failed with the code for staff); unreachable (an error
// to retry, then given up with the reason).
func TestExecuteRefundAtWeChatPay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		fake := wechatpaytest.NewServer()
		defer fake.Close()
		client, err := wechatpay.New(ctx, fake.Config("https://zuju.example.com/notify", "https://zuju.example.com/notify"))
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		store := paymentsstore.New(db)
		svc := payments.NewService(store, func() time.Time { return now })
		svc.SetProviders(payments.Providers{WeChat: client, Payers: openIDs{"u1": "oU1"}})
		uctx := auth.WithPrincipal(ctx, auth.Principal{UserID: "u1", Roles: []auth.Role{auth.RoleUser}})
		paidOrder := func(key string) *payments.Order {
			o, err := svc.CreateOrder(ctx, payments.NewOrder{Kind: payments.KindMembership, UserID: "u1", SubjectID: "p", AmountFen: 3000, IdempotencyKey: key})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Pay(uctx, o.No, payments.ChannelWeChat); err != nil {
				t.Fatal(err)
			}
			trade := fake.Pay(o.No)
			if _, _, err := svc.Paid(ctx, payments.ProviderPayment{OrderNo: o.No, AmountFen: 3000, Currency: "CNY", Channel: payments.ChannelWeChat, TradeNo: trade}); err != nil {
				t.Fatal(err)
			}
			return o
		}

		o := paidOrder("a")
		if _, _, err := svc.Refund(ctx, payments.RefundRequest{RefundNo: "RFa", OrderNo: o.No, AmountFen: 1000, Reason: "部分退款"}); err != nil {
			t.Fatal(err)
		}
		step, err := svc.ExecuteRefund(ctx, "RFa")
		if err != nil || step.Done || step.CheckAfter <= 0 {
			t.Fatalf("processing refund: %+v %v", step, err)
		}
		if step, err = svc.ExecuteRefund(ctx, "RFa"); err != nil || step.Done {
			t.Fatalf("still processing: %+v %v", step, err)
		}
		if fake.Calls("POST refund") != 1 || fake.Calls("GET refund") != 1 {
			t.Fatalf("a processing refund is queried, not requested again: %d requests, %d queries", fake.Calls("POST refund"), fake.Calls("GET refund"))
		}
		fake.SettleRefund("RFa", "SUCCESS")
		if step, err = svc.ExecuteRefund(ctx, "RFa"); err != nil || !step.Done {
			t.Fatalf("settled refund: %+v %v", step, err)
		}
		if got, _ := svc.Order(ctx, o.No); got.Status != payments.StatusPartiallyRefunded || got.RefundedFen != 1000 {
			t.Fatalf("order after a partial refund: %+v", got)
		}

		// More than WeChat Pay holds refundable: refused, failed with its code.
		if err := db.Gorm.Exec("UPDATE orders SET amount_fen = 5000 WHERE order_no = ?", o.No).Error; err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Refund(ctx, payments.RefundRequest{RefundNo: "RFb", OrderNo: o.No, AmountFen: 4000, Reason: "退款"}); err != nil {
			t.Fatal(err)
		}
		if step, err := svc.ExecuteRefund(ctx, "RFb"); err != nil || !step.Done {
			t.Fatalf("refused refund: %+v %v", step, err)
		}
		if rf, _ := store.Refund(ctx, "RFb"); rf.Status != payments.RefundFailed || !strings.Contains(rf.FailureReason, "INVALID_REQUEST") {
			t.Fatalf("refused refund: %+v", rf)
		}

		// WeChat Pay unreachable before it saw the refund: an error to
		// retry; given up, it fails and releases its amount once WeChat Pay
		// says it never had it.
		o2 := paidOrder("b")
		if _, _, err := svc.Refund(ctx, payments.RefundRequest{RefundNo: "RFc", OrderNo: o2.No, AmountFen: 3000, Reason: "退款"}); err != nil {
			t.Fatal(err)
		}
		fake.Fail("POST refund", true)
		if _, err := svc.ExecuteRefund(ctx, "RFc"); err == nil {
			t.Fatal("an unreachable WeChat Pay was not reported")
		}
		fake.Fail("GET refund", true)
		if err := svc.GiveUpRefund(ctx, "RFc", "多次尝试退款均失败"); err != nil {
			t.Fatal(err)
		}
		if got, _ := svc.Order(ctx, o2.No); got.RefundingFen != 3000 {
			t.Fatalf("a refund of unknown fate must stay reserved: %+v", got)
		}
		if rf, _ := store.Refund(ctx, "RFc"); rf.Status != payments.RefundPending || rf.FailureReason == "" {
			t.Fatalf("a refund of unknown fate must be flagged for staff: %+v", rf)
		}
		fake.Fail("GET refund", false)
		if err := svc.GiveUpRefund(ctx, "RFc", "多次尝试退款均失败"); err != nil {
			t.Fatal(err)
		}
		if got, _ := svc.Order(ctx, o2.No); got.Status != payments.StatusPaid || got.RefundingFen != 0 {
			t.Fatalf("a refund WeChat Pay never had must release its amount: %+v", got)
		}
		fake.Fail("POST refund", false)

		// Accepted at WeChat Pay, then unreachable through every try: kept
		// reserved, and WeChat Pay's later word settles it (never released
		// for a second refund of money already on its way back).
		o3 := paidOrder("c")
		if _, _, err := svc.Refund(ctx, payments.RefundRequest{RefundNo: "RFd", OrderNo: o3.No, AmountFen: 3000, Reason: "退款"}); err != nil {
			t.Fatal(err)
		}
		if step, err := svc.ExecuteRefund(ctx, "RFd"); err != nil || step.Done {
			t.Fatalf("accepted refund: %+v %v", step, err)
		}
		fake.Fail("GET refund", true)
		if err := svc.GiveUpRefund(ctx, "RFd", "多次尝试退款均失败"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Refund(ctx, payments.RefundRequest{RefundNo: "RFe", OrderNo: o3.No, AmountFen: 1, Reason: "再退"}); !errors.Is(err, payments.ErrRefundTooLarge) {
			t.Fatalf("a refund of unknown fate must keep its amount reserved: %v", err)
		}
		fake.Fail("GET refund", false)
		fake.SettleRefund("RFd", "SUCCESS")
		if step, err := svc.ExecuteRefund(ctx, "RFd"); err != nil || !step.Done {
			t.Fatalf("settled later: %+v %v", step, err)
		}
		if got, _ := svc.Order(ctx, o3.No); got.Status != payments.StatusRefunded || got.RefundedFen != 3000 {
			t.Fatalf("refund settled after being kept: %+v", got)
		}
	}, outbox.Migrations(), paymentsstore.Migrations())
}
