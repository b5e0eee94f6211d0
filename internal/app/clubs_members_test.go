package app

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/zuju/zuju/internal/config"
)

// icsUIDs parses a feed with an independent RFC 5545 parser and returns
// its events' UIDs.
func icsUIDs(t *testing.T, body []byte) []string {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("calendar.ics does not parse: %v\n%s", err, body)
	}
	var out []string
	for _, e := range cal.Events() {
		uid, _ := e.Props.Text(ical.PropUID)
		out = append(out, uid)
	}
	return out
}

// A members-only club activity is invisible to everyone outside the club
// — discovery, search, the club's list, details, the calendar and its
// feed, sign-up — also when a member's list was read (and could have been
// cached) just before; members see and join it. Titles and descriptions
// go through the word filter.
func TestMembersOnlyClubActivities(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		cat := a.clubCategory(t, root, "体育")
		owner := a.register(t, "13610000001", "secret-pass-1")
		member := a.register(t, "13610000002", "secret-pass-1")
		outsider := a.register(t, "13610000003", "secret-pass-1")
		club := a.activeClub(t, root, cat, "羽毛球社", owner, nil, []tokens{member})
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "训练"}).json(t)["id"])
		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)

		create := func(title, visibility string) string {
			t.Helper()
			body := activityBody(typeID, start)
			body["club_id"], body["title"], body["min_participants"] = club, title, 2
			if visibility != "" {
				body["visibility"] = visibility
			}
			r := a.api(t, "POST", "/activities", owner.Access, body)
			expect(t, r, 201, "")
			want := visibility
			if want == "" {
				want = "public"
			}
			if got := str(r.json(t)["visibility"]); got != want {
				t.Fatalf("visibility %q, want %q", got, want)
			}
			id := str(r.json(t)["id"])
			expect(t, a.api(t, "POST", "/activities/"+id+"/publish", owner.Access, nil), 200, "")
			return id
		}
		// Bad visibilities.
		body := activityBody(typeID, start)
		body["visibility"] = "members"
		expect(t, a.api(t, "POST", "/activities", owner.Access, body), 403, "activity.cannot_create")
		org := a.organizer(t, root, "13610000009")
		expect(t, a.api(t, "POST", "/activities", org.Access, body), 400, "activity.invalid_visibility")
		body["visibility"] = "secret"
		expect(t, a.api(t, "POST", "/activities", org.Access, body), 422, "request.invalid")

		public := create("羽毛球公开课", "")
		hidden := create("羽毛球内部训练", "members")
		if r := a.api(t, "GET", "/activities/"+hidden, owner.Access, nil); str(r.json(t)["visibility"]) != "members" {
			t.Fatalf("hidden: %s", r.Body)
		}

		// A member reads the club's list first: both are there.
		list := func(tok, query string) []string {
			t.Helper()
			r := a.api(t, "GET", "/activities?"+query, tok, nil)
			expect(t, r, 200, "")
			return itemIDs(t, r, "id")
		}
		for range 2 {
			if got := list(member.Access, "club_id="+club); !slices.Contains(got, hidden) || !slices.Contains(got, public) {
				t.Fatalf("member's club list %v", got)
			}
		}
		// Then outsiders, with the very same query: never the hidden one.
		for _, tok := range []string{outsider.Access, ""} {
			for _, q := range []string{"club_id=" + club, "", "q=羽毛球", "q=内部训练", "sort=hot", "city=上海&club_id=" + club} {
				if got := list(tok, q); slices.Contains(got, hidden) {
					t.Fatalf("outsider's list ?%s holds the members-only activity: %v", q, got)
				}
			}
			if got := list(tok, "club_id="+club); !slices.Contains(got, public) {
				t.Fatalf("outsider's club list lacks the public one: %v", got)
			}
			expect(t, a.api(t, "GET", "/activities/"+hidden, tok, nil), 404, "activity.not_found")
		}
		// Plain discovery is the public list for members too.
		if got := list(member.Access, "q=羽毛球"); slices.Contains(got, hidden) || !slices.Contains(got, public) {
			t.Fatalf("member's discovery %v", got)
		}
		expect(t, a.api(t, "POST", "/activities/"+hidden+"/signups", outsider.Access, nil), 404, "activity.not_found")
		expect(t, a.api(t, "POST", "/activities/"+hidden+"/signups/me/accept", outsider.Access, nil), 409, "signup.no_offer")

		// The calendar and its feed.
		from, to := start.Add(-24*time.Hour).Format(time.RFC3339), start.Add(24*time.Hour).Format(time.RFC3339)
		cal := func(tok string) []string {
			t.Helper()
			r := a.api(t, "GET", "/clubs/"+club+"/calendar?from="+from+"&to="+to, tok, nil)
			expect(t, r, 200, "")
			return itemIDs(t, r, "activity_id")
		}
		if got := cal(member.Access); len(got) != 2 {
			t.Fatalf("member's calendar %v", got)
		}
		for _, tok := range []string{outsider.Access, ""} {
			if got := cal(tok); !slices.Equal(got, []string{public}) {
				t.Fatalf("outsider's calendar %v", got)
			}
			feed := a.api(t, "GET", "/clubs/"+club+"/calendar.ics", tok, nil)
			expect(t, feed, 200, "")
			if got := icsUIDs(t, feed.Body); !slices.Equal(got, []string{public + "@zuju"}) || strings.Contains(string(feed.Body), "内部训练") {
				t.Fatalf("outsider's feed %v", got)
			}
			if cc := feed.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "public") {
				t.Fatalf("outsider's feed Cache-Control %q", cc)
			}
		}
		feed := a.api(t, "GET", "/clubs/"+club+"/calendar.ics", member.Access, nil)
		if got := icsUIDs(t, feed.Body); len(got) != 2 || !slices.Contains(got, hidden+"@zuju") {
			t.Fatalf("member's feed %v", got)
		}
		if cc := feed.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
			t.Fatalf("a member's feed may be cached by others: %q", cc)
		}

		// Members join it.
		expect(t, a.api(t, "POST", "/activities/"+hidden+"/signups", member.Access, nil), 201, "")
		if r := a.api(t, "GET", "/activities/"+hidden, member.Access, nil); r.json(t)["participant_count"] != float64(1) {
			t.Fatalf("after the sign-up: %s", r.Body)
		}
		// Visibility is fixed once somebody signed up.
		expect(t, a.api(t, "PATCH", "/activities/"+hidden, owner.Access, map[string]any{"visibility": "public"}), 409, "activity.locked_after_signup")
		expect(t, a.api(t, "PATCH", "/activities/"+public, owner.Access, map[string]any{"club_id": ""}), 200, "")
		expect(t, a.api(t, "PATCH", "/activities/"+public, owner.Access, map[string]any{"visibility": "members"}), 400, "activity.invalid_visibility")

		// Leaving the club (or a ban, see TestClubBans) hides it at once.
		expect(t, a.api(t, "DELETE", "/clubs/"+club+"/members/"+member.UserID, member.Access, nil), 204, "")
		expect(t, a.api(t, "GET", "/activities/"+hidden, member.Access, nil), 404, "activity.not_found")
		if got := list(member.Access, "club_id="+club); slices.Contains(got, hidden) {
			t.Fatalf("a former member still lists it: %v", got)
		}
		if got := cal(member.Access); slices.Contains(got, hidden) {
			t.Fatalf("a former member still has it on the calendar: %v", got)
		}
		// Staff see it.
		expect(t, a.api(t, "GET", "/activities/"+hidden, root.Access, nil), 200, "")

		// The word filter: blocked and review words refuse, replaced ones are masked.
		body = activityBody(typeID, start)
		body["title"] = "网络赌博之夜"
		expect(t, a.api(t, "POST", "/activities", org.Access, body), 400, "activity.blocked")
		body["title"], body["description"] = "周末读书会", "日赚千元的秘诀"
		expect(t, a.api(t, "POST", "/activities", org.Access, body), 400, "activity.blocked")
		body["description"] = "别当傻逼，来读书"
		r := a.api(t, "POST", "/activities", org.Access, body)
		expect(t, r, 201, "")
		if d := str(r.json(t)["description"]); strings.Contains(d, "傻逼") || !strings.Contains(d, "*") {
			t.Fatalf("description not masked: %q", d)
		}
		id := str(r.json(t)["id"])
		expect(t, a.api(t, "PATCH", "/activities/"+id, org.Access, map[string]any{"title": "网络 赌博局"}), 400, "activity.blocked")
		r = a.api(t, "PATCH", "/activities/"+id, org.Access, map[string]any{"title": "傻逼读书会"})
		expect(t, r, 200, "")
		if title := str(r.json(t)["title"]); strings.Contains(title, "傻逼") {
			t.Fatalf("title not masked: %q", title)
		}
	})
}

