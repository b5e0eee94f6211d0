package app

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// organizer returns an account with the organizer role, and a type id.
func (a *testApp) organizer(t *testing.T, root tokens, phone string) tokens {
	t.Helper()
	u := a.register(t, phone, "secret-pass-1")
	expect(t, a.api(t, "PUT", "/admin/users/"+u.UserID+"/roles", root.Access, map[string]any{"roles": []string{"organizer"}}), 200, "")
	return u
}

func activityBody(typeID string, start time.Time) map[string]any {
	return map[string]any{
		"title": "周末篮球局", "type_id": typeID, "city": "上海", "address": "徐汇区体育馆 3 号场",
		"lat": 31.18, "lng": 121.43, "start_at": start.Format(time.RFC3339), "end_at": start.Add(2 * time.Hour).Format(time.RFC3339),
		"signup_deadline": start.Add(-time.Hour).Format(time.RFC3339), "min_participants": 4, "max_participants": 10,
		"price_fen": 0, "description": "一起打球",
	}
}

func TestActivityLifecycleAndLockedFields(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		typ := a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "运动"})
		expect(t, typ, 201, "")
		typeID := str(typ.json(t)["id"])
		org := a.organizer(t, root, "13100000001")
		other := a.organizer(t, root, "13100000002")
		user := a.register(t, "13100000003", "secret-pass-1")
		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)

		expect(t, a.api(t, "POST", "/activities", user.Access, activityBody(typeID, start)), 403, "activity.cannot_create")
		expect(t, a.api(t, "POST", "/activities", "", activityBody(typeID, start)), 401, "auth.unauthenticated")
		created := a.api(t, "POST", "/activities", org.Access, activityBody(typeID, start))
		expect(t, created, 201, "")
		id := str(created.json(t)["id"])
		if str(created.json(t)["status"]) != "draft" {
			t.Fatalf("new activity: %s", created.Body)
		}
		// Drafts are invisible to others.
		expect(t, a.api(t, "GET", "/activities/"+id, "", nil), 404, "activity.not_found")
		expect(t, a.api(t, "GET", "/activities/"+id, user.Access, nil), 404, "activity.not_found")
		// Another organizer cannot manage it.
		expect(t, a.api(t, "PATCH", "/activities/"+id, other.Access, map[string]any{"title": "抢走"}), 403, "activity.not_organizer")
		expect(t, a.api(t, "POST", "/activities/"+id+"/publish", other.Access, nil), 403, "activity.not_organizer")
		expect(t, a.api(t, "POST", "/activities/"+id+"/cancel", other.Access, nil), 403, "activity.not_organizer")
		expect(t, a.api(t, "PATCH", "/activities/"+id, org.Access, map[string]any{"title": "周末篮球局（新手友好）"}), 200, "")

		// Concurrent publishes: exactly one succeeds.
		results := make(chan int, 4)
		for range 4 {
			go func() { results <- a.api(t, "POST", "/activities/"+id+"/publish", org.Access, nil).Status }()
		}
		ok := 0
		for range 4 {
			if <-results == 200 {
				ok++
			}
		}
		if ok != 1 {
			t.Fatalf("%d concurrent publishes succeeded", ok)
		}

		// Staged details: outsiders see the summary with the address locked.
		for _, tok := range []string{"", user.Access, other.Access} {
			v := a.api(t, "GET", "/activities/"+id, tok, nil)
			expect(t, v, 200, "")
			m := v.json(t)
			locked := m["locked_fields"].([]any)
			if m["address"] != nil || m["lat"] != nil || !slices.Contains(locked, any("address")) {
				t.Fatalf("outsider sees details: %s", v.Body)
			}
		}
		for _, tok := range []string{org.Access, root.Access} {
			v := a.api(t, "GET", "/activities/"+id, tok, nil)
			if str(v.json(t)["address"]) != "徐汇区体育馆 3 号场" || len(v.json(t)["locked_fields"].([]any)) != 0 {
				t.Fatalf("insider lacks details: %s", v.Body)
			}
		}

		// Discovery lists it; a draft of another organizer is not listed.
		expect(t, a.api(t, "POST", "/activities", other.Access, activityBody(typeID, start.Add(time.Hour))), 201, "")
		list := a.api(t, "GET", "/activities?city=上海", "", nil)
		expect(t, list, 200, "")
		if items := list.json(t)["items"].([]any); len(items) != 1 || str(items[0].(map[string]any)["id"]) != id {
			t.Fatalf("list: %s", list.Body)
		}
		if n := len(a.api(t, "GET", "/me/activities", other.Access, nil).json(t)["items"].([]any)); n != 1 {
			t.Fatalf("organizer's own list has %d items", n)
		}

		// Cancel by staff is audited; a cancelled activity cannot be published or edited.
		expect(t, a.api(t, "POST", "/activities/"+id+"/cancel", root.Access, map[string]any{"reason": "场地维修"}), 200, "")
		expect(t, a.api(t, "POST", "/activities/"+id+"/publish", org.Access, nil), 409, "activity.bad_transition")
		expect(t, a.api(t, "PATCH", "/activities/"+id, org.Access, map[string]any{"title": "x"}), 409, "activity.not_editable")
		logs := a.api(t, "GET", "/admin/audit-logs?action=activity.cancel", root.Access, nil)
		if n := len(logs.json(t)["items"].([]any)); n != 1 {
			t.Fatalf("cancel audit rows: %d", n)
		}
		expect(t, a.api(t, "DELETE", "/admin/activity-types/"+typeID, root.Access, nil), 409, "activity_type.in_use")
	})
}

