package app

import (
	"strings"
	"testing"

	"github.com/zuju/zuju/internal/notifications"
)

// A resolved report tells each reporter the outcome and the author what
// was done, once each; a dismissal tells only the reporter.
func TestNotificationsReportOutcome(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		sms := newNotifCapture(0)
		a.Notifications.SetSender(notifications.ChannelSMS, sms)
		w := newReportWorld(t, a, "1376000000")
		adm := staffAs(t, a, w.root, "13760000091", "admin")

		expect(t, fileReport(t, a, w.reporter.Access, "post", w.post, "spam", ""), 201, "")
		expect(t, fileReport(t, a, w.outsider.Access, "post", w.post, "fraud", ""), 201, "")
		e := queueEntry(t, a, adm.Access, "open", "post", w.post)
		if e == nil {
			t.Fatal("no queue entry")
		}
		expect(t, resolve(t, a, adm.Access, str(e["report_id"]), map[string]any{"action": "delete", "note": "广告引流"}), 200, "")
		for _, r := range []tokens{w.reporter, w.outsider} {
			eventually(t, "the reporter's outcome", func() bool { return len(inbox(t, a, r, "", "report_resolved")) == 1 })
			if n := inbox(t, a, r, "", "report_resolved")[0]; !strings.Contains(str(n["body"]), "你举报的帖子已处理（删除）") {
				t.Fatalf("reporter notification: %v", n)
			}
		}
		eventually(t, "the author's notice", func() bool { return len(inbox(t, a, w.author, "", "content_actioned")) == 1 })
		if n := inbox(t, a, w.author, "", "content_actioned")[0]; !strings.Contains(str(n["body"]), "广告引流") {
			t.Fatalf("author notification: %v", n)
		}
		eventually(t, "the author's SMS", func() bool { return sms.sent(notifications.TypeContentActioned) == 1 })

		// A dismissal: the reporter hears, the author does not.
		expect(t, fileReport(t, a, w.reporter.Access, "message", w.message, "spam", ""), 201, "")
		e = queueEntry(t, a, adm.Access, "open", "message", w.message)
		expect(t, resolve(t, a, adm.Access, str(e["report_id"]), map[string]any{"action": "dismiss", "note": "正常聊天"}), 200, "")
		eventually(t, "the dismissal outcome", func() bool { return len(inbox(t, a, w.reporter, "", "report_resolved")) == 2 })
		if n := inbox(t, a, w.reporter, "", "report_resolved")[0]; !strings.Contains(str(n["body"]), "经核实未发现违规") {
			t.Fatalf("dismissal notification: %v", n)
		}
		if n := len(inbox(t, a, w.author, "", "content_actioned")); n != 1 {
			t.Fatalf("%d author notices after a dismissal", n)
		}
	})
}

// A ban from a club tells the banned member once, with the reason.
func TestNotificationsClubBan(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		owner := a.register(t, "13770000001", "secret-pass-1")
		bob := a.register(t, "13770000002", "secret-pass-1")
		club := a.activeClub(t, root, a.clubCategory(t, root, "书法"), "墨香社", owner, nil, []tokens{bob})
		expect(t, a.api(t, "POST", "/clubs/"+club+"/bans", owner.Access, map[string]any{"user_id": bob.UserID, "reason": "违反社规"}), 201, "")
		eventually(t, "the ban notice", func() bool { return len(inbox(t, a, bob, "", "club_banned")) == 1 })
		if n := inbox(t, a, bob, "", "club_banned")[0]; !strings.Contains(str(n["body"]), "墨香社") || !strings.Contains(str(n["body"]), "违反社规") {
			t.Fatalf("ban notification: %v", n)
		}
	})
}
