package activitiesstore

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

var listMigrations = []sqldb.Migrations{audit.Migrations(), outbox.Migrations(), Migrations()}

// listWorld is a store with two activity types and a helper to add
// published activities.
type listWorld struct {
	t   *testing.T
	s   *Store
	now time.Time
}

func newListWorld(t *testing.T, db *sqldb.DB) *listWorld {
	w := &listWorld{t: t, s: New(db), now: time.Date(2030, 3, 1, 10, 0, 0, 0, time.UTC)}
	for id, name := range map[string]string{"sport": "运动", "study": "学习"} {
		if err := w.s.CreateType(context.Background(), &activities.Type{ID: id, Name: name, CreatedAt: w.now}, activities.Audit{}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

type spec struct {
	id, title, desc, city, typ string
	lat, lng                   float64
	startH                     int // hours after now
	tags                       []string
	status                     activities.Status
	memberOnly                 bool
}

func (w *listWorld) add(sp spec) *activities.Activity {
	w.t.Helper()
	if sp.city == "" {
		sp.city = "上海"
	}
	if sp.typ == "" {
		sp.typ = "sport"
	}
	if sp.status == "" {
		sp.status = activities.StatusPublished
	}
	if sp.title == "" {
		sp.title = "活动 " + sp.id
	}
	start := w.now.Add(time.Duration(48+sp.startH) * time.Hour)
	a := &activities.Activity{ID: sp.id, Title: sp.title, Description: sp.desc, TypeID: sp.typ, TagIDs: sp.tags, City: sp.city,
		Lat: sp.lat, Lng: sp.lng, StartAt: start, EndAt: start.Add(2 * time.Hour), SignupDeadline: start.Add(-time.Hour),
		MinParticipants: 1, MaxParticipants: 50, Status: sp.status, MemberOnly: sp.memberOnly, OrganizerID: "org", CreatedAt: w.now, UpdatedAt: w.now}
	if err := w.s.Create(context.Background(), a); err != nil {
		w.t.Fatal(err)
	}
	return a
}

// ids lists the store's answer for f (published only unless f says).
func (w *listWorld) ids(f activities.Filter) []string {
	w.t.Helper()
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Statuses == nil {
		f.Statuses = []activities.Status{activities.StatusPublished, activities.StatusFormed}
	}
	hits, err := w.s.List(context.Background(), f)
	if err != nil {
		w.t.Fatalf("list %+v: %v", f, err)
	}
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func TestListKeywordSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newListWorld(t, db)
		w.add(spec{id: "basketball", title: "周末篮球局", desc: "一起打球，水平不限"})
		w.add(spec{id: "badminton", title: "羽毛球约起", desc: "新手友好"})
		w.add(spec{id: "python", title: "Python 读书会（第三期）", desc: "每周一次", typ: "study"})
		w.add(spec{id: "run", title: "夜跑", desc: "外滩集合，5 公里"})
		w.add(spec{id: "beijing", title: "北京篮球夜场", city: "北京", startH: 1})
		w.add(spec{id: "draft", title: "篮球训练营", status: activities.StatusDraft})

		cases := []struct {
			q    string
			city string
			want []string
		}{
			{"篮球", "", []string{"basketball", "beijing"}},
			{"篮球", "上海", []string{"basketball"}},
			{"周末篮球局", "", []string{"basketball"}},
			{"羽毛球", "", []string{"badminton"}},
			{"Python 读书会", "", []string{"python"}},
			{"ＰＹＴＨＯＮ", "", []string{"python"}},
			{"读书", "", []string{"python"}},
			{"python 篮球", "", nil},
			{"球", "上海", []string{"badminton", "basketball"}}, // one character: substring
			{"学习", "", []string{"python"}},                   // the type name
			{"外滩", "", []string{"run"}},                      // the description
			{"足球", "", nil},
			{"！！", "", []string{"badminton", "basketball", "python", "run", "beijing"}}, // no tokens: no keyword filter
		}
		for _, c := range cases {
			if got := w.ids(activities.Filter{Query: c.q, City: c.city}); !slices.Equal(got, c.want) {
				t.Errorf("q=%q city=%q: %v, want %v", c.q, c.city, got, c.want)
			}
		}

		// Edits and type renames update the index in their transaction.
		a, err := w.s.Get(context.Background(), "basketball")
		if err != nil {
			t.Fatal(err)
		}
		a.Title = "周末足球局"
		if err := w.s.Update(context.Background(), a, activities.Audit{}); err != nil {
			t.Fatal(err)
		}
		if got := w.ids(activities.Filter{Query: "篮球", City: "上海"}); len(got) != 0 {
			t.Errorf("篮球 after the edit: %v", got)
		}
		if got := w.ids(activities.Filter{Query: "足球"}); !slices.Equal(got, []string{"basketball"}) {
			t.Errorf("足球 after the edit: %v", got)
		}
		name := "编程"
		if _, err := w.s.UpdateType(context.Background(), "study", &name, nil, activities.Audit{}); err != nil {
			t.Fatal(err)
		}
		if got := w.ids(activities.Filter{Query: "编程"}); !slices.Equal(got, []string{"python"}) {
			t.Errorf("renamed type: %v", got)
		}
		if got := w.ids(activities.Filter{Query: "学习"}); len(got) != 0 {
			t.Errorf("old type name still found: %v", got)
		}

		// Activities stored before keyword search existed get their tokens
		// when the app starts.
		if err := db.Gorm.Exec("UPDATE activities SET search_tokens = '' WHERE id = 'run'").Error; err != nil {
			t.Fatal(err)
		}
		if got := w.ids(activities.Filter{Query: "夜跑"}); len(got) != 0 {
			t.Fatalf("unindexed activity found: %v", got)
		}
		if n, err := w.s.IndexMissing(context.Background()); err != nil || n != 1 {
			t.Fatalf("IndexMissing: %d, %v", n, err)
		}
		if got := w.ids(activities.Filter{Query: "夜跑"}); !slices.Equal(got, []string{"run"}) {
			t.Errorf("after IndexMissing: %v", got)
		}
	}, listMigrations...)
}

// Real places in Shanghai, distances from People's Square (great circle).
var shanghai = []struct {
	id       string
	lat, lng float64
	km       float64
}{
	{"bund", 31.2400, 121.4900, 1.9},
	{"lujiazui", 31.2397, 121.4998, 2.7},
	{"xujiahui", 31.1955, 121.4365, 5.25},
	{"hongqiao", 31.1979, 121.3363, 13.55},
	{"pudong-airport", 31.1443, 121.8083, 33.2},
	{"suzhou", 31.2990, 120.5853, 84.8},
}

const peoplesSquareLat, peoplesSquareLng = 31.2304, 121.4737

func TestListNearMe(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newListWorld(t, db)
		for i, p := range shanghai {
			// Start times in the reverse order of distance, so the distance
			// order cannot come from the default sort.
			w.add(spec{id: p.id, lat: p.lat, lng: p.lng, startH: len(shanghai) - i})
		}
		w.add(spec{id: "beijing", city: "北京", lat: 39.9042, lng: 116.4074})
		near := func(r float64) *activities.Near {
			return &activities.Near{Lat: peoplesSquareLat, Lng: peoplesSquareLng, RadiusKm: r}
		}
		for _, c := range []struct {
			radius float64
			want   []string
		}{
			{1, nil},
			{2, []string{"bund"}},
			{10, []string{"bund", "lujiazui", "xujiahui"}},
			{15, []string{"bund", "lujiazui", "xujiahui", "hongqiao"}},
			{100, []string{"bund", "lujiazui", "xujiahui", "hongqiao", "pudong-airport", "suzhou"}},
		} {
			hits, err := w.s.List(context.Background(), activities.Filter{Near: near(c.radius), Sort: activities.SortDistance, Limit: 50,
				Statuses: []activities.Status{activities.StatusPublished}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hits {
				got = append(got, h.ID)
				want := -1.0
				for _, p := range shanghai {
					if p.id == h.ID {
						want = p.km
					}
				}
				if h.DistanceKm == nil || math.Abs(*h.DistanceKm-want) > 0.5 {
					t.Errorf("%s: distance %v, want %.1f km", h.ID, h.DistanceKm, want)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("radius %v km: %v, want %v", c.radius, got, c.want)
			}
		}
		// Without sort=distance the circle still filters, by start time.
		if got := w.ids(activities.Filter{Near: near(10)}); !slices.Equal(got, []string{"xujiahui", "lujiazui", "bund"}) {
			t.Errorf("near-me by start time: %v", got)
		}
		// Without a location nothing has a distance.
		hits, err := w.s.List(context.Background(), activities.Filter{Limit: 50})
		if err != nil || len(hits) != 7 || hits[0].DistanceKm != nil {
			t.Fatalf("no location: %d hits, %v", len(hits), err)
		}
		// Across the antimeridian (Fiji): from 179.99° E, 179.95° E is 4.3 km
		// west and 179.95° W 6.4 km east.
		w.add(spec{id: "east", lat: -16.5, lng: 179.95})
		w.add(spec{id: "west", lat: -16.5, lng: -179.95})
		got := w.ids(activities.Filter{Near: &activities.Near{Lat: -16.5, Lng: 179.99, RadiusKm: 20}, Sort: activities.SortDistance})
		if !slices.Equal(got, []string{"east", "west"}) {
			t.Errorf("across the antimeridian: %v", got)
		}
	}, listMigrations...)
}

func TestListTagFilterAndRecommended(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newListWorld(t, db)
		w.add(spec{id: "both", tags: []string{"t1", "t2"}, startH: 5})
		w.add(spec{id: "t1-early", tags: []string{"t1"}, startH: 1})
		w.add(spec{id: "none", startH: 0})
		w.add(spec{id: "t2-mid", tags: []string{"t2", "t3"}, startH: 3})
		w.add(spec{id: "t3-only", tags: []string{"t3", "t3"}, startH: 2}) // a repeated tag is stored once

		if got := w.ids(activities.Filter{TagID: "t1"}); !slices.Equal(got, []string{"t1-early", "both"}) {
			t.Errorf("tag t1: %v", got)
		}
		if got := w.ids(activities.Filter{TagID: "t3", Query: "活动"}); !slices.Equal(got, []string{"t3-only", "t2-mid"}) {
			t.Errorf("tag t3 with keyword: %v", got)
		}
		rec := activities.Filter{Sort: activities.SortRecommended, Interests: []string{"t1", "t2"}}
		if got := w.ids(rec); !slices.Equal(got, []string{"both", "t1-early", "t2-mid", "none", "t3-only"}) {
			t.Errorf("recommended: %v", got)
		}
		if got := w.ids(activities.Filter{Sort: activities.SortRecommended}); !slices.Equal(got, []string{"none", "t1-early", "t3-only", "t2-mid", "both"}) {
			t.Errorf("recommended without interests: %v", got)
		}
		// Edits replace the tag rows.
		a, _ := w.s.Get(context.Background(), "t1-early")
		a.TagIDs = []string{"t3"}
		if err := w.s.Update(context.Background(), a, activities.Audit{}); err != nil {
			t.Fatal(err)
		}
		if got := w.ids(activities.Filter{TagID: "t1"}); !slices.Equal(got, []string{"both"}) {
			t.Errorf("tag t1 after the edit: %v", got)
		}
	}, listMigrations...)
}

