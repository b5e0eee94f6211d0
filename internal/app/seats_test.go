package app

import (
	"testing"
	"time"

	"github.com/zuju/zuju/internal/activities"
)

// Every seat taken or given up is announced (activities.seat_changed):
// a sign-up confirmed at once, a cancelled seat, an accepted waitlist
// offer and a confirmed payment; a waitlist place or a held seat is not
// a seat.
func TestSeatChangesAreAnnounced(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "篮球"}).json(t)["id"])
		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
		body := activityBody(typeID, start)
		body["min_participants"], body["max_participants"] = 1, 1
		r := a.api(t, "POST", "/activities", root.Access, body)
		expect(t, r, 201, "")
		id := str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/activities/"+id+"/publish", root.Access, nil), 200, "")
		u1 := a.register(t, "13300000081", "secret-pass-1")
		u2 := a.register(t, "13300000082", "secret-pass-1")
		seats := func(user string) int {
			n := 0
			for _, e := range outboxPayloads(t, a, activities.TopicSeatChanged, id) {
				if str(e["user_id"]) == user {
					n++
				}
			}
			return n
		}
		expect(t, a.api(t, "POST", "/activities/"+id+"/signups", u1.Access, nil), 201, "")
		expect(t, a.api(t, "POST", "/activities/"+id+"/signups", u2.Access, nil), 201, "") // waitlisted
		if seats(u1.UserID) != 1 || seats(u2.UserID) != 0 {
			t.Fatalf("after sign-ups: %d, %d", seats(u1.UserID), seats(u2.UserID))
		}
		expect(t, a.api(t, "DELETE", "/activities/"+id+"/signups/me", u1.Access, nil), 200, "")
		expect(t, a.api(t, "POST", "/activities/"+id+"/signups/me/accept", u2.Access, nil), 200, "")
		if seats(u1.UserID) != 2 || seats(u2.UserID) != 1 {
			t.Fatalf("after cancel and accept: %d, %d", seats(u1.UserID), seats(u2.UserID))
		}

		paid := paidActivity(t, a, root.Access, typeID, start, 1, 5, 1000)
		u3 := a.register(t, "13300000083", "secret-pass-1")
		_, no := signUpPaid(t, a, u3.Access, paid)
		countPaid := func() int { return len(outboxPayloads(t, a, activities.TopicSeatChanged, paid)) }
		if countPaid() != 0 {
			t.Fatal("a held seat was announced as a seat")
		}
		sandboxPaid(t, a, u3.Access, no)
		eventually(t, "the paid seat is announced", func() bool { return countPaid() == 1 })
	})
}
