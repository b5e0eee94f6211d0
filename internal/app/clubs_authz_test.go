package app

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// Acceptance 2 of the club issue: cross-club authorization, walked for
// every club route the API serves.
//
// Every operation of the served OpenAPI document under /clubs,
// /club-categories, /admin/club-categories and /me/clubs must have a row in clubRoutes with the exact outcome
// (status and problem code) for each kind of caller; a route the table
// does not classify fails the test, so a route added later has to be
// placed in it. The calls target club B; officer A is an officer of
// another club, who has no power in B.

// clubCaller is a kind of caller of the club matrix.
type clubCaller int

const (
	cAnon     clubCaller = iota
	cOutsider            // signed in, no relation to B
	cBanned              // a former member of B, banned from it
	cMember              // a member of B
	cOfficerA            // an officer of club A, acting on B
	cOfficerB            // an officer of B
	cOwnerB              // B's owner
	cStaff               // platform admin
	nClubCallers
)

var clubCallerNames = [nClubCallers]string{"anonymous", "outsider", "banned", "member", "officer of A", "officer of B", "owner of B", "staff"}

func (c clubCaller) String() string { return clubCallerNames[c] }

// clubOutcomes are the answers per caller, in the order of the constants.
type clubOutcomes [nClubCallers]outcome

var (
	notOfficer403 = outcome{http.StatusForbidden, "club.not_officer"}
	notOwner403   = outcome{http.StatusForbidden, "club.not_owner"}
	banned403     = outcome{http.StatusForbidden, "club.banned"}
	clubGone404   = outcome{http.StatusNotFound, "club.not_found"}
	appGone404    = outcome{http.StatusNotFound, "club.application_not_found"}
	isMember409   = outcome{http.StatusConflict, "club.already_member"}
	ownerStays409 = outcome{http.StatusConflict, "club.owner_cannot_leave"}
	postGone404   = outcome{http.StatusNotFound, "post.not_found"}
	actGone404    = outcome{http.StatusNotFound, "activity.not_found"}
)

// clubFixture holds the callers, club A and the activity type.
type clubFixture struct {
	a         *testApp
	who       [nClubCallers]tokens
	applicant tokens // has a pending application in every world
	category  string
	typeID    string
	clubA     string
	n         atomic.Int64
}

// clubWorld is one club B with its people and things.
type clubWorld struct {
	id       string
	pending  string // another club of B's owner, not approved yet
	app      string // the applicant's pending application to B
	activity string // B's members-only activity (with content)
	post     string // a members-only post on B's board (with content)
}

// clubCall is one call of the walk.
type clubCall struct {
	t   *testing.T
	f   *clubFixture
	w   *clubWorld
	who clubCaller
}

func (x *clubCall) api(method, path string, body any) response {
	x.t.Helper()
	return x.f.a.api(x.t, method, path, x.f.who[x.who].Access, body)
}

// clubCase is one way a route is called, with its expected outcomes.
type clubCase struct {
	target string
	// fresh builds a new club B for every caller (the call may change it);
	// content gives B a members-only activity and post.
	fresh, content bool
	do             func(x *clubCall) response
	want           clubOutcomes
	// after checks an allowed answer.
	after func(x *clubCall, r response)
}

// onClub calls method path with {id} → B, {app_id} → the application,
// {user_id} → user(f) and a JSON body.
func onClub(method, path string, user func(f *clubFixture) string, body any) func(x *clubCall) response {
	return func(x *clubCall) response {
		x.t.Helper()
		p := strings.NewReplacer("{id}", x.w.id, "{app_id}", x.w.app).Replace(path)
		if user != nil {
			p = strings.Replace(p, "{user_id}", user(x.f), 1)
		}
		return x.api(method, p, body)
	}
}

func userOf(c clubCaller) func(f *clubFixture) string {
	return func(f *clubFixture) string { return f.who[c].UserID }
}

