package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/admin"
	"github.com/zuju/zuju/internal/config"
	"github.com/zuju/zuju/internal/notifications"
	"github.com/zuju/zuju/internal/platform/events"
	"github.com/zuju/zuju/internal/platform/wechat/wechatfake"
	"github.com/zuju/zuju/internal/posts"
)

// withWeChatNotify points the app at a fake WeChat server that accepts
// subscribe messages of the notification template.
func withWeChatNotify(wx *wechatfake.Server) appOption {
	return func(c *config.Config, _ *Options) {
		c.WeChat.AppID, c.WeChat.Secret, c.WeChat.BaseURL, c.WeChat.NotifyTemplate = wx.AppID(), wx.Secret(), wx.URL(), "tpl-notify"
	}
}

// startNotifApp starts an app whose WeChat subscribe messages go to a
// fake WeChat server and whose SMS are captured.
func startNotifApp(t *testing.T, b backend, opts ...appOption) (*testApp, *wechatfake.Server, *notifCapture) {
	t.Helper()
	wx := wechatfake.New(t)
	a := startApp(t, b, append([]appOption{withWeChatNotify(wx)}, opts...)...)
	sms := newNotifCapture(0)
	a.Notifications.SetSender(notifications.ChannelSMS, sms)
	return a, wx, sms
}

// publishedActivity is a free activity three days ahead, published by
// org, of a new activity type, with the given head-counts.
func publishedActivity(t *testing.T, a *testApp, root, org tokens, typeName string, min, max int) string {
	t.Helper()
	typ := a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": typeName})
	expect(t, typ, 201, "")
	body := activityBody(str(typ.json(t)["id"]), time.Now().Add(72*time.Hour).UTC().Truncate(time.Second))
	body["min_participants"], body["max_participants"] = min, max
	r := a.api(t, "POST", "/activities", org.Access, body)
	expect(t, r, 201, "")
	id := str(r.json(t)["id"])
	expect(t, a.api(t, "POST", "/activities/"+id+"/publish", org.Access, nil), 200, "")
	return id
}

