package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"sync"
	"testing"
	"time"
)

// sweepAll runs the activities sweep on every replica at the same moment.
func sweepAll(t *testing.T, reps ...*testApp) {
	t.Helper()
	var wg sync.WaitGroup
	for _, rep := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := rep.Activities.Sweep(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// outboxCount counts events of a topic whose payload contains every part.
func (a *testApp) outboxCount(t *testing.T, topic string, parts ...string) int64 {
	t.Helper()
	q := a.DB.Gorm.Table("outbox_events").Where("topic = ?", topic)
	for _, p := range parts {
		q = q.Where("payload LIKE ?", "%"+p+"%")
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// renew refreshes the access tokens after the clock moved past their lifetime.
func (a *testApp) renew(t *testing.T, tks ...*tokens) {
	t.Helper()
	for _, tk := range tks {
		r := a.api(t, "POST", "/auth/refresh", "", map[string]any{"refresh_token": tk.Refresh})
		expect(t, r, 200, "")
		*tk = tokensOf(t, r)
	}
}

// flip changes one character of the code's signature.
func flip(code string) string {
	b := []byte(code)
	i := len(b) - 5
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// The whole check-in story over HTTP on both databases with a test clock
// and two replicas: codes only their owners see, scans by the organizer
// and staff inside the window, refusals with clear codes, no-shows counted
// once when the activity finishes, reminders sent once per kind, and the
// participants exported as CSV.
func TestCheckInNoShowsRemindersAndExport(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		db := ""
		if b == scaled {
			db = scaledDB(t)
		}
		dir := t.TempDir()
		a := startReplica(t, testConfig(t, b, dir, db), withClock(clk))
		r2 := startReplica(t, testConfig(t, b, dir, db), withClock(clk))
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "运动"}).json(t)["id"])
		org := a.organizer(t, root, "13200000001")
		other := a.organizer(t, root, "13200000002")
		mod := a.register(t, "13200000003", "secret-pass-1")
		expect(t, a.api(t, "PUT", "/admin/users/"+mod.UserID+"/roles", root.Access, map[string]any{"roles": []string{"moderator"}}), 200, "")
		u1 := a.register(t, "13200000011", "secret-pass-1")
		u2 := a.register(t, "13200000012", "secret-pass-1")
		u3 := a.register(t, "13200000013", "secret-pass-1")
		start := clk.Now().Add(72 * time.Hour).Truncate(time.Second)

		mk := func(min int) string {
			body := activityBody(typeID, start)
			body["min_participants"], body["max_participants"] = min, 5
			id := str(a.api(t, "POST", "/activities", org.Access, body).json(t)["id"])
			expect(t, a.api(t, "POST", "/activities/"+id+"/publish", org.Access, nil), 200, "")
			return id
		}
		act, act2 := mk(2), mk(1)
		codes := map[string]string{}   // user → code for act
		signups := map[string]string{} // user → sign-up id for act
		for _, u := range []tokens{u1, u2, u3} {
			r := a.api(t, "POST", "/activities/"+act+"/signups", u.Access, nil)
			expect(t, r, 201, "")
			sg := r.json(t)["signup"].(map[string]any)
			codes[u.UserID], signups[u.UserID] = str(sg["check_in_code"]), str(sg["id"])
			if !strings.HasPrefix(codes[u.UserID], "ZJ1."+signups[u.UserID]+".") {
				t.Fatalf("check-in code %q", codes[u.UserID])
			}
		}
		// Reaching the minimum formed the activity once: one activities.formed
		// event with the first two participants, none for the third sign-up.
		if st := str(a.api(t, "GET", "/activities/"+act, "", nil).json(t)["status"]); st != "formed" {
			t.Fatalf("activity %s after 3 of min 2", st)
		}
		if n := a.outboxCount(t, "activities.formed", `"`+act+`"`, `"participant_ids":["`+u1.UserID+`","`+u2.UserID+`"]`); n != 1 {
			t.Fatalf("%d activities.formed events with the participants, want 1", n)
		}
		if n := a.outboxCount(t, "activities.formed", `"`+act+`"`); n != 1 {
			t.Fatalf("%d activities.formed events, want 1", n)
		}
		r := a.api(t, "POST", "/activities/"+act2+"/signups", u1.Access, nil)
		expect(t, r, 201, "")
		otherCode := str(r.json(t)["signup"].(map[string]any)["check_in_code"])
		if otherCode == "" || otherCode == codes[u1.UserID] {
			t.Fatalf("code of the second activity %q", otherCode)
		}

		// Nobody sees another's code: not the organizer's list, not the
		// details, not one's own sign-ups list.
		everyCode := []string{otherCode, codes[u1.UserID], codes[u2.UserID], codes[u3.UserID]}
		// The per-sign-up secrets the codes are signed over never leave the server.
		var secrets []string
		a.DB.Gorm.Raw("SELECT check_in_code FROM signups").Scan(&secrets)
		if len(secrets) != 4 {
			t.Fatalf("%d stored secrets", len(secrets))
		}
		leaks := func(where string, body []byte, allowed ...string) {
			t.Helper()
			for _, c := range everyCode {
				if bytes.Contains(body, []byte(c)) && !strings.Contains(strings.Join(allowed, " "), c) {
					t.Fatalf("%s shows the code %q: %s", where, c, body)
				}
			}
			for _, secret := range secrets {
				if bytes.Contains(body, []byte(secret)) {
					t.Fatalf("%s shows a stored check-in secret: %s", where, body)
				}
			}
		}
		parts := a.api(t, "GET", "/activities/"+act+"/signups", org.Access, nil)
		expect(t, parts, 200, "")
		leaks("the participants list", parts.Body)
		mine := a.api(t, "GET", "/me/signups", u1.Access, nil)
		expect(t, mine, 200, "")
		leaks("u1's sign-ups", mine.Body, codes[u1.UserID], otherCode)
		for _, it := range mine.json(t)["items"].([]any) {
			if str(it.(map[string]any)["user_id"]) != u1.UserID {
				t.Fatalf("u1 sees another's sign-up: %s", mine.Body)
			}
		}
		leaks("u2's sign-ups", a.api(t, "GET", "/me/signups", u2.Access, nil).Body, codes[u2.UserID])
		for _, tok := range []string{"", u2.Access, org.Access, root.Access} {
			leaks("the details", a.api(t, "GET", "/activities/"+act, tok, nil).Body)
		}
		// Participants and exports are for the organizer and staff only.
		expect(t, a.api(t, "GET", "/activities/"+act+"/signups", u1.Access, nil), 403, "activity.not_organizer")
		expect(t, a.api(t, "GET", "/activities/"+act+"/signups", other.Access, nil), 403, "activity.not_organizer")
		expect(t, a.api(t, "GET", "/activities/"+act+"/signups.csv", u1.Access, nil), 403, "activity.not_organizer")
		expect(t, a.api(t, "GET", "/activities/"+act+"/signups.csv", other.Access, nil), 403, "activity.not_organizer")
		expect(t, a.api(t, "GET", "/activities/"+act+"/signups.csv", "", nil), 401, "auth.unauthenticated")

		checkIn := func(tok, activity, code string) response {
			return a.api(t, "POST", "/activities/"+activity+"/check-ins", tok, map[string]any{"code": code})
		}
		// A day before, the 24 h reminders go out, once, on two replicas.
		clk.Advance(48*time.Hour + time.Minute)
		a.renew(t, &root, &org, &other, &mod, &u1, &u2, &u3)
		sweepAll(t, a, r2)
		sweepAll(t, a, r2)
		for _, id := range []string{act, act2} {
			if n := a.outboxCount(t, "activities.reminder", `"`+id+`"`, `"kind":"24h"`); n != 1 {
				t.Fatalf("%d 24h reminders for %s", n, id)
			}
		}
		if n := a.outboxCount(t, "activities.reminder", `"`+act+`"`, `"participant_ids":["`+u1.UserID+`","`+u2.UserID+`","`+u3.UserID+`"]`); n != 1 {
			t.Fatalf("reminder without its participants")
		}
		// Too early for check-in.
		expect(t, checkIn(org.Access, act, codes[u1.UserID]), 409, "checkin.not_open")

		// Two hours before: check-in opens, the 2 h reminders go out once.
		// An activity created 90 min before its start gets only that one.
		clk.Advance(22*time.Hour - time.Minute)
		a.renew(t, &root, &org, &other, &mod, &u1, &u2, &u3)
		lateBody := activityBody(typeID, clk.Now().Add(90*time.Minute).Truncate(time.Second))
		lateBody["signup_deadline"] = clk.Now().Add(80 * time.Minute).Truncate(time.Second).Format(time.RFC3339)
		late := str(a.api(t, "POST", "/activities", org.Access, lateBody).json(t)["id"])
		expect(t, a.api(t, "POST", "/activities/"+late+"/publish", org.Access, nil), 200, "")
		sweepAll(t, a, r2)
		sweepAll(t, a, r2)
		for _, id := range []string{act, act2, late} {
			if n := a.outboxCount(t, "activities.reminder", `"`+id+`"`, `"kind":"2h"`); n != 1 {
				t.Fatalf("%d 2h reminders for %s", n, id)
			}
		}
		if n := a.outboxCount(t, "activities.reminder", `"`+late+`"`, `"kind":"24h"`); n != 0 {
			t.Fatalf("stale 24h reminder sent for the late activity")
		}

		expect(t, checkIn("", act, codes[u1.UserID]), 401, "auth.unauthenticated")
		expect(t, checkIn(u2.Access, act, codes[u1.UserID]), 403, "activity.not_organizer")
		expect(t, checkIn(other.Access, act, codes[u1.UserID]), 403, "activity.not_organizer")
		expect(t, checkIn(org.Access, act, flip(codes[u1.UserID])), 400, "checkin.invalid_code")
		expect(t, checkIn(org.Access, act, strings.Replace(codes[u1.UserID], signups[u1.UserID], signups[u2.UserID], 1)), 400, "checkin.invalid_code")
		expect(t, checkIn(org.Access, act, "ZJ1."+signups[u1.UserID]+".bm9wZQ"), 400, "checkin.invalid_code")
		expect(t, checkIn(org.Access, act, "hello"), 400, "checkin.invalid_code")
		expect(t, checkIn(org.Access, act, otherCode), 400, "checkin.wrong_activity")
		expect(t, checkIn(org.Access, "nope", codes[u1.UserID]), 404, "activity.not_found")

		ok := checkIn(org.Access, act, codes[u1.UserID])
		expect(t, ok, 200, "")
		sg := ok.json(t)
		if str(sg["status"]) != "checked_in" || str(sg["id"]) != signups[u1.UserID] || str(sg["checked_in_at"]) == "" || sg["check_in_code"] != nil {
			t.Fatalf("checked in: %s", ok.Body)
		}
		again := checkIn(org.Access, act, codes[u1.UserID])
		expect(t, again, 409, "checkin.already")
		if d, _ := again.json(t)["data"].(map[string]any); str(d["id"]) != signups[u1.UserID] || str(d["status"]) != "checked_in" || d["check_in_code"] != nil {
			t.Fatalf("second scan: %s", again.Body)
		}
		// Checked in, the seat cannot be given up.
		expect(t, a.api(t, "DELETE", "/activities/"+act+"/signups/me", u1.Access, nil), 409, "signup.checked_in")
		// A moderator may not scan; an admin may, and concurrent scans on
		// two replicas check in once.
		expect(t, a.api(t, "POST", "/activities/"+act+"/check-ins", mod.Access, map[string]any{"code": codes[u2.UserID]}), 403, "activity.not_organizer")
		results := make(chan int, 4)
		for i := range 4 {
			rep := []*testApp{a, r2}[i%2]
			go func() {
				results <- rep.api(t, "POST", "/activities/"+act+"/check-ins", root.Access, map[string]any{"code": codes[u2.UserID]}).Status
			}()
		}
		got := map[int]int{}
		for range 4 {
			got[<-results]++
		}
		if got[200] != 1 || got[409] != 3 {
			t.Fatalf("concurrent scans: %v", got)
		}
		// A published activity below its minimum takes no check-ins.
		expect(t, a.api(t, "POST", "/activities/"+late+"/signups", u3.Access, nil), 201, "")
		lateCode := str(a.api(t, "GET", "/me/signups", u3.Access, nil).json(t)["items"].([]any)[0].(map[string]any)["check_in_code"])
		expect(t, checkIn(org.Access, late, lateCode), 409, "checkin.not_formed")

		// The export lists exactly the participants, in the list's order.
		parts = a.api(t, "GET", "/activities/"+act+"/signups", org.Access, nil)
		items := parts.json(t)["items"].([]any)
		csvr := a.api(t, "GET", "/activities/"+act+"/signups.csv", org.Access, nil)
		expect(t, csvr, 200, "")
		if ct := csvr.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Fatalf("content type %q", ct)
		}
		if cd := csvr.Header.Get("Content-Disposition"); cd != "attachment; filename=participants-"+act+".csv" {
			t.Fatalf("content disposition %q", cd)
		}
		leaks("the CSV export", csvr.Body)
		body, bom := bytes.CutPrefix(csvr.Body, []byte("\xef\xbb\xbf"))
		if !bom {
			t.Fatal("CSV without a byte order mark")
		}
		rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(items)+1 || rows[0][0] != "用户ID" || len(rows[0]) != 7 {
			t.Fatalf("CSV rows %q for %d participants", rows, len(items))
		}
		labels := map[string]string{"confirmed": "已确认", "checked_in": "已签到"}
		for i, it := range items {
			p := it.(map[string]any)
			row := rows[i+1]
			created, _ := time.Parse(time.RFC3339, str(p["created_at"]))
			if row[0] != str(p["user_id"]) || row[2] != labels[str(p["status"])] || row[3] != "" ||
				row[4] != created.In(time.FixedZone("CST", 8*3600)).Format(time.DateTime) || (row[5] != "") != (p["checked_in_at"] != nil) || row[6] != "0" {
				t.Fatalf("CSV row %q for participant %v", row, p)
			}
		}
		// The admin export is the same table and audits the read once.
		var before, after int64
		countAudit := func(n *int64) {
			a.DB.Gorm.Table("audit_logs").Where("action = ? AND target_id = ?", "activity.export_participants", act).Count(n)
		}
		countAudit(&before)
		adm := a.api(t, "GET", "/admin/activities/"+act+"/participants.csv", root.Access, nil)
		expect(t, adm, 200, "")
		countAudit(&after)
		if before != 0 || after != 1 || !bytes.Equal(adm.Body, csvr.Body) {
			t.Fatalf("admin export: audit rows %d → %d, same body %v", before, after, bytes.Equal(adm.Body, csvr.Body))
		}
		expect(t, a.api(t, "GET", "/admin/activities/"+act+"/participants.csv", org.Access, nil), 403, "auth.forbidden")
		expect(t, a.api(t, "GET", "/admin/activities/"+act+"/participants.csv", "", nil), 401, "auth.unauthenticated")
		expect(t, a.api(t, "GET", "/admin/activities/nope/participants.csv", root.Access, nil), 404, "activity.not_found")

		// After the end: check-in is closed; two sweeps finish both activities
		// once, marking u3 (act) and u1 (act2) as no-shows, counted once.
		clk.Advance(4*time.Hour + time.Minute)
		a.renew(t, &root, &org, &other, &mod, &u1, &u2, &u3)
		expect(t, checkIn(org.Access, act, codes[u3.UserID]), 409, "checkin.closed")
		sweepAll(t, a, r2)
		sweepAll(t, a, r2)
		for _, id := range []string{act, act2} {
			if st := str(a.api(t, "GET", "/activities/"+id, "", nil).json(t)["status"]); st != "finished" {
				t.Fatalf("%s is %s", id, st)
			}
		}
		expect(t, checkIn(org.Access, act, codes[u3.UserID]), 409, "checkin.closed")
		want := map[string]struct {
			status  string
			noShows float64
		}{u1.UserID: {"checked_in", 1}, u2.UserID: {"checked_in", 0}, u3.UserID: {"no_show", 1}}
		parts = a.api(t, "GET", "/activities/"+act+"/signups", org.Access, nil)
		expect(t, parts, 200, "")
		for _, it := range parts.json(t)["items"].([]any) {
			p := it.(map[string]any)
			w := want[str(p["user_id"])]
			if str(p["status"]) != w.status || p["no_show_count"].(float64) != w.noShows {
				t.Fatalf("participant %v, want %v", p, w)
			}
		}
		var counts []int
		a.DB.Gorm.Raw("SELECT no_show_count FROM user_no_shows ORDER BY user_id").Scan(&counts)
		if len(counts) != 2 || counts[0] != 1 || counts[1] != 1 {
			t.Fatalf("no-show counts %v", counts)
		}
		if mine := a.api(t, "GET", "/me/signups", u3.Access, nil); bytes.Contains(mine.Body, []byte("no_show_count")) {
			t.Fatalf("a participant sees no-show counts: %s", mine.Body)
		}
	})
}

