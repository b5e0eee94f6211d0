package app

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Acceptance 6 of the club issue: bad input to the club routes is a 4xx
// problem+json with a stable code, never a 500.
func TestClubBadInputIsAProblemNever500(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		cat := a.clubCategory(t, root, "公益")
		owner := a.register(t, "13640000001", "secret-pass-1")
		user := a.register(t, "13640000002", "secret-pass-1")
		r := a.api(t, "POST", "/clubs", owner.Access, map[string]any{"name": "志愿者协会", "category_id": cat, "questions": []string{"为什么想加入？"}})
		expect(t, r, 201, "")
		club := str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/admin/clubs/"+club+"/approve", root.Access, nil), 200, "")
		pending := str(a.api(t, "POST", "/clubs", owner.Access, map[string]any{"name": "待审核社", "category_id": cat}).json(t)["id"])
		expect(t, a.api(t, "POST", "/clubs/"+club+"/applications", user.Access, map[string]any{"answers": []string{"想帮忙"}}), 201, "")

		newClub := func(k string, v any) map[string]any {
			b := map[string]any{"name": "新社团", "category_id": cat}
			b[k] = v
			return b
		}
		runes := func(n int) string { return strings.Repeat("长", n) }
		now := time.Now().UTC()
		rngOf := func(id string, from, to time.Time) string {
			return "/clubs/" + id + "/calendar?from=" + url.QueryEscape(from.Format(time.RFC3339)) + "&to=" + url.QueryEscape(to.Format(time.RFC3339))
		}
		rng := func(from, to time.Time) string { return rngOf(club, from, to) }
		cases := []struct {
			name, method, path, token string
			body                      any
			status                    int
			code                      string
		}{
			// Names and descriptions.
			{"empty name", "POST", "/clubs", owner.Access, newClub("name", ""), 400, "club.invalid_name"},
			{"blank name", "POST", "/clubs", owner.Access, newClub("name", "   "), 400, "club.invalid_name"},
			{"one-character name", "POST", "/clubs", owner.Access, newClub("name", "社"), 400, "club.invalid_name"},
			{"long name in bounds", "POST", "/clubs", owner.Access, newClub("name", runes(31)), 400, "club.invalid_name"},
			{"oversized name", "POST", "/clubs", owner.Access, newClub("name", runes(121)), 422, "request.invalid"},
			{"name with NUL", "POST", "/clubs", owner.Access, newClub("name", "新\x00社团"), 400, "request.invalid_text"},
			{"name not a string", "POST", "/clubs", owner.Access, newClub("name", 42), 422, "request.invalid"},
			{"missing name", "POST", "/clubs", owner.Access, map[string]any{"category_id": cat}, 422, "request.invalid"},
			{"long description in bounds", "POST", "/clubs", owner.Access, newClub("description", runes(2001)), 400, "club.invalid_text"},
			{"oversized description", "POST", "/clubs", owner.Access, newClub("description", runes(8001)), 422, "request.invalid"},
			{"blocked word in the description", "POST", "/clubs", owner.Access, newClub("description", "网络赌博"), 400, "club.blocked"},
			{"six questions", "POST", "/clubs", owner.Access, newClub("questions", []string{"1", "2", "3", "4", "5", "6"}), 422, "request.invalid"},
			{"long question", "POST", "/clubs", owner.Access, newClub("questions", []string{runes(101)}), 400, "club.invalid_text"},
			{"empty edit name", "PATCH", "/clubs/" + club, owner.Access, map[string]any{"name": ""}, 400, "club.invalid_name"},
			{"oversized edit description", "PATCH", "/clubs/" + club, owner.Access, map[string]any{"description": runes(8001)}, 422, "request.invalid"},
			{"malformed json", "POST", "/clubs", owner.Access, `{"name": "x", `, 400, "request.malformed"},
			{"not an object", "POST", "/clubs", owner.Access, `["篮球社"]`, 422, "request.invalid"},
			// Categories.
			{"unknown category", "POST", "/clubs", owner.Access, newClub("category_id", "nope"), 400, "club.unknown_category"},
			{"empty category", "POST", "/clubs", owner.Access, newClub("category_id", ""), 400, "club.unknown_category"},
			{"missing category", "POST", "/clubs", owner.Access, map[string]any{"name": "新社团"}, 422, "request.invalid"},
			{"edit to an unknown category", "PATCH", "/clubs/" + club, owner.Access, map[string]any{"category_id": "nope"}, 400, "club.unknown_category"},
			{"empty category name", "POST", "/admin/club-categories", root.Access, map[string]any{"name": " "}, 400, "club.invalid_name"},
			{"long category name", "POST", "/admin/club-categories", root.Access, map[string]any{"name": runes(21)}, 400, "club.invalid_name"},
			{"duplicate category", "POST", "/admin/club-categories", root.Access, map[string]any{"name": "公益"}, 409, "club.name_taken"},
			{"directory of an unknown category", "GET", "/clubs?category_id=nope", "", nil, 200, ""},
			// Applications.
			{"double apply", "POST", "/clubs/" + club + "/applications", user.Access, map[string]any{"answers": []string{"想帮忙"}}, 409, "club.application_pending"},
			{"apply without answers", "POST", "/clubs/" + club + "/applications", owner.Access, map[string]any{}, 409, "club.already_member"},
			{"missing answers", "POST", "/clubs/" + club + "/applications", root.Access, map[string]any{"message": "你好"}, 400, "club.invalid_answers"},
			{"blank answer", "POST", "/clubs/" + club + "/applications", root.Access, map[string]any{"answers": []string{" "}}, 400, "club.invalid_answers"},
			{"long message in bounds", "POST", "/clubs/" + club + "/applications", root.Access, map[string]any{"message": runes(501), "answers": []string{"x"}}, 400, "club.invalid_text"},
			{"oversized message", "POST", "/clubs/" + club + "/applications", root.Access, map[string]any{"message": runes(2001)}, 422, "request.invalid"},
			{"apply to a pending club", "POST", "/clubs/" + pending + "/applications", user.Access, map[string]any{}, 404, "club.not_found"},
			{"apply to no club", "POST", "/clubs/nope/applications", user.Access, map[string]any{}, 404, "club.not_found"},
			{"reject without a reason", "POST", "/clubs/" + club + "/applications/nope/reject", owner.Access, map[string]any{}, 400, "club.reason_required"},
			{"approve no application", "POST", "/clubs/" + club + "/applications/nope/approve", owner.Access, nil, 404, "club.application_not_found"},
			{"applications of a bad status", "GET", "/clubs/" + club + "/applications?status=maybe", owner.Access, nil, 422, "request.invalid"},
			// Ids.
			{"club id not utf-8", "GET", "/clubs/%FF%FE", "", nil, 400, "request.invalid_text"},
			{"club id with NUL", "GET", "/clubs/a%00b", "", nil, 400, "request.invalid_text"},
			{"club id too long", "GET", "/clubs/" + strings.Repeat("x", 65), "", nil, 422, "request.invalid"},
			{"unknown club", "GET", "/clubs/nope", "", nil, 404, "club.not_found"},
			{"sql in the club id", "GET", "/clubs/' OR '1'='1", "", nil, 404, "club.not_found"},
			{"roster of no club", "GET", "/clubs/nope/members", user.Access, nil, 404, "club.not_found"},
			{"role of no member", "PATCH", "/clubs/" + club + "/members/nope", owner.Access, map[string]any{"role": "officer"}, 404, "club.member_not_found"},
			{"unknown role", "PATCH", "/clubs/" + club + "/members/" + user.UserID, owner.Access, map[string]any{"role": "boss"}, 422, "request.invalid"},
			{"remove no member", "DELETE", "/clubs/" + club + "/members/nope", owner.Access, nil, 404, "club.member_not_found"},
			{"user id with NUL", "DELETE", "/clubs/" + club + "/members/a%00", owner.Access, nil, 400, "request.invalid_text"},
			{"favorite no club", "PUT", "/clubs/nope/favorite", user.Access, nil, 404, "club.not_found"},
			{"favorite a pending club", "PUT", "/clubs/" + pending + "/favorite", user.Access, nil, 404, "club.not_found"},
			// Bans.
			{"ban nobody", "POST", "/clubs/" + club + "/bans", owner.Access, map[string]any{"user_id": "nope"}, 404, "club.member_not_found"},
			{"ban without a user", "POST", "/clubs/" + club + "/bans", owner.Access, map[string]any{"user_id": ""}, 422, "request.invalid"},
			{"ban for too long", "POST", "/clubs/" + club + "/bans", owner.Access, map[string]any{"user_id": user.UserID, "days": 3651}, 400, "club.invalid_ban_duration"},
			{"ban for negative days", "POST", "/clubs/" + club + "/bans", owner.Access, map[string]any{"user_id": user.UserID, "days": -3}, 422, "request.invalid"},
			{"ban with days as text", "POST", "/clubs/" + club + "/bans", owner.Access, map[string]any{"user_id": user.UserID, "days": "7"}, 422, "request.invalid"},
			{"ban oneself", "POST", "/clubs/" + club + "/bans", owner.Access, map[string]any{"user_id": owner.UserID}, 400, "club.ban_self"},
			{"lift no ban", "DELETE", "/clubs/" + club + "/bans/" + user.UserID, owner.Access, nil, 404, "club.ban_not_found"},
			// Pages and cursors.
			{"limit zero", "GET", "/clubs?limit=0", "", nil, 422, "request.invalid"},
			{"limit too big", "GET", "/clubs?limit=51", "", nil, 422, "request.invalid"},
			{"limit not a number", "GET", "/clubs?limit=ten", "", nil, 422, "request.invalid"},
			{"negative limit", "GET", "/clubs?limit=-1", "", nil, 422, "request.invalid"},
			{"cursor not base64", "GET", "/clubs?cursor=!!!", "", nil, 400, "club.invalid_cursor"},
			{"cursor without id", "GET", "/clubs?cursor=MTI6", "", nil, 400, "club.invalid_cursor"},
			{"unknown sort", "GET", "/clubs?sort=random", "", nil, 422, "request.invalid"},
			{"keyword too long", "GET", "/clubs?q=" + url.QueryEscape(runes(51)), "", nil, 422, "request.invalid"},
			{"keyword with NUL", "GET", "/clubs?q=a%00", "", nil, 400, "request.invalid_text"},
			{"admin page zero", "GET", "/admin/clubs?page=0", root.Access, nil, 422, "request.invalid"},
			{"admin page size zero", "GET", "/admin/clubs?page_size=0", root.Access, nil, 422, "request.invalid"},
			{"admin page size too big", "GET", "/admin/clubs?page_size=101", root.Access, nil, 422, "request.invalid"},
			{"admin unknown status", "GET", "/admin/clubs?status=hidden", root.Access, nil, 422, "request.invalid"},
			// The calendar.
			{"calendar without a range", "GET", "/clubs/" + club + "/calendar", "", nil, 422, "request.invalid"},
			{"calendar with a bad date", "GET", "/clubs/" + club + "/calendar?from=yesterday&to=today", "", nil, 422, "request.invalid"},
			{"calendar backwards", "GET", rng(now, now.Add(-time.Hour)), "", nil, 400, "club.invalid_range"},
			{"calendar empty range", "GET", rng(now, now), "", nil, 400, "club.invalid_range"},
			{"calendar over a year", "GET", rng(now, now.Add(367*24*time.Hour)), "", nil, 400, "club.invalid_range"},
			{"calendar of no club", "GET", rngOf("nope", now, now.Add(time.Hour)), "", nil, 404, "club.not_found"},
			{"feed of no club", "GET", "/clubs/nope/calendar.ics", "", nil, 404, "club.not_found"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := a.api(t, c.method, c.path, c.token, c.body)
				if r.Status >= 500 {
					t.Fatalf("server error %d: %s", r.Status, r.Body)
				}
				if r.Status != c.status {
					t.Fatalf("status %d, want %d: %s", r.Status, c.status, r.Body)
				}
				if r.Status < 400 {
					return
				}
				if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
					t.Fatalf("content type %q", r.Header.Get("Content-Type"))
				}
				m := r.json(t)
				if str(m["code"]) == "" || m["status"] == nil || str(m["title"]) == "" {
					t.Fatalf("incomplete problem: %s", r.Body)
				}
				if c.code != "" && str(m["code"]) != c.code {
					t.Fatalf("code %q, want %q: %s", m["code"], c.code, r.Body)
				}
				if bytes.Contains(r.Body, []byte("SQLSTATE")) || bytes.Contains(r.Body, []byte("sqlite")) {
					t.Fatalf("problem shows SQL: %s", r.Body)
				}
			})
		}
		// Nothing of the refused input was stored.
		if n := count(t, a, "SELECT COUNT(*) FROM clubs"); n != 2 {
			t.Fatalf("%d clubs after the bad input, want 2", n)
		}
	})
}