// redeliver publishes a stored outbox event twice more under its own id,
// as a relay does that lost the broker's ack, and gives the consumers
// time to handle both.
func redeliver(t *testing.T, a *testApp, id string) {
	t.Helper()
	var row struct{ Topic, Payload string }
	if err := a.DB.Gorm.Table("outbox_events").Select("topic, payload").Where("id = ?", id).Scan(&row).Error; err != nil || row.Topic == "" {
		t.Fatalf("outbox event %s: %v", id, err)
	}
	for range 2 {
		if _, err := a.Bus.Publish(context.Background(), row.Topic, []byte(row.Payload), map[string]string{events.IDKey: id}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(500 * time.Millisecond)
}

// outboxCount counts the stored events of a topic.
func outboxCount(t *testing.T, a *testApp, topic string) int64 {
	t.Helper()
	var n int64
	if err := a.DB.Gorm.Table("outbox_events").Where("topic = ?", topic).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// A seat freed on a full activity is offered to the first on the
// waitlist, who is told once in the inbox, by SMS and by WeChat; when
// they give it up it goes to the next, who is told too; a redelivered
// offer tells nobody again.
func TestNotificationsWaitlistOffer(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a, wx, sms := startNotifApp(t, b)
		root := a.admin(t, "root@example.com")
		org := a.organizer(t, root, "13780000000")
		act := publishedActivity(t, a, root, org, "候补", 1, 1)
		seated := a.register(t, "13780000001", "secret-pass-1")
		first := a.register(t, "13780000002", "secret-pass-1")
		second := a.register(t, "13780000003", "secret-pass-1")
		bindWeChat(t, a, first.UserID, "openid-first")
		bindWeChat(t, a, second.UserID, "openid-second")
		for _, u := range []tokens{seated, first, second} {
			expect(t, a.api(t, "POST", "/activities/"+act+"/signups", u.Access, nil), 201, "")
		}
		if n := outboxCount(t, a, activities.TopicWaitlistOffered); n != 0 {
			t.Fatalf("%d offers before a seat was freed", n)
		}

		// The seated participant leaves: the first on the waitlist is offered the seat.
		expect(t, a.api(t, "DELETE", "/activities/"+act+"/signups/me", seated.Access, nil), 200, "")
		eventually(t, "the offer notification", func() bool { return len(inbox(t, a, first, "", "waitlist_offered")) == 1 })
		n := inbox(t, a, first, "", "waitlist_offered")[0]
		if n["title"] != "候补名额已空出" || !strings.Contains(str(n["body"]), "「周末篮球局」有名额了") || n["link"] != "/activities/"+act {
			t.Fatalf("offer notification: %v", n)
		}
		eventually(t, "the offer SMS", func() bool { return sms.sent(notifications.TypeWaitlistOffered) == 1 })
		eventually(t, "the offer subscribe message", func() bool { return len(subscribesTo(wx, "openid-first")) == 1 })
		if len(inbox(t, a, second, "", "waitlist_offered")) != 0 {
			t.Fatal("the second on the waitlist was told of the first's offer")
		}

		// The first gives the offer up: the seat is offered to the second.
		expect(t, a.api(t, "DELETE", "/activities/"+act+"/signups/me", first.Access, nil), 200, "")
		eventually(t, "the second offer", func() bool { return len(inbox(t, a, second, "", "waitlist_offered")) == 1 })
		eventually(t, "the second subscribe message", func() bool { return len(subscribesTo(wx, "openid-second")) == 1 })
		eventually(t, "the second SMS", func() bool { return sms.sent(notifications.TypeWaitlistOffered) == 2 })

		ids, evs := clubOutbox[activities.WaitlistOfferedEvent](t, a, activities.TopicWaitlistOffered, act)
		if len(ids) != 2 || evs[0].UserID != first.UserID || evs[1].UserID != second.UserID || evs[0].OfferExpiresAt.IsZero() {
			t.Fatalf("offer events: %+v", evs)
		}
		redeliver(t, a, ids[0])
		if got := storedNotifs(t, a, ids[0]); got != 1 || len(inbox(t, a, first, "", "waitlist_offered")) != 1 {
			t.Fatalf("%d notifications of the redelivered offer", got)
		}
		if sms.sent(notifications.TypeWaitlistOffered) != 2 || len(sms.twice()) != 0 || len(subscribesTo(wx, "openid-first")) != 1 {
			t.Fatalf("channels after redelivery: %d SMS, twice %v", sms.sent(notifications.TypeWaitlistOffered), sms.twice())
		}
	})
}

// A moderator's decision on held content tells its author once, in the
// inbox and by WeChat: approved posts, rejected posts and comments with
// the reason. A second decision tells nothing; a redelivered one neither.
func TestNotificationsModerationDecision(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a, wx, _ := startNotifApp(t, b)
		root := a.admin(t, "root@example.com")
		mod := staffAs(t, a, root, "13790000091", "moderator")
		author := a.register(t, "13790000001", "secret-pass-1")
		other := a.register(t, "13790000002", "secret-pass-1")
		bindWeChat(t, a, author.UserID, "openid-author")
		expect(t, a.api(t, "POST", "/admin/sensitive-words", root.Access, map[string]any{"word": "刷单", "action": "review"}), 201, "")

		post := func(title, content string) string {
			r := a.api(t, "POST", "/posts", author.Access, map[string]any{"title": title, "content": content})
			expect(t, r, 201, "")
			return str(r.json(t)["id"])
		}
		held1, held2 := post("兼职", "<p>在家刷单日结</p>"), post("再来", "刷单")
		expect(t, a.api(t, "POST", "/admin/moderation/post/"+held1+"/approve", mod.Access, nil), 204, "")
		expect(t, a.api(t, "POST", "/admin/moderation/post/"+held2+"/reject", mod.Access, map[string]any{"reason": "疑似兼职诈骗"}), 204, "")

		eventually(t, "the approval", func() bool { return len(inbox(t, a, author, "", "content_approved")) == 1 })
		if n := inbox(t, a, author, "", "content_approved")[0]; n["title"] != "内容审核通过" ||
			!strings.Contains(str(n["body"]), "你的帖子「兼职」已通过审核") || n["link"] != "/posts/"+held1 {
			t.Fatalf("approval notification: %v", n)
		}
		eventually(t, "the rejection", func() bool { return len(inbox(t, a, author, "", "content_rejected")) == 1 })
		if n := inbox(t, a, author, "", "content_rejected")[0]; !strings.Contains(str(n["body"]), "你的帖子「再来」未通过审核。原因：疑似兼职诈骗") ||
			n["link"] != "/me/posts" {
			t.Fatalf("rejection notification: %v", n)
		}

		// A held comment on someone else's post, rejected.
		r := a.api(t, "POST", "/posts", other.Access, map[string]any{"title": "周末爬山", "content": "一起去"})
		expect(t, r, 201, "")
		open := str(r.json(t)["id"])
		r = a.api(t, "POST", "/posts/"+open+"/comments", author.Access, map[string]any{"content": "要不要一起刷单"})
		expect(t, r, 201, "")
		comment := str(r.json(t)["id"])
		if r.json(t)["status"] != "pending_review" {
			t.Fatalf("comment not held: %s", r.Body)
		}
		expect(t, a.api(t, "POST", "/admin/moderation/comment/"+comment+"/reject", mod.Access, map[string]any{"reason": "广告"}), 204, "")
		eventually(t, "the comment's rejection", func() bool { return len(inbox(t, a, author, "", "content_rejected")) == 2 })
		if n := inbox(t, a, author, "", "content_rejected")[0]; !strings.Contains(str(n["body"]), "你的评论「要不要一起刷单」未通过审核。原因：广告") ||
			n["link"] != "/posts/"+open {
			t.Fatalf("comment notification: %v", n)
		}
		eventually(t, "three subscribe messages", func() bool { return len(subscribesTo(wx, "openid-author")) == 3 })

		// Deciding again is refused and writes no event; a redelivery adds nothing.
		expect(t, a.api(t, "POST", "/admin/moderation/post/"+held1+"/approve", mod.Access, nil), 409, "moderation.not_pending")
		if n := outboxCount(t, a, posts.TopicReviewed); n != 3 {
			t.Fatalf("%d posts.reviewed events", n)
		}
		// Each decision is one audit row of the moderator; the refused one none.
		for target, action := range map[string]string{held1: "post.review", held2: "post.review", comment: "comment.review"} {
			if n := count(t, a, "SELECT COUNT(*) FROM audit_logs WHERE action = ? AND target_id = ? AND actor_id = ?", action, target, mod.UserID); n != 1 {
				t.Fatalf("%d %s audit rows of %s, want 1", n, action, target)
			}
		}
		ids, evs := clubOutbox[posts.ReviewedEvent](t, a, posts.TopicReviewed, held1)
		if len(ids) != 1 || evs[0].AuthorID != author.UserID || !evs[0].Approved || evs[0].Subject != "兼职" {
			t.Fatalf("review events: %+v", evs)
		}
		redeliver(t, a, ids[0])
		if got := storedNotifs(t, a, ids[0]); got != 1 || len(inbox(t, a, author, "", "")) != 3 || len(subscribesTo(wx, "openid-author")) != 3 {
			t.Fatalf("after redelivery: %d stored, inbox %v", got, inbox(t, a, author, "", ""))
		}
		if len(inbox(t, a, other, "", "")) != 0 {
			t.Fatalf("the post's owner was told of the comment's review: %v", inbox(t, a, other, "", ""))
		}
	})
}