func TestListHot(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newListWorld(t, db)
		for i, id := range []string{"cold", "old-crowd", "one-now", "two-now"} {
			w.add(spec{id: id, startH: i})
		}
		signUps := func(id string, n int, at time.Time) {
			for i := range n {
				_, err := w.s.SignUp(context.Background(), &activities.Signup{ID: fmt.Sprintf("%s-%d-%d", id, at.Unix(), i), ActivityID: id,
					UserID: fmt.Sprintf("u-%s-%d-%d", id, at.Unix(), i), CheckInCode: "c"}, at)
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		// Decayed with a 24 h half-life, as of now: old-crowd 5 × 2⁻³ = 0.625,
		// one-now 1, two-now 2 (and 1 × 2⁻³ from three days ago).
		signUps("old-crowd", 5, w.now.Add(-72*time.Hour))
		signUps("two-now", 1, w.now.Add(-72*time.Hour))
		signUps("one-now", 1, w.now)
		signUps("two-now", 2, w.now)
		hot := activities.Filter{Sort: activities.SortHot}
		if got := w.ids(hot); !slices.Equal(got, []string{"two-now", "one-now", "old-crowd", "cold"}) {
			t.Errorf("hot: %v", got)
		}
		hits, _ := w.s.List(context.Background(), activities.Filter{Sort: activities.SortHot, Limit: 2})
		if got, want := hits[0].HotScore-hits[1].HotScore, math.Log(2.125); math.Abs(got-want) > 1e-9 {
			t.Errorf("two-now vs one-now: ln ratio %v, want %v", got, want)
		}
		// A burst today overtakes.
		signUps("old-crowd", 3, w.now.Add(time.Hour))
		if got := w.ids(hot); !slices.Equal(got, []string{"old-crowd", "two-now", "one-now", "cold"}) {
			t.Errorf("hot after a burst: %v", got)
		}
	}, listMigrations...)
}

