package app

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"

	"github.com/zuju/zuju/internal/config"
)

// staffAs registers a user and gives them a platform role.
func staffAs(t *testing.T, a *testApp, root tokens, phone, role string) tokens {
	t.Helper()
	u := a.register(t, phone, "secret-pass-1")
	expect(t, a.api(t, "PUT", "/admin/users/"+u.UserID+"/roles", root.Access, map[string]any{"roles": []string{role}}), 200, "")
	return u
}

// queueEntry finds the target's entry in the queue of a status.
func queueEntry(t *testing.T, a *testApp, tok, status, typ, id string) map[string]any {
	t.Helper()
	r := a.api(t, "GET", "/admin/reports?limit=50&status="+status+"&target_type="+typ, tok, nil)
	expect(t, r, 200, "")
	items, _ := r.json(t)["items"].([]any)
	for _, it := range items {
		e := it.(map[string]any)
		if e["target_type"] == typ && e["target_id"] == id {
			return e
		}
	}
	return nil
}

// resolutionAudits counts the audit rows of resolutions of a target.
func resolutionAudits(t *testing.T, a *testApp, id string) int64 {
	t.Helper()
	var n int64
	if err := a.DB.Gorm.WithContext(context.Background()).Table("audit_logs").
		Where("action = ? AND target_id = ?", "report.resolve", id).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func resolve(t *testing.T, a *testApp, tok, reportID string, body map[string]any) response {
	t.Helper()
	return a.api(t, "POST", "/admin/reports/"+reportID+"/resolve", tok, body)
}

// Acceptance 3: reports of a post reach the auto-hide threshold and hold
// it pending review; the queue shows it once with its count, reasons and
// snapshot; a moderator may not ban, an admin bans the author through the
// resolution; the author's sessions end at once, the reports are resolved,
// one audit row and one reports.resolved event (reporters and author)
// record it, and a second resolution is a 409.
func TestReportsAutoHideThenBan(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b, func(c *config.Config, _ *Options) { c.Reports.AutoHide = 3 })
		w := newReportWorld(t, a, "1370000300")
		mod := staffAs(t, a, w.root, "13700003091", "moderator")
		adm := staffAs(t, a, w.root, "13700003092", "admin")

		expect(t, fileReport(t, a, w.reporter.Access, "post", w.post, "spam", ""), 201, "")
		expect(t, fileReport(t, a, w.outsider.Access, "post", w.post, "fraud", ""), 201, "")
		expect(t, a.api(t, "GET", "/posts/"+w.post, w.outsider.Access, nil), 200, "")
		e := queueEntry(t, a, mod.Access, "open", "post", w.post)
		if e == nil || e["count"].(float64) != 2 || e["flagged"] != false || e["hidden"] != false {
			t.Fatalf("queue before the threshold: %v", e)
		}
		expect(t, fileReport(t, a, w.org.Access, "post", w.post, "spam", ""), 201, "")
		// Held pending review: gone from the square, in the review queue.
		expect(t, a.api(t, "GET", "/posts/"+w.post, w.outsider.Access, nil), 404, "")
		e = queueEntry(t, a, mod.Access, "open", "post", w.post)
		if e == nil || e["count"].(float64) != 3 || e["flagged"] != true || e["hidden"] != true ||
			e["snapshot"] != "周末二手交易\n低价出相机，加微信" || e["target_owner_id"] != w.author.UserID ||
			str(e["first_reported_at"]) == "" || str(e["last_reported_at"]) == "" {
			t.Fatalf("queue at the threshold: %v", e)
		}
		reasons := e["reasons"].([]any)
		if len(reasons) != 2 || reasons[0].(map[string]any)["reason"] != "spam" || reasons[0].(map[string]any)["count"].(float64) != 2 {
			t.Fatalf("reasons: %v", reasons)
		}
		id := str(e["report_id"])

		// Ban needs an admin.
		expect(t, resolve(t, a, mod.Access, id, map[string]any{"action": "ban", "note": "发布诈骗广告"}), 403, "report.admin_required")
		expect(t, resolve(t, a, adm.Access, id, map[string]any{"action": "ban"}), 400, "report.note_required")
		expect(t, a.api(t, "GET", "/me", w.author.Access, nil), 200, "")
		ws := dial(t, a, w.author.Access)
		r := resolve(t, a, adm.Access, id, map[string]any{"action": "ban", "note": "发布诈骗广告", "duration_days": 7})
		expect(t, r, 200, "")
		got := r.json(t)
		if got["status"] != "resolved" || got["report_count"].(float64) != 3 || got["author_id"] != w.author.UserID || str(got["until"]) == "" {
			t.Fatalf("resolution: %s", r.Body)
		}
		// The banned author's token is refused at once.
		if r := a.api(t, "GET", "/me", w.author.Access, nil); r.Status != http.StatusUnauthorized && r.Status != http.StatusForbidden {
			t.Fatalf("banned author's token still works: %d %s", r.Status, r.Body)
		}
		// users.banned reaches the chat: the author's connection is dropped.
		if code := ws.closed(); code != websocket.StatusPolicyViolation {
			t.Fatalf("the banned author's chat connection closed with %v", code)
		}
		if e := queueEntry(t, a, mod.Access, "open", "post", w.post); e != nil {
			t.Fatalf("still open: %v", e)
		}
		if e := queueEntry(t, a, mod.Access, "resolved", "post", w.post); e == nil || e["count"].(float64) != 3 {
			t.Fatalf("resolved entry: %v", e)
		}
		for _, row := range storedReports(t, a, "target_id = ?", w.post) {
			if row.Status != "resolved" {
				t.Fatalf("report %v", row)
			}
		}
		if n := resolutionAudits(t, a, w.post); n != 1 {
			t.Fatalf("%d audit rows", n)
		}
		if n := a.outboxCount(t, "reports.resolved", w.post, w.author.UserID, w.reporter.UserID, w.outsider.UserID, w.org.UserID, `"ban"`, "发布诈骗广告"); n != 1 {
			t.Fatalf("%d reports.resolved events", n)
		}
		if n := a.outboxCount(t, "users.banned", w.author.UserID); n != 1 {
			t.Fatalf("%d users.banned events", n)
		}
		// Once resolved, it cannot be resolved again.
		expect(t, resolve(t, a, adm.Access, id, map[string]any{"action": "dismiss"}), 409, "report.not_open")
		if n := resolutionAudits(t, a, w.post); n != 1 {
			t.Fatalf("%d audit rows after a second try", n)
		}
	})
}

