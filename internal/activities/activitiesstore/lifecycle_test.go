package activitiesstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/errs"
)

func intp(v int) *int { return &v }

// Lowering the minimum of a published activity to the number of confirmed
// sign-ups forms it in the same transaction, with one activities.formed
// event; it then finishes at its end like any formed activity.
func TestLoweringMinimumForms(t *testing.T) {
	eachDB(t, func(t *testing.T, e *paidEnv) {
		ctx := context.Background()
		seedActivity(t, e.st, "m1", 3, 5, e.clk.Now())
		e.signUp("m1", "u1")
		e.signUp("m1", "u2")
		got, err := e.svc.Update(as("org"), "m1", activities.Draft{MinParticipants: intp(2)})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := e.st.Get(ctx, "m1")
		if got.Status != activities.StatusFormed || a.Status != activities.StatusFormed || a.MinParticipants != 2 {
			t.Fatalf("after lowering the minimum to 2 with 2 confirmed: answered %s, stored %s (min %d)", got.Status, a.Status, a.MinParticipants)
		}
		ev := e.events(activities.TopicFormed, "m1")
		if len(ev) != 1 || len(ev[0]["participant_ids"].([]any)) != 2 {
			t.Fatalf("formed events: %v", ev)
		}
		// Formed, it is no longer editable, and it finishes at its end.
		if _, err := e.svc.Update(as("org"), "m1", activities.Draft{MinParticipants: intp(1)}); !errors.Is(err, activities.ErrNotEditable) {
			t.Fatalf("editing a formed activity: %v", err)
		}
		e.clk.Advance(25 * time.Hour)
		if n, err := e.svc.Sweep(ctx); err != nil || n != 0 {
			t.Fatalf("deadline sweep: %d %v", n, err)
		}
		e.clk.Advance(30 * time.Hour)
		if n, err := e.svc.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("end sweep: %d %v", n, err)
		}
		if a, _ := e.st.Get(ctx, "m1"); a.Status != activities.StatusFinished {
			t.Fatalf("after the end: %s", a.Status)
		}
		if ev := e.events(activities.TopicFormed, "m1"); len(ev) != 1 {
			t.Fatalf("%d formed events", len(ev))
		}
		// Lowering the minimum below the confirmed count of a draft changes nothing else.
		seedActivity(t, e.st, "m2", 3, 5, e.clk.Now())
		e.signUp("m2", "u1")
		if got, err := e.svc.Update(as("org"), "m2", activities.Draft{MinParticipants: intp(2)}); err != nil || got.Status != activities.StatusPublished {
			t.Fatalf("lowering to 2 with 1 confirmed: %v %v", got, err)
		}
	})
}

// At the sign-up deadline only seated sign-ups (confirmed, checked in)
// count toward the minimum: a seat still held for payment does not keep
// an activity below its minimum open.
func TestDeadlineCountsSeatedSignups(t *testing.T) {
	eachDB(t, func(t *testing.T, e *paidEnv) {
		ctx := context.Background()
		e.activity("d1", 2, 3)
		_, o := e.signUp("d1", "u1")
		if _, err := e.svc.ConfirmPayment(ctx, e.pay1(o.No)); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(24*time.Hour - 5*time.Minute)
		held, _ := e.signUp("d1", "u2") // held for 15 minutes, past the deadline
		e.clk.Advance(5 * time.Minute)
		if ids, err := e.st.Due(ctx, activities.StatusPublished, e.clk.Now(), 10); err != nil || len(ids) != 1 || ids[0] != "d1" {
			t.Fatalf("due at the deadline: %v %v", ids, err)
		}
		if n, err := e.svc.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("deadline sweep: %d %v", n, err)
		}
		a, _ := e.st.Get(ctx, "d1")
		if a.Status != activities.StatusCancelled || a.CancelReason != activities.AutoCancelReason {
			t.Fatalf("after the deadline: %s (%q)", a.Status, a.CancelReason)
		}
		if st := e.state("d1", "u1"); st.Status != string(activities.SignupRefunded) || st.RefundFen != price {
			t.Fatalf("paid seat: %+v", st)
		}
		if st := e.state("d1", "u2"); st.ID != held.ID || st.Status != string(activities.SignupCancelled) {
			t.Fatalf("held seat: %+v", st)
		}
		if ev := e.events(activities.TopicCancelled, "d1"); len(ev) != 1 {
			t.Fatalf("%d cancelled events", len(ev))
		}
		if n, err := e.svc.Sweep(ctx); err != nil || n != 0 {
			t.Fatalf("second sweep: %d %v", n, err)
		}
	})
}

