package activitiesstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/activities/activitiestest"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/clock"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// paidEnv is a service on a real store with a payments double and a test clock.
type paidEnv struct {
	t   *testing.T
	db  *sqldb.DB
	st  *Store
	svc *activities.Service
	pay *activitiestest.Payments
	clk *clock.Manual
}

const price = 3001 // fen; odd, so a half refund rounds down

func newPaidEnv(t *testing.T, db *sqldb.DB) *paidEnv {
	clk := clock.NewManual(time.Now().UTC().Truncate(time.Second))
	st := New(db)
	svc := activities.NewService(st, clk.Now)
	pay := activitiestest.NewPayments(clk.Now)
	svc.SetPayments(pay)
	return &paidEnv{t: t, db: db, st: st, svc: svc, pay: pay, clk: clk}
}

// activity publishes a paid activity starting in 48 h (deadline in 24 h).
func (e *paidEnv) activity(id string, min, max int) {
	e.t.Helper()
	seedActivity(e.t, e.st, id, min, max, e.clk.Now())
	if err := e.db.Gorm.Model(&row{}).Where("id = ?", id).Update("price_fen", price).Error; err != nil {
		e.t.Fatal(err)
	}
}

func as(user string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{UserID: user})
}

func (e *paidEnv) signUp(activityID, user string) (*activities.Signup, *activities.Order) {
	e.t.Helper()
	sg, o, err := e.svc.SignUp(as(user), activityID, "")
	if err != nil {
		e.t.Fatalf("%s signs up: %v", user, err)
	}
	return sg, o
}

// state is the user's latest sign-up for the activity.
func (e *paidEnv) state(activityID, user string) signupRow {
	e.t.Helper()
	var r signupRow
	if err := e.db.Gorm.Where("activity_id = ? AND user_id = ?", activityID, user).Order("created_at DESC, id DESC").Take(&r).Error; err != nil {
		e.t.Fatalf("sign-up of %s: %v", user, err)
	}
	return r
}

func (e *paidEnv) count(activityID string) int {
	e.t.Helper()
	a, err := e.st.Get(context.Background(), activityID)
	if err != nil {
		e.t.Fatal(err)
	}
	return a.ParticipantCount
}

// events returns the payloads of topic that mention the activity.
func (e *paidEnv) events(topic, activityID string) []map[string]any {
	e.t.Helper()
	var payloads []string
	e.db.Gorm.Table("outbox_events").Where("topic = ? AND payload LIKE ?", topic, "%\""+activityID+"\"%").Order("created_at, id").Pluck("payload", &payloads)
	out := make([]map[string]any, len(payloads))
	for i, p := range payloads {
		if err := json.Unmarshal([]byte(p), &out[i]); err != nil {
			e.t.Fatal(err)
		}
	}
	return out
}

func (e *paidEnv) pay1(orderNo string) activities.Payment {
	e.t.Helper()
	p, err := e.pay.Pay(orderNo)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func eachDB(t *testing.T, fn func(t *testing.T, e *paidEnv)) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) { fn(t, newPaidEnv(t, db)) },
		audit.Migrations(), outbox.Migrations(), Migrations())
}