// pageAll follows the cursors of f's sort through the service and returns
// the ids in order; it fails on a repeated id.
func pageAll(t *testing.T, svc *activities.Service, f activities.Filter, limit int) []string {
	t.Helper()
	var out []string
	seen := map[string]bool{}
	cursor := ""
	for range 50 {
		f.Limit = limit
		items, next, err := svc.List(context.Background(), f, cursor, false)
		if err != nil {
			t.Fatalf("page after %q: %v", cursor, err)
		}
		if len(items) > limit {
			t.Fatalf("page of %d, limit %d", len(items), limit)
		}
		for _, it := range items {
			if seen[it.ID] {
				t.Fatalf("%s on two pages (%s)", it.ID, f.Sort)
			}
			seen[it.ID] = true
			out = append(out, it.ID)
		}
		if next == "" {
			return out
		}
		if len(items) != limit {
			t.Fatalf("short page %d with a next cursor", len(items))
		}
		cursor = next
	}
	t.Fatal("pagination does not end")
	return nil
}

type fixedInterests []string

func (f fixedInterests) TagIDs(context.Context, string) ([]string, error) { return f, nil }

func TestListPaginationEverySort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newListWorld(t, db)
		// Ties everywhere: equal start times, equal (zero) hot scores,
		// equal overlaps and two activities at the same place.
		for i := range 11 {
			p := shanghai[i%4]
			var tags []string
			if i%3 == 0 {
				tags = []string{"t1"}
			}
			w.add(spec{id: fmt.Sprintf("a%02d", (i*7)%11), lat: p.lat, lng: p.lng, startH: i % 3, tags: tags})
		}
		for i := range 3 {
			_, err := w.s.SignUp(context.Background(), &activities.Signup{ID: fmt.Sprint("s", i), ActivityID: fmt.Sprintf("a%02d", i),
				UserID: fmt.Sprint("u", i), CheckInCode: "c"}, w.now)
			if err != nil {
				t.Fatal(err)
			}
		}
		svc := activities.NewService(w.s, func() time.Time { return w.now })
		svc.SetInterests(fixedInterests{"t1"})
		near := &activities.Near{Lat: peoplesSquareLat, Lng: peoplesSquareLng, RadiusKm: 20}
		for _, f := range []activities.Filter{
			{Sort: activities.SortStartAt},
			{Sort: activities.SortHot},
			{Sort: activities.SortDistance, Near: near},
			{Sort: activities.SortRecommended},
			{Sort: activities.SortStartAt, Query: "活动", Near: near},
		} {
			all := pageAll(t, svc, f, 50)
			if len(all) != 11 {
				t.Fatalf("%s: %d activities, want 11", f.Sort, len(all))
			}
			for _, limit := range []int{1, 2, 3, 11} {
				if got := pageAll(t, svc, f, limit); !slices.Equal(got, all) {
					t.Errorf("%s by %d: %v, want %v", f.Sort, limit, got, all)
				}
			}
		}
	}, listMigrations...)
}

