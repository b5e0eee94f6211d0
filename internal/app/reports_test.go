package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// reportRow is a stored report as the tests read it.
type reportRow struct {
	ReporterID, TargetType, TargetID, TargetOwnerID, TargetParentID string
	Reason, Detail, Snapshot, Status                                string
}

func storedReports(t *testing.T, a *testApp, where string, args ...any) []reportRow {
	t.Helper()
	var rows []reportRow
	q := `SELECT reporter_id, target_type, target_id, target_owner_id, target_parent_id, reason, detail, snapshot, status FROM reports`
	if where != "" {
		q += " WHERE " + where
	}
	if err := a.DB.Gorm.WithContext(context.Background()).Raw(q+" ORDER BY created_at, id", args...).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

// reportWorld is what the report tests report: a formed activity with
// its room, a square post with a comment, a club with a members-only
// post, and the people around them.
type reportWorld struct {
	root, org, author, reporter, outsider tokens
	activity, post, comment, message      string
	club, pendingClub, innerPost, innerC  string
}

func newReportWorld(t *testing.T, a *testApp, prefix string) *reportWorld {
	t.Helper()
	w := &reportWorld{root: a.admin(t, "root-"+prefix+"@example.com")}
	var ms []tokens
	w.activity, w.org, ms = formedActivity(t, a, w.root, prefix)
	w.author, w.reporter = ms[0], ms[1]
	w.outsider = a.register(t, prefix[:len(prefix)-1]+"99", "secret-pass-1")

	r := a.api(t, "POST", "/posts", w.author.Access, map[string]any{"title": "周末二手交易", "content": "<p>低价出<strong>相机</strong>，加微信</p>"})
	expect(t, r, 201, "")
	w.post = str(r.json(t)["id"])
	r = a.api(t, "POST", "/posts/"+w.post+"/comments", w.author.Access, map[string]any{"content": "私聊有优惠"})
	expect(t, r, 201, "")
	w.comment = str(r.json(t)["id"])
	r = postMessage(t, a, w.author.Access, w.activity, "点这个链接领红包", "")
	expect(t, r, 201, "")
	w.message = str(r.json(t)["id"])

	cat := str(a.api(t, "POST", "/admin/club-categories", w.root.Access, map[string]any{"name": "摄影" + prefix}).json(t)["id"])
	r = a.api(t, "POST", "/clubs", w.author.Access, map[string]any{"name": "光影摄影社", "category_id": cat, "description": "每周外拍"})
	expect(t, r, 201, "")
	w.club = str(r.json(t)["id"])
	expect(t, a.api(t, "POST", "/admin/clubs/"+w.club+"/approve", w.root.Access, nil), 200, "")
	r = a.api(t, "POST", "/clubs", w.author.Access, map[string]any{"name": "待审核社团", "category_id": cat})
	expect(t, r, 201, "")
	w.pendingClub = str(r.json(t)["id"])
	r = a.api(t, "POST", "/posts", w.author.Access, map[string]any{"club_id": w.club, "title": "内部通知", "content": "装备清单", "members_only": true})
	expect(t, r, 201, "")
	w.innerPost = str(r.json(t)["id"])
	r = a.api(t, "POST", "/posts/"+w.innerPost+"/comments", w.author.Access, map[string]any{"content": "收到"})
	expect(t, r, 201, "")
	w.innerC = str(r.json(t)["id"])
	return w
}

func fileReport(t *testing.T, a *testApp, tok, typ, id, reason, detail string) response {
	t.Helper()
	body := map[string]any{"target_type": typ, "target_id": id, "reason": reason}
	if detail != "" {
		body["detail"] = detail
	}
	return a.api(t, "POST", "/reports", tok, body)
}

// Every target type is filed once, with its owner and a snapshot; a
// second report of a target is a 409; bad input, missing and hidden
// targets and self-reports are 4xx problems that store nothing; the
// chat's report route files into the same table; the reporter lists
// their reports page by page.
func TestReportsFiledOncePerTarget(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		w := newReportWorld(t, a, "1370000100")

		// Each type once.
		cases := []struct {
			typ, id, reason, detail, owner, parent, snapshot string
		}{
			{"user", w.author.UserID, "harassment", "私信骚扰", w.author.UserID, "", "测试用户"},
			{"activity", w.activity, "fraud", "", w.org.UserID, "", "周末篮球局\n一起打球"},
			{"post", w.post, "spam", "", w.author.UserID, "", "周末二手交易\n低价出相机，加微信"},
			{"comment", w.comment, "spam", "", w.author.UserID, w.post, "私聊有优惠"},
			{"message", w.message, "fraud", "假红包", w.author.UserID, w.activity, "点这个链接领红包"},
			{"club", w.club, "other", "社团名称冒用学校名义", w.author.UserID, "", "光影摄影社\n每周外拍"},
		}
		for _, c := range cases {
			r := fileReport(t, a, w.reporter.Access, c.typ, c.id, c.reason, c.detail)
			expect(t, r, 201, "")
			got := r.json(t)
			if got["target_type"] != c.typ || got["target_id"] != c.id || got["reason"] != c.reason || got["detail"] != c.detail ||
				got["status"] != "open" || str(got["id"]) == "" || str(got["created_at"]) == "" {
				t.Fatalf("%s report: %s", c.typ, r.Body)
			}
			rows := storedReports(t, a, "target_type = ? AND target_id = ?", c.typ, c.id)
			if len(rows) != 1 {
				t.Fatalf("%s: %d rows", c.typ, len(rows))
			}
			row := rows[0]
			if row.ReporterID != w.reporter.UserID || row.TargetOwnerID != c.owner || row.TargetParentID != c.parent || row.Snapshot != c.snapshot || row.Status != "open" {
				t.Fatalf("%s stored as %+v", c.typ, row)
			}
		}
		expect(t, fileReport(t, a, w.reporter.Access, "post", w.post, "porn", ""), 409, "report.duplicate")
		expect(t, fileReport(t, a, w.reporter.Access, "user", w.author.UserID, "spam", ""), 409, "report.duplicate")
		if n := count(t, a, "SELECT COUNT(*) FROM reports"); n != len(cases) {
			t.Fatalf("%d reports stored, want %d", n, len(cases))
		}

		// Refused, and nothing stored.
		refused := []struct {
			name, tok string
			body      any
			status    int
			code      string
		}{
			{"anonymous", "", map[string]any{"target_type": "post", "target_id": w.post, "reason": "spam"}, 401, "auth.unauthenticated"},
			{"unknown type", w.outsider.Access, map[string]any{"target_type": "planet", "target_id": w.post, "reason": "spam"}, 422, "request.invalid"},
			{"unknown reason", w.outsider.Access, map[string]any{"target_type": "post", "target_id": w.post, "reason": "boring"}, 422, "request.invalid"},
			{"no reason", w.outsider.Access, map[string]any{"target_type": "post", "target_id": w.post}, 422, "request.invalid"},
			{"empty target id", w.outsider.Access, map[string]any{"target_type": "post", "target_id": "", "reason": "spam"}, 422, "request.invalid"},
			{"blank target id", w.outsider.Access, map[string]any{"target_type": "post", "target_id": "   ", "reason": "spam"}, 400, "report.invalid_target_id"},
			{"other without detail", w.outsider.Access, map[string]any{"target_type": "post", "target_id": w.post, "reason": "other", "detail": "  "}, 400, "report.detail_required"},
			{"detail too long", w.outsider.Access, map[string]any{"target_type": "post", "target_id": w.post, "reason": "spam", "detail": strings.Repeat("长", 501)}, 400, "report.detail_too_long"},
			{"detail oversized", w.outsider.Access, map[string]any{"target_type": "post", "target_id": w.post, "reason": "spam", "detail": strings.Repeat("长", 2001)}, 422, "request.invalid"},
			{"target id oversized", w.outsider.Access, map[string]any{"target_type": "post", "target_id": strings.Repeat("x", 65), "reason": "spam"}, 422, "request.invalid"},
			{"not json", w.outsider.Access, `{"target_type": "post",`, 400, "request.malformed"},
			// Hidden from the reporter: a members-only post and its
			// comment, a club under review, a room they are not in.
			{"members-only post", w.reporter.Access, map[string]any{"target_type": "post", "target_id": w.innerPost, "reason": "spam"}, 404, "report.target_not_found"},
			{"comment of a members-only post", w.reporter.Access, map[string]any{"target_type": "comment", "target_id": w.innerC, "reason": "spam"}, 404, "report.target_not_found"},
			{"club under review", w.reporter.Access, map[string]any{"target_type": "club", "target_id": w.pendingClub, "reason": "spam"}, 404, "report.target_not_found"},
			{"message of another room", w.outsider.Access, map[string]any{"target_type": "message", "target_id": w.message, "reason": "spam"}, 404, "report.target_not_found"},
			// Oneself and one's own content.
			{"oneself", w.author.Access, map[string]any{"target_type": "user", "target_id": w.author.UserID, "reason": "spam"}, 400, "report.self"},
			{"own post", w.author.Access, map[string]any{"target_type": "post", "target_id": w.post, "reason": "spam"}, 400, "report.self"},
			{"own comment", w.author.Access, map[string]any{"target_type": "comment", "target_id": w.comment, "reason": "spam"}, 400, "report.self"},
			{"own message", w.author.Access, map[string]any{"target_type": "message", "target_id": w.message, "reason": "spam"}, 400, "report.self"},
			{"own club", w.author.Access, map[string]any{"target_type": "club", "target_id": w.club, "reason": "spam"}, 400, "report.self"},
			{"own activity", w.org.Access, map[string]any{"target_type": "activity", "target_id": w.activity, "reason": "spam"}, 400, "report.self"},
		}
		for _, typ := range []string{"user", "activity", "post", "comment", "message", "club"} {
			refused = append(refused, struct {
				name, tok string
				body      any
				status    int
				code      string
			}{"missing " + typ, w.outsider.Access, map[string]any{"target_type": typ, "target_id": "missing-" + typ, "reason": "spam"}, 404, "report.target_not_found"})
		}
		for _, c := range refused {
			r := a.api(t, "POST", "/reports", c.tok, c.body)
			if r.Status != c.status || r.code(t) != c.code || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("%s: %d %s, want %d %s", c.name, r.Status, r.Body, c.status, c.code)
			}
		}
		if n := count(t, a, "SELECT COUNT(*) FROM reports"); n != len(cases) {
			t.Fatalf("refused reports stored: %d rows", n)
		}
		// What the reporter was refused they do see elsewhere as missing too.
		expect(t, a.api(t, "GET", "/posts/"+w.innerPost, w.reporter.Access, nil), 404, "post.not_found")

		// The chat's own route files into the same table, once.
		r := postMessage(t, a, w.author.Access, w.activity, "你这个人真不行", "")
		expect(t, r, 201, "")
		m2 := str(r.json(t)["id"])
		path := "/chat/rooms/" + w.activity + "/messages/" + m2 + "/reports"
		expect(t, a.api(t, "POST", path, w.reporter.Access, map[string]any{"reason": "人身攻击：一直骂人"}), 201, "")
		expect(t, a.api(t, "POST", path, w.reporter.Access, map[string]any{"reason": "人身攻击"}), 200, "")
		expect(t, fileReport(t, a, w.reporter.Access, "message", m2, "spam", ""), 409, "report.duplicate")
		expect(t, a.api(t, "POST", path, w.outsider.Access, map[string]any{"reason": "广告"}), 403, "chat.not_member")
		expect(t, a.api(t, "POST", path, w.author.Access, map[string]any{"reason": "广告"}), 400, "report.self")
		rows := storedReports(t, a, "target_type = 'message' AND target_id = ?", m2)
		if len(rows) != 1 || rows[0].Reason != "harassment" || rows[0].Detail != "一直骂人" || rows[0].Snapshot != "你这个人真不行" ||
			rows[0].TargetOwnerID != w.author.UserID || rows[0].TargetParentID != w.activity || rows[0].ReporterID != w.reporter.UserID {
			t.Fatalf("the chat's report: %+v", rows)
		}
		r = postMessage(t, a, w.author.Access, w.activity, "第三条", "")
		m3 := str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/chat/rooms/"+w.activity+"/messages/"+m3+"/reports", w.org.Access, map[string]any{"reason": "看着不舒服"}), 201, "")
		if rows := storedReports(t, a, "target_id = ?", m3); len(rows) != 1 || rows[0].Reason != "other" || rows[0].Detail != "看着不舒服" {
			t.Fatalf("a free-text chat report: %+v", rows)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM chat_reports"); n != 0 {
			t.Fatalf("%d rows still written to chat_reports", n)
		}

		// The reporter's own list, newest first, page by page.
		var ids []string
		cursor := ""
		for page := 0; ; page++ {
			q := "/me/reports?limit=3"
			if cursor != "" {
				q += "&cursor=" + cursor
			}
			r := a.api(t, "GET", q, w.reporter.Access, nil)
			expect(t, r, 200, "")
			var out struct {
				Items []struct {
					ID, TargetType, TargetID, Status string
				}
				NextCursor *string `json:"next_cursor"`
			}
			if err := json.Unmarshal(r.Body, &out); err != nil {
				t.Fatal(err)
			}
			for _, it := range out.Items {
				if it.Status != "open" {
					t.Fatalf("status: %s", r.Body)
				}
				ids = append(ids, it.ID)
			}
			if out.NextCursor == nil {
				break
			}
			cursor = *out.NextCursor
			if page > 5 {
				t.Fatal("the pages do not end")
			}
		}
		if len(ids) != len(cases)+1 {
			t.Fatalf("the reporter lists %d reports, want %d", len(ids), len(cases)+1)
		}
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("report %s listed twice", id)
			}
			seen[id] = true
		}
		mine := a.api(t, "GET", "/me/reports?limit=1", w.reporter.Access, nil).json(t)["items"].([]any)
		if first := mine[0].(map[string]any); first["target_id"] != m2 {
			t.Fatalf("newest first: %v", first)
		}
		if items := a.api(t, "GET", "/me/reports", w.outsider.Access, nil).json(t)["items"].([]any); len(items) != 0 {
			t.Fatalf("another user's list: %v", items)
		}
		expect(t, a.api(t, "GET", "/me/reports?cursor=bm9wZQ", w.reporter.Access, nil), 400, "report.invalid_cursor")
		expect(t, a.api(t, "GET", "/me/reports", "", nil), 401, "auth.unauthenticated")

		reasons := a.api(t, "GET", "/report-reasons", "", nil)
		expect(t, reasons, 200, "")
		if items := reasons.json(t)["items"].([]any); len(items) != 8 || items[0].(map[string]any)["label"] != "垃圾广告" {
			t.Fatalf("reasons: %s", reasons.Body)
		}
	})
}