// A held seat that is not paid in time goes to the waitlist as an offer;
// accepting the offer on a paid activity holds the seat for payment until
// the offer window ends; paying confirms it and forms the activity.
func TestHoldExpiryOffersSeatAndPaidOfferAccept(t *testing.T) {
	eachDB(t, func(t *testing.T, e *paidEnv) {
		ctx := context.Background()
		e.activity("p1", 1, 1)
		sg, o := e.signUp("p1", "u1")
		if sg.Status != activities.SignupPendingPayment || o == nil || sg.OrderNo != o.No || o.AmountFen != price {
			t.Fatalf("paid sign-up: %+v order %+v", sg, o)
		}
		if want := e.clk.Now().Add(15 * time.Minute); !sg.HoldExpiresAt.Equal(want) || !o.ExpiresAt.Equal(want) {
			t.Fatalf("hold until %v, order expires %v, want %v", sg.HoldExpiresAt, o.ExpiresAt, want)
		}
		if _, req, _ := e.pay.Order(o.No); req.SignupID != sg.ID || req.UserID != "u1" || req.ActivityID != "p1" || req.IdempotencyKey != activities.OrderKey(sg.ID) {
			t.Fatalf("order request %+v", req)
		}
		if st := e.state("p1", "u1"); st.OrderNo != o.No || st.AmountFen != price {
			t.Fatalf("stored hold %+v", st)
		}
		w, _ := e.signUp("p1", "u2")
		if w.Status != activities.SignupWaitlisted || e.count("p1") != 1 {
			t.Fatalf("second sign-up %s, counter %d", w.Status, e.count("p1"))
		}
		// A pending seat does not form the activity.
		if a, _ := e.st.Get(ctx, "p1"); a.Status != activities.StatusPublished {
			t.Fatalf("status %s with an unpaid hold", a.Status)
		}

		// One second before the hold ends nothing happens.
		e.clk.Advance(15*time.Minute - time.Second)
		if n, err := e.svc.Sweep(ctx); err != nil || n != 0 {
			t.Fatalf("early sweep: %d %v", n, err)
		}
		e.clk.Advance(time.Second)
		if n, err := e.svc.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("expiry sweep: %d %v", n, err)
		}
		if st := e.state("p1", "u1"); st.Status != string(activities.SignupCancelled) || st.CancelledAt == nil {
			t.Fatalf("expired hold: %+v", st)
		}
		if e.pay.Status(o.No) != activitiestest.StatusClosed {
			t.Fatalf("order %s after expiry", e.pay.Status(o.No))
		}
		if ev := e.events(activities.TopicHoldReleased, "p1"); len(ev) != 1 || ev[0]["order_no"] != o.No || ev[0]["reason"] != activities.ReleaseExpired {
			t.Fatalf("hold_released events: %v", ev)
		}
		off := e.state("p1", "u2")
		if off.Status != string(activities.SignupOffered) || e.count("p1") != 1 {
			t.Fatalf("waitlist after expiry: %s, counter %d", off.Status, e.count("p1"))
		}
		if n, _ := e.svc.Sweep(ctx); n != 0 {
			t.Fatalf("a second sweep changed %d", n)
		}

		// Accepting the paid offer holds the seat until the offer ends.
		acc, err := e.svc.AcceptOffer(as("u2"), "p1")
		if err != nil {
			t.Fatal(err)
		}
		if acc.Status != activities.SignupPendingPayment || acc.OrderNo == "" || !acc.HoldExpiresAt.Equal(*off.OfferExpiresAt) || acc.OfferExpiresAt != nil {
			t.Fatalf("accepted paid offer: %+v (offer until %v)", acc, off.OfferExpiresAt)
		}
		if ord, _, _ := e.pay.Order(acc.OrderNo); ord.AmountFen != price || !ord.ExpiresAt.Equal(*off.OfferExpiresAt) {
			t.Fatalf("offer order %+v", ord)
		}
		// A retried accept answers with the same held seat and order.
		again, err := e.svc.AcceptOffer(as("u2"), "p1")
		if err != nil || again.ID != acc.ID || again.OrderNo != acc.OrderNo || e.pay.Orders() != 2 {
			t.Fatalf("retried accept: %+v %v (%d orders)", again, err, e.pay.Orders())
		}
		// The offer window is longer than a hold: 30 min later the seat is still held.
		e.clk.Advance(30 * time.Minute)
		if n, _ := e.svc.Sweep(ctx); n != 0 {
			t.Fatalf("sweep inside the offer window changed %d", n)
		}
		res, err := e.svc.ConfirmPayment(ctx, e.pay1(acc.OrderNo))
		if err != nil || res.Outcome != activities.Confirmed || res.Signup.Status != activities.SignupConfirmed || res.Signup.PaidFen != price {
			t.Fatalf("confirm: %+v %v", res, err)
		}
		if a, _ := e.st.Get(ctx, "p1"); a.Status != activities.StatusFormed || a.ParticipantCount != 1 {
			t.Fatalf("after payment: %s, %d", a.Status, a.ParticipantCount)
		}
		if ev := e.events(activities.TopicFormed, "p1"); len(ev) != 1 {
			t.Fatalf("%d formed events", len(ev))
		}
	})
}

