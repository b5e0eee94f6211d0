package app

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

// GET /me/signups pages through cursors, newest first, and shows each
// sign-up with its activity's summary.
func TestMySignupsPagesWithActivities(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "运动"}).json(t)["id"])
		org := a.organizer(t, root, "13600000001")
		user := a.register(t, "13600000002", "secret-pass-1")
		other := a.register(t, "13600000003", "secret-pass-1")
		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
		var ids []string
		for i := range 3 {
			body := activityBody(typeID, start.Add(time.Duration(i)*time.Hour))
			body["title"] = fmt.Sprintf("活动 %d", i)
			r := a.api(t, "POST", "/activities", org.Access, body)
			expect(t, r, 201, "")
			id := str(r.json(t)["id"])
			expect(t, a.api(t, "POST", "/activities/"+id+"/publish", org.Access, nil), 200, "")
			ids = append(ids, id)
		}
		// Four sign-ups: the first activity twice (cancelled, then again).
		for _, id := range []string{ids[0], ids[1], ids[2]} {
			expect(t, a.api(t, "POST", "/activities/"+id+"/signups", user.Access, nil), 201, "")
		}
		expect(t, a.api(t, "DELETE", "/activities/"+ids[0]+"/signups/me", user.Access, nil), 200, "")
		expect(t, a.api(t, "POST", "/activities/"+ids[0]+"/signups", user.Access, nil), 201, "")
		wantActivities := []string{ids[0], ids[2], ids[1], ids[0]}
		wantStatus := []string{"confirmed", "confirmed", "confirmed", "cancelled"}

		var got []map[string]any
		cursor, pages := "", 0
		for {
			path := "/me/signups?limit=3"
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			r := a.api(t, "GET", path, user.Access, nil)
			expect(t, r, 200, "")
			m := r.json(t)
			for _, it := range m["items"].([]any) {
				got = append(got, it.(map[string]any))
			}
			pages++
			next, _ := m["next_cursor"].(string)
			if next == "" || pages > 3 {
				break
			}
			cursor = next
		}
		if pages != 2 || len(got) != 4 {
			t.Fatalf("%d pages, %d sign-ups", pages, len(got))
		}
		for i, it := range got {
			act, _ := it["activity"].(map[string]any)
			if str(it["activity_id"]) != wantActivities[i] || str(it["status"]) != wantStatus[i] || str(it["id"]) == "" ||
				str(it["user_id"]) != user.UserID || it["created_at"] == nil {
				t.Errorf("sign-up %d: %v", i, it)
			}
			if wantStatus[i] == "confirmed" && it["check_in_code"] == nil {
				t.Errorf("sign-up %d check-in code: %v", i, it["check_in_code"])
			}
			n := 0
			for k, want := range ids {
				if wantActivities[i] == want {
					n = k
				}
			}
			wantStart := start.Add(time.Duration(n) * time.Hour)
			if act == nil || str(act["id"]) != wantActivities[i] || str(act["title"]) != fmt.Sprintf("活动 %d", n) ||
				str(act["city"]) != "上海" || str(act["status"]) != "published" || act["price_fen"] != 0.0 || act["cover_url"] != "" ||
				str(act["start_at"]) != wantStart.Format(time.RFC3339) || str(act["end_at"]) != wantStart.Add(2*time.Hour).Format(time.RFC3339) {
				t.Errorf("activity of sign-up %d: %v", i, act)
			}
			if len(act) != 8 {
				t.Errorf("activity summary has fields %v", act)
			}
		}

		// Someone else's list is their own; bad paging is a problem.
		r := a.api(t, "GET", "/me/signups", other.Access, nil)
		expect(t, r, 200, "")
		if m := r.json(t); len(m["items"].([]any)) != 0 || m["next_cursor"] != nil {
			t.Errorf("another user's sign-ups: %s", r.Body)
		}
		listCursor := str(a.api(t, "GET", "/activities?limit=1", "", nil).json(t)["next_cursor"])
		for _, c := range []string{"nope", "!!!", listCursor} {
			expect(t, a.api(t, "GET", "/me/signups?cursor="+url.QueryEscape(c), user.Access, nil), 400, "activity.bad_cursor")
		}
		expect(t, a.api(t, "GET", "/me/signups?limit=51", user.Access, nil), 422, "request.invalid")
		expect(t, a.api(t, "GET", "/me/signups", "", nil), 401, "auth.unauthenticated")
	})
}
