package app

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// discoveryWorld is a running app with published activities of known
// titles, places and tags.
type discoveryWorld struct {
	*testApp
	root, org, user tokens
	typeID          string
	tags            map[string]string // name → id
	ids             map[string]string // key → activity id
}

func newDiscoveryWorld(t *testing.T, b backend) *discoveryWorld {
	a := startApp(t, b)
	w := &discoveryWorld{testApp: a, tags: map[string]string{}, ids: map[string]string{}}
	w.root = a.admin(t, "root@example.com")
	w.org = a.organizer(t, w.root, "13200000001")
	w.user = a.register(t, "13200000002", "secret-pass-1")
	w.typeID = str(a.api(t, "POST", "/admin/activity-types", w.root.Access, map[string]any{"name": "运动"}).json(t)["id"])
	for _, name := range []string{"篮球", "读书", "户外"} {
		r := a.api(t, "POST", "/admin/tags", w.root.Access, map[string]any{"name": name})
		expect(t, r, 201, "")
		w.tags[name] = str(r.json(t)["id"])
	}
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	for i, s := range []struct {
		key, title string
		lat, lng   float64
		tags       []string
	}{
		{"basketball", "周末篮球局", 31.2400, 121.4900, []string{"篮球"}},        // the Bund, 1.9 km from People's Square
		{"badminton", "羽毛球约起", 31.1955, 121.4365, []string{"户外"}},         // Xujiahui, 5.25 km
		{"python", "Python 读书会", 31.1979, 121.3363, []string{"读书", "户外"}}, // Hongqiao, 13.55 km
		{"suzhou", "苏州园林徒步", 31.2990, 120.5853, []string{"户外"}},           // Suzhou, 84.8 km
	} {
		body := activityBody(w.typeID, start.Add(time.Duration(i)*time.Hour))
		body["title"], body["lat"], body["lng"], body["description"] = s.title, s.lat, s.lng, ""
		var tagIDs []string
		for _, n := range s.tags {
			tagIDs = append(tagIDs, w.tags[n])
		}
		body["tag_ids"] = tagIDs
		r := a.api(t, "POST", "/activities", w.org.Access, body)
		expect(t, r, 201, "")
		w.ids[s.key] = str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/activities/"+w.ids[s.key]+"/publish", w.org.Access, nil), 200, "")
	}
	return w
}

// list calls GET /activities with query and returns the items' keys (ids
// not created by the world are returned as they are) and the answer.
func (w *discoveryWorld) list(t *testing.T, token string, query url.Values) ([]string, []map[string]any, string) {
	t.Helper()
	r := w.api(t, "GET", "/activities?"+query.Encode(), token, nil)
	expect(t, r, 200, "")
	m := r.json(t)
	byID := map[string]string{}
	for k, id := range w.ids {
		byID[id] = k
	}
	var keys []string
	var items []map[string]any
	for _, it := range m["items"].([]any) {
		item := it.(map[string]any)
		id := str(item["id"])
		if k, ok := byID[id]; ok {
			id = k
		}
		keys = append(keys, id)
		items = append(items, item)
	}
	next, _ := m["next_cursor"].(string)
	return keys, items, next
}

