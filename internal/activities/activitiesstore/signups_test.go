package activitiesstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

func seedActivity(t *testing.T, s *Store, id string, min, max int, now time.Time) {
	t.Helper()
	ctx := context.Background()
	if err := s.CreateType(ctx, &activities.Type{ID: "type-" + id, Name: "类型" + id, CreatedAt: now}, activities.Audit{Action: "test"}); err != nil {
		t.Fatal(err)
	}
	a := &activities.Activity{ID: id, Title: "t", TypeID: "type-" + id, City: "上海", StartAt: now.Add(48 * time.Hour),
		EndAt: now.Add(50 * time.Hour), SignupDeadline: now.Add(24 * time.Hour), MinParticipants: min, MaxParticipants: max,
		Status: activities.StatusPublished, OrganizerID: "org", CreatedAt: now, UpdatedAt: now}
	if err := s.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
}

type signupFunc func(ctx context.Context, in *activities.Signup, now time.Time) (*activities.Signup, error)

// naiveSignUp is the read-then-write implementation the real one must not
// be: it checks the count, then writes, with a gap between.
func naiveSignUp(s *Store) signupFunc {
	return func(ctx context.Context, in *activities.Signup, now time.Time) (*activities.Signup, error) {
		var a row
		if err := s.db.WithContext(ctx).Where("id = ?", in.ActivityID).Take(&a).Error; err != nil {
			return nil, err
		}
		status := activities.SignupWaitlisted
		if a.ParticipantCount < a.MaxParticipants {
			status = activities.SignupConfirmed
			time.Sleep(time.Millisecond) // the gap any real request has between read and write
			if err := s.db.WithContext(ctx).Exec("UPDATE activities SET participant_count = ? WHERE id = ?", a.ParticipantCount+1, a.ID).Error; err != nil {
				return nil, err
			}
		}
		r := signupRow{ID: in.ID, ActivityID: in.ActivityID, UserID: in.UserID, Status: string(status), CheckInCode: "x",
			CreatedAt: now, UpdatedAt: now}
		return nil, s.db.WithContext(ctx).Create(&r).Error
	}
}

// crowd signs n distinct users (plus repeats of some of them) up at once
// and returns how many confirmed sign-ups and how many rows per user exist.
func crowd(t *testing.T, db *sqldb.DB, signUp signupFunc, activityID string, n int, now time.Time) (confirmed int64, dupUsers int64) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		for rep := range 2 { // every user also double-clicks
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, _ = signUp(ctx, &activities.Signup{ID: fmt.Sprintf("%s-%d-%d", activityID, i, rep), ActivityID: activityID,
					UserID: fmt.Sprintf("u%d", i), CheckInCode: "c"}, now)
			}()
		}
	}
	close(start)
	wg.Wait()
	db.Gorm.Model(&signupRow{}).Where("activity_id = ? AND status = ?", activityID, "confirmed").Count(&confirmed)
	db.Gorm.Raw(`SELECT COUNT(*) FROM (SELECT user_id FROM signups WHERE activity_id = ? AND status IN ('confirmed','waitlisted')
		GROUP BY user_id HAVING COUNT(*) > 1) d`, activityID).Scan(&dupUsers)
	return confirmed, dupUsers
}

// Acceptance 2 of the activities issue: never oversold, on either database,
// and the same test catches a naive implementation.
func TestNoOversell(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s := New(db)
		now := time.Now().UTC().Truncate(time.Second)
		const capacity, users, runs = 5, 30, 20
		for run := range runs {
			id := fmt.Sprintf("act-%d", run)
			seedActivity(t, s, id, 3, capacity, now)
			confirmed, dups := crowd(t, db, s.SignUp, id, users, now)
			var a row
			db.Gorm.Where("id = ?", id).Take(&a)
			if confirmed != capacity || a.ParticipantCount != capacity || dups != 0 {
				t.Fatalf("run %d: %d confirmed, counter %d, %d duplicated users (capacity %d)", run, confirmed, a.ParticipantCount, dups, capacity)
			}
			if a.Status != string(activities.StatusFormed) {
				t.Fatalf("run %d: status %s, want formed", run, a.Status)
			}
			var formed int64
			db.Gorm.Table("outbox_events").Where("topic = ? AND payload LIKE ?", activities.TopicFormed, "%\""+id+"\"%").Count(&formed)
			if formed != 1 {
				t.Fatalf("run %d: %d activities.formed events, want 1", run, formed)
			}
		}
		// The naive read-then-write version oversells under the same crowd.
		oversold := 0
		for run := range 5 {
			id := fmt.Sprintf("naive-%d", run)
			seedActivity(t, s, id, 3, capacity, now)
			if confirmed, _ := crowd(t, db, naiveSignUp(s), id, users, now); confirmed > capacity {
				oversold++
			}
		}
		if oversold == 0 {
			t.Fatal("the naive implementation never oversold: the test cannot tell")
		}
	}, audit.Migrations(), outbox.Migrations(), Migrations())
}

func TestCancelFreesSeatAndWaitlistOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := New(db)
		now := time.Now().UTC().Truncate(time.Second)
		seedActivity(t, s, "a1", 1, 2, now)
		for i := range 4 {
			sg, err := s.SignUp(ctx, &activities.Signup{ID: fmt.Sprint(i), ActivityID: "a1", UserID: fmt.Sprint("u", i), CheckInCode: "c"}, now)
			if err != nil {
				t.Fatal(err)
			}
			want := activities.SignupConfirmed
			if i >= 2 {
				want = activities.SignupWaitlisted
			}
			if sg.Status != want || (want == activities.SignupWaitlisted && sg.Position != i-1) {
				t.Fatalf("sign-up %d: %s position %d", i, sg.Status, sg.Position)
			}
		}
		if _, err := s.SignUp(ctx, &activities.Signup{ID: "dup", ActivityID: "a1", UserID: "u0", CheckInCode: "c"}, now); err != activities.ErrAlreadySignedUp {
			t.Fatalf("second sign-up: %v", err)
		}
		if _, err := s.CancelSignup(ctx, "a1", "u0", now, "", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CancelSignup(ctx, "a1", "u0", now, "", nil); err != activities.ErrSignupNotFound {
			t.Fatalf("cancel twice: %v", err)
		}
		// The freed seat is offered to the first on the waitlist and stays held.
		state := func(user string) activities.SignupStatus {
			sg, err := s.ActiveSignup(ctx, "a1", user)
			if err != nil {
				t.Fatal(err)
			}
			if sg == nil {
				return ""
			}
			return sg.Status
		}
		a, _ := s.Get(ctx, "a1")
		if a.ParticipantCount != 2 || state("u2") != activities.SignupOffered || state("u3") != activities.SignupWaitlisted {
			t.Fatalf("after cancel: counter %d, u2 %s, u3 %s", a.ParticipantCount, state("u2"), state("u3"))
		}
		// The offer expires unanswered: it moves on to u3.
		if n, err := s.ExpireOffers(ctx, now.Add(activities.OfferWindow-time.Minute), 10); err != nil || n != 0 {
			t.Fatalf("early expiry: %d %v", n, err)
		}
		if n, err := s.ExpireOffers(ctx, now.Add(activities.OfferWindow), 10); err != nil || n != 1 {
			t.Fatalf("expiry: %d %v", n, err)
		}
		if state("u2") != "" || state("u3") != activities.SignupOffered {
			t.Fatalf("after expiry: u2 %s, u3 %s", state("u2"), state("u3"))
		}
		if _, err := s.AcceptOffer(ctx, "a1", "u2", now.Add(activities.OfferWindow)); err != activities.ErrNoOffer {
			t.Fatalf("accepting an expired offer: %v", err)
		}
		if sg, err := s.AcceptOffer(ctx, "a1", "u3", now.Add(activities.OfferWindow)); err != nil || sg.Status != activities.SignupConfirmed {
			t.Fatalf("accept: %v %v", sg, err)
		}
		// With nobody waiting, a freed seat goes back to the counter.
		if _, err := s.CancelSignup(ctx, "a1", "u1", now.Add(activities.OfferWindow), "", nil); err != nil {
			t.Fatal(err)
		}
		a, _ = s.Get(ctx, "a1")
		if a.ParticipantCount != 1 {
			t.Fatalf("counter with nobody waiting: %d", a.ParticipantCount)
		}
		// A cancelled user may sign up again.
		if sg, err := s.SignUp(ctx, &activities.Signup{ID: "again", ActivityID: "a1", UserID: "u0", CheckInCode: "c"}, now); err != nil || sg.Status != activities.SignupConfirmed {
			t.Fatalf("sign up again: %v %v", sg, err)
		}
		// After the deadline nobody can sign up.
		if _, err := s.SignUp(ctx, &activities.Signup{ID: "late", ActivityID: "a1", UserID: "u9", CheckInCode: "c"}, now.Add(25*time.Hour)); err != activities.ErrSignupClosed {
			t.Fatalf("late sign-up: %v", err)
		}
	}, audit.Migrations(), outbox.Migrations(), Migrations())
}
