package app

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Acceptance 7 of the activities issue: object-level authorization,
// walked for every activity route the API serves.
//
// Every operation of the served OpenAPI document under /activities,
// /me/activities, /me/signups, /activity-types and /admin/activit… must
// have a row in activityRoutes, with the exact outcome (status and problem
// code) for each kind of caller. A route the table does not classify
// fails the test, so a route added later has to be placed in it.
//
// Each call is judged three ways: its status and code; the state of the
// activities it could touch afterwards (a refused call changes nothing, an
// allowed one exactly what the row says); and, for every response of the
// whole walk, that no check-in code of somebody else's sign-up (nor a
// stored check-in secret) appears in it.

// caller is a kind of caller of the authorization matrix. The fixture has
// two organizers: X, and Y who organizes the activities the calls target.
type caller int

const (
	anonymous      caller = iota
	plainUser             // signed in, not signed up for Y
	participantA          // confirmed participant of Y
	participantB          // another confirmed participant of Y, acting on A's things
	offered               // on Y's waitlist with an open offer of a seat (only waiting in a soon world)
	otherOrganizer        // organizer X, acting on Y's activity
	organizerY            // Y's own organizer (the allowed case)
	moderator             // staff
	adminUser             // staff, admin
	nCallers
)

var callerNames = [nCallers]string{"anonymous", "user", "participant A", "participant B", "offered",
	"organizer X", "organizer Y", "moderator", "admin"}

func (c caller) String() string { return callerNames[c] }

// outcome is the answer a caller must get: a status and, for errors, the
// problem code.
type outcome struct {
	status int
	code   string
}

func (o outcome) ok() bool { return o.status < 300 }

var (
	ok200        = outcome{http.StatusOK, ""}
	created201   = outcome{http.StatusCreated, ""}
	noContent204 = outcome{http.StatusNoContent, ""}
	unauth401    = outcome{http.StatusUnauthorized, "auth.unauthenticated"}
	forbid403    = outcome{http.StatusForbidden, "auth.forbidden"}
	notOrg403    = outcome{http.StatusForbidden, "activity.not_organizer"}
	noCreate403  = outcome{http.StatusForbidden, "activity.cannot_create"}
	notFound404  = outcome{http.StatusNotFound, "activity.not_found"}
	noSignup404  = outcome{http.StatusNotFound, "signup.not_found"}
	exists409    = outcome{http.StatusConflict, "signup.exists"}
	ownAct409    = outcome{http.StatusConflict, "signup.organizer"}
	noOffer409   = outcome{http.StatusConflict, "signup.no_offer"}
)

// outcomes are the answers per caller, in the order of the caller constants.
type outcomes [nCallers]outcome

// world is one set of target objects: Y's formed activity with its
// sign-ups, and a draft of Y's.
type world struct {
	y, draft string
	signup   map[caller]string // the callers' sign-up ids on y
	code     map[caller]string // their check-in codes (the QR payloads)
}

// snapshot is the state of a world's objects as an admin reads it.
type snapshot struct {
	YStatus     string
	YCount      float64
	YTitle      string
	DraftStatus string
	DraftTitle  string
	DraftCover  string
	Signups     map[string]string // sign-up id on y → "user id:status"
}

// authzFixture holds the callers and records every answer for the leak scan.
type authzFixture struct {
	a      *testApp
	root   tokens
	who    [nCallers]tokens // anonymous has none
	freer  tokens           // signs up and cancels so that a seat is offered
	typeID string
	seen   []seen
}

type seen struct {
	who   caller
	where string
	body  []byte
}

// callCtx is one call of the walk.
type callCtx struct {
	t   *testing.T
	f   *authzFixture
	w   *world
	who caller
}

func (x *callCtx) token() string { return x.f.who[x.who].Access }
func (x *callCtx) userID() string {
	return x.f.who[x.who].UserID
}

