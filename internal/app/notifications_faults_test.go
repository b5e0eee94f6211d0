package app

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/clubs"
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
		waitFor(t, time.Minute, "every approval email under way", func() bool { return mails.heldCount() == killedMails })
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
		waitFor(t, 2*time.Minute, "every approval email sent after the restart", func() bool {
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
