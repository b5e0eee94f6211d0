package app

import (
	"strings"
	"testing"
	"time"
)

// Over HTTP: once somebody signed up, the price and the member restriction
// answer 409 activity.locked_after_signup; lowering the minimum to the
// confirmed sign-ups forms the activity at once.
func TestActivityTermsLockedAfterSignup(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "运动"}).json(t)["id"])
		org := a.organizer(t, root, "13100000001")
		user := a.register(t, "13100000003", "secret-pass-1")
		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
		r := a.api(t, "POST", "/activities", org.Access, activityBody(typeID, start))
		expect(t, r, 201, "")
		id := str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/activities/"+id+"/publish", org.Access, nil), 200, "")
		expect(t, a.api(t, "PATCH", "/activities/"+id, org.Access, map[string]any{"price_fen": 100}), 200, "")
		expect(t, a.api(t, "PATCH", "/activities/"+id, org.Access, map[string]any{"price_fen": 0}), 200, "")
		expect(t, a.api(t, "POST", "/activities/"+id+"/signups", user.Access, nil), 201, "")
		expect(t, a.api(t, "PATCH", "/activities/"+id, org.Access, map[string]any{"price_fen": 100}), 409, "activity.locked_after_signup")
		expect(t, a.api(t, "PATCH", "/activities/"+id, org.Access, map[string]any{"member_only": true}), 409, "activity.locked_after_signup")
		up := a.api(t, "PATCH", "/activities/"+id, org.Access, map[string]any{"min_participants": 1})
		expect(t, up, 200, "")
		if got := str(up.json(t)["status"]); got != "formed" {
			t.Fatalf("after lowering the minimum to the one sign-up: %s", up.Body)
		}
		if ev := outboxPayloads(t, a, "activities.formed", id); len(ev) != 1 {
			t.Fatalf("%d formed events", len(ev))
		}
	})
}

// A draft cancelled before it was ever published stays as private as a
// draft: only its organizer and staff see it. An activity cancelled after
// publication stays public (its participants need to see why).
func TestActivityCancelledDraftStaysPrivate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "运动"}).json(t)["id"])
		org := a.organizer(t, root, "13100000001")
		user := a.register(t, "13100000003", "secret-pass-1")
		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
		draft := str(a.api(t, "POST", "/activities", org.Access, activityBody(typeID, start)).json(t)["id"])
		expect(t, a.api(t, "POST", "/activities/"+draft+"/cancel", org.Access, map[string]any{"reason": "不办了"}), 200, "")
		for _, tok := range []string{"", user.Access} {
			expect(t, a.api(t, "GET", "/activities/"+draft, tok, nil), 404, "activity.not_found")
			expect(t, a.api(t, "POST", "/activities/"+draft+"/signups", user.Access, nil), 404, "activity.not_found")
		}
		for _, tok := range []string{org.Access, root.Access} {
			r := a.api(t, "GET", "/activities/"+draft, tok, nil)
			expect(t, r, 200, "")
			if str(r.json(t)["status"]) != "cancelled" {
				t.Fatalf("organizer's view: %s", r.Body)
			}
		}
		pub := str(a.api(t, "POST", "/activities", org.Access, activityBody(typeID, start)).json(t)["id"])
		expect(t, a.api(t, "POST", "/activities/"+pub+"/publish", org.Access, nil), 200, "")
		expect(t, a.api(t, "POST", "/activities/"+pub+"/cancel", org.Access, map[string]any{"reason": "下雨"}), 200, "")
		expect(t, a.api(t, "GET", "/activities/"+pub, "", nil), 200, "")
	})
}

// Staff editing or publishing someone else's activity is audited in the
// same transaction, one row each; the organizer's own changes are not.
func TestStaffActivityChangesAudited(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "运动"}).json(t)["id"])
		org := a.organizer(t, root, "13100000001")
		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
		id := str(a.api(t, "POST", "/activities", org.Access, activityBody(typeID, start)).json(t)["id"])
		rows := func(action string) []any {
			t.Helper()
			r := a.api(t, "GET", "/admin/audit-logs?action="+action, root.Access, nil)
			expect(t, r, 200, "")
			return r.json(t)["items"].([]any)
		}
		expect(t, a.api(t, "PATCH", "/activities/"+id, org.Access, map[string]any{"title": "组织者自己改"}), 200, "")
		expect(t, a.api(t, "PATCH", "/activities/"+id, root.Access, map[string]any{"title": "管理员改的标题"}), 200, "")
		expect(t, a.api(t, "POST", "/activities/"+id+"/publish", root.Access, nil), 200, "")
		own := str(a.api(t, "POST", "/activities", org.Access, activityBody(typeID, start)).json(t)["id"])
		expect(t, a.api(t, "POST", "/activities/"+own+"/publish", org.Access, nil), 200, "")
		for _, action := range []string{"activity.update", "activity.publish"} {
			items := rows(action)
			if len(items) != 1 {
				t.Fatalf("%s: %d audit rows, want 1", action, len(items))
			}
			if e := items[0].(map[string]any); str(e["target_id"]) != id || str(e["target_type"]) != "activity" {
				t.Fatalf("%s audit row: %v", action, e)
			}
		}
		upd := rows("activity.update")[0].(map[string]any)
		if s := str(upd["before"]) + str(upd["after"]); !strings.Contains(s, "组织者自己改") || !strings.Contains(s, "管理员改的标题") {
			t.Fatalf("update audit row lacks before/after: %v", upd)
		}
	})
}