// Near-me for callers who may not see the places: the circle and the
// distances tell two places of one grid cell apart for no centre and no
// radius, and distances come in 0.5 km steps. Exact distances (staff) do
// tell them apart.
func TestListNearMeIsCoarseUnlessExact(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newListWorld(t, db)
		// a and b: 150 m apart, one cell of the 1/200° grid; c: the next cell north.
		w.add(spec{id: "a", lat: 31.2400, lng: 121.4900})
		w.add(spec{id: "b", lat: 31.2411, lng: 121.4911})
		w.add(spec{id: "c", lat: 31.2430, lng: 121.4900})
		list := func(lat, lng, r float64, exact bool) map[string]float64 {
			t.Helper()
			hits, err := w.s.List(context.Background(), activities.Filter{Near: &activities.Near{Lat: lat, Lng: lng, RadiusKm: r},
				Exact: exact, Sort: activities.SortDistance, Limit: 50, Statuses: []activities.Status{activities.StatusPublished}})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]float64{}
			for _, h := range hits {
				out[h.ID] = *h.DistanceKm
			}
			return out
		}
		split := false
		// Centres 1.5 to 2.5 km south-west of the cell, 22 m apart, and
		// radii around those distances.
		for i := range 50 {
			lat, lng := 31.2300-float64(i)*0.0002, 121.4800-float64(i)*0.0001
			for _, r := range []float64{1.5, 1.75, 2, 2.25, 2.5, 2.75} {
				got := list(lat, lng, r, false)
				da, inA := got["a"]
				db, inB := got["b"]
				if inA != inB || da != db {
					t.Fatalf("centre %.4f,%.4f radius %v tells a (%v %v) from b (%v %v)", lat, lng, r, inA, da, inB, db)
				}
				for id, d := range got {
					if d*activities.DistanceStepsPerKm != math.Round(d*activities.DistanceStepsPerKm) || d > r {
						t.Fatalf("%s: coarse distance %v (radius %v)", id, d, r)
					}
				}
				exact := list(lat, lng, r, true)
				_, exA := exact["a"]
				_, exB := exact["b"]
				split = split || exA != exB
			}
		}
		if !split {
			t.Error("exact distances never told a from b")
		}
		got := list(31.2300, 121.4800, 5, true)
		if got["a"] == got["b"] || math.Abs(got["a"]-1.45) > 0.05 {
			t.Errorf("exact distances: %v", got)
		}
	}, listMigrations...)
}

