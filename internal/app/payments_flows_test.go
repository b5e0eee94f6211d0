package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/config"
)

// The sandbox channel pays an order through the same path as WeChat
// Pay's callback, with no WeChat account; it is 404 when off.
func TestSandboxPaysAndIsGoneWhenOff(t *testing.T) {
	a := startApp(t, single)
	root := a.admin(t, "root@example.com")
	typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "露营"}).json(t)["id"])
	id := paidActivity(t, a, root.Access, typeID, time.Now().Add(72*time.Hour).UTC().Truncate(time.Second), 1, 5, 9900)
	u := a.register(t, "13300000031", "secret-pass-1")
	_, no := signUpPaid(t, a, u.Access, id)
	expect(t, a.api(t, "POST", "/orders/"+no+"/pay", u.Access, map[string]any{"channel": "wechat"}), 409, "payment.channel_unavailable")
	expect(t, a.api(t, "POST", "/orders/"+no+"/pay", u.Access, map[string]any{"channel": "alipay"}), 422, "")
	r := a.api(t, "POST", "/orders/"+no+"/pay", u.Access, map[string]any{"channel": "sandbox"})
	expect(t, r, 200, "")
	sb, _ := r.json(t)["sandbox"].(map[string]any)
	payURL := str(sb["pay_url"])
	token := strings.TrimPrefix(payURL, "/api/v1/payments/sandbox/"+no+"?t=")
	if token == payURL || len(token) < 20 {
		t.Fatalf("pay_url %q", payURL)
	}
	// The page and its button need the page's token (or the owner):
	// nobody else pays or fails somebody's order.
	stranger := a.register(t, "13300000033", "secret-pass-1")
	expect(t, call(t, "GET", a.URL+"/api/v1/payments/sandbox/"+no, "", nil), 404, "order.not_found")
	expect(t, a.api(t, "POST", "/payments/sandbox/"+no+"/complete", "", map[string]any{"result": "fail"}), 404, "order.not_found")
	expect(t, a.api(t, "POST", "/payments/sandbox/"+no+"/complete?t="+token[1:]+"x", stranger.Access, nil), 404, "order.not_found")
	_, strangersNo := signUpPaid(t, a, stranger.Access, id)
	expect(t, a.api(t, "POST", "/payments/sandbox/"+strangersNo+"/complete?t="+token, "", nil), 404, "order.not_found")
	// An order not being paid in the sandbox is not paid there.
	expect(t, a.api(t, "POST", "/payments/sandbox/"+strangersNo+"/complete", stranger.Access, nil), 409, "payment.channel_mismatch")
	if o := orderOf(t, a, u.Access, no); str(o["status"]) != "pending" {
		t.Fatalf("a refused completion changed the order: %v", o)
	}
	page := call(t, "GET", a.URL+payURL+"&return=/app/", "", nil)
	expect(t, page, 200, "")
	if !strings.Contains(string(page.Body), "¥99.00") || !strings.Contains(string(page.Body), "活动报名：周末篮球局") || !strings.Contains(string(page.Body), "确认支付") ||
		!strings.Contains(page.Header.Get("Content-Security-Policy"), "script-src 'nonce-") {
		t.Fatalf("pay page: %s", page.Body)
	}
	if evil := call(t, "GET", a.URL+payURL+"&return=//evil.example.com/", "", nil); strings.Contains(string(evil.Body), "evil.example.com") {
		t.Fatal("the pay page links to another site")
	}
	r = a.api(t, "POST", "/payments/sandbox/"+no+"/complete?t="+token, "", map[string]any{"result": "success"})
	expect(t, r, 200, "")
	if str(r.json(t)["status"]) != "paid" {
		t.Fatalf("completed: %s", r.Body)
	}
	eventually(t, "the sign-up is confirmed", func() bool { return str(mySignup(t, a, u.Access, id)["status"]) == "confirmed" })
	expect(t, a.api(t, "POST", "/orders/"+no+"/pay", u.Access, map[string]any{"channel": "sandbox"}), 409, "order.bad_transition")

	// Bad input: clear 4xx problems, nothing changed.
	expect(t, a.api(t, "GET", "/orders/ZJ000", u.Access, nil), 404, "order.not_found")
	expect(t, a.api(t, "GET", "/orders/"+no, "", nil), 401, "")
	expect(t, a.api(t, "POST", "/orders/"+no+"/pay", u.Access, "{not json"), 400, "")
	expect(t, a.api(t, "POST", "/admin/orders/"+no+"/refunds", root.Access, map[string]any{"amount_fen": 100, "reason": " "}), 400, "refund.reason_required")
	expect(t, a.api(t, "POST", "/admin/orders/"+no+"/refunds", root.Access, map[string]any{"amount_fen": 0, "reason": "退款"}), 422, "")
	expect(t, a.api(t, "POST", "/admin/orders/ZJ000/refunds", root.Access, map[string]any{"amount_fen": 100, "reason": "退款"}), 404, "order.not_found")
	expect(t, a.api(t, "POST", "/admin/orders/"+no+"/refunds", root.Access, map[string]any{"amount_fen": 9901, "reason": "退款"}), 409, "refund.exceeds_paid")
	expect(t, a.api(t, "POST", "/payments/sandbox/ZJ000/complete", "", nil), 404, "order.not_found")
	if st := call(t, "POST", a.URL+"/api/v1/payments/wechat/notify", "", "garbage"); st.Status != 404 {
		t.Fatalf("wechat notify without WeChat Pay configured: %d", st.Status)
	}
	expect(t, a.api(t, "POST", "/admin/orders/"+no+"/refunds", root.Access, "{\"amount_fen\": 9223372036854775807, \"reason\": \"退款\"}"), 409, "refund.exceeds_paid")
	if o := orderOf(t, a, u.Access, no); str(o["status"]) != "paid" || o["refunded_fen"] != float64(0) {
		t.Fatalf("bad input changed the order: %v", o)
	}
	// A retried manual refund refunds once; its key for another amount is refused.
	first := a.api(t, "POST", "/admin/orders/"+no+"/refunds", root.Access, map[string]any{"amount_fen": 100, "reason": "补偿"}, "Idempotency-Key", "k1")
	expect(t, first, 201, "")
	if again := a.api(t, "POST", "/admin/orders/"+no+"/refunds", root.Access, map[string]any{"amount_fen": 100, "reason": "补偿"}, "Idempotency-Key", "k1"); again.Status >= 300 ||
		str(again.json(t)["refund_no"]) != str(first.json(t)["refund_no"]) {
		t.Fatalf("retried manual refund: %d %s", again.Status, again.Body)
	}
	expect(t, a.api(t, "POST", "/admin/orders/"+no+"/refunds", root.Access, map[string]any{"amount_fen": 200, "reason": "补偿"}, "Idempotency-Key", "k1"), 409, "idempotency.key_reused")
	eventually(t, "the manual refund is settled once", func() bool { return orderOf(t, a, u.Access, no)["refunded_fen"] == float64(100) })

	// A failed sandbox payment closes the order.
	u2 := a.register(t, "13300000032", "secret-pass-1")
	_, no2 := signUpPaid(t, a, u2.Access, id)
	expect(t, a.api(t, "POST", "/orders/"+no2+"/pay", u2.Access, map[string]any{"channel": "sandbox"}), 200, "")
	r = a.api(t, "POST", "/payments/sandbox/"+no2+"/complete", u2.Access, map[string]any{"result": "fail"})
	expect(t, r, 200, "")
	if str(r.json(t)["status"]) != "closed" {
		t.Fatalf("failed payment: %s", r.Body)
	}

	off := startApp(t, single, func(c *config.Config, _ *Options) { c.Pay.Sandbox = "off" })
	expect(t, off.api(t, "POST", "/payments/sandbox/"+no+"/complete", "", nil), 404, "not_found")
	expect(t, off.api(t, "GET", "/payments/sandbox/"+no, "", nil), 404, "not_found")
	prod := config.Default()
	prod.Env, prod.Pay.Sandbox = config.EnvProduction, "on"
	if err := prod.Validate(); err == nil || !strings.Contains(err.Error(), "ZUJU_PAY_SANDBOX") {
		t.Fatalf("the sandbox was accepted in production: %v", err)
	}
	prod.Pay.Sandbox = "auto"
	if prod.SandboxOn() {
		t.Fatal("the sandbox is on in production by default")
	}
}

