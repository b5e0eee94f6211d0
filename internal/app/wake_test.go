package app

import (
	"testing"
	"time"

	"github.com/zuju/zuju/internal/config"
)

// Publishing schedules a durable wake-up at the sign-up deadline: the
// activity below its minimum is cancelled right after it, long before the
// periodic sweep's next run (a minute).
func TestDeadlineWakeUpCancelsOnTime(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "运动"}).json(t)["id"])
		start := time.Now().Add(4 * time.Second).UTC().Truncate(time.Second)
		body := activityBody(typeID, start)
		body["signup_deadline"] = start.Add(-time.Second).Format(time.RFC3339)
		id := str(a.api(t, "POST", "/activities", root.Access, body).json(t)["id"])
		expect(t, a.api(t, "POST", "/activities/"+id+"/publish", root.Access, nil), 200, "")
		until := time.Now().Add(30 * time.Second)
		for {
			st := str(a.api(t, "GET", "/activities/"+id, "", nil).json(t)["status"])
			if st == "cancelled" {
				return
			}
			if time.Now().After(until) {
				t.Fatalf("status %s 30 s after the deadline, want cancelled by the wake-up job", st)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
}

// With two replicas sharing Redis, a change made on one shows on the
// other's cached list at once: each replica keeps decoded pages locally,
// under the shared list generation.
func TestListCacheAcrossReplicas(t *testing.T) {
	db := scaledDB(t)
	cfg := testConfig(t, scaled, t.TempDir(), db)
	a := startReplica(t, cfg)
	b := startReplica(t, testConfig(t, scaled, t.TempDir(), db), func(c *config.Config, _ *Options) { c.RedisPrefix = cfg.RedisPrefix })
	root := a.admin(t, "root@example.com")
	typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "运动"}).json(t)["id"])
	body := activityBody(typeID, time.Now().Add(72*time.Hour).UTC().Truncate(time.Second))
	id := str(a.api(t, "POST", "/activities", root.Access, body).json(t)["id"])
	expect(t, a.api(t, "POST", "/activities/"+id+"/publish", root.Access, nil), 200, "")
	count := func() float64 {
		items := b.api(t, "GET", "/activities?city=上海", "", nil).json(t)["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("%d items", len(items))
		}
		return items[0].(map[string]any)["participant_count"].(float64)
	}
	if n := count(); n != 0 {
		t.Fatalf("count %v", n)
	}
	count() // now cached on b
	u := a.register(t, "13900000091", "secret-pass-1")
	expect(t, a.api(t, "POST", "/activities/"+id+"/signups", u.Access, nil), 201, "")
	if n := count(); n != 1 {
		t.Fatalf("replica b lists participant_count %v after a sign-up on a, want 1", n)
	}
}
