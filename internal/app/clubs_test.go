package app

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/zuju/zuju/internal/config"
)

// A club is founded, approved by staff, takes applications (approved and
// rejected, with the cooldown), changes roles and hands its ownership
// over — over HTTP on both databases; officers of one club have no power
// in another.
func TestClubLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		a := startApp(t, b, withClock(clk), func(c *config.Config, _ *Options) { c.Club.ApplyCooldown = 24 * time.Hour })
		root := a.admin(t, "root@example.com")
		r := a.api(t, "POST", "/admin/club-categories", root.Access, map[string]any{"name": "体育"})
		expect(t, r, 201, "")
		cat := str(r.json(t)["id"])
		owner := a.register(t, "13600000001", "secret-pass-1")
		alice := a.register(t, "13600000002", "secret-pass-1")
		bob := a.register(t, "13600000003", "secret-pass-1")
		other := a.register(t, "13600000004", "secret-pass-1")
		expect(t, a.api(t, "POST", "/admin/club-categories", owner.Access, map[string]any{"name": "文艺"}), 403, "")

		// Bad input.
		expect(t, a.api(t, "POST", "/clubs", owner.Access, map[string]any{"name": "篮", "category_id": cat}), 400, "club.invalid_name")
		expect(t, a.api(t, "POST", "/clubs", owner.Access, map[string]any{"name": "篮球社", "category_id": "nope"}), 400, "club.unknown_category")
		expect(t, a.api(t, "POST", "/clubs", owner.Access, map[string]any{"name": "网络赌博社", "category_id": cat}), 400, "club.blocked")
		expect(t, a.api(t, "POST", "/clubs", "", map[string]any{"name": "篮球社", "category_id": cat}), 401, "")

		r = a.api(t, "POST", "/clubs", owner.Access, map[string]any{"name": "篮球社", "category_id": cat, "description": "每周三晚训练",
			"questions": []string{"你的专业？"}})
		expect(t, r, 201, "")
		club := r.json(t)
		id := str(club["id"])
		if club["status"] != "pending" || str(club["my_role"]) != "owner" || club["member_count"] != float64(1) {
			t.Fatalf("new club: %v", club)
		}
		expect(t, a.api(t, "POST", "/clubs", other.Access, map[string]any{"name": "篮球社", "category_id": cat}), 409, "club.name_taken")
		// Pending: hidden from the directory and from others.
		expect(t, a.api(t, "GET", "/clubs/"+id, alice.Access, nil), 404, "club.not_found")
		if items, _ := a.api(t, "GET", "/clubs", "", nil).json(t)["items"].([]any); len(items) != 0 {
			t.Fatalf("pending club listed: %v", items)
		}
		expect(t, a.api(t, "POST", "/clubs/"+id+"/applications", alice.Access, map[string]any{"answers": []string{"计算机"}}), 404, "club.not_found")
		expect(t, a.api(t, "POST", "/admin/clubs/"+id+"/approve", owner.Access, nil), 403, "")
		if q := a.api(t, "GET", "/admin/clubs?status=pending", root.Access, nil).json(t); q["total"] != float64(1) {
			t.Fatalf("review queue: %v", q)
		}
		expect(t, a.api(t, "POST", "/admin/clubs/"+id+"/reject", root.Access, map[string]any{"reason": " "}), 400, "club.reason_required")
		expect(t, a.api(t, "POST", "/admin/clubs/"+id+"/approve", root.Access, nil), 200, "")
		expect(t, a.api(t, "POST", "/admin/clubs/"+id+"/approve", root.Access, nil), 409, "club.not_pending")
		if n := count(t, a, "SELECT COUNT(*) FROM audit_logs WHERE action = 'club.approve' AND target_id = ?", id); n != 1 {
			t.Fatalf("%d audit rows for the approval", n)
		}
		r = a.api(t, "GET", "/clubs?q=篮球", "", nil)
		if items, _ := r.json(t)["items"].([]any); len(items) != 1 {
			t.Fatalf("directory search: %s", r.Body)
		}

		// Applications: answers required, one pending, approve and reject.
		expect(t, a.api(t, "POST", "/clubs/"+id+"/applications", alice.Access, map[string]any{"message": "想加入"}), 400, "club.invalid_answers")
		r = a.api(t, "POST", "/clubs/"+id+"/applications", alice.Access, map[string]any{"message": "想加入", "answers": []string{"计算机"}})
		expect(t, r, 201, "")
		aliceApp := str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/clubs/"+id+"/applications", alice.Access, map[string]any{"answers": []string{"计算机"}}), 409, "club.application_pending")
		r = a.api(t, "POST", "/clubs/"+id+"/applications", bob.Access, map[string]any{"answers": []string{"数学"}})
		expect(t, r, 201, "")
		bobApp := str(r.json(t)["id"])
		expect(t, a.api(t, "GET", "/clubs/"+id+"/applications", alice.Access, nil), 403, "club.not_officer")
		r = a.api(t, "GET", "/clubs/"+id+"/applications", owner.Access, nil)
		if items, _ := r.json(t)["items"].([]any); len(items) != 2 {
			t.Fatalf("applications: %s", r.Body)
		}
		expect(t, a.api(t, "POST", "/clubs/"+id+"/applications/"+aliceApp+"/approve", owner.Access, nil), 200, "")
		expect(t, a.api(t, "POST", "/clubs/"+id+"/applications/"+aliceApp+"/approve", owner.Access, nil), 404, "club.application_not_found")
		expect(t, a.api(t, "POST", "/clubs/"+id+"/applications/"+bobApp+"/reject", owner.Access, nil), 400, "club.reason_required")
		expect(t, a.api(t, "POST", "/clubs/"+id+"/applications/"+bobApp+"/reject", owner.Access, map[string]any{"reason": "名额已满"}), 200, "")
		expect(t, a.api(t, "POST", "/clubs/"+id+"/applications", alice.Access, map[string]any{"answers": []string{"x"}}), 409, "club.already_member")
		r = a.api(t, "POST", "/clubs/"+id+"/applications", bob.Access, map[string]any{"answers": []string{"数学"}})
		expect(t, r, 409, "club.apply_cooldown")
		clk.Advance(24*time.Hour + time.Minute)
		owner, alice, bob = signIn(t, a, "13600000001"), signIn(t, a, "13600000002"), signIn(t, a, "13600000003")
		r = a.api(t, "POST", "/auth/login", "", map[string]any{"account": "root@example.com", "password": "admin-pass-2026"})
		expect(t, r, 200, "")
		root = tokensOf(t, r)
		r = a.api(t, "POST", "/clubs/"+id+"/applications", bob.Access, map[string]any{"answers": []string{"数学"}})
		expect(t, r, 201, "")
		expect(t, a.api(t, "POST", "/clubs/"+id+"/applications/"+str(r.json(t)["id"])+"/approve", owner.Access, nil), 200, "")
		if c := a.api(t, "GET", "/clubs/"+id, alice.Access, nil).json(t); c["member_count"] != float64(3) || str(c["my_role"]) != "member" {
			t.Fatalf("after two approvals: %v", c)
		}

		// Roles: only the owner; an officer of another club has no power here.
		other = signIn(t, a, "13600000004")
		r = a.api(t, "POST", "/clubs", other.Access, map[string]any{"name": "足球社", "category_id": cat})
		expect(t, r, 201, "")
		otherClub := str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/admin/clubs/"+otherClub+"/approve", root.Access, nil), 200, "")
		expect(t, a.api(t, "PATCH", "/clubs/"+id+"/members/"+bob.UserID, other.Access, map[string]any{"role": "officer"}), 403, "club.not_owner")
		expect(t, a.api(t, "GET", "/clubs/"+id+"/applications", other.Access, nil), 403, "club.not_officer")
		expect(t, a.api(t, "DELETE", "/clubs/"+id+"/members/"+bob.UserID, other.Access, nil), 403, "club.not_officer")
		expect(t, a.api(t, "POST", "/clubs/"+otherClub+"/applications/"+bobApp+"/approve", other.Access, nil), 404, "club.application_not_found")
		expect(t, a.api(t, "PATCH", "/clubs/"+id+"/members/"+bob.UserID, alice.Access, map[string]any{"role": "officer"}), 403, "club.not_owner")
		expect(t, a.api(t, "PATCH", "/clubs/"+id+"/members/"+alice.UserID, owner.Access, map[string]any{"role": "officer"}), 200, "")
		expect(t, a.api(t, "PATCH", "/clubs/"+id+"/members/"+alice.UserID, owner.Access, map[string]any{"role": "boss"}), 422, "")
		// The officer removes a member but not the owner.
		expect(t, a.api(t, "DELETE", "/clubs/"+id+"/members/"+owner.UserID, alice.Access, nil), 403, "club.not_owner")
		expect(t, a.api(t, "DELETE", "/clubs/"+id+"/members/"+bob.UserID, alice.Access, nil), 204, "")
		// Ownership handed over to alice: she is the owner, the old owner an officer.
		expect(t, a.api(t, "DELETE", "/clubs/"+id+"/members/"+owner.UserID, owner.Access, nil), 409, "club.owner_cannot_leave")
		expect(t, a.api(t, "PATCH", "/clubs/"+id+"/members/"+alice.UserID, owner.Access, map[string]any{"role": "owner"}), 200, "")
		r = a.api(t, "GET", "/clubs/"+id+"/members", alice.Access, nil)
		expect(t, r, 200, "")
		roster := string(r.Body)
		if !strings.Contains(roster, `"role":"owner"`) || strings.Count(roster, `"role":"owner"`) != 1 {
			t.Fatalf("roster after the handover: %s", roster)
		}
		if c := a.api(t, "GET", "/clubs/"+id, owner.Access, nil).json(t); str(c["my_role"]) != "officer" || str(c["owner"].(map[string]any)["id"]) != alice.UserID {
			t.Fatalf("after the handover: %v", c)
		}
		expect(t, a.api(t, "DELETE", "/clubs/"+id+"/members/"+owner.UserID, owner.Access, nil), 204, "")
		expect(t, a.api(t, "GET", "/clubs/"+id+"/members", bob.Access, nil), 403, "club.not_officer")

		// Club activities: the owner (no organizer role needed) publishes
		// one; it is on the calendar and in calendar.ics.
		typeR := a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "训练"})
		expect(t, typeR, 201, "")
		start := clk.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
		body := activityBody(str(typeR.json(t)["id"]), start)
		body["club_id"], body["title"] = id, "周三篮球训练"
		expect(t, a.api(t, "POST", "/activities", bob.Access, body), 403, "")
		org := a.organizer(t, root, "13600000009")
		expect(t, a.api(t, "POST", "/activities", org.Access, body), 403, "activity.not_club_officer")
		r = a.api(t, "POST", "/activities", alice.Access, body)
		expect(t, r, 201, "")
		actID := str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/activities/"+actID+"/publish", alice.Access, nil), 200, "")
		from, to := start.Add(-24*time.Hour).Format(time.RFC3339), start.Add(24*time.Hour).Format(time.RFC3339)
		r = a.api(t, "GET", "/clubs/"+id+"/calendar?from="+from+"&to="+to, "", nil)
		expect(t, r, 200, "")
		if items, _ := r.json(t)["items"].([]any); len(items) != 1 || str(items[0].(map[string]any)["activity_id"]) != actID {
			t.Fatalf("calendar: %s", r.Body)
		}
		expect(t, a.api(t, "GET", "/clubs/"+id+"/calendar?from="+to+"&to="+from, "", nil), 400, "club.invalid_range")
		feed := call(t, "GET", a.URL+"/api/v1/clubs/"+id+"/calendar.ics", "", nil)
		expect(t, feed, 200, "")
		if !strings.HasPrefix(feed.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("feed type %q", feed.Header.Get("Content-Type"))
		}
		checkICS(t, feed.Body, actID, "周三篮球训练", start)

		// Favorites.
		expect(t, a.api(t, "PUT", "/clubs/"+id+"/favorite", bob.Access, nil), 204, "")
		expect(t, a.api(t, "PUT", "/clubs/"+id+"/favorite", bob.Access, nil), 204, "")
		if c := a.api(t, "GET", "/clubs/"+id, bob.Access, nil).json(t); c["favorited"] != true {
			t.Fatalf("favorite: %v", c)
		}
		expect(t, a.api(t, "DELETE", "/clubs/"+id+"/favorite", bob.Access, nil), 204, "")

		// Edits by officers; dissolution by the owner only.
		expect(t, a.api(t, "PATCH", "/clubs/"+id, bob.Access, map[string]any{"description": "新简介"}), 403, "club.not_officer")
		r = a.api(t, "PATCH", "/clubs/"+id, alice.Access, map[string]any{"description": "每周三、周五晚训练"})
		expect(t, r, 200, "")
		if r.json(t)["description"] != "每周三、周五晚训练" || r.json(t)["name"] != "篮球社" {
			t.Fatalf("edited: %s", r.Body)
		}
		expect(t, a.api(t, "PATCH", "/clubs/"+id, alice.Access, map[string]any{"name": "足球社"}), 409, "club.name_taken")
		expect(t, a.api(t, "DELETE", "/clubs/"+otherClub, alice.Access, nil), 403, "club.not_owner")
		expect(t, a.api(t, "DELETE", "/clubs/"+id, alice.Access, nil), 204, "")
		if items, _ := a.api(t, "GET", "/clubs?q=篮球", "", nil).json(t)["items"].([]any); len(items) != 0 {
			t.Fatalf("a dissolved club is listed: %v", items)
		}
		expect(t, a.api(t, "GET", "/clubs?cursor=bm9wZQ", "", nil), 400, "club.invalid_cursor")
	})
}

// checkICS parses an iCalendar feed with an independent RFC 5545 parser
// and finds the activity's event in it.
func checkICS(t *testing.T, body []byte, activityID, title string, start time.Time) {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("calendar.ics does not parse: %v\n%s", err, body)
	}
	if v, err := cal.Props.Text(ical.PropVersion); err != nil || v != "2.0" {
		t.Fatalf("VERSION %q %v", v, err)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d events: %s", len(events), body)
	}
	e := events[0]
	if uid, _ := e.Props.Text(ical.PropUID); uid != activityID+"@zuju" {
		t.Fatalf("UID %q", uid)
	}
	if sum, _ := e.Props.Text(ical.PropSummary); sum != title {
		t.Fatalf("SUMMARY %q", sum)
	}
	if at, err := e.DateTimeStart(time.UTC); err != nil || !at.Equal(start) {
		t.Fatalf("DTSTART %v %v, want %v", at, err, start)
	}
	if _, err := e.Props.DateTime(ical.PropDateTimeStamp, time.UTC); err != nil {
		t.Fatalf("DTSTAMP: %v", err)
	}
	if !bytes.Contains(body, []byte("\r\n")) {
		t.Fatal("lines do not end in CRLF")
	}
}