// Each action of a resolution, with its role rule and its one audit row;
// bad input is a 4xx problem.
func TestReportsResolveEachAction(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		w := newReportWorld(t, a, "1370000400")
		mod := staffAs(t, a, w.root, "13700004091", "moderator")
		adm := staffAs(t, a, w.root, "13700004092", "admin")
		file := func(typ, id string) string {
			t.Helper()
			expect(t, fileReport(t, a, w.reporter.Access, typ, id, "spam", ""), 201, "")
			e := queueEntry(t, a, mod.Access, "open", typ, id)
			if e == nil {
				t.Fatalf("%s %s not queued", typ, id)
			}
			return str(e["report_id"])
		}
		once := func(id string) {
			t.Helper()
			if n := resolutionAudits(t, a, id); n != 1 {
				t.Fatalf("%s: %d audit rows", id, n)
			}
		}

		// Bad input.
		club := file("club", w.club)
		for _, c := range []struct {
			body   map[string]any
			status int
			code   string
		}{
			{map[string]any{"action": "nuke"}, 422, ""},
			{map[string]any{}, 422, ""},
			{map[string]any{"action": "hide"}, 400, "report.action_not_applicable"},
			{map[string]any{"action": "cancel_activity", "note": "x"}, 400, "report.action_not_applicable"},
			{map[string]any{"action": "mute"}, 400, "report.invalid_duration"},
			{map[string]any{"action": "mute", "duration_days": 31}, 400, "report.invalid_duration"},
			{map[string]any{"action": "ban", "note": "x", "duration_days": 0}, 422, ""},
			{map[string]any{"action": "warn", "note": strings.Repeat("长", 201)}, 400, "report.note_too_long"},
		} {
			r := resolve(t, a, adm.Access, club, c.body)
			expect(t, r, c.status, c.code)
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("%v: content type %q", c.body, ct)
			}
		}
		expect(t, resolve(t, a, adm.Access, "no-such-report", map[string]any{"action": "dismiss"}), 404, "report.not_found")
		expect(t, a.api(t, "GET", "/admin/reports?status=closed", mod.Access, nil), 422, "")
		expect(t, a.api(t, "GET", "/admin/reports?target_type=planet", mod.Access, nil), 422, "")
		if n := resolutionAudits(t, a, w.club); n != 0 {
			t.Fatalf("refused resolutions audited: %d", n)
		}

		// Warn: a recorded warning of the club's owner (moderator).
		expect(t, resolve(t, a, mod.Access, club, map[string]any{"action": "warn", "note": "社团名称不规范"}), 200, "")
		once(w.club)
		var warnings int64
		a.DB.Gorm.Table("report_resolutions").Where("action = ? AND target_owner_id = ?", "warn", w.author.UserID).Count(&warnings)
		if warnings != 1 {
			t.Fatalf("%d warnings", warnings)
		}

		// Dismiss (moderator): dismissed, nothing else changes.
		comment := file("comment", w.comment)
		r := resolve(t, a, mod.Access, comment, map[string]any{"action": "dismiss", "note": "未发现违规"})
		expect(t, r, 200, "")
		if r.json(t)["status"] != "dismissed" || storedReports(t, a, "target_id = ?", w.comment)[0].Status != "dismissed" {
			t.Fatalf("dismiss: %s", r.Body)
		}
		once(w.comment)

		// Hide (moderator): the comment is held pending review.
		expect(t, fileReport(t, a, w.outsider.Access, "comment", w.comment, "spam", ""), 201, "")
		comment = str(queueEntry(t, a, mod.Access, "open", "comment", w.comment)["report_id"])
		expect(t, resolve(t, a, mod.Access, comment, map[string]any{"action": "hide", "note": "疑似广告"}), 200, "")
		var status string
		a.DB.Gorm.Raw("SELECT status FROM post_comments WHERE id = ?", w.comment).Scan(&status)
		if status != "pending_review" {
			t.Fatalf("hidden comment is %q", status)
		}

		// Delete (moderator): the message is withdrawn.
		msg := file("message", w.message)
		expect(t, resolve(t, a, mod.Access, msg, map[string]any{"action": "delete", "note": "诈骗链接"}), 200, "")
		once(w.message)
		expect(t, fileReport(t, a, w.org.Access, "message", w.message, "fraud", ""), 404, "report.target_not_found")

		// Mute (moderator): the author cannot send in their room.
		user := file("user", w.author.UserID)
		expect(t, postMessage(t, a, w.author.Access, w.activity, "还能说话吗", ""), 201, "")
		expect(t, resolve(t, a, mod.Access, user, map[string]any{"action": "mute", "note": "刷屏", "duration_days": 3}), 200, "")
		once(w.author.UserID)
		expect(t, postMessage(t, a, w.author.Access, w.activity, "还能说话吗", ""), 403, "chat.muted")

		// Cancel the activity: admins only.
		act := file("activity", w.activity)
		expect(t, resolve(t, a, mod.Access, act, map[string]any{"action": "cancel_activity", "note": "虚假活动"}), 403, "report.admin_required")
		expect(t, resolve(t, a, adm.Access, act, map[string]any{"action": "cancel_activity", "note": "虚假活动"}), 200, "")
		once(w.activity)
		if st := a.api(t, "GET", "/activities/"+w.activity, w.org.Access, nil).json(t)["status"]; st != "cancelled" {
			t.Fatalf("activity is %v", st)
		}
		if n := a.outboxCount(t, "reports.resolved", w.activity, `"cancel_activity"`); n != 1 {
			t.Fatalf("%d events", n)
		}
	})
}