func TestActivityPagination(t *testing.T) {
	a := startApp(t, single)
	root := a.admin(t, "root@example.com")
	typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "桌游"}).json(t)["id"])
	start := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	for i := range 5 {
		r := a.api(t, "POST", "/activities", root.Access, activityBody(typeID, start.Add(time.Duration(i%2)*time.Hour)))
		expect(t, r, 201, "")
		expect(t, a.api(t, "POST", "/activities/"+str(r.json(t)["id"])+"/publish", root.Access, nil), 200, "")
	}
	seen := map[string]bool{}
	cursor := ""
	for page := 0; page < 5; page++ {
		path := "/activities?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := a.api(t, "GET", path, "", nil)
		expect(t, r, 200, "")
		for _, it := range r.json(t)["items"].([]any) {
			id := str(it.(map[string]any)["id"])
			if seen[id] {
				t.Fatalf("activity %s on two pages", id)
			}
			seen[id] = true
		}
		next, _ := r.json(t)["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != 5 {
		t.Fatalf("pagination saw %d of 5", len(seen))
	}
	expect(t, a.api(t, "GET", "/activities?cursor=bm9wZQ", "", nil), 400, "activity.bad_cursor")
}

func TestActivityBadInput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "运动"}).json(t)["id"])
		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
		with := func(k string, v any) map[string]any { m := activityBody(typeID, start); m[k] = v; return m }
		cases := []struct {
			name   string
			body   map[string]any
			status int
			code   string
		}{
			{"end before start", with("end_at", start.Add(-time.Hour).Format(time.RFC3339)), 400, "activity.invalid"},
			{"deadline after start", with("signup_deadline", start.Add(time.Hour).Format(time.RFC3339)), 400, "activity.invalid"},
			{"min above max", with("min_participants", 20), 400, "activity.invalid"},
			{"negative price", with("price_fen", -1), 422, "request.invalid"},
			{"unknown type", with("type_id", "nope"), 400, "activity.unknown_type"},
			{"lat out of range", with("lat", 123.0), 422, "request.invalid"},
			{"oversized title", with("title", strings.Repeat("题", 300)), 422, "request.invalid"},
			{"long title", with("title", strings.Repeat("很长的标题", 13)), 400, "activity.invalid"},
			{"bad cover", with("cover_url", "javascript:alert(1)"), 400, "activity.invalid"},
			{"no title", with("title", "  "), 400, "activity.invalid"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				expect(t, a.api(t, "POST", "/activities", root.Access, c.body), c.status, c.code)
			})
		}
		expect(t, a.api(t, "GET", "/activities?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "", nil), 400, "activity.invalid")
		expect(t, a.api(t, "GET", "/activities?status=draft", "", nil), 422, "request.invalid")
		// Publishing after the deadline is refused.
		past := activityBody(typeID, time.Now().Add(30*time.Minute).UTC())
		r := a.api(t, "POST", "/activities", root.Access, past)
		expect(t, r, 201, "")
		expect(t, a.api(t, "POST", "/activities/"+str(r.json(t)["id"])+"/publish", root.Access, nil), 400, "activity.deadline_passed")
	})
}

