package clubsstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/clubs"
	"github.com/zuju/zuju/internal/clubs/clubsstore"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// eachDB runs fn on both databases with the store and its database.
func eachDB(t *testing.T, fn func(t *testing.T, s *clubsstore.Store, db *sqldb.DB)) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) { fn(t, clubsstore.New(db), db) }, audit.Migrations(), outbox.Migrations(), clubsstore.Migrations())
}

func auditCount(t *testing.T, db *sqldb.DB, action string) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm.Model(&audit.Entry{}).Where("action = ?", action).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// A ban takes the member out, drops their pending application, is audited,
// and holds until it ends or is lifted; an approval of a banned applicant
// is refused.
func TestBans(t *testing.T) {
	eachDB(t, func(t *testing.T, s *clubsstore.Store, db *sqldb.DB) {
		ctx := context.Background()
		seed(t, s)
		if err := s.CreateClub(ctx, club("k1", "篮球社", "c1", "owner")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Review(ctx, "k1", true, "", now); err != nil {
			t.Fatal(err)
		}
		join := func(id, user string) {
			t.Helper()
			if err := s.Apply(ctx, &clubs.Application{ID: id, ClubID: "k1", UserID: user, CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			if ok, err := s.Decide(ctx, id, true, "", "owner", now); err != nil || !ok {
				t.Fatalf("decide: %v %v", ok, err)
			}
		}
		join("a1", "m1")
		if err := s.Apply(ctx, &clubs.Application{ID: "a2", ClubID: "k1", UserID: "m2", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		until := now.Add(24 * time.Hour)
		if was, err := s.Ban(ctx, &clubs.Ban{ClubID: "k1", UserID: "m1", Reason: "缺席", By: "owner", CreatedAt: now}); err != nil || !was {
			t.Fatalf("ban m1: %v %v", was, err)
		}
		if was, err := s.Ban(ctx, &clubs.Ban{ClubID: "k1", UserID: "m2", Until: &until, By: "owner", CreatedAt: now}); err != nil || was {
			t.Fatalf("ban m2: %v %v", was, err)
		}
		if m, _ := s.Member(ctx, "k1", "m1"); m != nil {
			t.Fatal("m1 still a member")
		}
		if c, _ := s.Club(ctx, "k1"); c.MemberCount != 1 {
			t.Fatalf("member count %d", c.MemberCount)
		}
		if a, _ := s.Applications(ctx, "k1", clubs.ApplicationPending, 10); len(a) != 0 {
			t.Fatalf("pending applications after the ban: %v", a)
		}
		// The owner cannot be banned out of the club.
		if was, err := s.Ban(ctx, &clubs.Ban{ClubID: "k1", UserID: "owner", CreatedAt: now}); err != nil || was {
			t.Fatalf("ban the owner: %v %v", was, err)
		}
		if m, _ := s.Member(ctx, "k1", "owner"); m == nil || m.Role != clubs.RoleOwner {
			t.Fatal("the owner was removed")
		}
		if _, err := s.Unban(ctx, "k1", "owner", now); err != nil {
			t.Fatal(err)
		}
		list, err := s.Bans(ctx, "k1", now, 10)
		if err != nil || len(list) != 2 {
			t.Fatalf("bans: %+v %v", list, err)
		}
		if b, _ := s.ActiveBan(ctx, "k1", "m2", until.Add(time.Second)); b != nil {
			t.Fatalf("an ended ban holds: %+v", b)
		}
		if b, _ := s.ActiveBan(ctx, "k1", "m2", now); b == nil || b.Until == nil || !b.Until.Equal(until) || b.By != "owner" {
			t.Fatalf("m2's ban: %+v", b)
		}
		// An application that slipped in is not approved.
		if err := s.Apply(ctx, &clubs.Application{ID: "a3", ClubID: "k1", UserID: "m1", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Decide(ctx, "a3", true, "", "owner", now); !errors.Is(err, clubs.ErrBanned) {
			t.Fatalf("approving a banned applicant: %v", err)
		}
		if ok, err := s.Unban(ctx, "k1", "m1", now); err != nil || !ok {
			t.Fatalf("unban: %v %v", ok, err)
		}
		if ok, _ := s.Unban(ctx, "k1", "m1", now); ok {
			t.Fatal("unbanned twice")
		}
		if ok, err := s.Decide(ctx, "a3", true, "", "owner", now); err != nil || !ok {
			t.Fatalf("approve after the unban: %v %v", ok, err)
		}
		if n := auditCount(t, db, "club.ban"); n != 3 {
			t.Fatalf("%d ban audit rows", n)
		}
		if n := auditCount(t, db, "club.unban"); n != 2 { // the owner's and m1's
			t.Fatalf("%d unban audit rows", n)
		}
	})
}

// A ban and the approval of the same person's application, at the same
// time: whichever goes first, the person ends up banned and outside.
func TestBanRacesApproval(t *testing.T) {
	each(t, func(t *testing.T, s *clubsstore.Store) {
		ctx := context.Background()
		seed(t, s)
		if err := s.CreateClub(ctx, club("k1", "篮球社", "c1", "owner")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Review(ctx, "k1", true, "", now); err != nil {
			t.Fatal(err)
		}
		for i := range 15 {
			user, app := fmt.Sprintf("u%d", i), fmt.Sprintf("a%d", i)
			if err := s.Apply(ctx, &clubs.Application{ID: app, ClubID: "k1", UserID: user, CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var banErr, decideErr error
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, banErr = s.Ban(ctx, &clubs.Ban{ClubID: "k1", UserID: user, By: "owner", CreatedAt: now})
			}()
			go func() {
				defer wg.Done()
				_, decideErr = s.Decide(ctx, app, true, "", "owner", now)
			}()
			wg.Wait()
			if banErr != nil || (decideErr != nil && !errors.Is(decideErr, clubs.ErrBanned) && !errors.Is(decideErr, clubs.ErrApplicationNotFound)) {
				t.Fatalf("round %d: ban %v, decide %v", i, banErr, decideErr)
			}
			if m, _ := s.Member(ctx, "k1", user); m != nil {
				t.Fatalf("round %d: the banned user is a member", i)
			}
		}
		if c, _ := s.Club(ctx, "k1"); c.MemberCount != 1 {
			t.Fatalf("member count %d", c.MemberCount)
		}
	})
}