// Reports of one target racing from one reporter store one row: the
// others are 409s, never 500s; different reporters each store theirs.
func TestReportsRacingDuplicates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		author := a.register(t, "13700002001", "secret-pass-1")
		reporter := a.register(t, "13700002002", "secret-pass-1")
		other := a.register(t, "13700002003", "secret-pass-1")
		r := a.api(t, "POST", "/posts", author.Access, map[string]any{"title": "抢购", "content": "加群领券"})
		expect(t, r, 201, "")
		post := str(r.json(t)["id"])

		const racers = 10
		body, _ := json.Marshal(map[string]any{"target_type": "post", "target_id": post, "reason": "spam"})
		statuses := make([]int, racers+1)
		var start, done sync.WaitGroup
		start.Add(1)
		for i := range racers + 1 {
			tok := reporter.Access
			if i == racers {
				tok = other.Access
			}
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				req, _ := http.NewRequest("POST", a.URL+"/api/v1/reports", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tok)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					return
				}
				res.Body.Close()
				statuses[i] = res.StatusCode
			}()
		}
		start.Done()
		done.Wait()
		created, dup := 0, 0
		for i, s := range statuses[:racers] {
			switch s {
			case 201:
				created++
			case 409:
				dup++
			default:
				t.Fatalf("racer %d: status %d", i, s)
			}
		}
		if created != 1 || dup != racers-1 || statuses[racers] != 201 {
			t.Fatalf("created %d, duplicates %d, the other reporter %d", created, dup, statuses[racers])
		}
		if n := count(t, a, "SELECT COUNT(*) FROM reports WHERE reporter_id = ?", reporter.UserID); n != 1 {
			t.Fatalf("%d rows for one reporter and target", n)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM reports WHERE target_id = ?", post); n != 2 {
			t.Fatalf("%d rows for the target", n)
		}
	})
}

// A reporter is throttled: attempts count, found or not.
func TestReportsRateLimit(t *testing.T) {
	a := startApp(t, single)
	u := a.register(t, "13700003001", "secret-pass-1")
	for i := range 30 {
		expect(t, fileReport(t, a, u.Access, "post", fmt.Sprintf("missing-%d", i), "spam", ""), 404, "report.target_not_found")
	}
	r := fileReport(t, a, u.Access, "post", "missing-x", "spam", "")
	expect(t, r, 429, "report.rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Fatalf("no Retry-After: %v", r.Header)
	}
}
