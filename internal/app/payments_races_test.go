package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/config"
)

// Money that reaches WeChat Pay while its order is being closed here is
// never lost: the close asks WeChat Pay first, and when WeChat Pay cannot
// be reached the reconciliation asks again later; either way the payment
// is recorded and refunded in full. An order whose check keeps failing
// waits instead of being asked every pass, and a refund in flight keeps
// one job however often the reconciliation looks at it.
func TestPaymentRacingTheCloseIsRefunded(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		clk := newClock()
		fake := newFakeWeChatPay(t)
		a := startApp(t, b, withClock(clk), withWeChatPay(t, fake), func(c *config.Config, _ *Options) { c.Activity.PaymentHold = 2 * time.Minute })
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "攀岩"}).json(t)["id"])
		id := paidActivity(t, a, root.Access, typeID, clk.Now().Add(72*time.Hour).Truncate(time.Second), 1, 5, 4000)
		var nos []string
		var users []tokens
		for i := range 3 {
			if i == 1 {
				clk.Advance(time.Minute)
			}
			u := a.register(t, fmt.Sprintf("1330000009%d", i), "secret-pass-1")
			bindWeChat(t, a, u.UserID, fmt.Sprintf("oUpF8uMuAJO_race%d", i))
			_, no := signUpPaid(t, a, u.Access, id)
			expect(t, a.api(t, "POST", "/orders/"+no+"/pay", u.Access, map[string]any{"channel": "wechat"}), 200, "")
			// Once placed at WeChat Pay an order is not paid in the sandbox.
			expect(t, a.api(t, "POST", "/orders/"+no+"/pay", u.Access, map[string]any{"channel": "sandbox"}), 409, "payment.channel_mismatch")
			expect(t, a.api(t, "POST", "/payments/sandbox/"+no+"/complete", u.Access, nil), 409, "payment.channel_mismatch")
			nos, users = append(nos, no), append(users, u)
		}
		// The first is paid at WeChat Pay, its callback lost, as its hold
		// ends: the close finds the payment, which is refunded.
		fake.Pay(nos[0])
		clk.Advance(time.Minute + time.Second)
		if n, err := a.Activities.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		if o := orderOf(t, a, root.Access, nos[0]); o["paid_at"] == nil {
			t.Fatalf("the payment found by the close: %v", o)
		}
		// WeChat Pay cannot be reached while the other holds end: closed
		// here all the same.
		clk.Advance(time.Minute)
		fake.Fail("GET order", true)
		fake.Fail("POST close", true)
		if n, err := a.Activities.Sweep(ctx); err != nil || n != 2 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		for _, no := range nos[1:] {
			if o := orderOf(t, a, root.Access, no); str(o["status"]) != "closed" {
				t.Fatalf("order %s: %v", no, o)
			}
		}
		if _, err := a.Payments.Reconcile(ctx); err == nil {
			t.Fatal("a reconciliation that could not reach WeChat Pay reported nothing")
		}
		calls := fake.Calls("GET order")
		if _, err := a.Payments.Reconcile(ctx); err != nil {
			t.Fatalf("orders whose check failed were asked again at once: %v", err)
		}
		if fake.Calls("GET order") != calls {
			t.Fatal("orders whose check failed were asked again at once")
		}

		// WeChat Pay is back; the second payer completed meanwhile.
		fake.Fail("GET order", false)
		fake.Fail("POST close", false)
		fake.Pay(nos[1])
		clk.Advance(5*time.Minute + time.Second)
		if _, err := a.Payments.Reconcile(ctx); err != nil {
			t.Fatal(err)
		}
		for _, no := range nos[:2] {
			eventually(t, "the late payment of "+no+" reaches WeChat Pay as a refund", func() bool {
				r, ok := fake.Refund(activities.LateRefundNo(no))
				return ok && r.RefundFen == 4000
			})
		}
		if o := orderOf(t, a, root.Access, nos[2]); str(o["status"]) != "closed" {
			t.Fatalf("the unpaid order: %v", o)
		}
		for i, u := range users {
			if st := str(mySignup(t, a, u.Access, id)["status"]); st == "confirmed" {
				t.Fatalf("payer %d holds a released seat", i)
			}
		}
		// WeChat Pay confirmed the unpaid one closed: it is not asked again.
		calls = fake.Calls("GET order")
		clk.Advance(10 * time.Minute)
		if _, err := a.Payments.Reconcile(ctx); err != nil {
			t.Fatal(err)
		}
		if fake.Calls("GET order") != calls {
			t.Fatalf("orders settled at WeChat Pay were asked again: %d queries", fake.Calls("GET order")-calls)
		}

		// The refunds are processing at WeChat Pay: however often the
		// reconciliation passes, each keeps one live job.
		for range 3 {
			clk.Advance(6 * time.Minute)
			if _, err := a.Payments.Reconcile(ctx); err != nil {
				t.Fatal(err)
			}
		}
		live := count(t, a, `SELECT COUNT(*) FROM river_job WHERE kind = 'payments.refund'
			AND state IN ('available', 'pending', 'retryable', 'running', 'scheduled')`)
		if pending := count(t, a, "SELECT COUNT(*) FROM refunds WHERE status = 'pending'"); live > pending {
			t.Fatalf("%d live refund jobs for %d refunds in flight", live, pending)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM refunds"); n != 2 {
			t.Fatalf("%d refunds, want one per late payment", n)
		}
	})
}

// A membership paid after its order closed is refunded, not applied: the
// buyer was told the order had ended.
func TestLateMembershipPaymentIsRefunded(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	a := startApp(t, single, withClock(clk))
	root := a.admin(t, "root@example.com")
	r := a.api(t, "POST", "/admin/membership-plans", root.Access, map[string]any{"name": "月度会员", "duration_days": 30, "price_fen": 1990})
	expect(t, r, 201, "")
	plan := str(r.json(t)["id"])
	u := a.register(t, "13300000099", "secret-pass-1")
	r = a.api(t, "POST", "/membership/orders", u.Access, map[string]any{"plan_id": plan})
	expect(t, r, 201, "")
	no := str(r.json(t)["order_no"])
	expect(t, a.api(t, "POST", "/orders/"+no+"/pay", u.Access, map[string]any{"channel": "sandbox"}), 200, "")
	clk.Advance(16 * time.Minute)
	if res, err := a.Payments.Reconcile(ctx); err != nil || res.Closed != 1 {
		t.Fatalf("reconcile: %+v %v", res, err)
	}
	u = signIn(t, a, "13300000099")
	expect(t, a.api(t, "POST", "/payments/sandbox/"+no+"/complete", u.Access, nil), 200, "")
	eventually(t, "the late payment is refunded", func() bool { return str(orderOf(t, a, u.Access, no)["status"]) == "refunded" })
	if m, _ := a.api(t, "GET", "/me", u.Access, nil).json(t)["membership"].(map[string]any); m != nil && m["active"] == true {
		t.Fatalf("a late payment started a membership: %v", m)
	}
}
