package app

import (
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
