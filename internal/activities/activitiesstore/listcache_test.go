package activitiesstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/cache"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/sqldb"
	"github.com/zuju/zuju/internal/platform/testenv"
)

// countingStore counts the lists that reach the database.
type countingStore struct {
	activities.Store
	lists atomic.Int64
}

func (s *countingStore) List(ctx context.Context, f activities.Filter) ([]activities.Hit, error) {
	s.lists.Add(1)
	return s.Store.List(ctx, f)
}

// listCaches are the shared caches a deployment may use.
func listCaches(t *testing.T) map[string]func(t *testing.T) activities.ListCache {
	return map[string]func(t *testing.T) activities.ListCache{
		"memory": func(*testing.T) activities.ListCache { return cache.NewMemory() },
		"redis": func(t *testing.T) activities.ListCache {
			opts, err := redis.ParseURL(testenv.Redis(t))
			if err != nil {
				t.Fatal(err)
			}
			client := redis.NewClient(opts)
			b := make([]byte, 6)
			_, _ = rand.Read(b)
			prefix := "test:lists:" + hex.EncodeToString(b) + ":"
			t.Cleanup(func() {
				ctx := context.Background()
				keys, _ := client.Keys(ctx, prefix+"*").Result()
				if len(keys) > 0 {
					client.Del(ctx, keys...)
				}
				_ = client.Close()
			})
			return cache.NewRedis(client, prefix)
		},
	}
}

// A cached page is served without the store; every change made through
// the service shows on the very next list, on either cache.
func TestListCacheHitsAndInvalidation(t *testing.T) {
	for name, newCache := range listCaches(t) {
		t.Run(name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
				w := newListWorld(t, db)
				counting := &countingStore{Store: w.s}
				clk := w.now
				svc := activities.NewService(counting, func() time.Time { return clk })
				svc.SetListCache(newCache(t), time.Minute)
				svc.SetInterests(fixedInterests{"t1"})
				org := auth.WithPrincipal(context.Background(), auth.Principal{UserID: "org", Roles: []auth.Role{auth.RoleOrganizer}})
				user := auth.WithPrincipal(context.Background(), auth.Principal{UserID: "u1", Roles: []auth.Role{auth.RoleUser}})
				anon := context.Background()

				list := func(ctx context.Context, f activities.Filter) []activities.ListItem {
					t.Helper()
					items, _, err := svc.List(ctx, f, "", false)
					if err != nil {
						t.Fatal(err)
					}
					return items
				}
				expectLists := func(want int64, what string) {
					t.Helper()
					if got := counting.lists.Load(); got != want {
						t.Fatalf("%s: %d store lists, want %d", what, got, want)
					}
				}
				titles := func(items []activities.ListItem) []string {
					var out []string
					for _, it := range items {
						out = append(out, it.Title)
					}
					return out
				}

				w.add(spec{id: "seed", title: "周末篮球局", lat: peoplesSquareLat, lng: peoplesSquareLng})
				if got := titles(list(anon, activities.Filter{})); !slices.Equal(got, []string{"周末篮球局"}) {
					t.Fatalf("first list: %v", got)
				}
				expectLists(1, "first list")
				// Anonymous and signed-in callers share the page; outsiders
				// still see the details locked, the organizer does not.
				items := list(user, activities.Filter{})
				if len(items) != 1 || items[0].Address != "" || len(items[0].Locked) == 0 {
					t.Fatalf("user view: %+v", items)
				}
				if items := list(org, activities.Filter{}); len(items[0].Locked) != 0 {
					t.Fatalf("organizer view locked: %+v", items[0].Locked)
				}
				expectLists(1, "cache hits")
				// Another filter is another page; so is a location.
				list(anon, activities.Filter{Query: "篮球"})
				list(anon, activities.Filter{Query: "篮球"})
				near := &activities.Near{Lat: peoplesSquareLat, Lng: peoplesSquareLng, RadiusKm: 5}
				if items := list(anon, activities.Filter{Near: near}); len(items) != 1 || items[0].DistanceKm == nil || *items[0].DistanceKm > 0.01 {
					t.Fatalf("near: %+v", items)
				}
				list(anon, activities.Filter{Near: near})
				expectLists(3, "two more filters")
				// Recommended is personal: never cached.
				list(user, activities.Filter{Sort: activities.SortRecommended})
				list(user, activities.Filter{Sort: activities.SortRecommended})
				expectLists(5, "recommended")

				// Create + publish: the next list has it.
				start := w.now.Add(72 * time.Hour)
				end, deadline := start.Add(2*time.Hour), start.Add(-time.Hour)
				title, city, typ := "羽毛球约起", "上海", "sport"
				minP, maxP := 1, 1
				a, err := svc.Create(org, activities.Draft{Title: &title, City: &city, TypeID: &typ, StartAt: &start, EndAt: &end,
					SignupDeadline: &deadline, MinParticipants: &minP, MaxParticipants: &maxP})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := svc.Publish(org, a.ID); err != nil {
					t.Fatal(err)
				}
				if got := titles(list(anon, activities.Filter{})); !slices.Equal(got, []string{"周末篮球局", "羽毛球约起"}) {
					t.Fatalf("after publish: %v", got)
				}
				expectLists(6, "after publish")
				// An edit.
				newTitle := "羽毛球双打"
				if _, err := svc.Update(org, a.ID, activities.Draft{Title: &newTitle}); err != nil {
					t.Fatal(err)
				}
				if got := titles(list(anon, activities.Filter{})); !slices.Equal(got, []string{"周末篮球局", "羽毛球双打"}) {
					t.Fatalf("after edit: %v", got)
				}
				// A sign-up (the activity forms and fills up).
				if _, _, err := svc.SignUp(user, a.ID, ""); err != nil {
					t.Fatal(err)
				}
				items = list(anon, activities.Filter{})
				if items[1].ParticipantCount != 1 || items[1].Status != activities.StatusFormed {
					t.Fatalf("after sign-up: %+v", items[1].Activity)
				}
				// Cancelling the sign-up.
				if _, err := svc.CancelMine(user, a.ID); err != nil {
					t.Fatal(err)
				}
				if items := list(anon, activities.Filter{}); items[1].ParticipantCount != 0 {
					t.Fatalf("after cancelling the sign-up: %d", items[1].ParticipantCount)
				}
				// Cancel the activity.
				if _, err := svc.Cancel(org, a.ID, ""); err != nil {
					t.Fatal(err)
				}
				if got := titles(list(anon, activities.Filter{})); !slices.Equal(got, []string{"周末篮球局"}) {
					t.Fatalf("after cancel: %v", got)
				}
				expectLists(10, "one store list per change")
				// The sweep: the seed activity's deadline passes below its minimum.
				clk = w.now.Add(60 * time.Hour)
				if n, err := svc.Sweep(anon); err != nil || n != 1 {
					t.Fatalf("sweep: %d, %v", n, err)
				}
				if got := list(anon, activities.Filter{}); len(got) != 0 {
					t.Fatalf("after the sweep: %v", titles(got))
				}
				list(anon, activities.Filter{})
				expectLists(11, "after the sweep")
			}, listMigrations...)
		})
	}
}
