package app

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/clubs"
	"github.com/zuju/zuju/internal/config"
	"github.com/zuju/zuju/internal/notifications"
	"github.com/zuju/zuju/internal/platform/testenv"
	"github.com/zuju/zuju/internal/platform/wechat/wechatfake"
)

// killedMails is how many approval emails are under way when the
// process is killed.
const killedMails = 6

// Acceptance 2 (faults), a process killed mid-send: six club approvals
// wait in the outbox; `zuju serve` (the built binary) relays them,
// notifies the owners and sends six emails. The mail server takes the
// first without answering and holds every other before taking it, and
// the process is killed (SIGKILL) with all six sends under way: one the
// server has, five it has not, none recorded as sent. Restarted on the
// same database, River's rescuer hands the stranded jobs back after
// ZUJU_JOBS_RESCUE_AFTER, and every owner has the approval once in the
// inbox and one mail: the one the server had taken comes again with the
// same Message-ID (two copies of one mail, which a server that
// deduplicates by it keeps once), the others come once.
func TestNotificationsKilledMidSendDeliverOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the zuju binary")
	}
	bin := buildZuju(t, t.TempDir())
	forEachBackend(t, func(t *testing.T, b backend) {
		mails := startGateSMTP(t)
		db := ""
		if b == scaled {
			db = scaledDB(t)
		}
		dir := t.TempDir()
		cfg := testConfig(t, b, dir, db)
		cfg.SMTP.URL = mails.URL
		cfg.Jobs.Timeout, cfg.Jobs.RescueAfter = 5*time.Second, 6*time.Second
		a := unservedApp(t, cfg)
		root := a.admin(t, "root@example.com")
		cat := a.clubCategory(t, root, "音乐")
		owners := make([]tokens, killedMails)
		for i := range owners {
			owners[i] = a.register(t, fmt.Sprintf("1373000%04d", i), "secret-pass-1")
			if err := a.DB.Gorm.Exec("UPDATE users SET email = ? WHERE id = ?", ownerMail(i), owners[i].UserID).Error; err != nil {
				t.Fatal(err)
			}
			r := a.api(t, "POST", "/clubs", owners[i].Access, map[string]any{"name": fmt.Sprintf("乐队%d", i), "category_id": cat})
			expect(t, r, 201, "")
			expect(t, a.api(t, "POST", "/admin/clubs/"+str(r.json(t)["id"])+"/approve", root.Access, nil), 200, "")
		}
		if n := count(t, a, "SELECT COUNT(*) FROM outbox_events WHERE topic = ? AND published_at IS NULL", clubs.TopicReviewed); n != killedMails {
			t.Fatalf("%d approvals waiting in the outbox", n)
		}

		logs := filepath.Join(dir, "zuju.log")
		mails.shutGate()
		p := startZuju(t, bin, cfg, logs)
		eventuallyWithin(t, time.Minute, "every approval email under way", func() bool { return mails.heldCount() == killedMails })
		p.kill(t)
		taken := mails.first
		mails.open()
		if st := deliveryStates(t, a, "email"); st["attempting"] != killedMails {
			t.Fatalf("after the kill: deliveries %v, want %d attempting", st, killedMails)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM notifications WHERE type = 'club_approved'"); n != killedMails {
			t.Fatalf("%d notifications stored before the kill", n)
		}

		p = startZuju(t, bin, cfg, logs)
		start := time.Now()
		eventuallyWithin(t, 2*time.Minute, "every approval email sent after the restart", func() bool {
			return deliveryStates(t, a, "email")["sent"] == killedMails
		})
		t.Logf("all sent %s after the restart", time.Since(start).Round(time.Second))
		time.Sleep(time.Second) // nothing more comes
		served := &testApp{URL: p.URL}
		for i, o := range owners {
			ids := mails.mails(ownerMail(i))
			if len(ids) != 1 {
				t.Fatalf("owner %d has %d distinct mails: %v", i, len(ids), ids)
			}
			want := 1
			if ids[0] == taken {
				want = 2
			}
			if n := mails.copiesOf(ids[0]); n != want {
				t.Fatalf("owner %d: %d copies of %s, want %d (taken before the kill: %s)", i, n, ids[0], want, taken)
			}
			if n := len(inbox(t, served, o, "", "club_approved")); n != 1 {
				t.Fatalf("owner %d has %d approvals in the inbox", i, n)
			}
		}
		if n := count(t, a, "SELECT COUNT(*) FROM notification_deliveries WHERE channel = 'email' AND attempts = 2"); n != killedMails {
			t.Fatalf("%d deliveries of %d sent at the second attempt", n, killedMails)
		}
		if err := p.stop(t); err != nil {
			t.Fatalf("graceful stop: %v", err)
		}
	})
}

func ownerMail(i int) string { return fmt.Sprintf("owner%d@example.com", i) }

// rabbitOutage is how long RabbitMQ is away in the outage test.
const rabbitOutage = 30 * time.Second

// rabbitRecovery bounds how long after RabbitMQ is back every
// notification of the outage has arrived.
const rabbitRecovery = 20 * time.Second

