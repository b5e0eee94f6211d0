package paymentsstore_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/payments"
	"github.com/zuju/zuju/internal/payments/paymentsstore"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

var now = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func order(no string, fen int64) *payments.Order {
	return &payments.Order{No: no, Kind: payments.KindActivitySignup, UserID: "u1", SubjectID: "s-" + no, AmountFen: fen,
		CreatedAt: now, ExpiresAt: now.Add(15 * time.Minute), Description: "周末篮球局"}
}

func each(t *testing.T, fn func(t *testing.T, s *paymentsstore.Store, db *sqldb.DB)) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) { fn(t, paymentsstore.New(db), db) }, outbox.Migrations(), paymentsstore.Migrations())
}

// events counts the outbox events of topic that mention key.
func events(t *testing.T, db *sqldb.DB, topic, key string) int {
	t.Helper()
	var n int64
	if err := db.Gorm.Raw("SELECT COUNT(*) FROM outbox_events WHERE topic = ? AND payload LIKE ?", topic, "%"+key+"%").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestCreateOrderIsIdempotent(t *testing.T) {
	each(t, func(t *testing.T, s *paymentsstore.Store, db *sqldb.DB) {
		ctx := context.Background()
		o, created, err := s.CreateOrder(ctx, order("ZJ1", 2000), "key-1")
		if err != nil || !created || o.Status != payments.StatusPending {
			t.Fatalf("create: %+v %v %v", o, created, err)
		}
		again, created, err := s.CreateOrder(ctx, order("ZJ2", 2000), "key-1")
		if err != nil || created || again.No != "ZJ1" {
			t.Fatalf("retry: %+v %v %v", again, created, err)
		}
		if _, err := s.Order(ctx, "ZJ2"); !errors.Is(err, payments.ErrNotFound) {
			t.Fatalf("the retry stored a second order: %v", err)
		}
	})
}

// However many callbacks race, an order changes state once, and a paid
// order never closes (nor a closed one becomes paid).
func TestPayOnceAndPayVersusClose(t *testing.T) {
	each(t, func(t *testing.T, s *paymentsstore.Store, db *sqldb.DB) {
		ctx := context.Background()
		if _, _, err := s.CreateOrder(ctx, order("ZJ10", 3000), ""); err != nil {
			t.Fatal(err)
		}
		var changed atomic.Int32
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				_, ok, err := s.MarkPaid(ctx, payments.ProviderPayment{OrderNo: "ZJ10", AmountFen: 3000, Channel: "wechat", TradeNo: "4200001", PaidAt: now.Add(time.Minute)})
				if err != nil {
					t.Error(err)
				}
				if ok {
					changed.Add(1)
				}
			})
		}
		wg.Wait()
		if changed.Load() != 1 || events(t, db, payments.TopicOrderPaid, `"ZJ10"`) != 1 {
			t.Fatalf("%d transitions to paid, %d events", changed.Load(), events(t, db, payments.TopicOrderPaid, `"ZJ10"`))
		}
		if ok, err := s.Close(ctx, "ZJ10", now.Add(time.Hour)); ok || err != nil {
			t.Fatalf("a paid order closed: %v %v", ok, err)
		}
		if _, ok, err := s.MarkPaid(ctx, payments.ProviderPayment{OrderNo: "ZJ10", AmountFen: 3000, Channel: "wechat", TradeNo: "4200001", PaidAt: now}); ok || err != nil {
			t.Fatalf("paid twice: %v %v", ok, err)
		}
		if _, ok, _ := s.MarkPaid(ctx, payments.ProviderPayment{OrderNo: "ZJ-none", AmountFen: 1, Channel: "wechat", TradeNo: "x", PaidAt: now}); ok {
			t.Fatal("an unknown order was paid")
		}
		// A wrong amount never pays.
		if _, _, err := s.CreateOrder(ctx, order("ZJ11", 3000), ""); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.MarkPaid(ctx, payments.ProviderPayment{OrderNo: "ZJ11", AmountFen: 2999, Channel: "wechat", TradeNo: "4200002", PaidAt: now}); ok || !errors.Is(err, payments.ErrAmountMismatch) {
			t.Fatalf("paid with the wrong amount: %v %v", ok, err)
		}
		if o, _ := s.Order(ctx, "ZJ11"); o.Status != payments.StatusPending {
			t.Fatalf("a wrong amount changed the order: %+v", o)
		}
		// Pay against expiry: the order ends paid (the money is accounted
		// for even when the close came first, and the event says so) with
		// one event, never closed with a payment lost.
		for i := range 10 {
			no := "ZJ2" + strconv.Itoa(i)
			if _, _, err := s.CreateOrder(ctx, order(no, 500), ""); err != nil {
				t.Fatal(err)
			}
			var paid, closed bool
			var wg sync.WaitGroup
			wg.Go(func() {
				_, paid, _ = s.MarkPaid(ctx, payments.ProviderPayment{OrderNo: no, AmountFen: 500, Channel: "wechat", TradeNo: "t" + no, PaidAt: now})
			})
			wg.Go(func() { closed, _ = s.Close(ctx, no, now) })
			wg.Wait()
			o, err := s.Order(ctx, no)
			if err != nil || !paid || o.Status != payments.StatusPaid || events(t, db, payments.TopicOrderPaid, `"`+no+`"`) != 1 {
				t.Fatalf("pay vs close: paid %v closed %v order %+v %v", paid, closed, o, err)
			}
			if late := events(t, db, payments.TopicOrderPaid, `"`+no+`","kind":"activity_signup","user_id":"u1","subject_id":"s-`+no+`","amount_fen":500,"channel":"wechat","paid_at":"2026-12-02T10:00:00Z","late":true`); (late == 1) != closed {
				t.Fatalf("late flag %d, closed first %v", late, closed)
			}
		}
	})
}

