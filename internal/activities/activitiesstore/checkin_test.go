package activitiesstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// parallel runs fn n times at once and returns how many returned nil.
func parallel(n int, fn func() error) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if fn() == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return ok
}

func noShows(t *testing.T, db *sqldb.DB, user string) int {
	t.Helper()
	var n []int
	if err := db.Gorm.Raw("SELECT no_show_count FROM user_no_shows WHERE user_id = ?", user).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if len(n) == 0 {
		return 0
	}
	return n[0]
}

// Check-in is one conditional update: of many concurrent scans one checks
// in, the others get ErrAlreadyCheckedIn with the sign-up. Finishing the
// activity marks the unchecked as no_show and counts them exactly once,
// however many sweeps finish it at the same time.
func TestCheckInAndNoShowsOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := New(db)
		now := time.Now().UTC().Truncate(time.Second)
		for _, id := range []string{"a1", "a2"} {
			seedActivity(t, s, id, 2, 5, now)
		}
		ids := map[string]string{}
		for i := range 4 {
			u := fmt.Sprint("u", i)
			sg, err := s.SignUp(ctx, &activities.Signup{ID: "a1-" + u, ActivityID: "a1", UserID: u, CheckInCode: "c"}, now)
			if err != nil || sg.Status != activities.SignupConfirmed {
				t.Fatalf("sign up %s: %v %v", u, sg, err)
			}
			ids[u] = sg.ID
		}
		// u2 also misses a2; u3 cancels before a1 ends.
		for _, u := range []string{"u2", "u9"} {
			if _, err := s.SignUp(ctx, &activities.Signup{ID: "a2-" + u, ActivityID: "a2", UserID: u, CheckInCode: "c"}, now); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.CancelSignup(ctx, "a1", "u3", now, "", nil); err != nil {
			t.Fatal(err)
		}
		// Before the activity formed nobody checks in; a1 and a2 formed at two sign-ups.
		if a, _ := s.Get(ctx, "a1"); a.Status != activities.StatusFormed {
			t.Fatalf("a1 is %s", a.Status)
		}

		at := now.Add(47 * time.Hour)
		if n := parallel(8, func() error { _, err := s.CheckIn(ctx, ids["u0"], at); return err }); n != 1 {
			t.Fatalf("%d concurrent scans checked in, want 1", n)
		}
		sg, err := s.CheckIn(ctx, ids["u0"], at.Add(time.Minute))
		if !errors.Is(err, activities.ErrAlreadyCheckedIn) || sg == nil || sg.Status != activities.SignupCheckedIn ||
			sg.CheckedInAt == nil || !sg.CheckedInAt.Equal(at) {
			t.Fatalf("second scan: %+v %v", sg, err)
		}
		if _, err := s.CheckIn(ctx, ids["u3"], at); !errors.Is(err, activities.ErrCheckInNotConfirmed) {
			t.Fatalf("check-in of a cancelled sign-up: %v", err)
		}
		if _, err := s.CheckIn(ctx, ids["u1"], at); err != nil {
			t.Fatal(err)
		}

		// Eight sweeps finish each activity at once: one wins per activity.
		end := now.Add(51 * time.Hour)
		for _, id := range []string{"a1", "a2"} {
			if n := parallel(8, func() error {
				_, err := s.SetStatus(ctx, id, activities.StatusFormed, activities.StatusFinished, end, "", activities.Audit{})
				return err
			}); n != 1 {
				t.Fatalf("%s finished %d times", id, n)
			}
		}
		want := map[string]activities.SignupStatus{"u0": activities.SignupCheckedIn, "u1": activities.SignupCheckedIn,
			"u2": activities.SignupNoShow, "u3": activities.SignupCancelled}
		for u, st := range want {
			sg, err := s.SignupByID(ctx, ids[u])
			if err != nil || sg.Status != st {
				t.Fatalf("%s: %v %v, want %s", u, sg, err, st)
			}
		}
		for u, n := range map[string]int{"u0": 0, "u1": 0, "u2": 2, "u3": 0, "u9": 1} {
			if got := noShows(t, db, u); got != n {
				t.Fatalf("%s has %d no-shows, want %d", u, got, n)
			}
		}
		// A no-show cannot be checked in afterwards, and the sweep does not count twice.
		if _, err := s.CheckIn(ctx, ids["u2"], end); !errors.Is(err, activities.ErrCheckInNotConfirmed) {
			t.Fatalf("check-in of a no-show: %v", err)
		}
		if _, err := s.SetStatus(ctx, "a1", activities.StatusFormed, activities.StatusFinished, end, "", activities.Audit{}); !errors.Is(err, activities.ErrBadTransition) {
			t.Fatalf("finishing again: %v", err)
		}
		if got := noShows(t, db, "u2"); got != 2 {
			t.Fatalf("u2 has %d no-shows after a repeated sweep", got)
		}

		// The roster carries the counts, in the order of the participants list.
		roster, err := s.Roster(ctx, "a1", activities.Audit{})
		if err != nil {
			t.Fatal(err)
		}
		if len(roster) != 4 {
			t.Fatalf("roster of %d", len(roster))
		}
		for i, p := range roster {
			if p.UserID != fmt.Sprint("u", i) || p.NoShowCount != map[string]int{"u2": 2}[p.UserID] {
				t.Fatalf("roster row %d: %+v", i, p)
			}
		}
	}, audit.Migrations(), outbox.Migrations(), Migrations())
}