// api calls the app as this call's caller.
func (x *callCtx) api(method, path string, body any) response {
	x.t.Helper()
	return x.f.a.api(x.t, method, path, x.token(), body)
}

// routeCase is one way a route is called, with its expected outcomes.
type routeCase struct {
	// what the call targets (shown in failures)
	target string
	// fresh builds a new world for every caller (the call may change it);
	// soon makes that world start within the check-in window.
	fresh, soon bool
	do          func(x *callCtx) response
	want        outcomes
	// after checks an answer (exp starts as the state before the call and
	// is turned into the state the call must leave; got is that state).
	after func(x *callCtx, r response, exp *snapshot, got snapshot)
}

// simple calls method path (with {id} replaced by id(w)) with a JSON body.
func simple(method, path string, id func(w *world) string, body any) func(x *callCtx) response {
	return func(x *callCtx) response {
		x.t.Helper()
		p := path
		if id != nil {
			p = strings.Replace(p, "{id}", id(x.w), 1)
		}
		return x.api(method, p, body)
	}
}

func onY(w *world) string     { return w.y }
func onDraft(w *world) string { return w.draft }

// activityRoutes is the authorization table: per route, per caller, the
// exact outcome. Columns:
//
//	anonymous, user, participant A, participant B, offered, organizer X, organizer Y, moderator, admin
func activityRoutes(f *authzFixture) map[string][]routeCase {
	// The patterns of the services: manage (organizer or admin),
	// organizerOrStaff (organizer or moderator and above), the staff API.
	manage := func(ok outcome) outcomes {
		return outcomes{unauth401, notOrg403, notOrg403, notOrg403, notOrg403, notOrg403, ok, notOrg403, ok}
	}
	organizerOrStaff := outcomes{unauth401, notOrg403, notOrg403, notOrg403, notOrg403, notOrg403, ok200, ok200, ok200}
	staff := func(ok outcome) outcomes {
		return outcomes{unauth401, forbid403, forbid403, forbid403, forbid403, forbid403, forbid403, ok, ok}
	}
	adminOnly := func(ok outcome) outcomes {
		return outcomes{unauth401, forbid403, forbid403, forbid403, forbid403, forbid403, forbid403, forbid403, ok}
	}
	everyone := func(o outcome) outcomes {
		var out outcomes
		for i := range out {
			out[i] = o
		}
		return out
	}
	signedIn := func(o outcome) outcomes { out := everyone(o); out[anonymous] = unauth401; return out }

	return map[string][]routeCase{
		"GET /activity-types": {{
			target: "the catalog", do: simple("GET", "/activity-types", nil, nil), want: everyone(ok200),
			after: func(x *callCtx, r response, _ *snapshot, _ snapshot) {
				if !strings.Contains(string(r.Body), f.typeID) {
					x.t.Fatalf("type %s not listed: %s", f.typeID, r.Body)
				}
			},
		}},
		"GET /activities": {{
			target: "discovery", do: simple("GET", "/activities?limit=50", nil, nil), want: everyone(ok200),
			after: func(x *callCtx, r response, _ *snapshot, _ snapshot) {
				for _, it := range items(x.t, r) {
					if st := str(it["status"]); st != "published" && st != "formed" && st != "finished" {
						x.t.Fatalf("discovery lists a %s activity: %v", st, it)
					}
				}
			},
		}},
		"POST /activities": {{
			target: "a new draft",
			do:     simple("POST", "/activities", nil, activityBody(f.typeID, time.Now().Add(72*time.Hour).UTC().Truncate(time.Second))),
			want: outcomes{unauth401, noCreate403, noCreate403, noCreate403, noCreate403, created201, created201,
				noCreate403, created201},
			after: func(x *callCtx, r response, _ *snapshot, _ snapshot) {
				if m := r.json(x.t); str(m["status"]) != "draft" || str(m["organizer"].(map[string]any)["id"]) != x.userID() {
					x.t.Fatalf("created: %s", r.Body)
				}
			},
		}},
		"GET /activities/{id}": {
			{target: "Y's draft", do: simple("GET", "/activities/{id}", onDraft, nil),
				want: outcomes{notFound404, notFound404, notFound404, notFound404, notFound404, notFound404, ok200, ok200, ok200}},
			{target: "Y's formed activity", do: simple("GET", "/activities/{id}", onY, nil), want: everyone(ok200),
				after: func(x *callCtx, r response, _ *snapshot, _ snapshot) {
					// The details are for confirmed participants, the organizer and staff.
					m := r.json(x.t)
					insider := x.who == participantA || x.who == participantB || x.who == organizerY || x.who == moderator || x.who == adminUser
					if locked := lockedOf(m); insider != (len(locked) == 0) || insider != (m["address"] != nil) {
						x.t.Fatalf("%s: locked %v, address %v", x.who, locked, m["address"])
					}
					if !insider {
						return
					}
					var ids []string
					for _, p := range m["participants"].([]any) {
						ids = append(ids, str(p.(map[string]any)["id"]))
					}
					if want := []string{f.who[participantA].UserID, f.who[participantB].UserID}; !slices.Equal(ids, want) {
						x.t.Fatalf("participants %v, want %v", ids, want)
					}
				}},
		},
		"PATCH /activities/{id}": {{
			target: "Y's draft", fresh: true, do: simple("PATCH", "/activities/{id}", onDraft, map[string]any{"title": "改过的标题"}),
			want:  manage(ok200),
			after: func(_ *callCtx, _ response, exp *snapshot, _ snapshot) { exp.DraftTitle = "改过的标题" },
		}},
		"POST /activities/{id}/publish": {{
			target: "Y's draft", fresh: true, do: simple("POST", "/activities/{id}/publish", onDraft, nil), want: manage(ok200),
			after: func(_ *callCtx, _ response, exp *snapshot, _ snapshot) { exp.DraftStatus = "published" },
		}},
		"POST /activities/{id}/cancel": {{
			target: "Y's formed activity", fresh: true,
			do:   simple("POST", "/activities/{id}/cancel", onY, map[string]any{"reason": "场地临时关闭"}),
			want: manage(ok200),
			// Seats stay as they are (refunds follow the cancelled event);
			// the waitlist and its open offers end with the activity.
			after: func(_ *callCtx, _ response, exp *snapshot, _ snapshot) {
				exp.YStatus = "cancelled"
				for id, v := range exp.Signups {
					if u, st, _ := strings.Cut(v, ":"); st == "offered" || st == "waitlisted" {
						exp.Signups[id] = u + ":cancelled"
					}
				}
			},
		}},
		"POST /activities/{id}/cover": {{
			target: "Y's draft", fresh: true,
			do: func(x *callCtx) response {
				return upload(x.t, x.f.a.URL+"/api/v1/activities/"+x.w.draft+"/cover", x.token(), "cover.jpg", jpegBytes(x.t))
			},
			want: manage(ok200),
			after: func(x *callCtx, _ response, exp *snapshot, got snapshot) {
				if !strings.HasPrefix(got.DraftCover, "/files/covers/"+x.w.draft+"/") {
					x.t.Fatalf("cover %q", got.DraftCover)
				}
				exp.DraftCover = got.DraftCover
			},
		}},
		"POST /activities/{id}/check-ins": {{
			// With participant A's valid code: only who may check in decides.
			target: "Y's formed activity, A's valid code", fresh: true, soon: true,
			do: func(x *callCtx) response {
				return x.api("POST", "/activities/"+x.w.y+"/check-ins", map[string]any{"code": x.w.code[participantA]})
			},
			want: manage(ok200),
			after: func(x *callCtx, r response, exp *snapshot, _ snapshot) {
				m := r.json(x.t)
				if str(m["id"]) != x.w.signup[participantA] || m["check_in_code"] != nil {
					x.t.Fatalf("checked in: %s", r.Body)
				}
				exp.Signups[x.w.signup[participantA]] = f.who[participantA].UserID + ":checked_in"
			},
		}},
		"GET /activities/{id}/signups": {{
			target: "Y's formed activity", do: simple("GET", "/activities/{id}/signups", onY, nil), want: organizerOrStaff,
			after: func(x *callCtx, r response, exp *snapshot, _ snapshot) {
				list := items(x.t, r)
				if len(list) != len(exp.Signups) {
					x.t.Fatalf("%d participants, want %d: %s", len(list), len(exp.Signups), r.Body)
				}
				for _, it := range list {
					if _, present := it["check_in_code"]; !present || it["check_in_code"] != nil {
						x.t.Fatalf("the participants list shows a check-in code: %v", it)
					}
				}
			},
		}},
		"GET /activities/{id}/signups.csv": {{
			target: "Y's formed activity", do: simple("GET", "/activities/{id}/signups.csv", onY, nil), want: organizerOrStaff,
			after: func(x *callCtx, r response, _ *snapshot, _ snapshot) { csvHas(x, r) },
		}},
		"POST /activities/{id}/signups": {{
			target: "Y's formed, full activity", fresh: true, do: simple("POST", "/activities/{id}/signups", onY, nil),
			want: outcomes{unauth401, created201, exists409, exists409, exists409, created201, ownAct409, created201, created201},
			after: func(x *callCtx, r response, exp *snapshot, _ snapshot) {
				sg := r.json(x.t)["signup"].(map[string]any)
				id := str(sg["id"])
				if str(sg["user_id"]) != x.userID() || str(sg["status"]) != "waitlisted" || !strings.HasPrefix(str(sg["check_in_code"]), "ZJ1."+id+".") {
					x.t.Fatalf("sign-up: %s", r.Body)
				}
				exp.Signups[id] = x.userID() + ":waitlisted"
			},
		}},
		"DELETE /activities/{id}/signups/me": {{
			// Always the caller's own sign-up: B's cancel leaves A confirmed.
			target: "Y's formed activity", fresh: true, do: simple("DELETE", "/activities/{id}/signups/me", onY, nil),
			want: outcomes{unauth401, noSignup404, ok200, ok200, ok200, noSignup404, noSignup404, noSignup404, noSignup404},
			after: func(x *callCtx, r response, exp *snapshot, _ snapshot) {
				sg := r.json(x.t)
				id := x.w.signup[x.who]
				if str(sg["id"]) != id || str(sg["user_id"]) != x.userID() || str(sg["status"]) != "cancelled" {
					x.t.Fatalf("cancelled: %s", r.Body)
				}
				exp.Signups[id] = x.userID() + ":cancelled"
				exp.YCount-- // nobody waits: the seat (or the offered one) goes back
			},
		}},
		"POST /activities/{id}/signups/me/accept": {{
			// Only the caller's own offer: nobody takes the offered person's seat.
			target: "Y's formed activity with an offer open", fresh: true,
			do:   simple("POST", "/activities/{id}/signups/me/accept", onY, nil),
			want: outcomes{unauth401, noOffer409, noOffer409, noOffer409, ok200, noOffer409, noOffer409, noOffer409, noOffer409},
			after: func(x *callCtx, r response, exp *snapshot, _ snapshot) {
				sg := r.json(x.t)
				id := x.w.signup[offered]
				if str(sg["id"]) != id || str(sg["status"]) != "confirmed" || str(sg["check_in_code"]) != x.w.code[offered] {
					x.t.Fatalf("accepted: %s", r.Body)
				}
				exp.Signups[id] = x.userID() + ":confirmed"
			},
		}},
		"GET /me/signups": {{
			target: "the caller's sign-ups", fresh: true, do: simple("GET", "/me/signups", nil, nil), want: signedIn(ok200),
			after: func(x *callCtx, r response, _ *snapshot, _ snapshot) {
				var own string
				for _, it := range items(x.t, r) {
					if str(it["user_id"]) != x.userID() {
						x.t.Fatalf("%s sees another's sign-up: %v", x.who, it)
					}
					if str(it["check_in_code"]) == "" || !strings.HasPrefix(str(it["check_in_code"]), "ZJ1."+str(it["id"])+".") {
						x.t.Fatalf("%s's own sign-up without its code: %v", x.who, it)
					}
					if str(it["activity_id"]) == x.w.y {
						own = str(it["check_in_code"])
					}
				}
				if own != x.w.code[x.who] {
					x.t.Fatalf("%s's code on Y is %q, want %q", x.who, own, x.w.code[x.who])
				}
			},
		}},
		"GET /me/activities": {{
			target: "the caller's activities", do: simple("GET", "/me/activities?limit=50", nil, nil),
			// An anonymous caller is told its (absent) token is invalid.
			want: func() outcomes { o := everyone(ok200); o[anonymous] = unauth401; return o }(),
			after: func(x *callCtx, r response, _ *snapshot, _ snapshot) {
				var ids []string
				for page := r; ; {
					for _, it := range items(x.t, page) {
						if str(it["organizer"].(map[string]any)["id"]) != x.userID() {
							x.t.Fatalf("%s's list holds another's activity: %v", x.who, it)
						}
						ids = append(ids, str(it["id"]))
					}
					next, _ := page.json(x.t)["next_cursor"].(string)
					if next == "" {
						break
					}
					page = x.api("GET", "/me/activities?limit=50&cursor="+next, nil)
					expect(x.t, page, 200, "")
				}
				if mine := x.who == organizerY; mine != slices.Contains(ids, x.w.y) || mine != slices.Contains(ids, x.w.draft) {
					x.t.Fatalf("%s's list %v and Y's activities %s, %s", x.who, ids, x.w.y, x.w.draft)
				}
			},
		}},
		"GET /admin/activities": {{
			target: "the admin table", fresh: true, do: simple("GET", "/admin/activities?page_size=100", nil, nil), want: staff(ok200),
			after: func(x *callCtx, r response, _ *snapshot, _ snapshot) {
				if !strings.Contains(string(r.Body), x.w.draft) {
					x.t.Fatalf("the admin table lacks the draft: %s", r.Body)
				}
			},
		}},
		"GET /admin/activities/{id}/participants.csv": {{
			target: "Y's formed activity", do: simple("GET", "/admin/activities/{id}/participants.csv", onY, nil), want: staff(ok200),
			after: func(x *callCtx, r response, _ *snapshot, _ snapshot) { csvHas(x, r) },
		}},
		"GET /admin/activity-types": {{
			target: "the catalog", do: simple("GET", "/admin/activity-types", nil, nil), want: staff(ok200),
		}},
		"POST /admin/activity-types": {{
			target: "a new type", do: simple("POST", "/admin/activity-types", nil, map[string]any{"name": "新类型"}),
			want: adminOnly(created201),
		}},
		"PATCH /admin/activity-types/{id}": {{
			target: "the type in use",
			do:     simple("PATCH", "/admin/activity-types/{id}", func(*world) string { return f.typeID }, map[string]any{"sort": 7}),
			want:   adminOnly(ok200),
		}},
		"DELETE /admin/activity-types/{id}": {{
			target: "an unused type",
			do: func(x *callCtx) response {
				r := x.f.a.api(x.t, "POST", "/admin/activity-types", x.f.root.Access, map[string]any{"name": "待删除" + fmt.Sprint(int(x.who))})
				expect(x.t, r, 201, "")
				return x.api("DELETE", "/admin/activity-types/"+str(r.json(x.t)["id"]), nil)
			},
			want: adminOnly(noContent204),
		}},
	}
}

