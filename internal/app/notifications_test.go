package app

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/clubs"
	"github.com/zuju/zuju/internal/config"
	"github.com/zuju/zuju/internal/notifications"
	"github.com/zuju/zuju/internal/platform/events"
	"github.com/zuju/zuju/internal/platform/wechat/wechatfake"
)

// notifCapture is a channel that records what it sends and fails the
// first fail sends.
type notifCapture struct {
	mu     sync.Mutex
	fail   int
	failed int
	byID   map[string]int
	byType map[notifications.Type]int
	to     map[notifications.Type][]notifications.Address
}

func newNotifCapture(fail int) *notifCapture {
	return &notifCapture{fail: fail, byID: map[string]int{}, byType: map[notifications.Type]int{}, to: map[notifications.Type][]notifications.Address{}}
}

func (c *notifCapture) Send(_ context.Context, to notifications.Address, m notifications.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failed < c.fail {
		c.failed++
		return errors.New("provider unavailable")
	}
	c.byID[m.NotificationID]++
	c.byType[m.Type]++
	c.to[m.Type] = append(c.to[m.Type], to)
	return nil
}

func (c *notifCapture) sent(t notifications.Type) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byType[t]
}

// twice lists the notifications sent more than once.
func (c *notifCapture) twice() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for id, n := range c.byID {
		if n > 1 {
			out = append(out, id)
		}
	}
	return out
}

// inbox is the caller's notifications of a type (all types when typ is "").
func inbox(t *testing.T, a *testApp, tok tokens, query, typ string) []map[string]any {
	t.Helper()
	r := a.api(t, "GET", "/notifications"+query, tok.Access, nil)
	expect(t, r, 200, "")
	items, _ := r.json(t)["items"].([]any)
	var out []map[string]any
	for _, it := range items {
		m, _ := it.(map[string]any)
		if typ == "" || m["type"] == typ {
			out = append(out, m)
		}
	}
	return out
}

func unread(t *testing.T, a *testApp, tok tokens) int {
	t.Helper()
	r := a.api(t, "GET", "/notifications/unread-count", tok.Access, nil)
	expect(t, r, 200, "")
	n, _ := r.json(t)["unread"].(float64)
	return int(n)
}