// Acceptance 6 for the report routes: anonymous 401, plain users and
// organizers 403, moderators read the queue and resolve with their
// actions, admin-only actions refused to them.
func TestReportsAdminRoutesByRole(t *testing.T) {
	a := startApp(t, single)
	w := newReportWorld(t, a, "1370000500")
	mod := staffAs(t, a, w.root, "13700005091", "moderator")
	expect(t, fileReport(t, a, w.reporter.Access, "user", w.author.UserID, "spam", ""), 201, "")
	id := str(queueEntry(t, a, mod.Access, "open", "user", w.author.UserID)["report_id"])
	for _, rt := range [][2]string{{"GET", "/admin/reports"}, {"POST", "/admin/reports/" + id + "/resolve"}} {
		expect(t, a.api(t, rt[0], rt[1], "", map[string]any{"action": "dismiss"}), 401, "auth.unauthenticated")
		expect(t, a.api(t, rt[0], rt[1], w.reporter.Access, map[string]any{"action": "dismiss"}), 403, "auth.forbidden")
		expect(t, a.api(t, rt[0], rt[1], w.org.Access, map[string]any{"action": "dismiss"}), 403, "auth.forbidden")
	}
	expect(t, resolve(t, a, mod.Access, id, map[string]any{"action": "ban", "note": "x"}), 403, "report.admin_required")
	expect(t, resolve(t, a, mod.Access, id, map[string]any{"action": "dismiss"}), 200, "")
	if n := resolutionAudits(t, a, w.author.UserID); n != 1 {
		t.Fatalf("%d audit rows", n)
	}
}

