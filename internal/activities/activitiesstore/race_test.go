package activitiesstore

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/outbox"
)

// PostgreSQL races: a transaction is stopped right after one of its
// statements (pause) while another one runs, and the test waits for that
// other one to finish or to wait for a lock the stopped one holds.

type pauseKey struct{}

// pause stops, once, the transaction whose context carries it right after
// a statement whose SQL matches.
type pause struct {
	match   func(sql string) bool
	reached chan int // the stopped backend's pid
	resume  chan struct{}
	once    sync.Once
}

func newPause(match func(sql string) bool) *pause {
	return &pause{match: match, reached: make(chan int, 1), resume: make(chan struct{})}
}

func (p *pause) in(ctx context.Context) context.Context { return context.WithValue(ctx, pauseKey{}, p) }

// installPause registers the hook that makes pauses work on db.
func installPause(t *testing.T, db *gorm.DB) {
	t.Helper()
	hook := func(tx *gorm.DB) {
		p, ok := tx.Statement.Context.Value(pauseKey{}).(*pause)
		if !ok || tx.Error != nil || !p.match(tx.Statement.SQL.String()) {
			return
		}
		p.once.Do(func() {
			var pid int
			if err := tx.Statement.ConnPool.QueryRowContext(context.Background(), "SELECT pg_backend_pid()").Scan(&pid); err != nil {
				t.Errorf("backend pid: %v", err)
			}
			p.reached <- pid
			<-p.resume
		})
	}
	for _, err := range []error{
		db.Callback().Query().After("gorm:query").Register("test:pause_query", hook),
		db.Callback().Update().After("gorm:update").Register("test:pause_update", hook),
		db.Callback().Raw().After("gorm:raw").Register("test:pause_raw", hook),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// eachPG runs fn on PostgreSQL only (the races below need row locks that
// SQLite, with one writer at a time, never has).
func eachPG(t *testing.T, fn func(t *testing.T, e *paidEnv)) {
	db := dbtest.OpenPostgres(t, audit.Migrations(), outbox.Migrations(), Migrations())
	installPause(t, db.Gorm)
	fn(t, newPaidEnv(t, db))
}

// blockedBy reports whether some backend waits for a lock of pid, polling
// until one does (true) or done is closed first (false).
func blockedBy(t *testing.T, e *paidEnv, pid int, done <-chan struct{}) bool {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return false
		default:
		}
		var n int64
		if err := e.db.Gorm.Raw("SELECT COUNT(*) FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))", pid).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return true
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, not timing logic
	}
	t.Fatal("neither finished nor waiting for the paused transaction")
	return false
}

func sqlHas(parts ...string) func(string) bool {
	return func(sql string) bool {
		for _, p := range parts {
			if !strings.Contains(sql, p) {
				return false
			}
		}
		return true
	}
}

// paidFormed publishes a paid activity formed by u1's paid seat and
// returns that sign-up.
func (e *paidEnv) paidFormed(id string) signupRow {
	e.t.Helper()
	e.activity(id, 1, 2)
	_, o := e.signUp(id, "u1")
	if res, err := e.svc.ConfirmPayment(context.Background(), e.pay1(o.No)); err != nil || res.Outcome != activities.Confirmed {
		e.t.Fatalf("pay: %+v %v", res, err)
	}
	return e.state(id, "u1")
}

// A check-in while the activity is being cancelled waits for the
// cancellation (it takes the activity's row first) and then finds the
// seat refunded; the paid seat is refunded once.
func TestCheckInRacesActivityCancellation(t *testing.T) {
	eachPG(t, func(t *testing.T, e *paidEnv) {
		ctx := context.Background()
		sg := e.paidFormed("c1")
		p := newPause(sqlHas("paid_fen > 0"))
		cancelled := make(chan error, 1)
		go func() {
			_, err := e.st.SetStatus(p.in(ctx), "c1", activities.StatusFormed, activities.StatusCancelled, e.clk.Now(), "场地维修", activities.Audit{})
			cancelled <- err
		}()
		pid := <-p.reached // the cancellation listed the paid seats
		done := make(chan struct{})
		var cerr error
		go func() {
			_, cerr = e.st.CheckIn(ctx, sg.ID, e.clk.Now())
			close(done)
		}()
		waited := blockedBy(t, e, pid, done)
		close(p.resume)
		if err := <-cancelled; err != nil {
			t.Fatal(err)
		}
		<-done
		after := e.state("c1", "u1")
		refunds := e.events(activities.TopicRefundRequested, "c1")
		if !waited || !errors.Is(cerr, activities.ErrCheckInNotConfirmed) {
			t.Errorf("check-in did not wait for the cancellation (waited %v): %v", waited, cerr)
		}
		if after.Status != string(activities.SignupRefunded) || after.RefundFen != price || len(refunds) != 1 {
			t.Fatalf("paid seat of the cancelled activity: %s refund %d, %d refund events", after.Status, after.RefundFen, len(refunds))
		}
	})
}