// storedNotifs counts the stored notifications of a source event.
func storedNotifs(t *testing.T, a *testApp, source string) int64 {
	t.Helper()
	var n int64
	if err := a.DB.Gorm.Table("notifications").Where("source_event_id = ?", source).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// Each wired producer notifies its recipients once in the inbox and once
// on SMS (the first send fails and River retries it); a redelivered event
// adds nothing; preferences turn a channel off; people only see and mark
// their own notifications.
func TestNotificationsInboxAndChannels(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		mails := startNotifSMTP(t, 1)
		wx := wechatfake.New(t)
		wx.FailSubscribes(1)
		a := startApp(t, b, func(c *config.Config, _ *Options) {
			c.SMTP.URL = mails.URL
			c.WeChat.AppID, c.WeChat.Secret, c.WeChat.BaseURL, c.WeChat.NotifyTemplate = wx.AppID(), wx.Secret(), wx.URL(), "tpl-notify"
		})
		sms := newNotifCapture(1)
		a.Notifications.SetSender(notifications.ChannelSMS, sms)
		expect(t, a.api(t, "GET", "/notifications", "", nil), 401, "")
		root := a.admin(t, "root@example.com")

		// Formed: both participants, once each, in the inbox and by SMS.
		act, org, ms := formedActivity(t, a, root, "1371000000")
		for _, m := range ms {
			eventually(t, "the formed notification", func() bool { return len(inbox(t, a, m, "", "activity_formed")) == 1 })
			n := inbox(t, a, m, "", "activity_formed")[0]
			if n["title"] != "活动已成局" || !strings.Contains(str(n["body"]), "」已成局") || n["link"] != "/activities/"+act {
				t.Fatalf("formed notification: %v", n)
			}
			if d, _ := n["data"].(map[string]any); d["activity_id"] != act {
				t.Fatalf("formed data: %v", n["data"])
			}
		}
		eventually(t, "the formed SMS after a retry", func() bool { return sms.sent(notifications.TypeActivityFormed) == 2 })

		// Preferences: defaults, then the second participant turns SMS off
		// for cancellations.
		r := a.api(t, "GET", "/me/notification-preferences", ms[1].Access, nil)
		expect(t, r, 200, "")
		prefs, _ := r.json(t)["items"].([]any)
		if len(prefs) != len(notifications.Types())*len(notifications.Channels()) {
			t.Fatalf("%d preferences", len(prefs))
		}
		expect(t, a.api(t, "PUT", "/me/notification-preferences", ms[1].Access, map[string]any{"items": []map[string]any{
			{"type": "activity_cancelled", "channel": "sms", "enabled": false}}}), 200, "")
		expect(t, a.api(t, "PUT", "/me/notification-preferences", ms[1].Access, map[string]any{"items": []map[string]any{
			{"type": "nope", "channel": "sms", "enabled": false}}}), 422, "")

		// Cancelled: both in the inbox with the reason, SMS only to the first.
		expect(t, a.api(t, "POST", "/activities/"+act+"/cancel", org.Access, map[string]any{"reason": "场地维修"}), 200, "")
		for _, m := range ms {
			eventually(t, "the cancelled notification", func() bool { return len(inbox(t, a, m, "", "activity_cancelled")) == 1 })
			if n := inbox(t, a, m, "", "activity_cancelled")[0]; !strings.Contains(str(n["body"]), "场地维修") {
				t.Fatalf("cancelled notification: %v", n)
			}
		}
		eventually(t, "the cancelled SMS", func() bool { return sms.sent(notifications.TypeActivityCancelled) == 1 })

		// Club reviewed (owner) and application decided (applicant).
		cat := a.clubCategory(t, root, "音乐")
		owner := a.register(t, "13720000001", "secret-pass-1")
		alice := a.register(t, "13720000002", "secret-pass-1")
		if err := a.DB.Gorm.Exec("UPDATE users SET email = ? WHERE id = ?", "owner@example.com", owner.UserID).Error; err != nil {
			t.Fatal(err)
		}
		bindWeChat(t, a, owner.UserID, "openid-owner")
		bindWeChat(t, a, alice.UserID, "openid-alice")
		r = a.api(t, "POST", "/clubs", owner.Access, map[string]any{"name": "吉他社", "category_id": cat})
		expect(t, r, 201, "")
		club := str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/admin/clubs/"+club+"/approve", root.Access, nil), 200, "")
		eventually(t, "the club approval", func() bool { return len(inbox(t, a, owner, "", "club_approved")) == 1 })
		if n := inbox(t, a, owner, "", "club_approved")[0]; n["title"] != "社团审核通过" || !strings.Contains(str(n["body"]), "吉他社") {
			t.Fatalf("club notification: %v", n)
		}
		// By email too, once, after the server refused the first try.
		eventually(t, "the approval email", func() bool { return len(mails.to("owner@example.com")) == 1 })
		if m := mails.to("owner@example.com")[0]; m.Subject != "社团审核通过" || m.From != "notify@zuju.test" {
			t.Fatalf("approval email: %+v", m)
		}
		// And by WeChat subscribe message, once, after WeChat failed the first.
		eventually(t, "the approval subscribe message", func() bool { return len(subscribesTo(wx, "openid-owner")) == 1 })
		if m := subscribesTo(wx, "openid-owner")[0]; m.TemplateID != "tpl-notify" || m.Data["thing1"].Value != "社团审核通过" {
			t.Fatalf("subscribe message: %+v", m)
		}
		r = a.api(t, "POST", "/clubs/"+club+"/applications", alice.Access, map[string]any{"message": "想加入"})
		expect(t, r, 201, "")
		app := str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/clubs/"+club+"/applications/"+app+"/reject", owner.Access, map[string]any{"reason": "名额已满"}), 200, "")
		eventually(t, "the application decision", func() bool { return len(inbox(t, a, alice, "", "application_rejected")) == 1 })
		if n := inbox(t, a, alice, "", "application_rejected")[0]; !strings.Contains(str(n["body"]), "名额已满") {
			t.Fatalf("application notification: %v", n)
		}
		eventually(t, "the decision subscribe message", func() bool { return len(subscribesTo(wx, "openid-alice")) == 1 })

		// Redelivery: the same events again notify nobody twice; a fresh
		// event published after them shows they were consumed.
		ids, _ := clubOutbox[clubs.ReviewedEvent](t, a, clubs.TopicReviewed, club)
		formedIDs, _ := clubOutbox[activities.FormedEvent](t, a, activities.TopicFormed, act)
		if len(ids) != 1 || len(formedIDs) != 1 {
			t.Fatalf("outbox: %d reviews, %d formed", len(ids), len(formedIDs))
		}
		var payload, formedPayload string
		a.DB.Gorm.Table("outbox_events").Select("payload").Where("id = ?", ids[0]).Scan(&payload)
		a.DB.Gorm.Table("outbox_events").Select("payload").Where("id = ?", formedIDs[0]).Scan(&formedPayload)
		ctx := context.Background()
		for range 2 {
			if _, err := a.Bus.Publish(ctx, clubs.TopicReviewed, []byte(payload), map[string]string{events.IDKey: ids[0]}); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Bus.Publish(ctx, activities.TopicFormed, []byte(formedPayload), map[string]string{events.IDKey: formedIDs[0]}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := a.Bus.Publish(ctx, clubs.TopicReviewed, []byte(payload), nil); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the fresh event", func() bool { return len(inbox(t, a, owner, "", "club_approved")) == 2 })
		time.Sleep(500 * time.Millisecond)
		if n := len(inbox(t, a, owner, "", "club_approved")); n != 2 {
			t.Fatalf("%d club notifications after redelivery", n)
		}
		if n := storedNotifs(t, a, ids[0]); n != 1 {
			t.Fatalf("%d notifications of the redelivered review", n)
		}
		if n := storedNotifs(t, a, formedIDs[0]); n != 2 {
			t.Fatalf("%d notifications of the redelivered formation", n)
		}
		eventually(t, "the fresh event's email", func() bool { return len(mails.to("owner@example.com")) == 2 })
		eventually(t, "the fresh event's subscribe message", func() bool { return len(subscribesTo(wx, "openid-owner")) == 2 })
		if sms.sent(notifications.TypeActivityFormed) != 2 || len(sms.twice()) != 0 {
			t.Fatalf("SMS after redelivery: %d formed, twice %v", sms.sent(notifications.TypeActivityFormed), sms.twice())
		}

		// Only one's own: alice can neither see nor mark the owner's.
		mine := inbox(t, a, owner, "", "")
		theirs := str(mine[0]["id"])
		for _, n := range inbox(t, a, alice, "", "") {
			if n["id"] == theirs {
				t.Fatal("alice sees the owner's notification")
			}
		}
		expect(t, a.api(t, "POST", "/notifications/"+theirs+"/read", alice.Access, nil), 404, "notification.not_found")
		r = a.api(t, "POST", "/notifications/read", alice.Access, map[string]any{"ids": []string{theirs}})
		expect(t, r, 200, "")
		if r.json(t)["marked"] != 0.0 || unread(t, a, owner) != 2 || unread(t, a, alice) != 1 {
			t.Fatalf("marking others' notifications: %v, owner %d", r.json(t), unread(t, a, owner))
		}
		expect(t, a.api(t, "POST", "/notifications/read", alice.Access, map[string]any{}), 400, "notification.invalid_ids")

		// Paging newest first, the unread filter, marking one and all.
		r = a.api(t, "GET", "/notifications?limit=1", owner.Access, nil)
		expect(t, r, 200, "")
		next := str(r.json(t)["next_cursor"])
		if next == "" || len(inbox(t, a, owner, "?limit=1&cursor="+next, "")) != 1 {
			t.Fatalf("paging: %v", r.json(t))
		}
		r = a.api(t, "POST", "/notifications/"+theirs+"/read", owner.Access, nil)
		expect(t, r, 200, "")
		if r.json(t)["read_at"] == nil || unread(t, a, owner) != 1 || len(inbox(t, a, owner, "?unread=true", "")) != 1 {
			t.Fatalf("after marking one: %v", r.json(t))
		}
		r = a.api(t, "POST", "/notifications/read", owner.Access, map[string]any{"all": true})
		expect(t, r, 200, "")
		if r.json(t)["marked"] != 1.0 || unread(t, a, owner) != 0 || unread(t, a, alice) != 1 {
			t.Fatalf("read all: %v", r.json(t))
		}
	})
}

// subscribesTo lists the subscribe messages WeChat accepted for an openid.
func subscribesTo(wx *wechatfake.Server, openID string) []wechatfake.SubscribeMessage {
	var out []wechatfake.SubscribeMessage
	for _, m := range wx.SubscribeMessages() {
		if m.ToUser == openID {
			out = append(out, m)
		}
	}
	return out
}