// newClubFixture signs the callers up and founds club A.
func newClubFixture(t *testing.T, a *testApp) *clubFixture {
	t.Helper()
	f := &clubFixture{a: a}
	root := a.admin(t, "root@example.com")
	f.who[cStaff] = root
	for i, c := range []clubCaller{cOutsider, cBanned, cMember, cOfficerA, cOfficerB, cOwnerB} {
		f.who[c] = a.register(t, fmt.Sprintf("1363000000%d", i+1), "secret-pass-1")
	}
	f.applicant = a.register(t, "13630000009", "secret-pass-1")
	ownerA := a.register(t, "13630000008", "secret-pass-1")
	f.category = a.clubCategory(t, root, "学术")
	f.typeID = str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "讲座"}).json(t)["id"])
	f.clubA = a.activeClub(t, root, f.category, "A 社", ownerA, []tokens{f.who[cOfficerA]}, nil)
	return f
}

// newWorld founds club B: owner, officer and member, a banned former
// member, a pending application, a pending club of the same owner; with
// content, a members-only activity and post.
func (f *clubFixture) newWorld(t *testing.T, content bool) *clubWorld {
	t.Helper()
	a, root, owner := f.a, f.who[cStaff], f.who[cOwnerB]
	n := f.n.Add(1)
	w := &clubWorld{id: a.activeClub(t, root, f.category, fmt.Sprintf("B 社 %d", n), owner, []tokens{f.who[cOfficerB]},
		[]tokens{f.who[cMember], f.who[cBanned]})}
	expect(t, a.api(t, "POST", "/clubs/"+w.id+"/bans", owner.Access, map[string]any{"user_id": f.who[cBanned].UserID, "reason": "违反社规"}), 201, "")
	r := a.api(t, "POST", "/clubs/"+w.id+"/applications", f.applicant.Access, map[string]any{"message": "申请加入"})
	expect(t, r, 201, "")
	w.app = str(r.json(t)["id"])
	r = a.api(t, "POST", "/clubs", owner.Access, map[string]any{"name": fmt.Sprintf("B 的新社 %d", n), "category_id": f.category})
	expect(t, r, 201, "")
	w.pending = str(r.json(t)["id"])
	if !content {
		return w
	}
	body := activityBody(f.typeID, time.Now().Add(72*time.Hour).UTC().Truncate(time.Second))
	body["club_id"], body["visibility"], body["title"] = w.id, "members", "社内分享会"
	r = a.api(t, "POST", "/activities", f.who[cOfficerB].Access, body)
	expect(t, r, 201, "")
	w.activity = str(r.json(t)["id"])
	expect(t, a.api(t, "POST", "/activities/"+w.activity+"/publish", f.who[cOfficerB].Access, nil), 200, "")
	r = a.api(t, "POST", "/posts", f.who[cMember].Access, map[string]any{"club_id": w.id, "title": "社内通知", "content": "<p>仅成员可见</p>", "members_only": true})
	expect(t, r, 201, "")
	w.post = str(r.json(t)["id"])
	return w
}

// insider reports whether the caller sees B's members-only content.
func insider(c clubCaller) bool {
	return c == cMember || c == cOfficerB || c == cOwnerB || c == cStaff
}