// Reporters racing past the threshold take the target down exactly once
// and never miss it (counting before the others commit would); racing
// resolutions of one target record one resolution; a dismissal publishes
// again what auto-hide held; a deleted post is gone.
func TestReportsRaces(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b, func(c *config.Config, _ *Options) { c.Reports.AutoHide = 4 })
		w := newReportWorld(t, a, "1370000600")
		mod := staffAs(t, a, w.root, "13700006091", "moderator")
		var people []tokens
		for i := 0; i < 4; i++ {
			people = append(people, a.register(t, "1370000610"+string(rune('0'+i)), "secret-pass-1"))
		}
		var wg sync.WaitGroup
		codes := make([]int, len(people))
		for i, p := range people {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = fileReport(t, a, p.Access, "post", w.post, "spam", "").Status
			}()
		}
		wg.Wait()
		for _, c := range codes {
			if c != 201 {
				t.Fatalf("codes %v", codes)
			}
		}
		expect(t, a.api(t, "GET", "/posts/"+w.post, w.outsider.Access, nil), 404, "")
		e := queueEntry(t, a, mod.Access, "open", "post", w.post)
		if e == nil || e["count"].(float64) != 4 || e["hidden"] != true {
			t.Fatalf("entry %v", e)
		}
		id := str(e["report_id"])

		// Two moderators at once: one resolution.
		got := make([]int, 2)
		for i, body := range []map[string]any{{"action": "dismiss", "note": "误报"}, {"action": "dismiss", "note": "误报"}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i] = resolve(t, a, mod.Access, id, body).Status
			}()
		}
		wg.Wait()
		if !(got[0] == 200 && got[1] == 409 || got[0] == 409 && got[1] == 200) {
			t.Fatalf("racing resolutions: %v", got)
		}
		if n := resolutionAudits(t, a, w.post); n != 1 {
			t.Fatalf("%d audit rows", n)
		}
		if n := a.outboxCount(t, "reports.resolved", w.post); n != 1 {
			t.Fatalf("%d events", n)
		}
		// Dismissed: the held post is published again.
		expect(t, a.api(t, "GET", "/posts/"+w.post, w.outsider.Access, nil), 200, "")

		// Reported again and deleted by a moderator.
		expect(t, fileReport(t, a, w.outsider.Access, "post", w.post, "porn", ""), 201, "")
		id = str(queueEntry(t, a, mod.Access, "open", "post", w.post)["report_id"])
		expect(t, resolve(t, a, mod.Access, id, map[string]any{"action": "delete", "note": "违规内容"}), 200, "")
		expect(t, a.api(t, "GET", "/posts/"+w.post, w.author.Access, nil), 404, "")
		if n := resolutionAudits(t, a, w.post); n != 2 {
			t.Fatalf("%d audit rows after two resolutions", n)
		}
	})
}