// Buying a membership unlocks member-only details; after it expires they
// are locked again, and /me shows it all along.
func TestMembershipUnlocksAndExpires(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		a := startApp(t, b, withClock(clk))
		root := a.admin(t, "root@example.com")
		expect(t, a.api(t, "POST", "/admin/membership-plans", root.Access, map[string]any{"name": " ", "duration_days": 30, "price_fen": 1990}), 400, "plan.invalid_name")
		expect(t, a.api(t, "POST", "/admin/membership-plans", root.Access, map[string]any{"name": "月卡", "duration_days": 0, "price_fen": 1990}), 422, "")
		r := a.api(t, "POST", "/admin/membership-plans", root.Access, map[string]any{"name": "月卡", "duration_days": 30, "price_fen": 1990})
		expect(t, r, 201, "")
		plan := str(r.json(t)["id"])
		r = a.api(t, "POST", "/admin/membership-plans", root.Access, map[string]any{"name": "年卡", "duration_days": 365, "price_fen": 19900, "enabled": false})
		expect(t, r, 201, "")
		hidden := str(r.json(t)["id"])
		plans := a.api(t, "GET", "/membership/plans", "", nil)
		expect(t, plans, 200, "")
		if items, _ := plans.json(t)["items"].([]any); len(items) != 1 || str(items[0].(map[string]any)["id"]) != plan {
			t.Fatalf("plans on sale: %s", plans.Body)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM audit_logs WHERE action = 'membership_plan.create'"); n != 2 {
			t.Fatalf("%d audit rows for 2 plans", n)
		}

		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "读书会"}).json(t)["id"])
		body := activityBody(typeID, clk.Now().Add(60*24*time.Hour).Truncate(time.Second))
		body["member_only"] = true
		r = a.api(t, "POST", "/activities", root.Access, body)
		expect(t, r, 201, "")
		act := str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/activities/"+act+"/publish", root.Access, nil), 200, "")

		u := a.register(t, "13300000041", "secret-pass-1")
		locked := func(tok string) bool {
			d := a.api(t, "GET", "/activities/"+act, tok, nil).json(t)
			return d["description"] == nil
		}
		if !locked(u.Access) {
			t.Fatal("a non-member sees member-only details")
		}
		expect(t, a.api(t, "POST", "/activities/"+act+"/signups", u.Access, nil), 403, "signup.members_only")
		expect(t, a.api(t, "POST", "/membership/orders", u.Access, map[string]any{"plan_id": hidden}), 409, "plan.disabled")
		expect(t, a.api(t, "POST", "/membership/orders", u.Access, map[string]any{"plan_id": "nope"}), 404, "plan.not_found")
		r = a.api(t, "POST", "/membership/orders", u.Access, map[string]any{"plan_id": plan}, "Idempotency-Key", "buy-1")
		expect(t, r, 201, "")
		no := str(r.json(t)["order_no"])
		if r.json(t)["amount_fen"] != float64(1990) || str(r.json(t)["kind"]) != "membership" {
			t.Fatalf("membership order: %s", r.Body)
		}
		if again := a.api(t, "POST", "/membership/orders", u.Access, map[string]any{"plan_id": plan}, "Idempotency-Key", "buy-1"); str(again.json(t)["order_no"]) != no {
			t.Fatalf("a retried purchase made another order: %s", again.Body)
		}
		expect(t, a.api(t, "POST", "/orders/"+no+"/pay", u.Access, map[string]any{"channel": "sandbox"}), 200, "")
		expect(t, a.api(t, "POST", "/payments/sandbox/"+no+"/complete", u.Access, nil), 200, "")
		eventually(t, "the membership starts", func() bool { return !locked(u.Access) })
		me := a.api(t, "GET", "/me", u.Access, nil).json(t)
		m, _ := me["membership"].(map[string]any)
		if m["active"] != true || str(m["plan_id"]) != plan {
			t.Fatalf("membership on /me: %v", m)
		}
		sameTime(t, m["expires_at"], clk.Now().Truncate(time.Second).Add(30*24*time.Hour))
		expect(t, a.api(t, "POST", "/activities/"+act+"/signups", u.Access, nil), 201, "")
		expect(t, a.api(t, "DELETE", "/activities/"+act+"/signups/me", u.Access, nil), 200, "")

		// Thirty days and a second later it has expired.
		clk.Advance(30*24*time.Hour + time.Second)
		u = signIn(t, a, "13300000041")
		if !locked(u.Access) {
			t.Fatal("member-only details stay open after the membership expired")
		}
		me = a.api(t, "GET", "/me", u.Access, nil).json(t)
		if m, _ := me["membership"].(map[string]any); m["active"] != false {
			t.Fatalf("expired membership on /me: %v", m)
		}
		expect(t, a.api(t, "PATCH", "/admin/membership-plans/"+plan, u.Access, map[string]any{"enabled": false}), 403, "")

		// Two months bought, the second refunded in full: one month is left.
		buy := func(key string) string {
			r := a.api(t, "POST", "/membership/orders", u.Access, map[string]any{"plan_id": plan}, "Idempotency-Key", key)
			expect(t, r, 201, "")
			no := str(r.json(t)["order_no"])
			sandboxPaid(t, a, u.Access, no)
			return no
		}
		buy("buy-2")
		second := buy("buy-3")
		r = a.api(t, "POST", "/auth/login", "", map[string]any{"account": "root@example.com", "password": "admin-pass-2026"})
		expect(t, r, 200, "")
		root = tokensOf(t, r)
		start := clk.Now().Truncate(time.Second)
		eventually(t, "two months are granted", func() bool {
			m, _ := a.api(t, "GET", "/me", u.Access, nil).json(t)["membership"].(map[string]any)
			return str(m["expires_at"]) != "" && mustTime(t, m["expires_at"]).Equal(start.Add(60*24*time.Hour))
		})
		expect(t, a.api(t, "POST", "/admin/orders/"+second+"/refunds", root.Access, map[string]any{"amount_fen": 1990, "reason": "用户申请退款"}), 201, "")
		eventually(t, "the refunded month is taken off", func() bool {
			m, _ := a.api(t, "GET", "/me", u.Access, nil).json(t)["membership"].(map[string]any)
			return m["active"] == true && mustTime(t, m["expires_at"]).Equal(start.Add(30*24*time.Hour))
		})
	})
}