// Concurrent refunds of one order never reserve more than was paid, and
// settling them adds up.
func TestConcurrentRefundsNeverExceedThePaidAmount(t *testing.T) {
	each(t, func(t *testing.T, s *paymentsstore.Store, db *sqldb.DB) {
		ctx := context.Background()
		if _, _, err := s.CreateOrder(ctx, order("ZJ30", 5000), ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.StartRefund(ctx, &payments.Refund{No: "RF-unpaid", OrderNo: "ZJ30", AmountFen: 1, CreatedAt: now}, payments.Audit{}); !errors.Is(err, payments.ErrRefundTooLarge) {
			t.Fatalf("refund of an unpaid order: %v", err)
		}
		if _, _, err := s.MarkPaid(ctx, payments.ProviderPayment{OrderNo: "ZJ30", AmountFen: 5000, Channel: "wechat", TradeNo: "4200030", PaidAt: now}); err != nil {
			t.Fatal(err)
		}
		var started atomic.Int64
		var wg sync.WaitGroup
		var nos sync.Map
		for i := range 24 {
			wg.Go(func() {
				no := "RF30-" + strconv.Itoa(i)
				_, created, err := s.StartRefund(ctx, &payments.Refund{No: no, OrderNo: "ZJ30", AmountFen: 300, CreatedAt: now}, payments.Audit{})
				switch {
				case errors.Is(err, payments.ErrRefundTooLarge):
				case err != nil:
					t.Error(err)
				case created:
					started.Add(300)
					nos.Store(no, true)
				}
			})
		}
		wg.Wait()
		if started.Load() != 4800 {
			t.Fatalf("reserved %d fen of 5000 with 300-fen refunds (want 16 of them)", started.Load())
		}
		o, _ := s.Order(ctx, "ZJ30")
		if o.RefundingFen != 4800 || o.Status != payments.StatusRefunding {
			t.Fatalf("order after reservations: %+v", o)
		}
		// The same refund number again changes nothing.
		var first string
		nos.Range(func(k, _ any) bool { first = k.(string); return false })
		if _, created, err := s.StartRefund(ctx, &payments.Refund{No: first, OrderNo: "ZJ30", AmountFen: 300, CreatedAt: now}, payments.Audit{}); created || err != nil {
			t.Fatalf("repeated refund number: %v %v", created, err)
		}
		// Settle, each refund twice at once: one fails (its reservation is
		// released), the rest succeed, and each settles once.
		var settled atomic.Int32
		nos.Range(func(k, _ any) bool {
			no := k.(string)
			for range 2 {
				wg.Go(func() {
					if changed, err := s.SettleRefund(ctx, no, no != first, "", now); err != nil {
						t.Error(err)
					} else if changed {
						settled.Add(1)
					}
				})
			}
			return true
		})
		wg.Wait()
		if settled.Load() != 16 || events(t, db, payments.TopicRefundSettled, `"ZJ30"`) != 16 {
			t.Fatalf("%d settlements of 16 refunds, %d events", settled.Load(), events(t, db, payments.TopicRefundSettled, `"ZJ30"`))
		}
		if events(t, db, payments.TopicRefundSettled, `"succeeded":false`) != 1 {
			t.Fatal("the failed refund's event")
		}
		o, _ = s.Order(ctx, "ZJ30")
		if o.RefundingFen != 0 || o.RefundedFen != 4500 || o.Status != payments.StatusPartiallyRefunded {
			t.Fatalf("order after settlement: %+v", o)
		}
		if _, _, err := s.StartRefund(ctx, &payments.Refund{No: "RF30-last", OrderNo: "ZJ30", AmountFen: 501, CreatedAt: now}, payments.Audit{}); !errors.Is(err, payments.ErrRefundTooLarge) {
			t.Fatalf("refund beyond the rest: %v", err)
		}
		if _, _, err := s.StartRefund(ctx, &payments.Refund{No: "RF30-last", OrderNo: "ZJ30", AmountFen: 500, CreatedAt: now}, payments.Audit{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SettleRefund(ctx, "RF30-last", true, "", now); err != nil {
			t.Fatal(err)
		}
		if o, _ = s.Order(ctx, "ZJ30"); o.Status != payments.StatusRefunded || o.RefundedFen != 5000 {
			t.Fatalf("fully refunded: %+v", o)
		}
	})
}

// A notification is recorded with the change it makes: its copies, even
// concurrent ones, change nothing, and one that changed nothing (wrong
// amount) stays unrecorded.
func TestMarkPaidRecordsTheNotificationOnce(t *testing.T) {
	each(t, func(t *testing.T, s *paymentsstore.Store, db *sqldb.DB) {
		ctx := context.Background()
		if _, _, err := s.CreateOrder(ctx, order("ZJ40", 1200), ""); err != nil {
			t.Fatal(err)
		}
		pay := func(fen int64, id string) (bool, error) {
			_, ok, err := s.MarkPaid(ctx, payments.ProviderPayment{OrderNo: "ZJ40", AmountFen: fen, Channel: "wechat", TradeNo: "4200040",
				PaidAt: now, Notice: &payments.Notice{ID: id, EventType: "TRANSACTION.SUCCESS", At: now}})
			return ok, err
		}
		if _, err := pay(1, "EV-wrong"); !errors.Is(err, payments.ErrAmountMismatch) {
			t.Fatalf("wrong amount: %v", err)
		}
		if seen, _ := s.NotificationSeen(ctx, "EV-wrong"); seen {
			t.Fatal("a notification that changed nothing was recorded")
		}
		var changed atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				ok, err := pay(1200, "EV-1")
				if err != nil {
					t.Error(err)
				}
				if ok {
					changed.Add(1)
				}
			})
		}
		wg.Wait()
		if changed.Load() != 1 || events(t, db, payments.TopicOrderPaid, `"ZJ40"`) != 1 {
			t.Fatalf("%d changes, %d events", changed.Load(), events(t, db, payments.TopicOrderPaid, `"ZJ40"`))
		}
		if seen, _ := s.NotificationSeen(ctx, "EV-1"); !seen {
			t.Fatal("the notification was not recorded")
		}
	})
}