// clubRoutes is the authorization table. Columns:
//
//	anonymous, outsider, banned, member, officer of A, officer of B, owner of B, staff
func clubRoutes(f *clubFixture) map[string][]clubCase {
	all := func(o outcome) clubOutcomes {
		var out clubOutcomes
		for i := range out {
			out[i] = o
		}
		return out
	}
	signedIn := func(o outcome) clubOutcomes { out := all(o); out[cAnon] = unauth401; return out }
	officers := func(ok outcome) clubOutcomes {
		return clubOutcomes{unauth401, notOfficer403, notOfficer403, notOfficer403, notOfficer403, ok, ok, ok}
	}
	owners := func(ok outcome, refused outcome) clubOutcomes {
		return clubOutcomes{unauth401, refused, refused, refused, refused, refused, ok, ok}
	}
	// The members-only activity is on the calendar for insiders only.
	calendarShows := func(x *clubCall, body []byte) {
		if has := strings.Contains(string(body), x.w.activity); has != insider(x.who) {
			x.t.Fatalf("%s: the members-only activity on the calendar: %v: %s", x.who, has, body)
		}
	}
	counter := 0
	admins := func(ok outcome) clubOutcomes {
		out := all(forbid403)
		out[cAnon], out[cStaff] = unauth401, ok
		return out
	}
	// newCategory adds a category as staff for a call to change.
	newCategory := func(x *clubCall) string {
		x.t.Helper()
		counter++
		return x.f.a.clubCategory(x.t, x.f.who[cStaff], fmt.Sprintf("分类 %d", counter))
	}
	return map[string][]clubCase{
		"GET /admin/club-categories": {{target: "the categories with counts", do: onClub("GET", "/admin/club-categories", nil, nil), want: admins(ok200),
			after: func(x *clubCall, r response) {
				for _, it := range items(x.t, r) {
					all, _ := it["club_count"].(float64)
					active, _ := it["active_club_count"].(float64)
					if str(it["id"]) == f.category && all >= 2 && active >= 2 && all >= active {
						return
					}
				}
				x.t.Fatalf("categories: %s", r.Body)
			}}},
		"POST /admin/club-categories": {{target: "a new category",
			do: func(x *clubCall) response {
				counter++
				return x.api("POST", "/admin/club-categories", map[string]any{"name": fmt.Sprintf("新分类 %d", counter)})
			},
			want: admins(created201)}},
		"PATCH /admin/club-categories/{id}": {
			{target: "a category", do: func(x *clubCall) response {
				id := newCategory(x)
				return x.api("PATCH", "/admin/club-categories/"+id, map[string]any{"name": fmt.Sprintf("改名 %d", counter)})
			}, want: admins(ok200),
				after: func(x *clubCall, r response) {
					if !strings.HasPrefix(str(r.json(x.t)["name"]), "改名") {
						x.t.Fatalf("renamed: %s", r.Body)
					}
				}},
			{target: "another category's name", do: func(x *clubCall) response {
				return x.api("PATCH", "/admin/club-categories/"+newCategory(x), map[string]any{"name": "学术"})
			}, want: admins(outcome{http.StatusConflict, "club.name_taken"})},
		},
		"DELETE /admin/club-categories/{id}": {
			{target: "an unused category", do: func(x *clubCall) response {
				return x.api("DELETE", "/admin/club-categories/"+newCategory(x), nil)
			}, want: admins(noContent204)},
			{target: "B's category", do: func(x *clubCall) response {
				return x.api("DELETE", "/admin/club-categories/"+f.category, nil)
			}, want: admins(outcome{http.StatusConflict, "club.category_in_use"})},
		},
		"GET /me/clubs": {{target: "the caller's clubs", do: onClub("GET", "/me/clubs?limit=50", nil, nil), want: signedIn(ok200),
			after: func(x *clubCall, r response) {
				role := map[clubCaller]string{cMember: "member", cOfficerB: "officer", cOwnerB: "owner"}[x.who]
				got := ""
				for _, it := range items(x.t, r) {
					if str(it["id"]) == x.w.id {
						got = str(it["my_role"])
					}
				}
				if got != role {
					x.t.Fatalf("%s: B in /me/clubs with role %q, want %q: %s", x.who, got, role, r.Body)
				}
			}}},
		"GET /club-categories": {{target: "the categories", do: onClub("GET", "/club-categories", nil, nil), want: all(ok200),
			after: func(x *clubCall, r response) {
				if !strings.Contains(string(r.Body), f.category) {
					x.t.Fatalf("categories: %s", r.Body)
				}
			}}},
		"GET /clubs": {{target: "the directory", do: onClub("GET", "/clubs?limit=50", nil, nil), want: all(ok200),
			after: func(x *clubCall, r response) {
				ids := itemIDs(x.t, r, "id")
				if !slices.Contains(ids, x.w.id) || slices.Contains(ids, x.w.pending) {
					x.t.Fatalf("directory %v: B %s listed, pending %s not", ids, x.w.id, x.w.pending)
				}
			}}},
		"POST /clubs": {{target: "a new club",
			do: func(x *clubCall) response {
				counter++
				return x.api("POST", "/clubs", map[string]any{"name": fmt.Sprintf("新社团 %d", counter), "category_id": f.category})
			},
			want: signedIn(created201),
			after: func(x *clubCall, r response) {
				if m := r.json(x.t); str(m["status"]) != "pending" || str(m["my_role"]) != "owner" {
					x.t.Fatalf("founded: %s", r.Body)
				}
			}}},
		"GET /clubs/{id}": {
			{target: "B", do: onClub("GET", "/clubs/{id}", nil, nil), want: all(ok200),
				after: func(x *clubCall, r response) {
					role := map[clubCaller]string{cMember: "member", cOfficerB: "officer", cOwnerB: "owner"}[x.who]
					if got := str(r.json(x.t)["my_role"]); got != role {
						x.t.Fatalf("%s: my_role %q, want %q", x.who, got, role)
					}
				}},
			{target: "B's owner's pending club",
				do:   func(x *clubCall) response { return x.api("GET", "/clubs/"+x.w.pending, nil) },
				want: clubOutcomes{clubGone404, clubGone404, clubGone404, clubGone404, clubGone404, clubGone404, ok200, ok200}},
		},
		"PATCH /clubs/{id}": {{target: "B", do: onClub("PATCH", "/clubs/{id}", nil, map[string]any{"description": "改过的简介"}),
			want: officers(ok200),
			after: func(x *clubCall, r response) {
				if str(r.json(x.t)["description"]) != "改过的简介" {
					x.t.Fatalf("edited: %s", r.Body)
				}
			}}},
		"DELETE /clubs/{id}": {{target: "B", fresh: true, do: onClub("DELETE", "/clubs/{id}", nil, nil),
			want: owners(noContent204, notOwner403),
			after: func(x *clubCall, _ response) {
				if st := str(x.f.a.api(x.t, "GET", "/clubs/"+x.w.id, "", nil).json(x.t)["status"]); st != "dissolved" {
					x.t.Fatalf("status %q after dissolving", st)
				}
			}}},
		"POST /clubs/{id}/applications": {{target: "B", fresh: true, do: onClub("POST", "/clubs/{id}/applications", nil, map[string]any{"message": "想加入"}),
			want: clubOutcomes{unauth401, created201, banned403, isMember409, created201, isMember409, isMember409, created201},
			after: func(x *clubCall, r response) {
				if m := r.json(x.t); str(m["status"]) != "pending" || str(m["club_id"]) != x.w.id {
					x.t.Fatalf("applied: %s", r.Body)
				}
			}}},
		"GET /clubs/{id}/applications": {{target: "B", do: onClub("GET", "/clubs/{id}/applications", nil, nil), want: officers(ok200),
			after: func(x *clubCall, r response) {
				if ids := itemIDs(x.t, r, "id"); !slices.Contains(ids, x.w.app) {
					x.t.Fatalf("applications %v lack %s", ids, x.w.app)
				}
			}}},
		"POST /clubs/{id}/applications/{app_id}/approve": {
			{target: "B's pending application", fresh: true, do: onClub("POST", "/clubs/{id}/applications/{app_id}/approve", nil, nil),
				want: officers(ok200),
				after: func(x *clubCall, r response) {
					if str(r.json(x.t)["status"]) != "approved" {
						x.t.Fatalf("approved: %s", r.Body)
					}
				}},
			// Club A's path with B's application: officer A (and staff)
			// find no such application in A; nobody's call changes it.
			{target: "B's application through club A",
				do: func(x *clubCall) response {
					return x.api("POST", "/clubs/"+f.clubA+"/applications/"+x.w.app+"/approve", nil)
				},
				want: clubOutcomes{unauth401, notOfficer403, notOfficer403, notOfficer403, appGone404, notOfficer403, notOfficer403, appGone404}},
		},
		"POST /clubs/{id}/applications/{app_id}/reject": {
			{target: "B's pending application", fresh: true,
				do: onClub("POST", "/clubs/{id}/applications/{app_id}/reject", nil, map[string]any{"reason": "名额已满"}), want: officers(ok200),
				after: func(x *clubCall, r response) {
					if str(r.json(x.t)["status"]) != "rejected" {
						x.t.Fatalf("rejected: %s", r.Body)
					}
				}},
			{target: "B's application through club A",
				do: func(x *clubCall) response {
					return x.api("POST", "/clubs/"+f.clubA+"/applications/"+x.w.app+"/reject", map[string]any{"reason": "不合适"})
				},
				want: clubOutcomes{unauth401, notOfficer403, notOfficer403, notOfficer403, appGone404, notOfficer403, notOfficer403, appGone404}},
		},
		"GET /clubs/{id}/members": {{target: "B", do: onClub("GET", "/clubs/{id}/members", nil, nil),
			want: clubOutcomes{unauth401, notOfficer403, notOfficer403, ok200, notOfficer403, ok200, ok200, ok200},
			after: func(x *clubCall, r response) {
				if n := len(items(x.t, r)); n != 3 {
					x.t.Fatalf("roster of %d: %s", n, r.Body)
				}
			}}},
		"PATCH /clubs/{id}/members/{user_id}": {{target: "B's member → officer", fresh: true,
			do:   onClub("PATCH", "/clubs/{id}/members/{user_id}", userOf(cMember), map[string]any{"role": "officer"}),
			want: owners(ok200, notOwner403),
			after: func(x *clubCall, r response) {
				if str(r.json(x.t)["role"]) != "officer" {
					x.t.Fatalf("role: %s", r.Body)
				}
			}}},
		"DELETE /clubs/{id}/members/{user_id}": {
			// The member's own call is leaving.
			{target: "B's member", fresh: true, do: onClub("DELETE", "/clubs/{id}/members/{user_id}", userOf(cMember), nil),
				want: clubOutcomes{unauth401, notOfficer403, notOfficer403, noContent204, notOfficer403, noContent204, noContent204, noContent204},
				after: func(x *clubCall, _ response) {
					if n := count(x.t, x.f.a, "SELECT COUNT(*) FROM club_members WHERE club_id = ? AND user_id = ?", x.w.id, x.f.who[cMember].UserID); n != 0 {
						x.t.Fatal("the member is still in")
					}
				}},
			{target: "B's owner", do: onClub("DELETE", "/clubs/{id}/members/{user_id}", userOf(cOwnerB), nil),
				want: clubOutcomes{unauth401, notOfficer403, notOfficer403, notOfficer403, notOfficer403, notOwner403, ownerStays409, notOwner403}},
		},
		"PUT /clubs/{id}/favorite":    {{target: "B", do: onClub("PUT", "/clubs/{id}/favorite", nil, nil), want: signedIn(noContent204)}},
		"DELETE /clubs/{id}/favorite": {{target: "B", do: onClub("DELETE", "/clubs/{id}/favorite", nil, nil), want: signedIn(noContent204)}},
		"GET /clubs/{id}/calendar": {{target: "B with a members-only activity", content: true,
			do: func(x *clubCall) response {
				from, to := time.Now().Format(time.RFC3339), time.Now().Add(30*24*time.Hour).Format(time.RFC3339)
				return x.api("GET", "/clubs/"+x.w.id+"/calendar?from="+from+"&to="+to, nil)
			},
			want: all(ok200), after: func(x *clubCall, r response) { calendarShows(x, r.Body) }}},
		"GET /clubs/{id}/calendar.ics": {{target: "B with a members-only activity", content: true,
			do: onClub("GET", "/clubs/{id}/calendar.ics", nil, nil), want: all(ok200),
			after: func(x *clubCall, r response) {
				calendarShows(x, r.Body)
				if private := strings.HasPrefix(r.Header.Get("Cache-Control"), "private"); private != insider(x.who) {
					x.t.Fatalf("%s: Cache-Control %q", x.who, r.Header.Get("Cache-Control"))
				}
			}}},
		"POST /clubs/{id}/bans": {{target: "B's member", fresh: true,
			do:   onClub("POST", "/clubs/{id}/bans", nil, map[string]any{"user_id": f.who[cMember].UserID, "days": 30}),
			want: officers(created201),
			after: func(x *clubCall, _ response) {
				if n := count(x.t, x.f.a, "SELECT COUNT(*) FROM club_members WHERE club_id = ? AND user_id = ?", x.w.id, x.f.who[cMember].UserID); n != 0 {
					x.t.Fatal("the banned member is still in")
				}
			}}},
		"GET /clubs/{id}/bans": {{target: "B", do: onClub("GET", "/clubs/{id}/bans", nil, nil), want: officers(ok200),
			after: func(x *clubCall, r response) {
				if !strings.Contains(string(r.Body), x.f.who[cBanned].UserID) {
					x.t.Fatalf("bans: %s", r.Body)
				}
			}}},
		"DELETE /clubs/{id}/bans/{user_id}": {{target: "B's banned former member", fresh: true,
			do: onClub("DELETE", "/clubs/{id}/bans/{user_id}", userOf(cBanned), nil), want: officers(noContent204),
			after: func(x *clubCall, _ response) {
				if n := count(x.t, x.f.a, "SELECT COUNT(*) FROM club_bans WHERE club_id = ?", x.w.id); n != 0 {
					x.t.Fatal("the ban is still there")
				}
			}}},
	}
}