func mustTime(t testing.TB, v any) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, str(v))
	if err != nil {
		t.Fatalf("time %v: %v", v, err)
	}
	return at
}

// A payment that races the end of its hold ends in one consistent state:
// paid and confirmed, or released and refunded in full.
func TestPayVersusExpiryIsConsistent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		a := startApp(t, b, withClock(clk), func(c *config.Config, _ *Options) { c.Activity.PaymentHold = 2 * time.Minute })
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "骑行"}).json(t)["id"])
		id := paidActivity(t, a, root.Access, typeID, clk.Now().Add(72*time.Hour).Truncate(time.Second), 1, 20, 3000)
		type seat struct{ tok, no string }
		var seats []seat
		for i := range 6 {
			u := a.register(t, fmt.Sprintf("1330000005%d", i), "secret-pass-1")
			_, no := signUpPaid(t, a, u.Access, id)
			expect(t, a.api(t, "POST", "/orders/"+no+"/pay", u.Access, map[string]any{"channel": "sandbox"}), 200, "")
			seats = append(seats, seat{u.Access, no})
		}
		clk.Advance(2*time.Minute + time.Second)
		// Payments land over 1.2 s while the sweep releases the expired
		// holds at 0.5 s: some are confirmed first, others find their hold
		// released (or their order closed) and are refunded.
		var wg sync.WaitGroup
		for i, s := range seats {
			wg.Go(func() {
				time.Sleep(time.Duration(i) * 200 * time.Millisecond)
				_ = a.api(t, "POST", "/payments/sandbox/"+s.no+"/complete", s.tok, nil)
			})
		}
		wg.Go(func() {
			time.Sleep(500 * time.Millisecond)
			if _, err := a.Activities.Sweep(context.Background()); err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		confirmed, refunded := 0, 0
		for _, s := range seats {
			eventually(t, "order "+s.no+" settles", func() bool {
				o := orderOf(t, a, root.Access, s.no)
				st := str(mySignup(t, a, s.tok, id)["status"])
				switch {
				case str(o["status"]) == "paid" && st == "confirmed":
					confirmed++
					return true
				case str(o["status"]) == "refunded" && o["refunded_fen"] == float64(3000) && st == "cancelled":
					refunded++
					return true
				}
				return false
			})
		}
		t.Logf("%d paid and confirmed, %d released and refunded", confirmed, refunded)
		if n := count(t, a, "SELECT COUNT(*) FROM refunds"); n != refunded {
			t.Fatalf("%d refunds for %d released seats", n, refunded)
		}
	})
}