// A payment that arrives for a hold the sweep already released is
// reported for refund and changes nothing; confirming twice reports the
// second one as a duplicate.
func TestConfirmPaymentOutcomes(t *testing.T) {
	eachDB(t, func(t *testing.T, e *paidEnv) {
		ctx := context.Background()
		e.activity("p2", 2, 2)
		late, lo := e.signUp("p2", "u1")
		ok, _ := e.signUp("p2", "u2")
		e.signUp("p2", "u3")  // waitlisted
		paid := e.pay1(lo.No) // paid at the provider, but the notice is slow
		e.clk.Advance(15 * time.Minute)
		// u2 pays after the hold end but before the sweep: still honoured.
		if res, err := e.svc.ConfirmPayment(ctx, e.pay1(ok.OrderNo)); err != nil || res.Outcome != activities.Confirmed {
			t.Fatalf("confirm before the sweep: %+v %v", res, err)
		}
		if n, err := e.svc.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		res, err := e.svc.ConfirmPayment(ctx, paid)
		if err != nil || res.Outcome != activities.Released || res.Signup.ID != late.ID || res.Signup.Status != activities.SignupCancelled {
			t.Fatalf("late confirm: %+v %v", res, err)
		}
		if st := e.state("p2", "u1"); st.PaidFen != 0 || st.Status != string(activities.SignupCancelled) {
			t.Fatalf("late payment changed the sign-up: %+v", st)
		}
		if st := e.state("p2", "u3"); st.Status != string(activities.SignupOffered) {
			t.Fatalf("the released seat is not offered on: %s", st.Status)
		}
		// The same payment again, by sign-up or by order number alone.
		for _, p := range []activities.Payment{{SignupID: ok.ID, OrderNo: ok.OrderNo, AmountFen: price}, {OrderNo: ok.OrderNo, AmountFen: price}} {
			if res, err := e.svc.ConfirmPayment(ctx, p); err != nil || res.Outcome != activities.AlreadyConfirmed {
				t.Fatalf("duplicate confirm %+v: %+v %v", p, res, err)
			}
		}
		// A payment for another order than the sign-up's is not applied.
		if res, err := e.svc.ConfirmPayment(ctx, activities.Payment{SignupID: ok.ID, OrderNo: "T999999", AmountFen: price}); err != nil || res.Outcome != activities.Released {
			t.Fatalf("foreign order: %+v %v", res, err)
		}
		if _, err := e.svc.ConfirmPayment(ctx, activities.Payment{OrderNo: "nope"}); !errors.Is(err, activities.ErrSignupNotFound) {
			t.Fatalf("unknown order: %v", err)
		}
		if _, err := e.svc.ConfirmPayment(ctx, activities.Payment{}); !errors.Is(err, activities.ErrSignupNotFound) {
			t.Fatalf("empty payment: %v", err)
		}
		// Paying less than the price confirms nothing.
		acc, err := e.svc.AcceptOffer(as("u3"), "p2")
		if err != nil {
			t.Fatal(err)
		}
		short := e.pay1(acc.OrderNo)
		short.AmountFen--
		if res, err := e.svc.ConfirmPayment(ctx, short); err != nil || res.Outcome != activities.Released {
			t.Fatalf("short payment: %+v %v", res, err)
		}
		if st := e.state("p2", "u3"); st.Status != pending {
			t.Fatalf("short payment changed the hold: %s", st.Status)
		}
	})
}

// Many deliveries of one payment notice at once: one transition, one formation.
func TestConcurrentConfirmPayment(t *testing.T) {
	eachDB(t, func(t *testing.T, e *paidEnv) {
		e.activity("p3", 1, 3)
		_, o := e.signUp("p3", "u1")
		p := e.pay1(o.No)
		outcomes := make(chan activities.ConfirmOutcome, 8)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := e.svc.ConfirmPayment(context.Background(), p)
				if err != nil {
					t.Error(err)
				}
				outcomes <- res.Outcome
			}()
		}
		wg.Wait()
		close(outcomes)
		got := map[activities.ConfirmOutcome]int{}
		for o := range outcomes {
			got[o]++
		}
		if got[activities.Confirmed] != 1 || got[activities.AlreadyConfirmed] != 7 {
			t.Fatalf("outcomes %v", got)
		}
		if ev := e.events(activities.TopicFormed, "p3"); len(ev) != 1 {
			t.Fatalf("%d formed events", len(ev))
		}
	})
}