// clubRoutePrefixes select the routes the table must classify.
var clubRoutePrefixes = []string{"/clubs", "/club-categories", "/admin/club-categories", "/me/clubs"}

// servedClubRoutes returns the served club operations as "METHOD path".
func servedClubRoutes(t *testing.T, a *testApp) []string {
	t.Helper()
	var out []string
	for path, item := range a.HTTP.OpenAPI().Paths {
		p, ok := strings.CutPrefix(path, "/api/v1")
		if !ok || !slices.ContainsFunc(clubRoutePrefixes, func(pre string) bool { return p == pre || strings.HasPrefix(p, pre+"/") }) {
			continue
		}
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch,
			"DELETE": item.Delete, "HEAD": item.Head, "OPTIONS": item.Options, "TRACE": item.Trace} {
			if op != nil {
				out = append(out, method+" "+p)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Acceptance 2: every club route, every kind of caller.
func TestClubRoutesCrossClubAuthorization(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		f := newClubFixture(t, a)
		table := clubRoutes(f)
		served := servedClubRoutes(t, a)
		if len(served) < 20 {
			t.Fatalf("only %d club routes served: %v", len(served), served)
		}
		for _, rt := range served {
			if _, ok := table[rt]; !ok {
				t.Errorf("unclassified club route %s: add its row to clubRoutes", rt)
			}
		}
		for _, rt := range slices.Sorted(maps.Keys(table)) {
			if !slices.Contains(served, rt) {
				t.Errorf("clubRoutes has %s, which the API does not serve", rt)
			}
		}
		if t.Failed() {
			t.FailNow()
		}
		shared := f.newWorld(t, true)
		calls := 0
		for _, rt := range served {
			for _, rc := range table[rt] {
				t.Run(rt+" on "+rc.target, func(t *testing.T) {
					for c := range nClubCallers {
						t.Run(c.String(), func(t *testing.T) {
							w := shared
							if rc.fresh {
								w = f.newWorld(t, rc.content)
							}
							x := &clubCall{t: t, f: f, w: w, who: c}
							r := rc.do(x)
							calls++
							want := rc.want[c]
							expect(t, r, want.status, want.code)
							if want.ok() && rc.after != nil {
								rc.after(x, r)
							}
						})
					}
				})
			}
		}
		t.Logf("%d club routes, %d calls", len(served), calls)

		// Members-only content on B's board and calendar: outsiders, the
		// banned and officers of other clubs get 404 (its existence does
		// not leak), never a list entry; insiders see it.
		w := f.newWorld(t, true)
		for c := range nClubCallers {
			t.Run("members-only content/"+c.String(), func(t *testing.T) {
				x := &clubCall{t: t, f: f, w: w, who: c}
				post, act := postGone404, actGone404
				if insider(c) {
					post, act = ok200, ok200
				}
				r := x.api("GET", "/posts/"+w.post, nil)
				expect(t, r, post.status, post.code)
				r = x.api("GET", "/posts?club_id="+w.id, nil)
				expect(t, r, 200, "")
				if has := slices.Contains(itemIDs(t, r, "id"), w.post); has != insider(c) {
					t.Fatalf("%s: the members-only post listed: %v", c, has)
				}
				expect(t, x.api("GET", "/posts/"+w.post+"/comments", nil), post.status, post.code)
				if !insider(c) && c != cAnon {
					expect(t, x.api("POST", "/posts/"+w.post+"/comments", map[string]any{"content": "看看"}), post.status, post.code)
					expect(t, x.api("PUT", "/posts/"+w.post+"/like", nil), post.status, post.code)
				}
				r = x.api("GET", "/activities/"+w.activity, nil)
				expect(t, r, act.status, act.code)
				r = x.api("GET", "/activities?club_id="+w.id, nil)
				expect(t, r, 200, "")
				if has := slices.Contains(itemIDs(t, r, "id"), w.activity); has != insider(c) {
					t.Fatalf("%s: the members-only activity listed: %v", c, has)
				}
				if c != cAnon && !insider(c) {
					expect(t, x.api("POST", "/activities/"+w.activity+"/signups", nil), 404, "activity.not_found")
				}
			})
		}
	})
}