// The admin table lists every status with filters and a total; plain
// users and anonymous callers are refused.
func TestAdminActivities(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "桌游"}).json(t)["id"])
		org := a.organizer(t, root, "13200000021")
		mod := a.register(t, "13200000022", "secret-pass-1")
		expect(t, a.api(t, "PUT", "/admin/users/"+mod.UserID+"/roles", root.Access, map[string]any{"roles": []string{"moderator"}}), 200, "")
		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
		var ids []string
		for i, title := range []string{"周末篮球局", "狼人杀之夜", "读书会"} {
			body := activityBody(typeID, start)
			body["title"] = title
			id := str(a.api(t, "POST", "/activities", org.Access, body).json(t)["id"])
			if i > 0 {
				expect(t, a.api(t, "POST", "/activities/"+id+"/publish", org.Access, nil), 200, "")
			}
			ids = append(ids, id)
		}
		expect(t, a.api(t, "POST", "/activities/"+ids[2]+"/cancel", org.Access, nil), 200, "")

		list := func(query string) (float64, []string) {
			t.Helper()
			r := a.api(t, "GET", "/admin/activities"+query, mod.Access, nil)
			expect(t, r, 200, "")
			m := r.json(t)
			var got []string
			for _, it := range m["items"].([]any) {
				item := it.(map[string]any)
				got = append(got, str(item["id"]))
				// Staff see the organizer named and the details unlocked.
				if o := item["organizer"].(map[string]any); str(o["id"]) != org.UserID || str(o["nickname"]) == "" ||
					item["address"] == nil || len(item["locked_fields"].([]any)) != 0 {
					t.Fatalf("admin item: %v", item)
				}
			}
			return m["total"].(float64), got
		}
		if total, got := list(""); total != 3 || len(got) != 3 || got[0] != ids[2] {
			t.Fatalf("all: %v %v", total, got)
		}
		if total, got := list("?page=2&page_size=2"); total != 3 || len(got) != 1 || got[0] != ids[0] {
			t.Fatalf("page 2: %v %v", total, got)
		}
		if total, got := list("?status=draft"); total != 1 || got[0] != ids[0] {
			t.Fatalf("drafts: %v %v", total, got)
		}
		if total, got := list("?status=cancelled"); total != 1 || got[0] != ids[2] {
			t.Fatalf("cancelled: %v %v", total, got)
		}
		if total, got := list("?q=%E7%8B%BC%E4%BA%BA"); total != 1 || got[0] != ids[1] { // 狼人
			t.Fatalf("search: %v %v", total, got)
		}
		if total, _ := list("?q=" + ids[0]); total != 1 {
			t.Fatalf("by id: %v", total)
		}
		expect(t, a.api(t, "GET", "/admin/activities?status=nope", root.Access, nil), 422, "request.invalid")
		expect(t, a.api(t, "GET", "/admin/activities", org.Access, nil), 403, "auth.forbidden")
		expect(t, a.api(t, "GET", "/admin/activities", "", nil), 401, "auth.unauthenticated")
	})
}