// Self-cancellation: a paid seat is refunded per the policy, once even
// when the request comes many times at once; a held seat's order is
// closed without a refund; the waitlist can be left; the seat flows on.
func TestSelfCancelPaidSeat(t *testing.T) {
	eachDB(t, func(t *testing.T, e *paidEnv) {
		ctx := context.Background()
		e.activity("p4", 3, 3)
		var orders []string
		for _, u := range []string{"u1", "u2", "u3"} {
			_, o := e.signUp("p4", u)
			orders = append(orders, o.No)
		}
		e.signUp("p4", "u4") // waitlisted
		e.signUp("p4", "u5") // waitlisted
		for _, no := range orders[:2] {
			if res, err := e.svc.ConfirmPayment(ctx, e.pay1(no)); err != nil || res.Outcome != activities.Confirmed {
				t.Fatalf("confirm %s: %+v %v", no, res, err)
			}
		}
		// u1 cancels 30 h before the start (full refund), eight times at once.
		e.clk.Advance(18 * time.Hour)
		var wg sync.WaitGroup
		var mu sync.Mutex
		oks, notFound := 0, 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sg, err := e.svc.CancelMine(as("u1"), "p4")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && sg.Status == activities.SignupRefunded && sg.RefundFen == price:
					oks++
				case errors.Is(err, activities.ErrSignupNotFound):
					notFound++
				default:
					t.Errorf("cancel: %+v %v", sg, err)
				}
			}()
		}
		wg.Wait()
		if oks != 1 || notFound != 7 {
			t.Fatalf("%d cancellations succeeded, %d not found", oks, notFound)
		}
		ev := e.events(activities.TopicRefundRequested, "p4")
		u1 := e.state("p4", "u1")
		if len(ev) != 1 || ev[0]["refund_no"] != activities.RefundNo(u1.ID) || ev[0]["order_no"] != orders[0] ||
			ev[0]["amount_fen"] != float64(price) || ev[0]["signup_id"] != u1.ID || ev[0]["user_id"] != "u1" {
			t.Fatalf("refund events: %v", ev)
		}
		if u1.Status != string(activities.SignupRefunded) || u1.RefundFen != price {
			t.Fatalf("u1 after cancel: %+v", u1)
		}
		if st := e.state("p4", "u4"); st.Status != string(activities.SignupOffered) || e.count("p4") != 3 {
			t.Fatalf("seat not offered on: %s, counter %d", st.Status, e.count("p4"))
		}
		// u3 gives up the unpaid hold: order closed, no refund, seat to u5.
		sg, err := e.svc.CancelMine(as("u3"), "p4")
		if err != nil || sg.Status != activities.SignupCancelled || sg.RefundFen != 0 {
			t.Fatalf("cancel hold: %+v %v", sg, err)
		}
		if e.pay.Status(orders[2]) != activitiestest.StatusClosed {
			t.Fatalf("held order %s", e.pay.Status(orders[2]))
		}
		if ev := e.events(activities.TopicHoldReleased, "p4"); len(ev) != 1 || ev[0]["reason"] != activities.ReleaseCancelled {
			t.Fatalf("hold_released: %v", ev)
		}
		if st := e.state("p4", "u5"); st.Status != string(activities.SignupOffered) {
			t.Fatalf("u5: %s", st.Status)
		}
		// u4 takes the offered seat and pays; u6 joins the waitlist.
		if _, err := e.svc.AcceptOffer(as("u4"), "p4"); err != nil {
			t.Fatal(err)
		}
		if res, err := e.svc.ConfirmPayment(ctx, e.pay1(e.state("p4", "u4").OrderNo)); err != nil || res.Outcome != activities.Confirmed {
			t.Fatalf("u4 pays: %+v %v", res, err)
		}
		e.signUp("p4", "u6")
		// u2 cancels 10 h before the start (after the deadline): half,
		// rounded down; with sign-up closed the seat goes back to the counter.
		e.clk.Advance(20 * time.Hour)
		sg, err = e.svc.CancelMine(as("u2"), "p4")
		if err != nil || sg.Status != activities.SignupRefunded || sg.RefundFen != price/2 {
			t.Fatalf("late cancel: %+v %v", sg, err)
		}
		if ev := e.events(activities.TopicRefundRequested, "p4"); len(ev) != 2 || ev[1]["amount_fen"] != float64(price/2) {
			t.Fatalf("refund events: %v", ev)
		}
		if e.count("p4") != 2 {
			t.Fatalf("counter %d after a cancellation past the deadline", e.count("p4"))
		}
		// Past the cutoff a seat stays; the waitlist can still be left.
		e.clk.Advance(9 * time.Hour) // 1 h before the start
		if _, err := e.svc.CancelMine(as("u4"), "p4"); !errors.Is(err, activities.ErrCancelClosed) {
			t.Fatalf("cancel after the cutoff: %v", err)
		}
		if st := e.state("p4", "u4"); st.Status != string(activities.SignupConfirmed) {
			t.Fatalf("refused cancel changed the seat: %s", st.Status)
		}
		if sg, err := e.svc.CancelMine(as("u6"), "p4"); err != nil || sg.Status != activities.SignupCancelled {
			t.Fatalf("leaving the waitlist: %+v %v", sg, err)
		}
		if ev := e.events(activities.TopicRefundRequested, "p4"); len(ev) != 2 {
			t.Fatalf("%d refund events at the end", len(ev))
		}
	})
}

