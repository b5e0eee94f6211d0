package app

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/activities/activitiestest"
	"github.com/zuju/zuju/internal/config"
)

func withPayments(p activities.Payments) appOption {
	return func(_ *config.Config, o *Options) { o.Payments = p }
}

// outboxPayloads returns the events of topic that mention id.
func outboxPayloads(t *testing.T, a *testApp, topic, id string) []map[string]any {
	t.Helper()
	var raw []string
	if err := a.DB.Gorm.Table("outbox_events").Where("topic = ? AND payload LIKE ?", topic, "%\""+id+"\"%").
		Order("created_at, id").Pluck("payload", &raw).Error; err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal([]byte(r), &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// paidActivity publishes a paid activity starting at start.
func paidActivity(t *testing.T, a *testApp, tok, typeID string, start time.Time, min, max int, priceFen int64) string {
	t.Helper()
	body := activityBody(typeID, start)
	body["min_participants"], body["max_participants"], body["price_fen"] = min, max, priceFen
	r := a.api(t, "POST", "/activities", tok, body)
	expect(t, r, 201, "")
	id := str(r.json(t)["id"])
	expect(t, a.api(t, "POST", "/activities/"+id+"/publish", tok, nil), 200, "")
	return id
}

// signIn logs an account in again (after the test clock passed its token's lifetime).
func signIn(t *testing.T, a *testApp, account string) tokens {
	t.Helper()
	r := a.api(t, "POST", "/auth/login", "", map[string]any{"account": account, "password": "secret-pass-1"})
	expect(t, r, 200, "")
	return tokensOf(t, r)
}

// sameTime fails unless the JSON time v is at want.
func sameTime(t *testing.T, v any, want time.Time) {
	t.Helper()
	got, err := time.Parse(time.RFC3339Nano, str(v))
	if err != nil || !got.Equal(want) {
		t.Fatalf("time %v, want %v", v, want)
	}
}

func signupOf(t *testing.T, r response) map[string]any {
	t.Helper()
	s, _ := r.json(t)["signup"].(map[string]any)
	if s == nil {
		t.Fatalf("no signup in %s", r.Body)
	}
	return s
}

// confirmPaid pays an order at the double and hands the payment to the
// activities module, as the payments module's consumer will.
func confirmPaid(t *testing.T, a *testApp, pay *activitiestest.Payments, orderNo string) activities.ConfirmResult {
	t.Helper()
	p, err := pay.Pay(orderNo)
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Activities.ConfirmPayment(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// The paid sign-up flow over HTTP: the seat is held with its order, the
// hold expires into a waitlist offer, the paid offer is accepted and paid,
// self-cancellation refunds per the policy (once under concurrent
// requests) and is closed near the start.
func TestPaidSignupsOverHTTP(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		pay := activitiestest.NewPayments(clk.Now)
		a := startApp(t, b, withClock(clk), withPayments(pay))
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "飞盘"}).json(t)["id"])
		org := a.organizer(t, root, "13200000001")
		start := clk.Now().Add(72 * time.Hour).Truncate(time.Second)
		id := paidActivity(t, a, org.Access, typeID, start, 1, 1, 5000)
		u1 := a.register(t, "13200000002", "secret-pass-1")
		u2 := a.register(t, "13200000003", "secret-pass-1")

		r := a.api(t, "POST", "/activities/"+id+"/signups", u1.Access, nil, "Idempotency-Key", "k1")
		expect(t, r, 201, "")
		s1 := signupOf(t, r)
		o1, _ := r.json(t)["order"].(map[string]any)
		if str(s1["status"]) != "pending_payment" || o1 == nil || str(s1["order_no"]) != str(o1["order_no"]) {
			t.Fatalf("paid sign-up: %s", r.Body)
		}
		if str(o1["kind"]) != "activity_signup" || str(o1["user_id"]) != u1.UserID || o1["amount_fen"] != float64(5000) || str(o1["status"]) != "pending" {
			t.Fatalf("order: %v", o1)
		}
		hold := clk.Now().Add(15 * time.Minute)
		sameTime(t, s1["hold_expires_at"], hold)
		sameTime(t, o1["expires_at"], hold)
		sameTime(t, o1["created_at"], clk.Now())
		// A retry with the same key answers with the same sign-up and order.
		again := a.api(t, "POST", "/activities/"+id+"/signups", u1.Access, nil, "Idempotency-Key", "k1")
		expect(t, again, 201, "")
		if str(signupOf(t, again)["id"]) != str(s1["id"]) || str(again.json(t)["order"].(map[string]any)["order_no"]) != str(o1["order_no"]) {
			t.Fatalf("retry: %s", again.Body)
		}
		w := a.api(t, "POST", "/activities/"+id+"/signups", u2.Access, nil)
		expect(t, w, 201, "")
		if str(signupOf(t, w)["status"]) != "waitlisted" || w.json(t)["order"] != nil {
			t.Fatalf("waitlisted: %s", w.Body)
		}
		// The organizer sees the hold but not its order number.
		parts := a.api(t, "GET", "/activities/"+id+"/signups", org.Access, nil).json(t)["items"].([]any)
		if p0 := parts[0].(map[string]any); str(p0["status"]) != "pending_payment" || p0["order_no"] != nil {
			t.Fatalf("organizer's view: %v", parts)
		}

		// The hold expires: the seat is offered to u2, the order closed.
		clk.Advance(15 * time.Minute)
		if n, err := a.Activities.Sweep(context.Background()); err != nil || n != 1 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		u2 = signIn(t, a, "13200000003")
		if pay.Status(str(o1["order_no"])) != activitiestest.StatusClosed {
			t.Fatalf("order after expiry: %s", pay.Status(str(o1["order_no"])))
		}
		mine := a.api(t, "GET", "/me/signups", u2.Access, nil).json(t)["items"].([]any)
		if m := mine[0].(map[string]any); str(m["status"]) != "offered" || m["offer_expires_at"] == nil {
			t.Fatalf("u2 after expiry: %v", mine)
		}
		acc := a.api(t, "POST", "/activities/"+id+"/signups/me/accept", u2.Access, nil)
		expect(t, acc, 200, "")
		as := acc.json(t)
		if str(as["status"]) != "pending_payment" || str(as["order_no"]) == "" || as["offer_expires_at"] != nil {
			t.Fatalf("accepted paid offer: %s", acc.Body)
		}
		offerEnd, _ := time.Parse(time.RFC3339Nano, str(mine[0].(map[string]any)["offer_expires_at"]))
		sameTime(t, as["hold_expires_at"], offerEnd)
		if res := confirmPaid(t, a, pay, str(as["order_no"])); res.Outcome != activities.Confirmed {
			t.Fatalf("confirm: %+v", res)
		}
		if st := str(a.api(t, "GET", "/activities/"+id, "", nil).json(t)["status"]); st != "formed" {
			t.Fatalf("status %s after payment", st)
		}
		// u2 cancels 72 h before the start, four times at once: one full refund.
		results := make(chan response, 4)
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results <- a.api(t, "DELETE", "/activities/"+id+"/signups/me", u2.Access, nil)
			}()
		}
		wg.Wait()
		close(results)
		ok := 0
		for res := range results {
			switch res.Status {
			case 200:
				ok++
				if m := res.json(t); str(m["status"]) != "refunded" || m["refund_fen"] != float64(5000) {
					t.Fatalf("cancelled paid seat: %s", res.Body)
				}
			case 404:
				expect(t, res, 404, "signup.not_found")
			default:
				t.Fatalf("cancel: %d %s", res.Status, res.Body)
			}
		}
		if ev := outboxPayloads(t, a, activities.TopicRefundRequested, id); ok != 1 || len(ev) != 1 || ev[0]["amount_fen"] != float64(5000) {
			t.Fatalf("%d cancellations succeeded; refund events %v", ok, ev)
		}

		// Late cancellation: half back; near the start: refused.
		u3 := a.register(t, "13200000004", "secret-pass-1")
		r3 := a.api(t, "POST", "/activities/"+id+"/signups", u3.Access, nil)
		expect(t, r3, 201, "")
		confirmPaid(t, a, pay, str(signupOf(t, r3)["order_no"]))
		clk.Advance(70 * time.Hour) // 1 h 45 min before the start
		u3 = signIn(t, a, "13200000004")
		org, u1 = signIn(t, a, "13200000001"), signIn(t, a, "13200000002")
		expect(t, a.api(t, "DELETE", "/activities/"+id+"/signups/me", u3.Access, nil), 409, "signup.cancel_closed")

		// Payments down: the seat is not kept and the caller is told so.
		id2 := paidActivity(t, a, org.Access, typeID, clk.Now().Add(72*time.Hour).Truncate(time.Second), 2, 2, 1999)
		pay.Fail(activitiestest.ErrUnavailable)
		expect(t, a.api(t, "POST", "/activities/"+id2+"/signups", u1.Access, nil), 503, "signup.payment_unavailable")
		pay.Fail(nil)
		if n := a.api(t, "GET", "/activities/"+id2, "", nil).json(t)["participant_count"].(float64); n != 0 {
			t.Fatalf("participant_count %v after a failed order", n)
		}
		r4 := a.api(t, "POST", "/activities/"+id2+"/signups", u1.Access, nil)
		expect(t, r4, 201, "")
		confirmPaid(t, a, pay, str(signupOf(t, r4)["order_no"]))
		clk.Advance(10 * time.Hour) // 62 h before the start: a full refund
		u1 = signIn(t, a, "13200000002")
		u1s := a.api(t, "DELETE", "/activities/"+id2+"/signups/me", u1.Access, nil)
		expect(t, u1s, 200, "")
		if m := u1s.json(t); str(m["status"]) != "refunded" || m["refund_fen"] != float64(1999) {
			t.Fatalf("full refund: %s", u1s.Body)
		}
	})
}

