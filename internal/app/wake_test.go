package app

import (
	"testing"
	"time"
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
