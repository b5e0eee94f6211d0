package clubsstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/clubs"
	"github.com/zuju/zuju/internal/clubs/clubsstore"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/search"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

var now = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func each(t *testing.T, fn func(t *testing.T, s *clubsstore.Store)) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) { fn(t, clubsstore.New(db)) }, audit.Migrations(), outbox.Migrations(), clubsstore.Migrations())
}

func seed(t *testing.T, s *clubsstore.Store) {
	t.Helper()
	ctx := context.Background()
	for _, c := range []clubs.Category{{ID: "c1", Name: "体育"}, {ID: "c2", Name: "文艺", Sort: 1}} {
		c.CreatedAt = now
		if err := s.CreateCategory(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
}

func club(id, name, cat, owner string) *clubs.Club {
	return &clubs.Club{ID: id, Name: name, CategoryID: cat, Description: name + "的简介", OwnerID: owner, CreatedAt: now,
		Questions: []string{"你的专业？", "为什么加入？"}}
}

func TestClubLifecycleAndDirectory(t *testing.T) {
	each(t, func(t *testing.T, s *clubsstore.Store) {
		ctx := context.Background()
		seed(t, s)
		if err := s.CreateCategory(ctx, &clubs.Category{ID: "c3", Name: "体育", CreatedAt: now}); !errors.Is(err, clubs.ErrNameTaken) {
			t.Fatalf("duplicate category: %v", err)
		}
		for i, c := range []*clubs.Club{club("k1", "篮球社", "c1", "u1"), club("k2", "羽毛球协会", "c1", "u2"), club("k3", "合唱团", "c2", "u3")} {
			if err := s.CreateClub(ctx, c); err != nil {
				t.Fatalf("club %d: %v", i, err)
			}
		}
		if err := s.CreateClub(ctx, club("k4", "篮球社", "c2", "u4")); !errors.Is(err, clubs.ErrNameTaken) {
			t.Fatalf("same name while pending: %v", err)
		}
		got, err := s.Club(ctx, "k1")
		if err != nil || got.Status != clubs.StatusPending || got.MemberCount != 1 || len(got.Questions) != 2 {
			t.Fatalf("club: %+v %v", got, err)
		}
		if m, _ := s.Member(ctx, "k1", "u1"); m == nil || m.Role != clubs.RoleOwner {
			t.Fatalf("owner: %+v", m)
		}
		if list, _ := s.Directory(ctx, clubs.DirectoryFilter{Limit: 10}); len(list) != 0 {
			t.Fatalf("pending clubs listed: %v", list)
		}
		for _, id := range []string{"k1", "k2", "k3"} {
			if ok, err := s.Review(ctx, id, id != "k3", "", now); err != nil || !ok {
				t.Fatalf("review %s: %v %v", id, ok, err)
			}
		}
		if ok, _ := s.Review(ctx, "k1", false, "again", now); ok {
			t.Fatal("reviewed twice")
		}
		// A rejected club frees its name.
		if err := s.CreateClub(ctx, club("k5", "合唱团", "c2", "u5")); err != nil {
			t.Fatalf("name of a rejected club: %v", err)
		}
		if _, err := s.Review(ctx, "k5", true, "", now); err != nil {
			t.Fatal(err)
		}
		// Members: k2 gets two more.
		for _, u := range []string{"a", "b"} {
			app := &clubs.Application{ID: "ap-" + u, ClubID: "k2", UserID: u, Message: "想加入", CreatedAt: now}
			if err := s.Apply(ctx, app); err != nil {
				t.Fatal(err)
			}
			if ok, err := s.Decide(ctx, app.ID, true, "", "u2", now); err != nil || !ok {
				t.Fatalf("approve: %v %v", ok, err)
			}
		}
		list, err := s.Directory(ctx, clubs.DirectoryFilter{Limit: 10})
		if err != nil || len(list) != 3 || list[0].ID != "k2" || list[0].MemberCount != 3 {
			t.Fatalf("directory by members: %+v %v", list, err)
		}
		page, _ := s.Directory(ctx, clubs.DirectoryFilter{Limit: 1, After: &clubs.Cursor{Key: 3, ID: "k2"}})
		if len(page) != 1 || page[0].ID != "k1" {
			t.Fatalf("second page: %+v", page)
		}
		if hit, _ := s.Directory(ctx, clubs.DirectoryFilter{Limit: 10, Tokens: search.Tokens("羽毛球")}); len(hit) != 1 || hit[0].ID != "k2" {
			t.Fatalf("keyword: %+v", hit)
		}
		if hit, _ := s.Directory(ctx, clubs.DirectoryFilter{Limit: 10, CategoryID: "c2"}); len(hit) != 1 || hit[0].ID != "k5" {
			t.Fatalf("category: %+v", hit)
		}
		if hit, _ := s.Directory(ctx, clubs.DirectoryFilter{Limit: 10, Sort: clubs.SortRecent}); len(hit) != 3 {
			t.Fatalf("recent: %+v", hit)
		}
	})
}

func TestApplicationsRolesAndHandover(t *testing.T) {
	each(t, func(t *testing.T, s *clubsstore.Store) {
		ctx := context.Background()
		seed(t, s)
		if err := s.CreateClub(ctx, club("k1", "篮球社", "c1", "owner")); err != nil {
			t.Fatal(err)
		}
		// Concurrent applications of one person: one is pending.
		var ok atomic.Int32
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				err := s.Apply(ctx, &clubs.Application{ID: fmt.Sprint("x", i), ClubID: "k1", UserID: "u", CreatedAt: now})
				switch {
				case err == nil:
					ok.Add(1)
				case !errors.Is(err, clubs.ErrApplicationPending):
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 1 {
			t.Fatalf("%d pending applications of one person", ok.Load())
		}
		var pending string
		for i := range 8 {
			if a, err := s.Application(ctx, fmt.Sprint("x", i)); err == nil {
				pending = a.ID
			}
		}
		// Concurrent decisions: one wins, the count moves once.
		var decided atomic.Int32
		for range 6 {
			wg.Go(func() {
				if changed, err := s.Decide(ctx, pending, true, "", "owner", now); err != nil {
					t.Error(err)
				} else if changed {
					decided.Add(1)
				}
			})
		}
		wg.Wait()
		if c, _ := s.Club(ctx, "k1"); decided.Load() != 1 || c.MemberCount != 2 {
			t.Fatalf("%d decisions, %d members", decided.Load(), c.MemberCount)
		}
		// A rejection is remembered for the cooldown.
		if err := s.Apply(ctx, &clubs.Application{ID: "r1", ClubID: "k1", UserID: "v", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		if at, _ := s.LastRejection(ctx, "k1", "v"); at != nil {
			t.Fatal("a rejection before any")
		}
		if changed, err := s.Decide(ctx, "r1", false, "名额已满", "owner", now); err != nil || !changed {
			t.Fatal(err)
		}
		if at, _ := s.LastRejection(ctx, "k1", "v"); at == nil || !at.Equal(now) {
			t.Fatalf("last rejection: %v", at)
		}
		if _, err := s.Decide(ctx, "nope", true, "", "owner", now); !errors.Is(err, clubs.ErrApplicationNotFound) {
			t.Fatalf("unknown application: %v", err)
		}
		// Roles and the handover.
		if changed, _ := s.SetRole(ctx, "k1", "u", clubs.RoleOfficer); !changed {
			t.Fatal("promote")
		}
		if changed, _ := s.SetRole(ctx, "k1", "owner", clubs.RoleMember); changed {
			t.Fatal("the owner demoted by SetRole")
		}
		if err := s.Handover(ctx, "k1", "owner", "stranger", now); !errors.Is(err, clubs.ErrNotMember) {
			t.Fatalf("handover to a stranger: %v", err)
		}
		if m, _ := s.Member(ctx, "k1", "owner"); m.Role != clubs.RoleOwner {
			t.Fatalf("a failed handover changed the owner: %+v", m)
		}
		if err := s.Handover(ctx, "k1", "owner", "u", now); err != nil {
			t.Fatal(err)
		}
		if m, _ := s.Member(ctx, "k1", "u"); m.Role != clubs.RoleOwner {
			t.Fatalf("new owner: %+v", m)
		}
		if m, _ := s.Member(ctx, "k1", "owner"); m.Role != clubs.RoleOfficer {
			t.Fatalf("old owner: %+v", m)
		}
		if c, _ := s.Club(ctx, "k1"); c.OwnerID != "u" {
			t.Fatalf("owner id: %s", c.OwnerID)
		}
	})
}