// Once anybody signed up, the price and the member restriction stay as
// they were: the sign-ups were made on those terms. Other details may
// still change; with every sign-up gone, the terms may too.
func TestTermsLockedAfterSignup(t *testing.T) {
	eachDB(t, func(t *testing.T, e *paidEnv) {
		ctx := context.Background()
		var fen, free int64 = 500, 0
		yes := true
		seedActivity(t, e.st, "l1", 3, 3, e.clk.Now())
		// Without sign-ups the terms may change (and back).
		if a, err := e.svc.Update(as("org"), "l1", activities.Draft{PriceFen: &fen}); err != nil || a.PriceFen != fen {
			t.Fatalf("price without sign-ups: %v %v", a, err)
		}
		if _, err := e.svc.Update(as("org"), "l1", activities.Draft{PriceFen: &free}); err != nil {
			t.Fatal(err)
		}
		e.signUp("l1", "u1")
		locked := func(what string, d activities.Draft) {
			t.Helper()
			_, err := e.svc.Update(as("org"), "l1", d)
			var ee *errs.Error
			if !errors.As(err, &ee) || ee.Code != "activity.locked_after_signup" || ee.Kind != errs.KindConflict {
				t.Fatalf("changing %s after a sign-up: %v", what, err)
			}
		}
		locked("the price", activities.Draft{PriceFen: &fen})
		locked("member_only", activities.Draft{MemberOnly: &yes})
		if a, _ := e.st.Get(ctx, "l1"); a.PriceFen != 0 || a.MemberOnly {
			t.Fatalf("terms changed: %+v", a)
		}
		// The same terms again, with other fields, are fine.
		title := "新标题"
		if a, err := e.svc.Update(as("org"), "l1", activities.Draft{PriceFen: &free, Title: &title}); err != nil || a.Title != title {
			t.Fatalf("unchanged terms: %v %v", a, err)
		}
		// With the only sign-up gone the terms may change again.
		if _, err := e.svc.CancelMine(as("u1"), "l1"); err != nil {
			t.Fatal(err)
		}
		if a, err := e.svc.Update(as("org"), "l1", activities.Draft{PriceFen: &fen}); err != nil || a.PriceFen != fen {
			t.Fatalf("price after the sign-up left: %v %v", a, err)
		}
		// A seat held for payment locks them as well.
		e.signUp("l1", "u2")
		if st := e.state("l1", "u2"); st.Status != pending {
			t.Fatalf("u2 %s", st.Status)
		}
		locked("the price of a held seat", activities.Draft{PriceFen: &free})
	})
}

// Raising the capacity offers the new seats to the waitlist first, in
// order, one per seat; only the seats nobody waits for are open to
// newcomers.
func TestRaisedCapacityOffersWaitlistFirst(t *testing.T) {
	eachDB(t, func(t *testing.T, e *paidEnv) {
		e.activity("w1", 2, 2)
		e.signUp("w1", "u0") // held for payment: published, full
		e.signUp("w1", "u1")
		e.signUp("w1", "u2") // waitlisted #1
		e.signUp("w1", "u3") // waitlisted #2
		if _, err := e.svc.Update(as("org"), "w1", activities.Draft{MaxParticipants: intp(5)}); err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{"u2", "u3"} {
			st := e.state("w1", u)
			if st.Status != string(activities.SignupOffered) || st.OfferExpiresAt == nil || !st.OfferExpiresAt.Equal(e.clk.Now().Add(activities.OfferWindow)) {
				t.Fatalf("%s after the capacity grew: %s until %v", u, st.Status, st.OfferExpiresAt)
			}
		}
		if e.count("w1") != 4 {
			t.Fatalf("counter %d, want 4 (two holds, two offers)", e.count("w1"))
		}
		// The one seat nobody waited for is open.
		if sg, _ := e.signUp("w1", "u4"); sg.Status != activities.SignupPendingPayment || e.count("w1") != 5 {
			t.Fatalf("newcomer: %s, counter %d", sg.Status, e.count("w1"))
		}
		if sg, _ := e.signUp("w1", "u5"); sg.Status != activities.SignupWaitlisted {
			t.Fatalf("when full again: %s", sg.Status)
		}
		// Editing without new seats offers nothing.
		title := "改个名"
		if _, err := e.svc.Update(as("org"), "w1", activities.Draft{Title: &title}); err != nil {
			t.Fatal(err)
		}
		if st := e.state("w1", "u5"); st.Status != string(activities.SignupWaitlisted) || e.count("w1") != 5 {
			t.Fatalf("u5 %s, counter %d", st.Status, e.count("w1"))
		}
	})
}

