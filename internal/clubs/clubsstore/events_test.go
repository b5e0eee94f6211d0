package clubsstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/clubs"
	"github.com/zuju/zuju/internal/clubs/clubsstore"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// outboxEvents decodes the outbox events of a topic, oldest first.
func outboxEvents[T any](t *testing.T, db *sqldb.DB, topic string) []T {
	t.Helper()
	var raw []string
	if err := db.Gorm.Table("outbox_events").Where("topic = ?", topic).Order("created_at, id").Pluck("payload", &raw).Error; err != nil {
		t.Fatal(err)
	}
	out := make([]T, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal([]byte(r), &out[i]); err != nil {
			t.Fatalf("%s: %s: %v", topic, r, err)
		}
	}
	return out
}

// Each decision writes its one event in its own transaction: a decision
// that changes nothing (repeated) or is refused (a banned applicant)
// writes none.
func TestClubDecisionEventsInTheTransaction(t *testing.T) {
	eachDB(t, func(t *testing.T, s *clubsstore.Store, db *sqldb.DB) {
		ctx := context.Background()
		seed(t, s)
		if err := s.CreateClub(ctx, club("k1", "篮球社", "c1", "owner")); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := s.Review(ctx, "k1", false, "名称不规范", now); err != nil {
				t.Fatal(err)
			}
		}
		rev := outboxEvents[clubs.ReviewedEvent](t, db, clubs.TopicReviewed)
		if len(rev) != 1 || !rev[0].ReviewedAt.Equal(now) {
			t.Fatalf("reviewed: %+v", rev)
		}
		if rev[0].ReviewedAt = (time.Time{}); rev[0] != (clubs.ReviewedEvent{ClubID: "k1", ClubName: "篮球社", OwnerID: "owner", Status: clubs.StatusRejected,
			Reason: "名称不规范"}) {
			t.Fatalf("reviewed: %+v", rev)
		}
		if err := s.CreateClub(ctx, club("k2", "排球社", "c1", "owner")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Review(ctx, "k2", true, "", now); err != nil {
			t.Fatal(err)
		}
		for _, a := range []clubs.Application{{ID: "a1", UserID: "m1"}, {ID: "a2", UserID: "m2"}} {
			a.ClubID, a.CreatedAt = "k2", now
			if err := s.Apply(ctx, &a); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 {
			if _, err := s.Decide(ctx, "a1", true, "", "owner", now); err != nil {
				t.Fatal(err)
			}
		}
		until := now.Add(48 * time.Hour)
		if _, err := s.Ban(ctx, &clubs.Ban{ClubID: "k2", UserID: "m2", Reason: "刷屏", Until: &until, By: "owner", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		// m2's pending application went with the ban; one filed behind it
		// is refused, and the refusal writes no event.
		if err := s.Apply(ctx, &clubs.Application{ID: "a3", ClubID: "k2", UserID: "m2", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Decide(ctx, "a3", true, "", "owner", now); !errors.Is(err, clubs.ErrBanned) {
			t.Fatalf("approving a banned applicant: %v", err)
		}
		if _, err := s.Decide(ctx, "a3", false, "已封禁", "owner", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		dec := outboxEvents[clubs.ApplicationDecidedEvent](t, db, clubs.TopicApplicationDecided)
		if len(dec) != 2 || !dec[0].DecidedAt.Equal(now) || dec[1].ApplicationID != "a3" || dec[1].Approved || dec[1].Reason != "已封禁" {
			t.Fatalf("decided: %+v", dec)
		}
		if dec[0].DecidedAt = (time.Time{}); dec[0] != (clubs.ApplicationDecidedEvent{ApplicationID: "a1", ClubID: "k2", ClubName: "排球社", UserID: "m1",
			Approved: true, Status: clubs.ApplicationApproved, DecidedBy: "owner"}) {
			t.Fatalf("decided: %+v", dec)
		}
		bans := outboxEvents[clubs.MemberBannedEvent](t, db, clubs.TopicMemberBanned)
		if len(bans) != 1 || bans[0].UserID != "m2" || bans[0].ClubName != "排球社" || bans[0].Reason != "刷屏" || bans[0].WasMember ||
			bans[0].Until == nil || !bans[0].Until.Equal(until) || bans[0].BannedBy != "owner" || !bans[0].BannedAt.Equal(now) {
			t.Fatalf("banned: %+v", bans)
		}
	})
}

// Categories: counts by status, rename (unique), delete only when no
// club of any status is filed under it; every change audited.
func TestClubCategoryManagement(t *testing.T) {
	eachDB(t, func(t *testing.T, s *clubsstore.Store, db *sqldb.DB) {
		ctx := context.Background()
		seed(t, s)
		if err := s.CreateCategory(ctx, &clubs.Category{ID: "c3", Name: "学术", Sort: 2, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*clubs.Club{club("k1", "篮球社", "c1", "u1"), club("k2", "排球社", "c1", "u2"), club("k3", "合唱团", "c2", "u3")} {
			if err := s.CreateClub(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Review(ctx, "k1", true, "", now); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Dissolve(ctx, "k3", now); err != nil {
			t.Fatal(err)
		}
		uses, err := s.CategoryUses(ctx)
		if err != nil || len(uses) != 3 {
			t.Fatalf("uses: %+v %v", uses, err)
		}
		got := map[string][2]int{}
		for _, u := range uses {
			got[u.ID] = [2]int{u.Clubs, u.ActiveClubs}
		}
		if got["c1"] != [2]int{2, 1} || got["c2"] != [2]int{1, 0} || got["c3"] != [2]int{0, 0} || uses[0].ID != "c1" || uses[2].ID != "c3" {
			t.Fatalf("counts: %v (order %+v)", got, uses)
		}

		name, sort := "文体", -1
		if _, err := s.UpdateCategory(ctx, "c3", &name, nil); err != nil {
			t.Fatal(err)
		}
		taken := "体育"
		if _, err := s.UpdateCategory(ctx, "c3", &taken, nil); !errors.Is(err, clubs.ErrNameTaken) {
			t.Fatalf("rename to a name in use: %v", err)
		}
		if c, err := s.UpdateCategory(ctx, "c3", nil, &sort); err != nil || c.Name != "文体" || c.Sort != -1 {
			t.Fatalf("reorder: %+v %v", c, err)
		}
		if _, err := s.UpdateCategory(ctx, "nope", &name, nil); !errors.Is(err, clubs.ErrCategoryMissing) {
			t.Fatalf("rename a missing category: %v", err)
		}
		if cats, _ := s.Categories(ctx); cats[0].ID != "c3" || cats[0].Name != "文体" {
			t.Fatalf("categories after the edits: %+v", cats)
		}

		// c2 only has a dissolved club: still in use.
		for _, id := range []string{"c1", "c2"} {
			if err := s.DeleteCategory(ctx, id); !errors.Is(err, clubs.ErrCategoryInUse) {
				t.Fatalf("delete %s in use: %v", id, err)
			}
		}
		if err := s.DeleteCategory(ctx, "c3"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCategory(ctx, "c3"); !errors.Is(err, clubs.ErrCategoryMissing) {
			t.Fatalf("delete twice: %v", err)
		}
		if ok, _ := s.CategoryExists(ctx, "c3"); ok {
			t.Fatal("c3 still exists")
		}
		if n := auditCount(t, db, "club_category.update"); n != 2 {
			t.Fatalf("%d update audit rows", n)
		}
		if n := auditCount(t, db, "club_category.delete"); n != 1 {
			t.Fatalf("%d delete audit rows", n)
		}
	})
}