// A seat that became checked in after the cancellation listed the paid
// seats is still refunded: the refund goes by what the seat is (seated,
// paid, not refunded yet), not by the status listed.
func TestCancellationRefundsSeatCheckedInMeanwhile(t *testing.T) {
	eachPG(t, func(t *testing.T, e *paidEnv) {
		ctx := context.Background()
		sg := e.paidFormed("c2")
		p := newPause(sqlHas("paid_fen > 0"))
		cancelled := make(chan error, 1)
		go func() {
			_, err := e.st.SetStatus(p.in(ctx), "c2", activities.StatusFormed, activities.StatusCancelled, e.clk.Now(), "场地维修", activities.Audit{})
			cancelled <- err
		}()
		<-p.reached
		// Written outside every lock the store takes, as an older replica would.
		if err := e.db.Gorm.Exec("UPDATE signups SET status = 'checked_in', checked_in_at = updated_at WHERE id = ?", sg.ID).Error; err != nil {
			t.Fatal(err)
		}
		close(p.resume)
		if err := <-cancelled; err != nil {
			t.Fatal(err)
		}
		after := e.state("c2", "u1")
		if refunds := e.events(activities.TopicRefundRequested, "c2"); after.Status != string(activities.SignupRefunded) || after.RefundFen != price || len(refunds) != 1 {
			t.Fatalf("seat checked in during the cancellation: %s refund %d, %d refund events", after.Status, after.RefundFen, len(refunds))
		}
	})
}

// offeredTo seeds a free activity with one seat whose holder left, so the
// seat is on offer to u2.
func (e *paidEnv) offeredTo(id string) {
	e.t.Helper()
	seedActivity(e.t, e.st, id, 1, 1, e.clk.Now())
	e.signUp(id, "u1")
	e.signUp(id, "u2") // waitlisted
	if _, err := e.svc.CancelMine(as("u1"), id); err != nil {
		e.t.Fatal(err)
	}
	if st := e.state(id, "u2"); st.Status != string(activities.SignupOffered) {
		e.t.Fatalf("u2 %s", st.Status)
	}
}

// noDeadlock fails on PostgreSQL's deadlock error.
func noDeadlock(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), "deadlock") {
		t.Errorf("%s: %v", what, err)
	}
}

// The offered user leaving while the offer expires: both take the
// activity's row first, so the later one waits and then finds the offer
// gone, and they never deadlock.
func TestExpireOfferRacesCancelSignup(t *testing.T) {
	eachPG(t, func(t *testing.T, e *paidEnv) {
		ctx := context.Background()
		e.offeredTo("d1")
		e.clk.Advance(activities.OfferWindow)
		now := e.clk.Now()
		p := newPause(sqlHas(`UPDATE "signups"`, "cancelled_at"))
		expired := make(chan error, 1)
		var n int
		go func() {
			var err error
			n, err = e.st.ExpireOffers(p.in(ctx), now, 10)
			expired <- err
		}()
		pid := <-p.reached // the offer is cancelled, its seat not passed on yet
		done := make(chan struct{})
		var cerr error
		go func() {
			_, cerr = e.st.CancelSignup(ctx, "d1", "u2", now, "", nil)
			close(done)
		}()
		if !blockedBy(t, e, pid, done) {
			t.Fatalf("the cancellation did not wait for the expiry: %v", cerr)
		}
		close(p.resume)
		eerr := <-expired
		<-done
		noDeadlock(t, "ExpireOffers", eerr)
		noDeadlock(t, "CancelSignup", cerr)
		if eerr != nil || n != 1 || !errors.Is(cerr, activities.ErrSignupNotFound) {
			t.Fatalf("expiry %d %v, cancellation %v", n, eerr, cerr)
		}
		if st := e.state("d1", "u2"); st.Status != string(activities.SignupCancelled) || e.count("d1") != 0 {
			t.Fatalf("u2 %s, counter %d", st.Status, e.count("d1"))
		}
	})
}

// The offered user accepting (the store's path of a free activity: the
// seat is confirmed at once) and leaving at the same moment, on an
// activity the accept forms: the leave waits for the accept, then gives
// the seat back; they never deadlock.
func TestAcceptOfferRacesCancelSignup(t *testing.T) {
	eachPG(t, func(t *testing.T, e *paidEnv) {
		ctx := context.Background()
		e.activity("d2", 2, 2)
		e.signUp("d2", "u1") // a hold, given up below
		_, o := e.signUp("d2", "u2")
		if _, err := e.svc.ConfirmPayment(ctx, e.pay1(o.No)); err != nil {
			t.Fatal(err)
		}
		e.signUp("d2", "u3") // waitlisted
		if _, err := e.svc.CancelMine(as("u1"), "d2"); err != nil {
			t.Fatal(err)
		}
		if st := e.state("d2", "u3"); st.Status != string(activities.SignupOffered) {
			t.Fatalf("u3 %s", st.Status)
		}
		now := e.clk.Now()
		p := newPause(sqlHas(`UPDATE "signups"`, "offer_expires_at"))
		accepted := make(chan error, 1)
		go func() {
			_, err := e.st.AcceptOffer(p.in(ctx), "d2", "u3", now)
			accepted <- err
		}()
		pid := <-p.reached // the offer is confirmed, the formation not done yet
		done := make(chan struct{})
		var cerr error
		go func() {
			_, cerr = e.st.CancelSignup(ctx, "d2", "u3", now, "", nil)
			close(done)
		}()
		if !blockedBy(t, e, pid, done) {
			t.Fatalf("the cancellation did not wait for the accept: %v", cerr)
		}
		close(p.resume)
		aerr := <-accepted
		<-done
		noDeadlock(t, "AcceptOffer", aerr)
		noDeadlock(t, "CancelSignup", cerr)
		if aerr != nil || cerr != nil {
			t.Fatalf("accept %v, cancellation %v", aerr, cerr)
		}
		a, _ := e.st.Get(ctx, "d2")
		if st := e.state("d2", "u3"); st.Status != string(activities.SignupCancelled) || a.Status != activities.StatusFormed || a.ParticipantCount != 1 {
			t.Fatalf("u3 %s, activity %s with %d seats", st.Status, a.Status, a.ParticipantCount)
		}
		if ev := e.events(activities.TopicFormed, "d2"); len(ev) != 1 {
			t.Fatalf("%d formed events", len(ev))
		}
	})
}