// A checked-in participant cannot give up the seat (attended, nothing to
// refund), whatever the cancel cutoff: 409 signup.checked_in, and the
// seat and its payment stay as they are.
func TestCheckedInCannotSelfCancel(t *testing.T) {
	eachDB(t, func(t *testing.T, e *paidEnv) {
		ctx := context.Background()
		e.svc.SetSignupPolicy(activities.SignupPolicy{PaymentHold: 15 * time.Minute, LateRefundPercent: 50})
		e.activity("k1", 1, 2)
		_, o := e.signUp("k1", "u1")
		if _, err := e.svc.ConfirmPayment(ctx, e.pay1(o.No)); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(47 * time.Hour) // check-in is open
		if _, err := e.st.CheckIn(ctx, e.state("k1", "u1").ID, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		_, err := e.svc.CancelMine(as("u1"), "k1")
		var ee *errs.Error
		if !errors.As(err, &ee) || ee.Code != "signup.checked_in" || ee.Kind != errs.KindConflict {
			t.Fatalf("self-cancelling after check-in: %v", err)
		}
		if _, err := e.st.CancelSignup(ctx, "k1", "u1", e.clk.Now(), "", nil); !errors.Is(err, activities.ErrSignupCheckedIn) {
			t.Fatalf("store: %v", err)
		}
		st := e.state("k1", "u1")
		if st.Status != string(activities.SignupCheckedIn) || st.RefundFen != 0 || e.count("k1") != 1 || len(e.events(activities.TopicRefundRequested, "k1")) != 0 {
			t.Fatalf("after the refused cancel: %+v, counter %d", st, e.count("k1"))
		}
	})
}

// Cancelling an activity ends its waitlist and its open offers too (they
// are cancelled with it); an offer can only be accepted while the activity
// is published or formed. An offer made before the deadline may still be
// accepted after it, within its window, on an activity that stays open.
func TestCancellationEndsWaitlistAndOffers(t *testing.T) {
	eachDB(t, func(t *testing.T, e *paidEnv) {
		ctx := context.Background()
		e.activity("x1", 2, 2)
		e.signUp("x1", "u1") // holds
		e.signUp("x1", "u2")
		e.signUp("x1", "u3") // waitlisted
		e.signUp("x1", "u4")
		if _, err := e.svc.CancelMine(as("u1"), "x1"); err != nil {
			t.Fatal(err)
		}
		if st := e.state("x1", "u3"); st.Status != string(activities.SignupOffered) {
			t.Fatalf("u3 %s", st.Status)
		}
		if _, err := e.svc.Cancel(as("org"), "x1", "场地维修"); err != nil {
			t.Fatal(err)
		}
		for u, want := range map[string]activities.SignupStatus{"u2": activities.SignupCancelled, "u3": activities.SignupCancelled, "u4": activities.SignupCancelled} {
			if st := e.state("x1", u); st.Status != string(want) || st.CancelledAt == nil {
				t.Fatalf("%s after the activity's cancellation: %s (cancelled at %v)", u, st.Status, st.CancelledAt)
			}
		}
		if _, err := e.st.AcceptOffer(ctx, "x1", "u3", e.clk.Now()); !errors.Is(err, activities.ErrNoOffer) {
			t.Fatalf("accepting the offer of a cancelled activity: %v", err)
		}
		if sg, err := e.st.ActiveSignup(ctx, "x1", "u4"); err != nil || sg != nil {
			t.Fatalf("u4 still active: %+v %v", sg, err)
		}

		// An offer left open on a closed activity cannot be accepted.
		seedActivity(t, e.st, "x2", 1, 1, e.clk.Now())
		e.signUp("x2", "u1")
		e.signUp("x2", "u2")
		if _, err := e.svc.CancelMine(as("u1"), "x2"); err != nil {
			t.Fatal(err)
		}
		if err := e.db.Gorm.Model(&row{}).Where("id = ?", "x2").Update("status", string(activities.StatusFinished)).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := e.st.AcceptOffer(ctx, "x2", "u2", e.clk.Now()); !errors.Is(err, activities.ErrNoOffer) {
			t.Fatalf("accepting an offer of a finished activity: %v", err)
		}
		if st := e.state("x2", "u2"); st.Status != string(activities.SignupOffered) {
			t.Fatalf("u2 %s", st.Status)
		}

		// Offered an hour before the deadline, accepted half an hour after it.
		seedActivity(t, e.st, "x3", 1, 1, e.clk.Now())
		e.signUp("x3", "u1") // formed
		e.signUp("x3", "u2")
		e.clk.Advance(23 * time.Hour)
		if _, err := e.svc.CancelMine(as("u1"), "x3"); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(90 * time.Minute)
		if sg, err := e.svc.AcceptOffer(as("u2"), "x3"); err != nil || sg.Status != activities.SignupConfirmed {
			t.Fatalf("accepting after the deadline within the window: %+v %v", sg, err)
		}
	})
}
