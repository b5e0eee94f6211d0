package app

import (
	"slices"
	"testing"
	"time"
)

// GET /me/clubs: the caller's clubs with their role, most recently joined
// first, cursor paged; dissolved clubs are left out, a pending club its
// owner founded is in.
func TestMyClubsPaged(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		a := startApp(t, b, withClock(clk))
		root := a.admin(t, "root@example.com")
		cat := a.clubCategory(t, root, "学术")
		owner := a.register(t, "13640000001", "secret-pass-1")
		u := a.register(t, "13640000002", "secret-pass-1")
		expect(t, a.api(t, "GET", "/me/clubs", "", nil), 401, "auth.unauthenticated")
		if r := a.api(t, "GET", "/me/clubs", u.Access, nil); len(items(t, r)) != 0 || r.json(t)["next_cursor"] != nil {
			t.Fatalf("no clubs yet: %s", r.Body)
		}
		var joined []string // in the order u joined them
		for _, name := range []string{"数学社", "物理社", "化学社", "生物社"} {
			id := a.activeClub(t, root, cat, name, owner, nil, nil)
			clk.Advance(time.Minute)
			a.joinClub(t, id, owner, u)
			joined = append(joined, id)
		}
		expect(t, a.api(t, "PATCH", "/clubs/"+joined[1]+"/members/"+u.UserID, owner.Access, map[string]any{"role": "officer"}), 200, "")
		expect(t, a.api(t, "DELETE", "/clubs/"+joined[3], owner.Access, nil), 204, "")
		r := a.api(t, "POST", "/clubs", owner.Access, map[string]any{"name": "天文社", "category_id": cat})
		expect(t, r, 201, "")
		pending := str(r.json(t)["id"])

		// u: three clubs (the dissolved one left out), newest join first,
		// two per page.
		var got []string
		roles := map[string]string{}
		cursor := ""
		for page := 0; ; page++ {
			path := "/me/clubs?limit=2"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			r := a.api(t, "GET", path, u.Access, nil)
			expect(t, r, 200, "")
			for _, it := range items(t, r) {
				got = append(got, str(it["id"]))
				roles[str(it["id"])] = str(it["my_role"])
				if _, err := time.Parse(time.RFC3339, str(it["joined_at"])); err != nil || str(it["name"]) == "" {
					t.Fatalf("item: %v", it)
				}
			}
			cursor = str(r.json(t)["next_cursor"])
			if cursor == "" {
				break
			}
			if page > 3 {
				t.Fatalf("paging does not end: %v", got)
			}
		}
		if want := []string{joined[2], joined[1], joined[0]}; !slices.Equal(got, want) {
			t.Fatalf("u's clubs %v, want %v", got, want)
		}
		if roles[joined[1]] != "officer" || roles[joined[0]] != "member" {
			t.Fatalf("roles: %v", roles)
		}

		// The owner: the pending club too, with its status.
		r = a.api(t, "GET", "/me/clubs?limit=50", owner.Access, nil)
		expect(t, r, 200, "")
		var ownerClubs []string
		for _, it := range items(t, r) {
			ownerClubs = append(ownerClubs, str(it["id"]))
			if str(it["my_role"]) != "owner" {
				t.Fatalf("owner's item: %v", it)
			}
			if str(it["id"]) == pending && str(it["status"]) != "pending" {
				t.Fatalf("pending club: %v", it)
			}
		}
		if len(ownerClubs) != 4 || !slices.Contains(ownerClubs, pending) || slices.Contains(ownerClubs, joined[3]) {
			t.Fatalf("owner's clubs %v (pending %s, dissolved %s)", ownerClubs, pending, joined[3])
		}
		expect(t, a.api(t, "GET", "/me/clubs?cursor=bm9wZQ", u.Access, nil), 400, "club.invalid_cursor")
	})
}