func TestSignupsOverHTTP(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "运动"}).json(t)["id"])
		org := a.organizer(t, root, "13000000001")
		body := activityBody(typeID, time.Now().Add(72*time.Hour).UTC().Truncate(time.Second))
		body["min_participants"], body["max_participants"] = 2, 2
		id := str(a.api(t, "POST", "/activities", org.Access, body).json(t)["id"])
		// Drafts take no sign-ups.
		u1 := a.register(t, "13000000002", "secret-pass-1")
		expect(t, a.api(t, "POST", "/activities/"+id+"/signups", u1.Access, nil), 404, "activity.not_found")
		expect(t, a.api(t, "POST", "/activities/"+id+"/publish", org.Access, nil), 200, "")
		expect(t, a.api(t, "POST", "/activities/"+id+"/signups", org.Access, nil), 409, "signup.organizer")
		expect(t, a.api(t, "POST", "/activities/"+id+"/signups", "", nil), 401, "auth.unauthenticated")

		s1 := a.api(t, "POST", "/activities/"+id+"/signups", u1.Access, nil)
		expect(t, s1, 201, "")
		sg := s1.json(t)["signup"].(map[string]any)
		if str(sg["status"]) != "confirmed" || str(sg["check_in_code"]) == "" || s1.json(t)["order"] != nil {
			t.Fatalf("sign-up: %s", s1.Body)
		}
		expect(t, a.api(t, "POST", "/activities/"+id+"/signups", u1.Access, nil), 409, "signup.exists")
		// Idempotency-Key: concurrent retries of one request all get the first result.
		u5 := a.register(t, "13000000005", "secret-pass-1")
		ids := make(chan string, 4)
		for range 4 {
			go func() {
				r := a.api(t, "POST", "/activities/"+id+"/signups", u5.Access, nil, "Idempotency-Key", "retry-1")
				if r.Status != 201 {
					ids <- "status " + r.Header.Get("Content-Type") + string(r.Body)
					return
				}
				ids <- str(r.json(t)["signup"].(map[string]any)["id"])
			}()
		}
		first := <-ids
		for range 3 {
			if got := <-ids; got != first {
				t.Fatalf("idempotent retries answered %q and %q", first, got)
			}
		}
		expect(t, a.api(t, "DELETE", "/activities/"+id+"/signups/me", u5.Access, nil), 200, "")
		// The confirmed participant now sees the address.
		if a.api(t, "GET", "/activities/"+id, u1.Access, nil).json(t)["address"] == nil {
			t.Fatal("participant does not see the address")
		}
		u2 := a.register(t, "13000000003", "secret-pass-1")
		expect(t, a.api(t, "POST", "/activities/"+id+"/signups", u2.Access, nil), 201, "")
		// Two of two: formed.
		if st := str(a.api(t, "GET", "/activities/"+id, "", nil).json(t)["status"]); st != "formed" {
			t.Fatalf("status %s, want formed", st)
		}
		u3 := a.register(t, "13000000004", "secret-pass-1")
		w := a.api(t, "POST", "/activities/"+id+"/signups", u3.Access, nil)
		expect(t, w, 201, "")
		if ws := w.json(t)["signup"].(map[string]any); str(ws["status"]) != "waitlisted" || ws["position"].(float64) != 1 {
			t.Fatalf("waitlist: %s", w.Body)
		}
		// Only the organizer and staff see the participants; no one sees another's check-in code.
		expect(t, a.api(t, "GET", "/activities/"+id+"/signups", u1.Access, nil), 403, "activity.not_organizer")
		parts := a.api(t, "GET", "/activities/"+id+"/signups", org.Access, nil)
		expect(t, parts, 200, "")
		items := parts.json(t)["items"].([]any)
		if len(items) != 4 { // three active, one cancelled
			t.Fatalf("participants: %s", parts.Body)
		}
		for _, it := range items {
			if it.(map[string]any)["check_in_code"] != nil {
				t.Fatalf("organizer sees a check-in code: %s", parts.Body)
			}
		}
		// u2 cannot cancel u1's sign-up: DELETE …/me is always the caller's.
		expect(t, a.api(t, "DELETE", "/activities/"+id+"/signups/me", u1.Access, nil), 200, "")
		expect(t, a.api(t, "DELETE", "/activities/"+id+"/signups/me", u1.Access, nil), 404, "signup.not_found")
		// The freed seat is offered to u3, first on the waitlist, who takes it.
		if n := a.api(t, "GET", "/activities/"+id, "", nil).json(t)["participant_count"].(float64); n != 2 {
			t.Fatalf("participant_count %v after cancel with a waitlist", n)
		}
		expect(t, a.api(t, "POST", "/activities/"+id+"/signups/me/accept", u2.Access, nil), 409, "signup.no_offer")
		acc := a.api(t, "POST", "/activities/"+id+"/signups/me/accept", u3.Access, nil)
		expect(t, acc, 200, "")
		if str(acc.json(t)["status"]) != "confirmed" {
			t.Fatalf("accepted offer: %s", acc.Body)
		}
		mine := a.api(t, "GET", "/me/signups", u2.Access, nil)
		if it := mine.json(t)["items"].([]any); len(it) != 1 || str(it[0].(map[string]any)["status"]) != "confirmed" {
			t.Fatalf("my sign-ups: %s", mine.Body)
		}
	})
}