// A published announcement lands once in the inbox of every account of
// its audience, not banned, a page of accounts at a time in a job (never
// in the request); it goes out by email only to those who turned email
// on for announcements, and by no channel by default. Publishing it again
// or redelivering the event notifies nobody twice; an admin-audience one
// reaches the staff only; one that starts later arrives when it starts.
func TestNotificationsAnnouncement(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		mails := startNotifSMTP(t, 0)
		a, wx, sms := startNotifApp(t, b, func(c *config.Config, o *Options) {
			c.SMTP.URL = mails.URL
			o.AnnouncePage = 2
		})
		s := newStaffTeam(t, a)
		reader := a.register(t, "13500000004", "secret-pass-1")
		banned := a.register(t, "13500000005", "secret-pass-1")
		for _, u := range []tokens{s.user, reader, banned} {
			bindWeChat(t, a, u.UserID, "openid-"+u.UserID)
		}
		if err := a.DB.Gorm.Exec("UPDATE users SET email = ? WHERE id = ?", "reader@example.com", reader.UserID).Error; err != nil {
			t.Fatal(err)
		}
		expect(t, a.api(t, "PUT", "/me/notification-preferences", reader.Access, map[string]any{"items": []map[string]any{
			{"type": "announcement", "channel": "email", "enabled": true}}}), 200, "")
		expect(t, a.api(t, "POST", "/admin/users/"+banned.UserID+"/ban", s.root.Access, map[string]any{"reason": "发布广告"}), 200, "")

		publish := func(body map[string]any) string {
			r := a.api(t, "POST", "/admin/announcements", s.admin.Access, body)
			expect(t, r, 201, "")
			id := str(r.json(t)["id"])
			expect(t, a.api(t, "POST", "/admin/announcements/"+id+"/publish", s.admin.Access, nil), 200, "")
			return id
		}
		everyone := []tokens{s.root, s.admin, s.mod, s.user, reader}
		id := publish(map[string]any{"title": "国庆假期活动安排", "content": "十月一日至七日，\n线下活动照常进行。"})
		for _, u := range everyone {
			eventually(t, "the announcement in each inbox", func() bool { return len(inbox(t, a, u, "", "announcement")) == 1 })
		}
		n := inbox(t, a, reader, "", "announcement")[0]
		if n["title"] != "国庆假期活动安排" || n["body"] != "十月一日至七日， 线下活动照常进行。" || n["link"] != "/announcements/"+id {
			t.Fatalf("announcement notification: %v", n)
		}
		eventually(t, "the email to the one who asked", func() bool { return len(mails.to("reader@example.com")) == 1 })
		if m := mails.to("reader@example.com")[0]; m.Subject != "国庆假期活动安排" {
			t.Fatalf("announcement email: %+v", m)
		}
		var toBanned int64
		if err := a.DB.Gorm.Table("notifications").Where("user_id = ? AND type = ?", banned.UserID, "announcement").Count(&toBanned).Error; err != nil || toBanned != 0 {
			t.Fatalf("the banned account got %d announcements (%v)", toBanned, err)
		}

		// Published again, and the event redelivered: nobody hears twice.
		expect(t, a.api(t, "POST", "/admin/announcements/"+id+"/unpublish", s.admin.Access, nil), 200, "")
		expect(t, a.api(t, "POST", "/admin/announcements/"+id+"/publish", s.admin.Access, nil), 200, "")
		ids, _ := clubOutbox[admin.AnnouncementPublishedEvent](t, a, admin.TopicAnnouncementPublished, id)
		if len(ids) != 2 {
			t.Fatalf("%d publication events", len(ids))
		}
		redeliver(t, a, ids[0])
		redeliver(t, a, ids[1])
		if got := storedNotifs(t, a, "announcement:"+id); got != int64(len(everyone)) {
			t.Fatalf("%d announcement notifications for %d accounts", got, len(everyone))
		}
		if len(mails.to("reader@example.com")) != 1 || sms.sent(notifications.TypeAnnouncement) != 0 || len(wx.SubscribeMessages()) != 0 {
			t.Fatalf("channels: %d emails, %d SMS, %d subscribe messages", len(mails.to("reader@example.com")),
				sms.sent(notifications.TypeAnnouncement), len(wx.SubscribeMessages()))
		}

		// For the console: the staff only.
		staffOnly := publish(map[string]any{"title": "后台升级通知", "content": "周六凌晨维护", "audience": "admin"})
		for _, u := range []tokens{s.root, s.admin, s.mod} {
			eventually(t, "the staff announcement", func() bool { return len(inbox(t, a, u, "", "announcement")) == 2 })
		}
		time.Sleep(300 * time.Millisecond)
		if got := storedNotifs(t, a, "announcement:"+staffOnly); got != 3 || len(inbox(t, a, s.user, "", "announcement")) != 1 {
			t.Fatalf("%d staff announcement notifications", got)
		}

		// Starting later: nothing before the start, everyone after.
		later := publish(map[string]any{"title": "寒假安排", "content": "寒假期间暂停线下活动",
			"starts_at": time.Now().Add(3 * time.Second).UTC().Format(time.RFC3339Nano)})
		time.Sleep(time.Second)
		if got := storedNotifs(t, a, "announcement:"+later); got != 0 {
			t.Fatalf("%d notifications before the start", got)
		}
		eventually(t, "the announcement at its start", func() bool { return storedNotifs(t, a, "announcement:"+later) == int64(len(everyone)) })
	})
}