// Without a payment channel (the sandbox off, WeChat Pay not configured)
// paid activities take no sign-ups.
func TestPaidSignupUnavailableWithoutPayments(t *testing.T) {
	a := startApp(t, single, func(c *config.Config, _ *Options) { c.Pay.Sandbox = "off" })
	root := a.admin(t, "root@example.com")
	typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "飞盘"}).json(t)["id"])
	id := paidActivity(t, a, root.Access, typeID, time.Now().Add(72*time.Hour).UTC().Truncate(time.Second), 1, 2, 100)
	u := a.register(t, "13200000010", "secret-pass-1")
	expect(t, a.api(t, "POST", "/activities/"+id+"/signups", u.Access, nil), 503, "signup.paid_unavailable")
}

// Cancelling a paid activity, by its organizer or by the deadline sweep on
// two replicas at once, requests one full refund per paid sign-up and
// releases the held seats, exactly once.
func TestPaidCancellationRefundsOnceOnTwoReplicas(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		pay := activitiestest.NewPayments(clk.Now)
		db := ""
		if b == scaled {
			db = scaledDB(t)
		}
		dir := t.TempDir()
		a := startReplica(t, testConfig(t, b, dir, db), withClock(clk), withPayments(pay))
		r2 := startReplica(t, testConfig(t, b, dir, db), withClock(clk), withPayments(pay))
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "徒步"}).json(t)["id"])
		org := a.organizer(t, root, "13200000020")
		start := clk.Now().Add(72 * time.Hour).Truncate(time.Second)
		short := paidActivity(t, a, org.Access, typeID, start, 4, 5, 8800)
		byOrg := paidActivity(t, a, org.Access, typeID, start, 4, 5, 6600)
		var users []tokens
		for _, phone := range []string{"13200000021", "13200000022", "13200000023"} {
			users = append(users, a.register(t, phone, "secret-pass-1"))
		}
		pays := func(rep *testApp, id string, u tokens) {
			r := rep.api(t, "POST", "/activities/"+id+"/signups", u.Access, nil)
			expect(t, r, 201, "")
			if res := confirmPaid(t, rep, pay, str(signupOf(t, r)["order_no"])); res.Outcome != activities.Confirmed {
				t.Fatalf("confirm: %+v", res)
			}
		}
		pays(a, short, users[0])
		pays(r2, short, users[1])
		pays(a, byOrg, users[0])
		pays(r2, byOrg, users[1])

		// The organizer cancels one: both paid seats refunded in full.
		expect(t, r2.api(t, "POST", "/activities/"+byOrg+"/cancel", org.Access, map[string]any{"reason": "天气原因"}), 200, "")
		ev := outboxPayloads(t, a, activities.TopicRefundRequested, byOrg)
		if len(ev) != 2 || ev[0]["amount_fen"] != float64(6600) || ev[1]["amount_fen"] != float64(6600) || ev[0]["refund_no"] == ev[1]["refund_no"] {
			t.Fatalf("refunds of the cancelled activity: %v", ev)
		}

		// 5 minutes before the deadline u3 takes a seat and does not pay yet.
		clk.Advance(72*time.Hour - time.Hour - 5*time.Minute)
		for i, phone := range []string{"13200000021", "13200000022", "13200000023"} {
			users[i] = signIn(t, a, phone)
		}
		held := a.api(t, "POST", "/activities/"+short+"/signups", users[2].Access, nil)
		expect(t, held, 201, "")
		heldOrder := str(signupOf(t, held)["order_no"])
		clk.Advance(10 * time.Minute) // past the deadline, the hold still open
		var wg sync.WaitGroup
		counts := make([]int, 2)
		for i, rep := range []*testApp{a, r2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := rep.Activities.Sweep(context.Background())
				if err != nil {
					t.Error(err)
				}
				counts[i] = n
			}()
		}
		wg.Wait()
		if counts[0]+counts[1] != 1 {
			t.Fatalf("sweeps changed %v, want 1 in all", counts)
		}
		if st := str(a.api(t, "GET", "/activities/"+short, "", nil).json(t)["status"]); st != "cancelled" {
			t.Fatalf("short activity %s", st)
		}
		ev = outboxPayloads(t, a, activities.TopicRefundRequested, short)
		if len(ev) != 2 {
			t.Fatalf("%d refund events for 2 paid sign-ups: %v", len(ev), ev)
		}
		for _, e := range ev {
			if e["amount_fen"] != float64(8800) || e["reason"] != activities.RefundReasonActivity {
				t.Fatalf("refund event %v", e)
			}
		}
		rel := outboxPayloads(t, a, activities.TopicHoldReleased, short)
		if len(rel) != 1 || rel[0]["order_no"] != heldOrder || rel[0]["reason"] != activities.ReleaseActivityCancelled {
			t.Fatalf("hold_released: %v", rel)
		}
		for _, u := range users[:2] {
			items := a.api(t, "GET", "/me/signups", u.Access, nil).json(t)["items"].([]any)
			for _, it := range items {
				m := it.(map[string]any)
				if str(m["status"]) != "refunded" || (m["refund_fen"] != float64(8800) && m["refund_fen"] != float64(6600)) {
					t.Fatalf("sign-up after the cancellation: %v", m)
				}
			}
		}
		// The late payment of the released hold is reported for refund.
		if res := confirmPaid(t, r2, pay, heldOrder); res.Outcome != activities.Released {
			t.Fatalf("late payment: %+v", res)
		}
		// Sweeping again changes nothing and requests nothing more.
		if n, _ := r2.Activities.Sweep(context.Background()); n != 0 {
			t.Fatalf("second sweep changed %d", n)
		}
		if n := len(outboxPayloads(t, a, activities.TopicRefundRequested, short)); n != 2 {
			t.Fatalf("%d refund events after another sweep", n)
		}
	})
}