// Refunds of unknown orders, of absurd amounts and of numbers seen before
// answer with the module's errors, never a database error.
func TestStartRefundRefusesCleanly(t *testing.T) {
	each(t, func(t *testing.T, s *paymentsstore.Store, db *sqldb.DB) {
		ctx := context.Background()
		if _, _, err := s.StartRefund(ctx, &payments.Refund{No: "RF0", OrderNo: "ZJ-none", AmountFen: 100, CreatedAt: now}, payments.Audit{}); !errors.Is(err, payments.ErrNotFound) {
			t.Fatalf("refund of an unknown order: %v", err)
		}
		paid(t, s, "ZJ1", 2000)
		if _, _, err := s.StartRefund(ctx, &payments.Refund{No: "RF1", OrderNo: "ZJ1", AmountFen: 1<<63 - 1, CreatedAt: now}, payments.Audit{}); !errors.Is(err, payments.ErrRefundTooLarge) {
			t.Fatalf("refund of the largest amount: %v", err)
		}
		rf, created, err := s.StartRefund(ctx, &payments.Refund{No: "RF2", OrderNo: "ZJ1", AmountFen: 2000, CreatedAt: now}, payments.Audit{})
		if err != nil || !created {
			t.Fatalf("refund: %+v %v", rf, err)
		}
		if again, created, err := s.StartRefund(ctx, &payments.Refund{No: "RF2", OrderNo: "ZJ1", AmountFen: 2000, CreatedAt: now}, payments.Audit{}); err != nil || created || again.No != "RF2" {
			t.Fatalf("the same refund again: %+v %v %v", again, created, err)
		}
	})
}