// Officers ban members (for days or for good, with a reason; audited), list
// and lift bans. A banned user is out of the club at once — members-only
// posts and activities disappear — cannot apply, and cannot be let in by
// an approval; a temporary ban ends by itself.
func TestClubBans(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		a := startApp(t, b, withClock(clk), func(c *config.Config, _ *Options) { c.Club.ApplyCooldown = time.Hour })
		root := a.admin(t, "root@example.com")
		cat := a.clubCategory(t, root, "文艺")
		owner := a.register(t, "13620000001", "secret-pass-1")
		officer := a.register(t, "13620000002", "secret-pass-1")
		officer2 := a.register(t, "13620000003", "secret-pass-1")
		member := a.register(t, "13620000004", "secret-pass-1")
		applicant := a.register(t, "13620000005", "secret-pass-1")
		outsider := a.register(t, "13620000006", "secret-pass-1")
		club := a.activeClub(t, root, cat, "话剧社", owner, []tokens{officer, officer2}, []tokens{member})
		other := a.activeClub(t, root, cat, "合唱团", outsider, nil, nil)

		// What the member sees before: a members-only post and activity.
		r := a.api(t, "POST", "/posts", officer.Access, map[string]any{"club_id": club, "title": "排练安排", "content": "<p>周六下午排练</p>", "members_only": true})
		expect(t, r, 201, "")
		post := str(r.json(t)["id"])
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "排练"}).json(t)["id"])
		body := activityBody(typeID, clk.Now().Add(72*time.Hour).UTC().Truncate(time.Second))
		body["club_id"], body["visibility"] = club, "members"
		r = a.api(t, "POST", "/activities", officer.Access, body)
		expect(t, r, 201, "")
		act := str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/activities/"+act+"/publish", officer.Access, nil), 200, "")
		expect(t, a.api(t, "GET", "/posts/"+post, member.Access, nil), 200, "")
		expect(t, a.api(t, "GET", "/activities/"+act, member.Access, nil), 200, "")
		r = a.api(t, "POST", "/clubs/"+club+"/applications", applicant.Access, map[string]any{"message": "我也想演"})
		expect(t, r, 201, "")

		ban := func(by tokens, userID string, fields map[string]any) response {
			t.Helper()
			body := map[string]any{"user_id": userID}
			for k, v := range fields {
				body[k] = v
			}
			return a.api(t, "POST", "/clubs/"+club+"/bans", by.Access, body)
		}
		// Who may ban whom.
		expect(t, ban(tokens{}, member.UserID, nil), 401, "auth.unauthenticated")
		expect(t, ban(member, officer.UserID, nil), 403, "club.not_officer")
		expect(t, ban(outsider, member.UserID, nil), 403, "club.not_officer")
		expect(t, a.api(t, "POST", "/clubs/"+other+"/bans", outsider.Access, map[string]any{"user_id": member.UserID}), 201, "") // the other club's own ban
		expect(t, ban(officer, owner.UserID, nil), 403, "club.not_owner")
		expect(t, ban(officer, officer2.UserID, nil), 403, "club.not_owner")
		expect(t, ban(officer, officer.UserID, nil), 400, "club.ban_self")
		expect(t, ban(officer, "no-such-user", nil), 404, "club.member_not_found")
		expect(t, ban(officer, member.UserID, map[string]any{"days": 4000}), 400, "club.invalid_ban_duration")
		expect(t, ban(officer, member.UserID, map[string]any{"days": -1}), 422, "request.invalid")
		expect(t, ban(officer, member.UserID, map[string]any{"reason": "网络赌博"}), 400, "club.blocked")
		expect(t, ban(officer, member.UserID, map[string]any{"reason": strings.Repeat("长", 201)}), 400, "club.reason_required")

		// The officer bans the member for good.
		r = ban(officer, member.UserID, map[string]any{"reason": "多次无故缺席排练"})
		expect(t, r, 201, "")
		if m := r.json(t); m["permanent"] != true || m["until"] != nil || str(m["reason"]) != "多次无故缺席排练" ||
			str(m["banned_by"]) != officer.UserID || str(m["user"].(map[string]any)["id"]) != member.UserID {
			t.Fatalf("ban: %s", r.Body)
		}
		if c := a.api(t, "GET", "/clubs/"+club, member.Access, nil).json(t); c["my_role"] != nil || c["member_count"] != float64(3) {
			t.Fatalf("after the ban: %v", c)
		}
		expect(t, a.api(t, "GET", "/posts/"+post, member.Access, nil), 404, "post.not_found")
		if got := itemIDs(t, a.api(t, "GET", "/posts?club_id="+club, member.Access, nil), "id"); slices.Contains(got, post) {
			t.Fatalf("the banned member still lists the members-only post: %v", got)
		}
		expect(t, a.api(t, "GET", "/activities/"+act, member.Access, nil), 404, "activity.not_found")
		expect(t, a.api(t, "GET", "/clubs/"+club+"/members", member.Access, nil), 403, "club.not_officer")
		denied := a.api(t, "POST", "/clubs/"+club+"/applications", member.Access, map[string]any{"message": "我错了"})
		expect(t, denied, 403, "club.banned")
		if !strings.Contains(str(denied.json(t)["detail"]), "永久") {
			t.Fatalf("ban detail: %s", denied.Body)
		}
		// Not let in by an approval either (an application that got in
		// before the ban, written straight into the table).
		if err := a.DB.Gorm.Exec(`INSERT INTO club_applications (id, club_id, user_id, status, created_at) VALUES ('sneaky', ?, ?, 'pending', ?)`,
			club, member.UserID, clk.Now().UTC()).Error; err != nil {
			t.Fatal(err)
		}
		expect(t, a.api(t, "POST", "/clubs/"+club+"/applications/sneaky/approve", owner.Access, nil), 403, "club.banned")
		if n := count(t, a, "SELECT COUNT(*) FROM club_members WHERE club_id = ? AND user_id = ?", club, member.UserID); n != 0 {
			t.Fatal("the banned member was let in")
		}
		a.DB.Gorm.Exec(`DELETE FROM club_applications WHERE id = 'sneaky'`)

		// A pending applicant banned for a week: the application goes.
		r = ban(officer2, applicant.UserID, map[string]any{"days": 7})
		expect(t, r, 201, "")
		if m := r.json(t); m["permanent"] != false || m["until"] == nil {
			t.Fatalf("temporary ban: %s", r.Body)
		}
		if got := itemIDs(t, a.api(t, "GET", "/clubs/"+club+"/applications", owner.Access, nil), "user_id"); slices.Contains(got, applicant.UserID) {
			t.Fatalf("the banned applicant's application is still pending: %v", got)
		}
		expect(t, a.api(t, "POST", "/clubs/"+club+"/applications", applicant.Access, map[string]any{}), 403, "club.banned")
		// The owner bans an officer.
		expect(t, ban(owner, officer2.UserID, map[string]any{"days": 1}), 201, "")

		// The list, for officers only.
		expect(t, a.api(t, "GET", "/clubs/"+club+"/bans", member.Access, nil), 403, "club.not_officer")
		expect(t, a.api(t, "GET", "/clubs/"+club+"/bans", "", nil), 401, "auth.unauthenticated")
		r = a.api(t, "GET", "/clubs/"+club+"/bans", officer.Access, nil)
		expect(t, r, 200, "")
		if got := itemIDs(t, r, "user"); len(got) != 3 {
			t.Fatalf("bans: %s", r.Body)
		}
		// Audited, with the actor.
		if n := count(t, a, "SELECT COUNT(*) FROM audit_logs WHERE action = 'club.ban' AND target_id = ?", club); n != 3 {
			t.Fatalf("%d audit rows for three bans", n)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM audit_logs WHERE action = 'club.ban' AND target_id = ? AND actor_id = ?", club, officer.UserID); n != 1 {
			t.Fatalf("%d audit rows by the officer", n)
		}

		// Lifting: officers; the member may apply again.
		expect(t, a.api(t, "DELETE", "/clubs/"+club+"/bans/"+member.UserID, member.Access, nil), 403, "club.not_officer")
		expect(t, a.api(t, "DELETE", "/clubs/"+other+"/bans/"+member.UserID, officer.Access, nil), 403, "club.not_officer")
		expect(t, a.api(t, "DELETE", "/clubs/"+club+"/bans/"+member.UserID, officer.Access, nil), 204, "")
		expect(t, a.api(t, "DELETE", "/clubs/"+club+"/bans/"+member.UserID, officer.Access, nil), 404, "club.ban_not_found")
		if n := count(t, a, "SELECT COUNT(*) FROM audit_logs WHERE action = 'club.unban' AND target_id = ?", club); n != 1 {
			t.Fatalf("%d audit rows for the unban", n)
		}
		r = a.api(t, "POST", "/clubs/"+club+"/applications", member.Access, map[string]any{"message": "我错了"})
		expect(t, r, 201, "")
		expect(t, a.api(t, "POST", "/clubs/"+club+"/applications/"+str(r.json(t)["id"])+"/approve", owner.Access, nil), 200, "")
		expect(t, a.api(t, "GET", "/posts/"+post, member.Access, nil), 200, "")

		// A temporary ban ends by itself.
		clk.Advance(8 * 24 * time.Hour)
		applicant, officer = signIn(t, a, "13620000005"), signIn(t, a, "13620000002")
		if got := itemIDs(t, a.api(t, "GET", "/clubs/"+club+"/bans", officer.Access, nil), "user"); len(got) != 0 {
			t.Fatalf("expired bans listed: %v", got)
		}
		expect(t, a.api(t, "POST", "/clubs/"+club+"/applications", applicant.Access, map[string]any{}), 201, "")
	})
}