// The description of a member-only activity is not searchable (it is
// locked for most callers); its title, city and type are. The index
// follows member_only when it changes, and reindexing keeps to it.
func TestSearchLeavesOutMemberOnlyDescriptions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newListWorld(t, db)
		w.add(spec{id: "club", title: "会员读书会", desc: "暗号是青蛙", memberOnly: true})
		w.add(spec{id: "open", title: "公开读书会", desc: "地点在图书馆"})
		search := func(q string) []string { return w.ids(activities.Filter{Query: q}) }
		check := func(when string, q string, want ...string) {
			t.Helper()
			if got := search(q); !slices.Equal(got, want) {
				t.Errorf("%s: q=%q: %v, want %v", when, q, got, want)
			}
		}
		check("member-only", "青蛙")
		check("member-only", "暗号")
		check("member-only", "蛙") // one character: substring of the tokens
		check("member-only", "会员读书会", "club")
		check("member-only", "运动", "club", "open") // the type name
		check("public", "图书馆", "open")

		a, err := w.s.Get(context.Background(), "club")
		if err != nil {
			t.Fatal(err)
		}
		a.MemberOnly = false
		if err := w.s.Update(context.Background(), a, activities.Audit{}); err != nil {
			t.Fatal(err)
		}
		check("opened to everyone", "青蛙", "club")
		a.MemberOnly = true
		if err := w.s.Update(context.Background(), a, activities.Audit{}); err != nil {
			t.Fatal(err)
		}
		check("member-only again", "青蛙")

		// Reindexing (start-up, type renames) keeps the description out.
		if err := db.Gorm.Exec("UPDATE activities SET search_tokens = ''").Error; err != nil {
			t.Fatal(err)
		}
		if n, err := w.s.IndexMissing(context.Background()); err != nil || n != 2 {
			t.Fatalf("indexed %d: %v", n, err)
		}
		check("reindexed", "青蛙")
		check("reindexed", "图书馆", "open")
		name := "户外"
		if _, err := w.s.UpdateType(context.Background(), "sport", &name, nil, activities.Audit{}); err != nil {
			t.Fatal(err)
		}
		check("type renamed", "青蛙")
		check("type renamed", "户外", "club", "open")
	}, listMigrations...)
}