func q(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// Acceptance 5: Chinese search and near-me with known data, tag filter,
// recommended and hot order, over HTTP on both deployments.
func TestDiscoveryOverHTTP(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		w := newDiscoveryWorld(t, b)
		all := []string{"basketball", "badminton", "python", "suzhou"}
		for _, c := range []struct {
			query url.Values
			want  []string
		}{
			{q(), all},
			{q("q", "篮球"), []string{"basketball"}},
			{q("q", "羽毛球"), []string{"badminton"}},
			{q("q", "Python 读书会"), []string{"python"}},
			{q("q", "python"), []string{"python"}},
			{q("q", "读书会 篮球"), nil},
			{q("q", "运动", "city", "上海"), all}, // the type name, combined with a filter
			{q("q", "篮球", "city", "北京"), nil},
			{q("tag_id", w.tags["户外"]), []string{"badminton", "python", "suzhou"}},
			{q("tag_id", w.tags["户外"], "q", "徒步"), []string{"suzhou"}},
			{q("lat", "31.2304", "lng", "121.4737"), []string{"basketball", "badminton"}}, // default radius 10 km
			{q("lat", "31.2304", "lng", "121.4737", "radius_km", "15", "sort", "distance"), []string{"basketball", "badminton", "python"}},
			{q("lat", "31.2304", "lng", "121.4737", "radius_km", "100", "sort", "distance", "tag_id", w.tags["户外"]), []string{"badminton", "python", "suzhou"}},
			{q("lat", "31.2304", "lng", "121.4737", "radius_km", "2"), []string{"basketball"}},
		} {
			if got, _, _ := w.list(t, "", c.query); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.query.Encode(), got, c.want)
			}
		}
		// Every result carries its distance (null without a location).
		_, items, _ := w.list(t, w.user.Access, q("lat", "31.2304", "lng", "121.4737", "radius_km", "100", "sort", "distance"))
		for i, want := range []float64{1.9, 5.25, 13.55, 84.8} {
			d, ok := items[i]["distance_km"].(float64)
			if !ok || math.Abs(d-want) > 0.5 {
				t.Errorf("item %d distance %v, want %.2f", i, items[i]["distance_km"], want)
			}
			if items[i]["lat"] != nil || items[i]["address"] != nil {
				t.Errorf("an outsider sees the exact place: %v", items[i])
			}
		}
		if _, items, _ := w.list(t, "", q()); items[0]["distance_km"] != nil {
			t.Errorf("distance without a location: %v", items[0]["distance_km"])
		}

		// Recommended: shared interest tags first, then start time;
		// anonymous callers get the start-time order.
		expect(t, w.api(t, "PUT", "/me/tags", w.user.Access, map[string]any{"tag_ids": []string{w.tags["读书"], w.tags["户外"]}}), 200, "")
		if got, _, _ := w.list(t, w.user.Access, q("sort", "recommended")); !slices.Equal(got, []string{"python", "badminton", "suzhou", "basketball"}) {
			t.Errorf("recommended: %v", got)
		}
		if got, _, _ := w.list(t, "", q("sort", "recommended")); !slices.Equal(got, all) {
			t.Errorf("anonymous recommended: %v", got)
		}

		// Hot: recent sign-ups.
		for i, key := range []string{"python", "python", "basketball"} {
			u := w.register(t, fmt.Sprintf("1330000000%d", i), "secret-pass-1")
			expect(t, w.api(t, "POST", "/activities/"+w.ids[key]+"/signups", u.Access, nil), 201, "")
		}
		if got, _, _ := w.list(t, "", q("sort", "hot")); len(got) != 4 || got[0] != "python" || got[1] != "basketball" {
			t.Errorf("hot: %v", got)
		}
		// The sign-ups show at once (the list cache was invalidated).
		_, items, _ = w.list(t, "", q("q", "Python"))
		if n := items[0]["participant_count"].(float64); n != 2 {
			t.Errorf("participant_count %v after two sign-ups", n)
		}
	})
}

// Each sort pages through everything without duplicates or gaps, and a
// cursor only fits its own sort.
func TestDiscoveryPaginationEverySort(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		w := newDiscoveryWorld(t, b)
		expect(t, w.api(t, "PUT", "/me/tags", w.user.Access, map[string]any{"tag_ids": []string{w.tags["户外"]}}), 200, "")
		u := w.register(t, "13300000009", "secret-pass-1")
		expect(t, w.api(t, "POST", "/activities/"+w.ids["suzhou"]+"/signups", u.Access, nil), 201, "")
		cursors := map[string]string{}
		for _, query := range []url.Values{
			q("sort", "start_at"), q("sort", "hot"), q("sort", "recommended"),
			q("sort", "distance", "lat", "31.2304", "lng", "121.4737", "radius_km", "100"),
			q("q", "运动", "sort", "start_at", "lat", "31.2304", "lng", "121.4737", "radius_km", "100"),
		} {
			full, _, _ := w.list(t, w.user.Access, query)
			var paged []string
			cursor := ""
			for range 10 {
				pq := url.Values{}
				for k, v := range query {
					pq[k] = v
				}
				pq.Set("limit", "1")
				if cursor != "" {
					pq.Set("cursor", cursor)
				}
				got, _, next := w.list(t, w.user.Access, pq)
				if cursor == "" && next != "" && pq.Get("q") == "" {
					cursors[pq.Get("sort")] = next
				}
				paged = append(paged, got...)
				if next == "" {
					break
				}
				cursor = next
			}
			if len(full) != 4 || !slices.Equal(paged, full) {
				t.Errorf("%s: pages %v, one list %v", query.Encode(), paged, full)
			}
		}
		if len(cursors) != 4 {
			t.Fatalf("cursors of %d sorts", len(cursors))
		}
		for sort, cursor := range cursors {
			for other := range cursors {
				if other != sort {
					expect(t, w.api(t, "GET", "/activities?sort="+other+"&cursor="+cursor+"&lat=31.2&lng=121.4", "", nil), 400, "activity.bad_cursor")
				}
			}
		}
	})
}