// A refund failed here that the provider then reports succeeded counts as
// refunded: the money went back.
func TestRefundFailedThenSucceededCounts(t *testing.T) {
	each(t, func(t *testing.T, s *paymentsstore.Store, db *sqldb.DB) {
		ctx := context.Background()
		paid(t, s, "ZJ1", 2000)
		if _, _, err := s.StartRefund(ctx, &payments.Refund{No: "RF1", OrderNo: "ZJ1", AmountFen: 500, CreatedAt: now}, payments.Audit{}); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.SettleRefund(ctx, "RF1", false, "超时", now); err != nil || !ok {
			t.Fatalf("fail: %v %v", ok, err)
		}
		if o, _ := s.Order(ctx, "ZJ1"); o.Status != payments.StatusPaid || o.RefundingFen != 0 {
			t.Fatalf("after the failure: %+v", o)
		}
		for i, want := range []bool{true, false} {
			if ok, err := s.SettleRefund(ctx, "RF1", true, "", now); err != nil || ok != want {
				t.Fatalf("success %d: %v %v", i, ok, err)
			}
		}
		if ok, _ := s.SettleRefund(ctx, "RF1", false, "又失败", now); ok {
			t.Fatal("a succeeded refund failed again")
		}
		if o, _ := s.Order(ctx, "ZJ1"); o.Status != payments.StatusPartiallyRefunded || o.RefundedFen != 500 || o.RefundingFen != 0 {
			t.Fatalf("after the late success: %+v", o)
		}
		if n := events(t, db, payments.TopicRefundSettled, "RF1"); n != 2 {
			t.Fatalf("%d refund_settled events, want the failure and the success", n)
		}
	})
}

// An order placed at WeChat Pay stays there, and a sandbox payment only
// settles an order being paid in the sandbox.
func TestChannelsDoNotCross(t *testing.T) {
	each(t, func(t *testing.T, s *paymentsstore.Store, db *sqldb.DB) {
		ctx := context.Background()
		if _, _, err := s.CreateOrder(ctx, order("ZJ1", 2000), ""); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.SetChannel(ctx, "ZJ1", payments.ChannelWeChat, now); err != nil || !ok {
			t.Fatalf("wechat: %v %v", ok, err)
		}
		if ok, err := s.SetChannel(ctx, "ZJ1", payments.ChannelSandbox, now); err != nil || ok {
			t.Fatalf("switched from wechat to the sandbox: %v %v", ok, err)
		}
		sandbox := payments.ProviderPayment{OrderNo: "ZJ1", AmountFen: 2000, Currency: "CNY", Channel: payments.ChannelSandbox, TradeNo: "SANDBOXZJ1", PaidAt: now}
		if _, changed, err := s.MarkPaid(ctx, sandbox); changed || !errors.Is(err, payments.ErrChannelMismatch) {
			t.Fatalf("a sandbox payment settled a wechat order: %v %v", changed, err)
		}
		if _, changed, err := s.MarkPaid(ctx, payments.ProviderPayment{OrderNo: "ZJ1", AmountFen: 2000, Currency: "CNY", Channel: payments.ChannelWeChat,
			TradeNo: "4200001", PaidAt: now}); err != nil || !changed {
			t.Fatalf("wechat payment: %v %v", changed, err)
		}
	})
}

// paid stores a paid WeChat Pay order.
func paid(t *testing.T, s *paymentsstore.Store, no string, fen int64) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := s.CreateOrder(ctx, order(no, fen), ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.MarkPaid(ctx, payments.ProviderPayment{OrderNo: no, AmountFen: fen, Currency: "CNY", Channel: "wechat", TradeNo: "42" + no, PaidAt: now}); err != nil {
		t.Fatal(err)
	}
}