// The reconciliation job settles an order whose callback never came: the
// fake WeChat Pay says paid and the sign-up is fulfilled; an unpaid one is
// closed there and here.
func TestReconciliationSettlesLostCallbacks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		fake := newFakeWeChatPay(t)
		a := startApp(t, b, withClock(clk), withWeChatPay(t, fake), func(c *config.Config, _ *Options) { c.Activity.PaymentHold = 2 * time.Minute })
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "羽毛球"}).json(t)["id"])
		id := paidActivity(t, a, root.Access, typeID, clk.Now().Add(72*time.Hour).Truncate(time.Second), 1, 5, 4000)
		payer := a.register(t, "13300000061", "secret-pass-1")
		idle := a.register(t, "13300000062", "secret-pass-1")
		var nos []string
		for i, u := range []tokens{payer, idle} {
			bindWeChat(t, a, u.UserID, fmt.Sprintf("oUpF8uMuAJO_reconcile%d", i))
			_, no := signUpPaid(t, a, u.Access, id)
			expect(t, a.api(t, "POST", "/orders/"+no+"/pay", u.Access, map[string]any{"channel": "wechat"}), 200, "")
			nos = append(nos, no)
		}
		fake.Pay(nos[0]) // paid at WeChat Pay; its callback is lost
		clk.Advance(2*time.Minute + time.Second)
		if _, err := a.Jobs.Insert(context.Background(), reconcileArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the paid order is settled", func() bool {
			return str(orderOf(t, a, root.Access, nos[0])["status"]) != "pending" && str(orderOf(t, a, root.Access, nos[1])["status"]) == "closed"
		})
		o := orderOf(t, a, root.Access, nos[0])
		eventually(t, "the payment is fulfilled", func() bool {
			st := str(mySignup(t, a, payer.Access, id)["status"])
			o = orderOf(t, a, root.Access, nos[0])
			// Confirmed, unless the lifecycle sweep released the hold first:
			// then the payment is refunded in full.
			return (st == "confirmed" && str(o["status"]) == "paid") || (st == "cancelled" && str(o["status"]) != "paid")
		})
		if fake.Calls("GET order") < 2 {
			t.Fatalf("reconciliation queried %d orders", fake.Calls("GET order"))
		}
		if ord, _ := fake.Order(nos[1]); ord.State != "CLOSED" {
			t.Fatalf("the unpaid order is %s at WeChat Pay", ord.State)
		}
	})
}