// Acceptance 6 for the list: bad query input is a 4xx problem with a code.
func TestDiscoveryBadInput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		for _, c := range []struct {
			query  string
			status int
			code   string
		}{
			{"from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", 400, "activity.invalid"},
			{"lat=91&lng=121", 400, "activity.bad_location"},
			{"lat=31&lng=-180.5", 400, "activity.bad_location"},
			{"lat=31.2", 400, "activity.bad_location"},
			{"lng=121.4", 400, "activity.bad_location"},
			{"radius_km=5", 400, "activity.bad_location"},
			{"lat=31.2&lng=121.4&radius_km=0", 400, "activity.bad_radius"},
			{"lat=31.2&lng=121.4&radius_km=-3", 400, "activity.bad_radius"},
			{"lat=31.2&lng=121.4&radius_km=100.1", 400, "activity.bad_radius"},
			{"lat=31.2&lng=121.4&radius_km=0.999", 400, "activity.bad_radius"},
			{"lat=31.2&lng=121.4&radius_km=0.001", 400, "activity.bad_radius"},
			{"lat=north&lng=121.4", 422, "request.invalid"},
			{"sort=nearest", 400, "activity.bad_sort"},
			{"sort=distance", 400, "activity.location_required"},
			{"q=" + url.QueryEscape(strings.Repeat("篮", 51)), 422, "request.invalid"},
			{"cursor=bm9wZQ", 400, "activity.bad_cursor"},
			{"cursor=" + url.QueryEscape("!!!"), 400, "activity.bad_cursor"},
			{"sort=hot&cursor=dHwxfGE", 400, "activity.bad_cursor"}, // a start_at cursor ("t|1|a")
			{"price=cheap", 422, "request.invalid"},
		} {
			expect(t, a.api(t, "GET", "/activities?"+c.query, "", nil), c.status, c.code)
		}
		// The longest query is fine.
		expect(t, a.api(t, "GET", "/activities?q="+url.QueryEscape(strings.Repeat("篮", 50)), "", nil), 200, "")
	})
}

// Near-me does not locate a place more precisely than its 500 m grid cell
// for callers who may not see it: distance_km in 0.5 km steps, and the
// cursor of sort=distance carries that distance only. Staff and an
// organizer in /me/activities get exact distances.
func TestNearMePrecision(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		w := newDiscoveryWorld(t, b)
		near := q("lat", "31.2304", "lng", "121.4737", "radius_km", "100", "sort", "distance")
		for _, token := range []string{"", w.user.Access} {
			paged := url.Values{}
			for k, v := range near {
				paged[k] = v
			}
			paged.Set("limit", "1")
			for range 4 {
				_, items, next := w.list(t, token, paged)
				d, ok := items[0]["distance_km"].(float64)
				if !ok || d*2 != math.Round(d*2) {
					t.Fatalf("outsider's distance_km %v", items[0]["distance_km"])
				}
				if next == "" {
					break
				}
				raw, err := base64.RawURLEncoding.DecodeString(next)
				if err != nil {
					t.Fatal(err)
				}
				if want := fmt.Sprintf("d|%s|%s", strconv.FormatFloat(d, 'g', -1, 64), items[0]["id"]); string(raw) != want {
					t.Fatalf("cursor %q, want %q", raw, want)
				}
				paged.Set("cursor", next)
			}
		}
		// The Bund is 1.88 km from People's Square: 2.0 for outsiders, 1.9
		// for staff and for its organizer.
		_, items, _ := w.list(t, w.user.Access, near)
		if items[0]["distance_km"] != 2.0 {
			t.Errorf("outsider: %v", items[0]["distance_km"])
		}
		_, items, _ = w.list(t, w.root.Access, near)
		if items[0]["distance_km"] != 1.9 {
			t.Errorf("staff: %v", items[0]["distance_km"])
		}
		r := w.api(t, "GET", "/me/activities?"+near.Encode(), w.org.Access, nil)
		expect(t, r, 200, "")
		if d := r.json(t)["items"].([]any)[0].(map[string]any)["distance_km"]; d != 1.9 {
			t.Errorf("organizer's own list: %v", d)
		}
	})
}
