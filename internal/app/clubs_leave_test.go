package app

import (
	"context"
	"testing"
	"time"
)

// Someone no longer in a club — they left, an officer removed them, or
// they were banned — is taken off the club's members-only activities that
// have not started: the seat goes back, a paid one refunded (in full when
// the club took them out). Public club activities and other members keep
// their sign-ups; handling the event again changes nothing.
func TestLeavingAClubEndsItsMembersOnlySignups(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		cat := a.clubCategory(t, root, "体育")
		owner := a.register(t, "13620000001", "secret-pass-1")
		alice := a.register(t, "13620000002", "secret-pass-1")
		bob := a.register(t, "13620000003", "secret-pass-1")
		carol := a.register(t, "13620000004", "secret-pass-1")
		dave := a.register(t, "13620000005", "secret-pass-1")
		club := a.activeClub(t, root, cat, "飞盘社", owner, nil, []tokens{alice, bob, carol, dave})
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "训练"}).json(t)["id"])
		start := time.Now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Second)
		create := func(title, visibility string, priceFen int64) string {
			t.Helper()
			body := activityBody(typeID, start)
			body["club_id"], body["title"], body["visibility"], body["price_fen"] = club, title, visibility, priceFen
			r := a.api(t, "POST", "/activities", owner.Access, body)
			expect(t, r, 201, "")
			id := str(r.json(t)["id"])
			expect(t, a.api(t, "POST", "/activities/"+id+"/publish", owner.Access, nil), 200, "")
			return id
		}
		hidden := create("社内训练", "members", 0)
		paid := create("社内联赛", "members", 3000)
		public := create("飞盘公开课", "public", 0)

		for _, who := range []tokens{alice, carol, dave} {
			expect(t, a.api(t, "POST", "/activities/"+hidden+"/signups", who.Access, nil), 201, "")
		}
		expect(t, a.api(t, "POST", "/activities/"+public+"/signups", alice.Access, nil), 201, "")
		_, order := signUpPaid(t, a, bob.Access, paid)
		sandboxPaid(t, a, bob.Access, order)
		eventually(t, "bob's paid seat", func() bool { return str(mySignup(t, a, bob.Access, paid)["status"]) == "confirmed" })

		status := func(activityID string, who tokens) string {
			t.Helper()
			var s string
			if err := a.DB.Gorm.WithContext(context.Background()).Raw(
				"SELECT status FROM signups WHERE activity_id = ? AND user_id = ? ORDER BY created_at DESC LIMIT 1", activityID, who.UserID).Scan(&s).Error; err != nil {
				t.Fatal(err)
			}
			return s
		}

		// Alice leaves: off the members-only one, still on the public one.
		expect(t, a.api(t, "DELETE", "/clubs/"+club+"/members/"+alice.UserID, alice.Access, nil), 204, "")
		eventually(t, "alice's members-only sign-up cancelled", func() bool { return status(hidden, alice) == "cancelled" })
		if got := status(public, alice); got != "confirmed" {
			t.Fatalf("alice's public sign-up %s, want confirmed", got)
		}
		// Bob is removed by the owner: his paid seat is refunded in full.
		expect(t, a.api(t, "DELETE", "/clubs/"+club+"/members/"+bob.UserID, owner.Access, nil), 204, "")
		eventually(t, "bob's paid seat refunded", func() bool { return status(paid, bob) == "refunded" })
		if n := count(t, a, "SELECT COUNT(*) FROM signups WHERE activity_id = ? AND user_id = ? AND refund_fen = 3000", paid, bob.UserID); n != 1 {
			t.Fatalf("bob's refund: %d sign-ups refunded 3000 fen, want 1", n)
		}
		eventually(t, "bob's refund settled", func() bool {
			return count(t, a, "SELECT COUNT(*) FROM refunds WHERE amount_fen = 3000 AND status = 'succeeded'") == 1
		})
		// Carol is banned.
		expect(t, a.api(t, "POST", "/clubs/"+club+"/bans", owner.Access, map[string]any{"user_id": carol.UserID, "reason": "违反社规"}), 201, "")
		eventually(t, "carol's members-only sign-up cancelled", func() bool { return status(hidden, carol) == "cancelled" })
		// Dave, still a member, keeps his.
		if got := status(hidden, dave); got != "confirmed" {
			t.Fatalf("dave's sign-up %s, want confirmed", got)
		}
		// The events handled again change nothing.
		for _, who := range []tokens{alice, bob, carol} {
			n, err := a.Activities.LeftClub(context.Background(), club, who.UserID, true)
			if err != nil || n != 0 {
				t.Fatalf("again for %s: %d cancelled, %v", who.UserID, n, err)
			}
		}
		if n := count(t, a, "SELECT COUNT(*) FROM refunds WHERE amount_fen = 3000"); n != 1 {
			t.Fatalf("%d refunds of bob's seat, want 1", n)
		}
	})
}
