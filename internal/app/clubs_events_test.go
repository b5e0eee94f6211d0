package app

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/clubs"
	"github.com/zuju/zuju/internal/config"
	"github.com/zuju/zuju/internal/platform/events"
)

// clubEventLog collects the club events the bus delivers to one group.
type clubEventLog struct {
	mu   sync.Mutex
	byID map[string]events.Message
}

func (l *clubEventLog) ids(topic string) map[string]bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]bool{}
	for id, m := range l.byID {
		if m.Topic == topic {
			out[id] = true
		}
	}
	return out
}

// subscribeClubEvents subscribes a fresh group to the three club topics.
func subscribeClubEvents(t *testing.T, a *testApp) *clubEventLog {
	t.Helper()
	l := &clubEventLog{byID: map[string]events.Message{}}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	group := "test-clubs-" + time.Now().Format("150405.000000")
	h := func(_ context.Context, m events.Message) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.byID[m.ID] = m
		return nil
	}
	if err := a.Bus.SubscribeAll(ctx, group, map[string]events.Handler{
		clubs.TopicReviewed: h, clubs.TopicApplicationDecided: h, clubs.TopicMemberBanned: h}); err != nil {
		t.Fatal(err)
	}
	return l
}

// clubOutboxRow is an outbox event as stored.
type clubOutboxRow struct {
	ID      string
	Payload string
}

// clubOutbox decodes the outbox events of topic that mention id.
func clubOutbox[T any](t *testing.T, a *testApp, topic, id string) (ids []string, out []T) {
	t.Helper()
	var rows []clubOutboxRow
	if err := a.DB.Gorm.Table("outbox_events").Select("id, payload").Where("topic = ? AND payload LIKE ?", topic, "%\""+id+"\"%").
		Order("created_at, id").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		var v T
		if err := json.Unmarshal([]byte(r.Payload), &v); err != nil {
			t.Fatalf("%s payload %s: %v", topic, r.Payload, err)
		}
		ids, out = append(ids, r.ID), append(out, v)
	}
	return ids, out
}