// csvHas checks that an export holds exactly the sign-ups of Y.
func csvHas(x *callCtx, r response) {
	x.t.Helper()
	body := string(r.Body)
	if !strings.HasPrefix(body, "\uFEFF用户ID") {
		x.t.Fatalf("not the participants CSV: %q", body)
	}
	for _, c := range []caller{participantA, participantB, offered} {
		if !strings.Contains(body, x.f.who[c].UserID) {
			x.t.Fatalf("the export lacks %s", c)
		}
	}
	if n := strings.Count(body, "\n"); n != 5 { // header, A, B, the freed seat's canceller, the offered
		x.t.Fatalf("export of %d lines: %q", n, body)
	}
}

func items(t *testing.T, r response) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, it := range r.json(t)["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// activityRoutePrefixes select the routes the table must classify.
var activityRoutePrefixes = []string{"/activities", "/me/activities", "/me/signups", "/activity-types", "/admin/activit"}

// servedActivityRoutes reads the served OpenAPI document and returns its
// activity operations as "METHOD path" (path without /api/v1).
func servedActivityRoutes(t *testing.T, a *testApp) []string {
	t.Helper()
	r := call(t, "GET", a.URL+"/openapi.json", "", nil)
	expect(t, r, 200, "")
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for path, item := range doc.Paths {
		p, ok := strings.CutPrefix(path, "/api/v1")
		if !ok || !slices.ContainsFunc(activityRoutePrefixes, func(pre string) bool { return strings.HasPrefix(p, pre) }) {
			continue
		}
		for method := range item {
			switch method {
			case "get", "put", "post", "patch", "delete", "head", "options", "trace":
				out = append(out, strings.ToUpper(method)+" "+p)
			}
		}
	}
	slices.Sort(out)
	return out
}

// newAuthzFixture signs up the callers: an admin who makes two
// organizers and a moderator, and five plain accounts.
func newAuthzFixture(t *testing.T, a *testApp) *authzFixture {
	t.Helper()
	f := &authzFixture{a: a}
	f.root = a.admin(t, "root@example.com")
	f.who[adminUser] = f.root
	typ := a.api(t, "POST", "/admin/activity-types", f.root.Access, map[string]any{"name": "运动"})
	expect(t, typ, 201, "")
	f.typeID = str(typ.json(t)["id"])
	f.who[otherOrganizer] = a.organizer(t, f.root, "13500000001")
	f.who[organizerY] = a.organizer(t, f.root, "13500000002")
	f.who[moderator] = a.register(t, "13500000003", "secret-pass-1")
	expect(t, a.api(t, "PUT", "/admin/users/"+f.who[moderator].UserID+"/roles", f.root.Access, map[string]any{"roles": []string{"moderator"}}), 200, "")
	f.who[plainUser] = a.register(t, "13500000004", "secret-pass-1")
	f.who[participantA] = a.register(t, "13500000005", "secret-pass-1")
	f.who[participantB] = a.register(t, "13500000006", "secret-pass-1")
	f.who[offered] = a.register(t, "13500000007", "secret-pass-1")
	f.freer = a.register(t, "13500000008", "secret-pass-1")
	return f
}

// newWorld builds Y's objects: a formed activity (2–3 people) where A and
// B hold confirmed seats and the third seat, freed by its holder, is
// offered to the next on the waitlist; and a draft. soon starts the
// activity within the check-in window (there the third seat stays taken
// and the offered caller only waits).
func (f *authzFixture) newWorld(t *testing.T, soon bool) *world {
	t.Helper()
	a, org := f.a, f.who[organizerY]
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	if soon {
		start = time.Now().Add(100 * time.Minute).UTC().Truncate(time.Second)
	}
	body := activityBody(f.typeID, start)
	body["min_participants"], body["max_participants"] = 2, 3
	r := a.api(t, "POST", "/activities", org.Access, body)
	expect(t, r, 201, "")
	w := &world{y: str(r.json(t)["id"]), signup: map[caller]string{}, code: map[caller]string{}}
	expect(t, a.api(t, "POST", "/activities/"+w.y+"/publish", org.Access, nil), 200, "")
	signUp := func(tk tokens, status string) (string, string) {
		t.Helper()
		r := a.api(t, "POST", "/activities/"+w.y+"/signups", tk.Access, nil)
		expect(t, r, 201, "")
		sg := r.json(t)["signup"].(map[string]any)
		if str(sg["status"]) != status {
			t.Fatalf("fixture sign-up %s, want %s", sg["status"], status)
		}
		return str(sg["id"]), str(sg["check_in_code"])
	}
	w.signup[participantA], w.code[participantA] = signUp(f.who[participantA], "confirmed")
	w.signup[participantB], w.code[participantB] = signUp(f.who[participantB], "confirmed")
	signUp(f.freer, "confirmed")
	w.signup[offered], w.code[offered] = signUp(f.who[offered], "waitlisted")
	waiting := "waitlisted"
	if !soon {
		// Within the check-in window self-cancellation has closed (the
		// cancel cutoff is as long as the window's lead), so only the later
		// world has a freed seat on offer.
		expect(t, a.api(t, "DELETE", "/activities/"+w.y+"/signups/me", f.freer.Access, nil), 200, "")
		waiting = "offered"
	}
	d := a.api(t, "POST", "/activities", org.Access, activityBody(f.typeID, start))
	expect(t, d, 201, "")
	w.draft = str(d.json(t)["id"])
	s := f.snapshot(t, w)
	for c, status := range map[caller]string{participantA: "confirmed", participantB: "confirmed", offered: waiting} {
		if s.Signups[w.signup[c]] != f.who[c].UserID+":"+status {
			t.Fatalf("fixture: %s is not %s: %+v", c, status, s)
		}
	}
	if s.YStatus != "formed" || s.YCount != 3 || len(s.Signups) != 4 {
		t.Fatalf("fixture: %+v", s)
	}
	return w
}

// snapshot reads the world's state as the admin.
func (f *authzFixture) snapshot(t *testing.T, w *world) snapshot {
	t.Helper()
	tok := f.root.Access
	y := f.a.api(t, "GET", "/activities/"+w.y, tok, nil)
	expect(t, y, 200, "")
	d := f.a.api(t, "GET", "/activities/"+w.draft, tok, nil)
	expect(t, d, 200, "")
	ps := f.a.api(t, "GET", "/activities/"+w.y+"/signups", tok, nil)
	expect(t, ps, 200, "")
	ym, dm := y.json(t), d.json(t)
	s := snapshot{YStatus: str(ym["status"]), YCount: ym["participant_count"].(float64), YTitle: str(ym["title"]),
		DraftStatus: str(dm["status"]), DraftTitle: str(dm["title"]), DraftCover: str(dm["cover_url"]), Signups: map[string]string{}}
	for _, it := range items(t, ps) {
		s.Signups[str(it["id"])] = str(it["user_id"]) + ":" + str(it["status"])
	}
	return s
}

// checkInCode finds QR payloads ("ZJ1.<sign-up id>.<signature>") in a body.
var checkInCode = regexp.MustCompile(`ZJ1\.([0-9A-Za-z-]+)\.[A-Za-z0-9_-]+`)

// scanLeaks fails for any recorded answer holding the check-in code of a
// sign-up its caller does not own, or a stored check-in secret.
func (f *authzFixture) scanLeaks(t *testing.T) {
	t.Helper()
	var rows []struct{ ID, UserID, CheckInCode string }
	if err := f.a.DB.Gorm.Raw("SELECT id, user_id, check_in_code FROM signups").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	owner := map[string]string{}
	for _, r := range rows {
		owner[r.ID] = r.UserID
	}
	codes := 0
	for _, s := range f.seen {
		for _, m := range checkInCode.FindAllSubmatch(s.body, -1) {
			codes++
			if o, known := owner[string(m[1])]; !known || o != f.who[s.who].UserID {
				t.Errorf("%s: %s sees the check-in code of sign-up %s (of %q): %s", s.where, s.who, m[1], o, s.body)
			}
		}
		for _, r := range rows {
			if strings.Contains(string(s.body), r.CheckInCode) {
				t.Errorf("%s: %s sees the stored check-in secret of sign-up %s", s.where, s.who, r.ID)
			}
		}
	}
	if codes == 0 || len(rows) < 10 {
		t.Fatalf("the scan saw %d codes over %d sign-ups: nothing was tested", codes, len(rows))
	}
	t.Logf("%d answers scanned, %d codes seen, each shown to its owner only", len(f.seen), codes)
}

// Acceptance 7: object-level authorization on every activity route.
func TestActivityRoutesObjectAuthorization(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		f := newAuthzFixture(t, a)
		table := activityRoutes(f)
		served := servedActivityRoutes(t, a)
		for _, rt := range served {
			if _, ok := table[rt]; !ok {
				t.Errorf("unclassified route %s: add its row to activityRoutes", rt)
			}
		}
		for _, rt := range slices.Sorted(maps.Keys(table)) {
			if !slices.Contains(served, rt) {
				t.Errorf("activityRoutes has %s, which the API does not serve", rt)
			}
		}
		if t.Failed() {
			t.FailNow()
		}

		shared := f.newWorld(t, false)
		calls := 0
		for _, rt := range served {
			method := strings.Fields(rt)[0]
			for _, rc := range table[rt] {
				t.Run(rt+" on "+rc.target, func(t *testing.T) {
					for c := range nCallers {
						t.Run(c.String(), func(t *testing.T) {
							w := shared
							if rc.fresh {
								w = f.newWorld(t, rc.soon)
							}
							x := &callCtx{t: t, f: f, w: w, who: c}
							before := f.snapshot(t, w)
							r := rc.do(x)
							calls++
							f.seen = append(f.seen, seen{who: c, where: rt + " on " + rc.target, body: r.Body})
							want := rc.want[c]
							expect(t, r, want.status, want.code)
							got := f.snapshot(t, w)
							exp := before
							exp.Signups = maps.Clone(before.Signups)
							if want.ok() && rc.after != nil {
								rc.after(x, r, &exp, got)
							}
							if !reflect.DeepEqual(exp, got) {
								t.Fatalf("%s %s by %s left\n  %+v\nwant\n  %+v", method, rc.target, c, got, exp)
							}
						})
					}
				})
			}
		}
		t.Logf("%d routes, %d calls", len(served), calls)

		// A valid code of Y's participant does not check anyone in through
		// another activity, even one its organizer runs.
		t.Run("code of Y on X", func(t *testing.T) {
			w := f.newWorld(t, true)
			org := f.who[otherOrganizer]
			body := activityBody(f.typeID, time.Now().Add(100*time.Minute).UTC().Truncate(time.Second))
			body["min_participants"] = 1
			r := a.api(t, "POST", "/activities", org.Access, body)
			expect(t, r, 201, "")
			x := str(r.json(t)["id"])
			expect(t, a.api(t, "POST", "/activities/"+x+"/publish", org.Access, nil), 200, "")
			expect(t, a.api(t, "POST", "/activities/"+x+"/signups", f.who[plainUser].Access, nil), 201, "")
			before := f.snapshot(t, w)
			expect(t, a.api(t, "POST", "/activities/"+x+"/check-ins", org.Access, map[string]any{"code": w.code[participantA]}), 400, "checkin.wrong_activity")
			if got := f.snapshot(t, w); !reflect.DeepEqual(got, before) {
				t.Fatalf("Y changed: %+v, was %+v", got, before)
			}
		})

		f.scanLeaks(t)
	})
}