// The deadline passing below the minimum cancels the activity exactly once,
// even with two replicas sweeping at the same moment; a formed activity
// finishes after its end. Time is a test clock.
func TestDeadlineSweepOnTwoReplicas(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		db := ""
		if b == scaled {
			db = scaledDB(t)
		}
		dir := t.TempDir() // replicas share the SQLite file in the single-binary shape
		a := startReplica(t, testConfig(t, b, dir, db), withClock(clk))
		r2 := startReplica(t, testConfig(t, b, dir, db), withClock(clk))
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "运动"}).json(t)["id"])
		start := clk.Now().Add(72 * time.Hour).Truncate(time.Second)

		mk := func(min, max int) string {
			body := activityBody(typeID, start)
			body["min_participants"], body["max_participants"] = min, max
			id := str(a.api(t, "POST", "/activities", root.Access, body).json(t)["id"])
			expect(t, a.api(t, "POST", "/activities/"+id+"/publish", root.Access, nil), 200, "")
			return id
		}
		short, full := mk(3, 5), mk(1, 5)
		u := a.register(t, "13900000071", "secret-pass-1")
		expect(t, a.api(t, "POST", "/activities/"+short+"/signups", u.Access, nil), 201, "")
		expect(t, a.api(t, "POST", "/activities/"+full+"/signups", u.Access, nil), 201, "")

		// Before the deadline nothing happens.
		if n, err := a.Activities.Sweep(context.Background()); err != nil || n != 0 {
			t.Fatalf("early sweep: %d %v", n, err)
		}
		clk.Advance(72*time.Hour - 30*time.Minute) // past the deadline, before the start
		var wg sync.WaitGroup
		counts := make([]int, 2)
		for i, rep := range []*testApp{a, r2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := rep.Activities.Sweep(context.Background())
				if err != nil {
					t.Error(err)
				}
				counts[i] = n
			}()
		}
		wg.Wait()
		if counts[0]+counts[1] != 1 {
			t.Fatalf("sweeps changed %v activities, want 1 in all", counts)
		}
		v := a.api(t, "GET", "/activities/"+short, "", nil).json(t)
		if str(v["status"]) != "cancelled" || str(v["cancel_reason"]) == "" {
			t.Fatalf("short activity: %v", v)
		}
		var events int64
		a.DB.Gorm.Table("outbox_events").Where("topic = ? AND payload LIKE ?", "activities.cancelled", "%"+short+"%").Count(&events)
		if events != 1 {
			t.Fatalf("%d activities.cancelled events, want 1", events)
		}
		if st := str(a.api(t, "GET", "/activities/"+full, "", nil).json(t)["status"]); st != "formed" {
			t.Fatalf("full activity %s", st)
		}
		clk.Advance(3 * time.Hour) // past the end
		if n, _ := r2.Activities.Sweep(context.Background()); n != 1 {
			t.Fatalf("finish sweep changed %d", n)
		}
		if st := str(a.api(t, "GET", "/activities/"+full, "", nil).json(t)["status"]); st != "finished" {
			t.Fatalf("full activity %s after its end", st)
		}
	})
}