// Staff reviews, officers' decisions on applications and bans each write
// exactly one event into the outbox in their transaction, with the
// payload a notification needs; refused or repeated decisions write none;
// the relay delivers every one on the bus (in process, or RabbitMQ).
func TestClubDecisionEvents(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		a := startApp(t, b, withClock(clk), func(c *config.Config, _ *Options) { c.Club.ApplyCooldown = 24 * time.Hour })
		delivered := subscribeClubEvents(t, a)
		root := a.admin(t, "root@example.com")
		cat := a.clubCategory(t, root, "体育")
		owner := a.register(t, "13610000001", "secret-pass-1")
		alice := a.register(t, "13610000002", "secret-pass-1")
		bob := a.register(t, "13610000003", "secret-pass-1")
		var want []string // every event id the bus must deliver

		// Staff reject one club with a reason and approve another.
		r := a.api(t, "POST", "/clubs", owner.Access, map[string]any{"name": "棋社", "category_id": cat})
		expect(t, r, 201, "")
		chess := str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/admin/clubs/"+chess+"/reject", root.Access, map[string]any{"reason": "名称不规范"}), 200, "")
		expect(t, a.api(t, "POST", "/admin/clubs/"+chess+"/approve", root.Access, nil), 409, "club.not_pending")
		ids, reviews := clubOutbox[clubs.ReviewedEvent](t, a, clubs.TopicReviewed, chess)
		if len(reviews) != 1 {
			t.Fatalf("%d clubs.reviewed events for the rejection", len(reviews))
		}
		if ev := reviews[0]; ev.ClubID != chess || ev.ClubName != "棋社" || ev.OwnerID != owner.UserID || ev.Approved ||
			ev.Status != clubs.StatusRejected || ev.Reason != "名称不规范" || !ev.ReviewedAt.Equal(clk.Now()) {
			t.Fatalf("rejection event: %+v", ev)
		}
		want = append(want, ids...)
		r = a.api(t, "POST", "/clubs", owner.Access, map[string]any{"name": "篮球社", "category_id": cat})
		expect(t, r, 201, "")
		club := str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/admin/clubs/"+club+"/approve", root.Access, nil), 200, "")
		ids, reviews = clubOutbox[clubs.ReviewedEvent](t, a, clubs.TopicReviewed, club)
		if len(reviews) != 1 || !reviews[0].Approved || reviews[0].Status != clubs.StatusActive || reviews[0].OwnerID != owner.UserID || reviews[0].Reason != "" {
			t.Fatalf("approval events: %+v", reviews)
		}
		want = append(want, ids...)

		// An application rejected with a reason, another approved.
		r = a.api(t, "POST", "/clubs/"+club+"/applications", alice.Access, map[string]any{"message": "想加入"})
		expect(t, r, 201, "")
		aliceApp := str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/clubs/"+club+"/applications/"+aliceApp+"/reject", owner.Access, map[string]any{}), 400, "club.reason_required")
		expect(t, a.api(t, "POST", "/clubs/"+club+"/applications/"+aliceApp+"/reject", owner.Access, map[string]any{"reason": "名额已满"}), 200, "")
		expect(t, a.api(t, "POST", "/clubs/"+club+"/applications/"+aliceApp+"/approve", owner.Access, nil), 404, "club.application_not_found")
		ids, decided := clubOutbox[clubs.ApplicationDecidedEvent](t, a, clubs.TopicApplicationDecided, aliceApp)
		if len(decided) != 1 {
			t.Fatalf("%d clubs.application_decided events for the rejection", len(decided))
		}
		if ev := decided[0]; ev.ApplicationID != aliceApp || ev.ClubID != club || ev.ClubName != "篮球社" || ev.UserID != alice.UserID ||
			ev.Approved || ev.Status != clubs.ApplicationRejected || ev.Reason != "名额已满" || ev.DecidedBy != owner.UserID || !ev.DecidedAt.Equal(clk.Now()) {
			t.Fatalf("rejection event: %+v", ev)
		}
		want = append(want, ids...)
		r = a.api(t, "POST", "/clubs/"+club+"/applications", bob.Access, map[string]any{"message": "我也想"})
		expect(t, r, 201, "")
		bobApp := str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/clubs/"+club+"/applications/"+bobApp+"/approve", owner.Access, map[string]any{"reason": "欢迎"}), 200, "")
		ids, decided = clubOutbox[clubs.ApplicationDecidedEvent](t, a, clubs.TopicApplicationDecided, bobApp)
		if len(decided) != 1 || !decided[0].Approved || decided[0].Status != clubs.ApplicationApproved || decided[0].UserID != bob.UserID || decided[0].Reason != "欢迎" {
			t.Fatalf("approval events: %+v", decided)
		}
		want = append(want, ids...)

		// A ban of a member for 7 days; a refused ban (of the owner) writes none.
		expect(t, a.api(t, "POST", "/clubs/"+club+"/bans", owner.Access, map[string]any{"user_id": bob.UserID, "reason": "多次缺席", "days": 7}), 201, "")
		expect(t, a.api(t, "POST", "/clubs/"+club+"/bans", root.Access, map[string]any{"user_id": owner.UserID}), 403, "club.not_owner")
		ids, bans := clubOutbox[clubs.MemberBannedEvent](t, a, clubs.TopicMemberBanned, club)
		if len(bans) != 1 {
			t.Fatalf("%d clubs.member_banned events", len(bans))
		}
		if ev := bans[0]; ev.UserID != bob.UserID || ev.ClubName != "篮球社" || ev.Reason != "多次缺席" || !ev.WasMember || ev.BannedBy != owner.UserID ||
			ev.Until == nil || !ev.Until.Equal(clk.Now().Add(7*24*time.Hour)) {
			t.Fatalf("ban event: %+v", ev)
		}
		want = append(want, ids...)
		// A ban for good of someone who only applied.
		carol := a.register(t, "13610000004", "secret-pass-1")
		expect(t, a.api(t, "POST", "/clubs/"+club+"/applications", carol.Access, map[string]any{"message": "加我"}), 201, "")
		expect(t, a.api(t, "POST", "/clubs/"+club+"/bans", owner.Access, map[string]any{"user_id": carol.UserID}), 201, "")
		ids, bans = clubOutbox[clubs.MemberBannedEvent](t, a, clubs.TopicMemberBanned, carol.UserID)
		if len(bans) != 1 || bans[0].WasMember || bans[0].Until != nil {
			t.Fatalf("ban of an applicant: %+v", bans)
		}
		want = append(want, ids...)

		// Each event is delivered on the bus under its outbox id.
		deadline := time.Now().Add(15 * time.Second)
		for _, id := range want {
			for {
				got := delivered.ids(clubs.TopicReviewed)
				for k := range delivered.ids(clubs.TopicApplicationDecided) {
					got[k] = true
				}
				for k := range delivered.ids(clubs.TopicMemberBanned) {
					got[k] = true
				}
				if got[id] {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("event %s not delivered (got %v)", id, got)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	})
}

// The applicant sees their own application in the club view: pending
// (待审核), then rejected with the reason and when they may apply again;
// an approval or someone else's application shows nothing.
func TestClubMyApplication(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		a := startApp(t, b, withClock(clk), func(c *config.Config, _ *Options) { c.Club.ApplyCooldown = 24 * time.Hour })
		root := a.admin(t, "root@example.com")
		cat := a.clubCategory(t, root, "文艺")
		owner := a.register(t, "13620000001", "secret-pass-1")
		alice := a.register(t, "13620000002", "secret-pass-1")
		bob := a.register(t, "13620000003", "secret-pass-1")
		club := a.activeClub(t, root, cat, "合唱团", owner, nil, nil)
		mine := func(who tokens) map[string]any {
			t.Helper()
			r := a.api(t, "GET", "/clubs/"+club, who.Access, nil)
			expect(t, r, http.StatusOK, "")
			m, _ := r.json(t)["my_application"].(map[string]any)
			return m
		}
		if m := mine(alice); m != nil {
			t.Fatalf("my_application before applying: %v", m)
		}
		if r := a.api(t, "GET", "/clubs/"+club, "", nil); r.json(t)["my_application"] != nil {
			t.Fatalf("anonymous view: %s", r.Body)
		}
		r := a.api(t, "POST", "/clubs/"+club+"/applications", alice.Access, map[string]any{"message": "会唱歌"})
		expect(t, r, 201, "")
		app := str(r.json(t)["id"])
		m := mine(alice)
		if str(m["id"]) != app || m["status"] != "pending" || m["reason"] != nil || m["reapply_at"] != nil || m["decided_at"] != nil {
			t.Fatalf("pending: %v", m)
		}
		if _, err := time.Parse(time.RFC3339, str(m["created_at"])); err != nil {
			t.Fatalf("created_at: %v", m)
		}
		if m := mine(bob); m != nil {
			t.Fatalf("bob sees an application: %v", m)
		}
		if m := mine(owner); m != nil {
			t.Fatalf("the owner sees an application: %v", m)
		}
		if items, _ := a.api(t, "GET", "/clubs?limit=50", alice.Access, nil).json(t)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["my_application"] != nil {
			t.Fatalf("directory: %v", items)
		}

		expect(t, a.api(t, "POST", "/clubs/"+club+"/applications/"+app+"/reject", owner.Access, map[string]any{"reason": "声部已满"}), 200, "")
		m = mine(alice)
		decided, err1 := time.Parse(time.RFC3339, str(m["decided_at"]))
		reapply, err2 := time.Parse(time.RFC3339, str(m["reapply_at"]))
		if m["status"] != "rejected" || m["reason"] != "声部已满" || err1 != nil || err2 != nil || reapply.Sub(decided) != 24*time.Hour ||
			decided.Sub(clk.Now()).Abs() > time.Millisecond {
			t.Fatalf("rejected: %v", m)
		}
		expect(t, a.api(t, "POST", "/clubs/"+club+"/applications", alice.Access, map[string]any{"message": "再试一次"}), 409, "club.apply_cooldown")

		// After the cooldown the rejection still shows (reapply_at past)
		// until a new application replaces it.
		clk.Advance(24*time.Hour + time.Minute)
		owner, alice = signIn(t, a, "13620000001"), signIn(t, a, "13620000002")
		if m := mine(alice); m["status"] != "rejected" {
			t.Fatalf("after the cooldown: %v", m)
		}
		r = a.api(t, "POST", "/clubs/"+club+"/applications", alice.Access, map[string]any{"message": "再试一次"})
		expect(t, r, 201, "")
		app = str(r.json(t)["id"])
		if m := mine(alice); m["status"] != "pending" || str(m["id"]) != app {
			t.Fatalf("second application: %v", m)
		}
		expect(t, a.api(t, "POST", "/clubs/"+club+"/applications/"+app+"/approve", owner.Access, nil), 200, "")
		r = a.api(t, "GET", "/clubs/"+club, alice.Access, nil)
		if m := r.json(t); m["my_application"] != nil || str(m["my_role"]) != "member" {
			t.Fatalf("approved: %s", r.Body)
		}
	})
}