// Acceptance 2 (faults), RabbitMQ away for 30 s: a replica on PostgreSQL,
// Redis and RabbitMQ reaches the broker through a proxy that is cut (every
// connection closed, new ones refused) for rabbitOutage. Meanwhile four
// clubs are approved and an activity forms: the requests succeed, the
// events wait in the outbox, and nobody is notified yet (the events travel
// over RabbitMQ). Once the broker is back, watermill-amqp reconnects the
// publisher and the consumers, and within rabbitRecovery every owner has
// the approval once in the inbox, by email and by WeChat, and every
// participant the formation once in the inbox, by SMS and by WeChat; the
// outbox is empty and a fresh event goes through as well.
func TestNotificationsSurviveRabbitMQOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a 30 s broker outage")
	}
	proxy, viaProxy := testenv.ProxyURL(t, testenv.AMQP(t))
	mails := startNotifSMTP(t, 0)
	wx := wechatfake.New(t)
	cfg := testConfig(t, scaled, t.TempDir(), scaledDB(t))
	cfg.AMQPURL = viaProxy
	a := startReplica(t, cfg, func(c *config.Config, _ *Options) {
		c.SMTP.URL = mails.URL
		c.WeChat.AppID, c.WeChat.Secret, c.WeChat.BaseURL, c.WeChat.NotifyTemplate = wx.AppID(), wx.Secret(), wx.URL(), "tpl-notify"
	})
	sms := newNotifCapture(0)
	a.Notifications.SetSender(notifications.ChannelSMS, sms)
	root := a.admin(t, "root@example.com")

	// Before the outage: owners of clubs waiting for review, an activity
	// of at least two and the two who will sign up for it.
	cat := a.clubCategory(t, root, "音乐")
	var owners []tokens
	var clubIDs []string
	for i := range 4 {
		o := a.register(t, fmt.Sprintf("1374000%04d", i), "secret-pass-1")
		if err := a.DB.Gorm.Exec("UPDATE users SET email = ? WHERE id = ?", ownerMail(i), o.UserID).Error; err != nil {
			t.Fatal(err)
		}
		bindWeChat(t, a, o.UserID, fmt.Sprintf("openid-owner-%d", i))
		r := a.api(t, "POST", "/clubs", o.Access, map[string]any{"name": fmt.Sprintf("合唱团%d", i), "category_id": cat})
		expect(t, r, 201, "")
		owners, clubIDs = append(owners, o), append(clubIDs, str(r.json(t)["id"]))
	}
	org := a.organizer(t, root, "13741000000")
	r := a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "徒步"})
	expect(t, r, 201, "")
	body := activityBody(str(r.json(t)["id"]), time.Now().Add(72*time.Hour).UTC().Truncate(time.Second))
	body["min_participants"], body["max_participants"] = 2, 6
	r = a.api(t, "POST", "/activities", org.Access, body)
	expect(t, r, 201, "")
	act := str(r.json(t)["id"])
	expect(t, a.api(t, "POST", "/activities/"+act+"/publish", org.Access, nil), 200, "")
	var people []tokens
	for i := range 2 {
		u := a.register(t, fmt.Sprintf("1374100%04d", i+1), "secret-pass-1")
		bindWeChat(t, a, u.UserID, fmt.Sprintf("openid-member-%d", i))
		people = append(people, u)
	}
	eventuallyWithin(t, 10*time.Second, "the replica connected through the proxy", func() bool { return proxy.Conns() > 0 })

	// The outage: approvals at once, the formation half-way through.
	proxy.Cut()
	cutAt := time.Now()
	for _, id := range clubIDs {
		expect(t, a.api(t, "POST", "/admin/clubs/"+id+"/approve", root.Access, nil), 200, "")
	}
	time.Sleep(rabbitOutage / 2)
	for _, u := range people {
		expect(t, a.api(t, "POST", "/activities/"+act+"/signups", u.Access, nil), 201, "")
	}
	time.Sleep(time.Until(cutAt.Add(rabbitOutage)))
	expect(t, call(t, "GET", a.URL+"/healthz", "", nil), 200, "")
	if n := count(t, a, "SELECT COUNT(*) FROM outbox_events WHERE published_at IS NULL AND topic IN (?, ?)", clubs.TopicReviewed, activities.TopicFormed); n != 5 {
		t.Fatalf("%d events waiting in the outbox at the end of the outage, want 5", n)
	}
	if n := count(t, a, "SELECT COUNT(*) FROM notifications"); n != 0 {
		t.Fatalf("%d notifications during the outage: the events did not wait for RabbitMQ", n)
	}

	proxy.Restore(t)
	back := time.Now()
	arrived := func() bool {
		for i, o := range owners {
			if len(inbox(t, a, o, "", "club_approved")) != 1 || len(mails.to(ownerMail(i))) != 1 ||
				len(subscribesTo(wx, fmt.Sprintf("openid-owner-%d", i))) != 1 {
				return false
			}
		}
		for i, u := range people {
			if len(inbox(t, a, u, "", "activity_formed")) != 1 || len(subscribesTo(wx, fmt.Sprintf("openid-member-%d", i))) != 1 {
				return false
			}
		}
		return sms.sent(notifications.TypeActivityFormed) == 2
	}
	eventuallyWithin(t, rabbitRecovery, "every notification of the outage arrived", arrived)
	t.Logf("everything arrived %s after RabbitMQ was back", time.Since(back).Round(100*time.Millisecond))
	time.Sleep(2 * time.Second) // and nothing twice
	if !arrived() || len(sms.twice()) != 0 {
		t.Fatalf("a notification arrived twice (SMS twice: %v)", sms.twice())
	}
	if n := count(t, a, "SELECT COUNT(*) FROM outbox_events WHERE published_at IS NULL"); n != 0 {
		t.Fatalf("%d events still in the outbox", n)
	}
	// Still consuming: a fresh event goes through.
	r = a.api(t, "POST", "/clubs/"+clubIDs[0]+"/applications", people[0].Access, map[string]any{"message": "想加入"})
	expect(t, r, 201, "")
	expect(t, a.api(t, "POST", "/clubs/"+clubIDs[0]+"/applications/"+str(r.json(t)["id"])+"/approve", owners[0].Access, nil), 200, "")
	eventually(t, "the application decided after the outage", func() bool {
		return len(inbox(t, a, people[0], "", "application_approved")) == 1
	})
}