// A refund request lost on the way (the single binary stopped between
// the cancellation and its event) is made by the reconciliation.
func TestReconciliationRequestsLostRefunds(t *testing.T) {
	a := startApp(t, single)
	root := a.admin(t, "root@example.com")
	typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "陶艺"}).json(t)["id"])
	id := paidActivity(t, a, root.Access, typeID, time.Now().Add(72*time.Hour).UTC().Truncate(time.Second), 1, 5, 2500)
	u := a.register(t, "13300000071", "secret-pass-1")
	signupID, no := signUpPaid(t, a, u.Access, id)
	sandboxPaid(t, a, u.Access, no)
	eventually(t, "the sign-up is confirmed", func() bool { return str(mySignup(t, a, u.Access, id)["status"]) == "confirmed" })
	expect(t, a.api(t, "DELETE", "/activities/"+id+"/signups/me", u.Access, nil), 200, "")
	eventually(t, "the refund is settled", func() bool { return str(orderOf(t, a, u.Access, no)["status"]) == "refunded" })

	// Forget the refund and its job, as if its event had never arrived.
	for _, q := range []string{"DELETE FROM refunds WHERE order_no = ?",
		"UPDATE orders SET refunded_fen = 0, refunding_fen = 0, status = 'paid' WHERE order_no = ?",
		"DELETE FROM river_job WHERE kind = 'payments.refund' AND CAST(args AS TEXT) LIKE '%' || ? || '%'"} {
		arg := no
		if strings.HasPrefix(q, "DELETE FROM river_job") {
			arg = activities.RefundNo(signupID)
		}
		if err := a.DB.Gorm.Exec(q, arg).Error; err != nil {
			t.Fatal(err)
		}
	}
	c := paymentConsumers{payments: a.Payments, activities: a.Activities, members: a.Members, logger: a.Logger}
	if err := c.redriveRefunds(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the refund is made again", func() bool { return str(orderOf(t, a, u.Access, no)["status"]) == "refunded" })
	if n := count(t, a, "SELECT COUNT(*) FROM refunds WHERE refund_no = ?", activities.RefundNo(signupID)); n != 1 {
		t.Fatalf("%d refunds", n)
	}
	// Once requested, a second pass changes nothing.
	if err := c.redriveRefunds(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if o := orderOf(t, a, u.Access, no); o["refunded_fen"] != float64(2500) {
		t.Fatalf("refunded %v of 2500", o["refunded_fen"])
	}
}