// When the order cannot be created the hold is released again (and a
// retry with the same key starts over); without payments a paid activity
// takes no sign-ups.
func TestOrderFailureReleasesHold(t *testing.T) {
	eachDB(t, func(t *testing.T, e *paidEnv) {
		e.activity("p5", 1, 1)
		e.pay.Fail(activitiestest.ErrUnavailable)
		if _, _, err := e.svc.SignUp(as("u1"), "p5", "key-1"); !errors.Is(err, activities.ErrPaymentUnavailable) {
			t.Fatalf("sign-up with payments down: %v", err)
		}
		if st := e.state("p5", "u1"); st.Status != string(activities.SignupCancelled) || e.count("p5") != 0 {
			t.Fatalf("hold not released: %s, counter %d", st.Status, e.count("p5"))
		}
		e.pay.Fail(nil)
		sg, o, err := e.svc.SignUp(as("u1"), "p5", "key-1")
		if err != nil || sg.Status != activities.SignupPendingPayment || o == nil {
			t.Fatalf("retry: %+v %+v %v", sg, o, err)
		}
		// A retried request gets the same sign-up and order.
		again, o2, err := e.svc.SignUp(as("u1"), "p5", "key-1")
		if err != nil || again.ID != sg.ID || o2 == nil || o2.No != o.No || e.pay.Orders() != 1 {
			t.Fatalf("idempotent retry: %+v %+v %v (%d orders)", again, o2, err, e.pay.Orders())
		}
		// A failed order on an offer keeps the offer open.
		e.signUp("p5", "u2")
		if _, err := e.svc.CancelMine(as("u1"), "p5"); err != nil {
			t.Fatal(err)
		}
		e.pay.Fail(activitiestest.ErrUnavailable)
		if _, err := e.svc.AcceptOffer(as("u2"), "p5"); !errors.Is(err, activities.ErrPaymentUnavailable) {
			t.Fatalf("accept with payments down: %v", err)
		}
		if st := e.state("p5", "u2"); st.Status != string(activities.SignupOffered) || st.OfferExpiresAt == nil || st.HoldExpiresAt != nil {
			t.Fatalf("offer after a failed order: %+v", st)
		}
		e.pay.Fail(nil)
		if acc, err := e.svc.AcceptOffer(as("u2"), "p5"); err != nil || acc.Status != activities.SignupPendingPayment {
			t.Fatalf("accept again: %+v %v", acc, err)
		}

		plain := activities.NewService(e.st, e.clk.Now)
		if _, _, err := plain.SignUp(as("u3"), "p5", ""); !errors.Is(err, activities.ErrPaidNotYet) {
			t.Fatalf("paid sign-up without payments: %v", err)
		}
	})
}