// A check-in never lands on an activity that is no longer formed.
func TestCheckInNeedsFormedActivity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := New(db)
		now := time.Now().UTC().Truncate(time.Second)
		seedActivity(t, s, "p1", 3, 5, now)
		if _, err := s.SignUp(ctx, &activities.Signup{ID: "s1", ActivityID: "p1", UserID: "u1", CheckInCode: "c"}, now); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CheckIn(ctx, "s1", now); !errors.Is(err, activities.ErrCheckInClosed) {
			t.Fatalf("check-in on a published activity: %v", err)
		}
		if _, err := s.SignupByID(ctx, "nope"); !errors.Is(err, activities.ErrSignupNotFound) {
			t.Fatalf("unknown sign-up: %v", err)
		}
	}, audit.Migrations(), outbox.Migrations(), Migrations())
}

func reminderEvents(t *testing.T, db *sqldb.DB, activityID string, kind activities.ReminderKind) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm.Table("outbox_events").Where("topic = ? AND payload LIKE ? AND payload LIKE ?", activities.TopicReminder,
		"%\""+activityID+"\"%", "%\"kind\":\""+string(kind)+"\"%").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// A reminder is marked and its event written once, whoever sends it.
func TestRemindOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := New(db)
		now := time.Now().UTC().Truncate(time.Second)
		seedActivity(t, s, "r1", 1, 5, now) // starts at now+48h
		seedActivity(t, s, "r2", 1, 5, now)
		if _, err := s.SignUp(ctx, &activities.Signup{ID: "s1", ActivityID: "r1", UserID: "u1", CheckInCode: "c"}, now); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetStatus(ctx, "r2", activities.StatusPublished, activities.StatusCancelled, now, "x", activities.Audit{}); err != nil {
			t.Fatal(err)
		}
		at := now.Add(24*time.Hour + time.Minute)
		after, by := at.Add(2*time.Hour), at.Add(24*time.Hour)
		due, err := s.DueReminders(ctx, activities.Reminder24h, after, by, 10)
		if err != nil || len(due) != 1 || due[0] != "r1" {
			t.Fatalf("due: %v %v", due, err)
		}
		sent := 0
		var mu sync.Mutex
		parallel(8, func() error {
			ok, err := s.Remind(ctx, "r1", activities.Reminder24h, after, by, at)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				sent++
				mu.Unlock()
			}
			return err
		})
		if sent != 1 || reminderEvents(t, db, "r1", activities.Reminder24h) != 1 {
			t.Fatalf("24h reminder sent %d times, %d events", sent, reminderEvents(t, db, "r1", activities.Reminder24h))
		}
		var payload string
		db.Gorm.Table("outbox_events").Where("topic = ?", activities.TopicReminder).Select("payload").Scan(&payload)
		if want := `"participant_ids":["u1"]`; !strings.Contains(payload, want) {
			t.Fatalf("payload %s lacks %s", payload, want)
		}
		if due, _ := s.DueReminders(ctx, activities.Reminder24h, after, by, 10); len(due) != 0 {
			t.Fatalf("still due after sending: %v", due)
		}
		// The 2 h kind is separate; outside its window nothing is sent.
		if ok, _ := s.Remind(ctx, "r1", activities.Reminder2h, at, at.Add(2*time.Hour), at); ok {
			t.Fatal("2h reminder sent a day early")
		}
		if ok, _ := s.Remind(ctx, "r2", activities.Reminder24h, after, by, at); ok {
			t.Fatal("reminder of a cancelled activity")
		}
	}, audit.Migrations(), outbox.Migrations(), Migrations())
}

// The admin table filters by status and title (wildcards are literal) and
// counts every match; an audited roster read writes one audit row.
func TestAdminListAndAuditedRoster(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := New(db)
		now := time.Now().UTC().Truncate(time.Second)
		for i := range 3 {
			seedActivity(t, s, fmt.Sprint("l", i), 1, 5, now.Add(time.Duration(i)*time.Second))
		}
		db.Gorm.Exec("UPDATE activities SET title = '周末篮球局 100%' WHERE id = 'l1'")
		if _, err := s.SetStatus(ctx, "l2", activities.StatusPublished, activities.StatusCancelled, now, "", activities.Audit{}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			f     activities.AdminFilter
			total int64
			first string
		}{
			{activities.AdminFilter{Page: 1, PageSize: 2}, 3, "l2"},
			{activities.AdminFilter{Page: 2, PageSize: 2}, 3, "l0"},
			{activities.AdminFilter{Status: activities.StatusCancelled, Page: 1, PageSize: 10}, 1, "l2"},
			{activities.AdminFilter{Query: "篮球", Page: 1, PageSize: 10}, 1, "l1"},
			{activities.AdminFilter{Query: "0%", Page: 1, PageSize: 10}, 1, "l1"},
			{activities.AdminFilter{Query: "%", Page: 1, PageSize: 10}, 1, "l1"},
			{activities.AdminFilter{Query: "l0", Page: 1, PageSize: 10}, 1, "l0"},
		}
		for _, c := range cases {
			list, total, err := s.AdminList(ctx, c.f)
			if err != nil || total != c.total || len(list) == 0 || list[0].ID != c.first {
				t.Fatalf("%+v: %d %v first %v", c.f, total, err, list)
			}
		}
		var before, after int64
		db.Gorm.Model(&audit.Entry{}).Where("action = ?", "activity.export_participants").Count(&before)
		if _, err := s.Roster(ctx, "l0", activities.Audit{Action: "activity.export_participants", TargetType: "activity", TargetID: "l0"}); err != nil {
			t.Fatal(err)
		}
		db.Gorm.Model(&audit.Entry{}).Where("action = ?", "activity.export_participants").Count(&after)
		if before != 0 || after != 1 {
			t.Fatalf("audit rows %d → %d", before, after)
		}
	}, audit.Migrations(), outbox.Migrations(), Migrations())
}