// Cancelling an activity refunds every paid seat in full and releases the
// held ones, in the same transaction, once.
func TestActivityCancellationRefundsPaidSeats(t *testing.T) {
	eachDB(t, func(t *testing.T, e *paidEnv) {
		ctx := context.Background()
		e.activity("p6", 4, 4)
		var orders []string
		for _, u := range []string{"u1", "u2", "u3"} {
			_, o := e.signUp("p6", u)
			orders = append(orders, o.No)
		}
		for _, no := range orders[:2] {
			if _, err := e.svc.ConfirmPayment(ctx, e.pay1(no)); err != nil {
				t.Fatal(err)
			}
		}
		e.signUp("p6", "u4")                                        // pending too
		if _, err := e.svc.CancelMine(as("u4"), "p6"); err != nil { // …and given up
			t.Fatal(err)
		}
		if _, err := e.st.SetStatus(ctx, "p6", activities.StatusPublished, activities.StatusCancelled, e.clk.Now(), "场地维修", activities.Audit{}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.SetStatus(ctx, "p6", activities.StatusPublished, activities.StatusCancelled, e.clk.Now(), "再来一次", activities.Audit{}); !errors.Is(err, activities.ErrBadTransition) {
			t.Fatalf("second cancellation: %v", err)
		}
		ev := e.events(activities.TopicRefundRequested, "p6")
		if len(ev) != 2 {
			t.Fatalf("refund events: %v", ev)
		}
		for i, u := range []string{"u1", "u2"} {
			st := e.state("p6", u)
			if st.Status != string(activities.SignupRefunded) || st.RefundFen != price {
				t.Fatalf("%s after the cancellation: %+v", u, st)
			}
			found := false
			for _, x := range ev {
				found = found || (x["refund_no"] == activities.RefundNo(st.ID) && x["order_no"] == orders[i] && x["amount_fen"] == float64(price))
			}
			if !found {
				t.Fatalf("no refund for %s in %v", u, ev)
			}
		}
		if st := e.state("p6", "u3"); st.Status != string(activities.SignupCancelled) || st.RefundFen != 0 {
			t.Fatalf("held seat after the cancellation: %+v", st)
		}
		rel := e.events(activities.TopicHoldReleased, "p6")
		if len(rel) != 2 || rel[1]["order_no"] != orders[2] || rel[1]["reason"] != activities.ReleaseActivityCancelled {
			t.Fatalf("hold_released: %v", rel)
		}
		// The held seat's payment arriving now is reported for refund.
		if res, err := e.svc.ConfirmPayment(ctx, e.pay1(orders[2])); err != nil || res.Outcome != activities.Released {
			t.Fatalf("payment after the cancellation: %+v %v", res, err)
		}
		// A redelivered payment of a refunded seat is a duplicate, not a second refund.
		if res, err := e.svc.ConfirmPayment(ctx, activities.Payment{OrderNo: orders[0], AmountFen: price}); err != nil || res.Outcome != activities.AlreadyConfirmed {
			t.Fatalf("redelivered payment: %+v %v", res, err)
		}
	})
}

// A payment confirmed while the activity is being cancelled is either
// refunded by the cancellation or reported Released (or, confirming first,
// forms the activity so the cancellation of a published one fails), never
// lost and never refunded twice, and the two never deadlock.
func TestConfirmRacesActivityCancellation(t *testing.T) {
	eachDB(t, func(t *testing.T, e *paidEnv) {
		ctx := context.Background()
		seen := map[activities.ConfirmOutcome]int{}
		for run := range 10 {
			id := fmt.Sprintf("race-%d", run)
			e.activity(id, 1, 3) // the payment forms it
			_, o := e.signUp(id, "u1")
			p := e.pay1(o.No)
			var wg sync.WaitGroup
			var res activities.ConfirmResult
			var cerr, serr error
			start := make(chan struct{})
			wg.Add(2)
			go func() {
				defer wg.Done()
				<-start
				res, cerr = e.svc.ConfirmPayment(ctx, p)
			}()
			go func() {
				defer wg.Done()
				<-start
				_, serr = e.st.SetStatus(ctx, id, activities.StatusPublished, activities.StatusCancelled, e.clk.Now(), "x", activities.Audit{})
			}()
			close(start)
			wg.Wait()
			formedFirst := errors.Is(serr, activities.ErrBadTransition)
			if cerr != nil || (serr != nil && !formedFirst) {
				t.Fatalf("run %d: confirm %v, cancel %v", run, cerr, serr)
			}
			seen[res.Outcome]++
			refunds := len(e.events(activities.TopicRefundRequested, id))
			st := e.state(id, "u1")
			switch {
			case formedFirst:
				if a, _ := e.st.Get(ctx, id); res.Outcome != activities.Confirmed || a.Status != activities.StatusFormed || refunds != 0 || st.Status != string(activities.SignupConfirmed) {
					t.Fatalf("run %d: formed first: %s, activity %s, %d refunds, %+v", run, res.Outcome, a.Status, refunds, st)
				}
			case res.Outcome == activities.Confirmed:
				if refunds != 1 || st.Status != string(activities.SignupRefunded) || st.RefundFen != price {
					t.Fatalf("run %d: confirmed first, then %d refunds, %+v", run, refunds, st)
				}
			case res.Outcome == activities.Released:
				if refunds != 0 || st.Status != string(activities.SignupCancelled) || st.PaidFen != 0 {
					t.Fatalf("run %d: released, %d refunds, %+v", run, refunds, st)
				}
			default:
				t.Fatalf("run %d: outcome %s", run, res.Outcome)
			}
		}
		t.Logf("outcomes %v", seen)
	})
}
