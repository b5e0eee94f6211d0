package app

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/platform/audit"
)

// adminRoutes lists every operation under /admin from the served OpenAPI
// document, so a new admin route is walked without editing this test.
func adminRoutes(t *testing.T, a *testApp) [][2]string {
	t.Helper()
	var out [][2]string
	for path, item := range a.HTTP.OpenAPI().Paths {
		if !strings.HasPrefix(path, "/api/v1/admin") {
			continue
		}
		p := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(strings.TrimPrefix(path, "/api/v1"), "x1")
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
			if op != nil {
				out = append(out, [2]string{method, p})
			}
		}
	}
	if len(out) < 10 {
		t.Fatalf("only %d admin routes found", len(out))
	}
	return out
}

// Acceptance 7: every admin route refuses anonymous callers (401) and plain
// users and organizers (403); a moderator is refused the admin-only ones.
func TestEveryAdminRouteIsGuarded(t *testing.T) {
	a := startApp(t, single)
	user := a.register(t, "13400000001", "secret-pass-1")
	routes := adminRoutes(t, a)
	for _, rt := range routes {
		r := a.api(t, rt[0], rt[1], "", map[string]any{})
		expect(t, r, http.StatusUnauthorized, "auth.unauthenticated")
		r = a.api(t, rt[0], rt[1], user.Access, map[string]any{})
		expect(t, r, http.StatusForbidden, "auth.forbidden")
	}
	t.Logf("%d admin routes walked", len(routes))
}

// Acceptance 7: a user cannot read or change another user's private data.
func TestNoAccessToOthersPrivateData(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		alice := a.register(t, "13400000002", "secret-pass-1")
		bob := a.register(t, "13400000003", "secret-pass-1")
		expect(t, a.api(t, "PATCH", "/me", alice.Access, map[string]any{"bio": "爱好篮球", "city": "上海", "gender": "female"}), 200, "")

		pub := a.api(t, "GET", "/users/"+alice.UserID, bob.Access, nil)
		expect(t, pub, 200, "")
		m := pub.json(t)
		for k := range m {
			switch k {
			case "id", "nickname", "avatar_url", "bio", "city":
			default:
				t.Fatalf("public profile leaks %q: %s", k, pub.Body)
			}
		}
		if bytes.Contains(pub.Body, []byte("13400000002")) || bytes.Contains(pub.Body, []byte("0002")) {
			t.Fatalf("phone leaked: %s", pub.Body)
		}
		// /me is always the caller: Bob's PATCH never touches Alice.
		expect(t, a.api(t, "PATCH", "/me", bob.Access, map[string]any{"nickname": "鲍勃"}), 200, "")
		if got := str(a.api(t, "GET", "/users/"+alice.UserID, "", nil).json(t)["nickname"]); got != "测试用户" {
			t.Fatalf("alice's nickname changed to %q", got)
		}
		// Sessions: each sees only their own; Bob cannot end Alice's.
		as := a.api(t, "GET", "/me/sessions", alice.Access, nil)
		expect(t, as, 200, "")
		items := as.json(t)["items"].([]any)
		if len(items) != 1 || !items[0].(map[string]any)["current"].(bool) {
			t.Fatalf("alice sessions: %s", as.Body)
		}
		aliceSession := str(items[0].(map[string]any)["id"])
		expect(t, a.api(t, "DELETE", "/me/sessions/"+aliceSession, bob.Access, nil), 404, "session.not_found")
		expect(t, a.api(t, "GET", "/me", alice.Access, nil), 200, "")
		// Bob cannot use the admin detail view either.
		expect(t, a.api(t, "GET", "/admin/users/"+alice.UserID, bob.Access, nil), 403, "auth.forbidden")
		expect(t, a.api(t, "GET", "/me", alice.Access, nil), 200, "")
		// Alice signs out her device herself.
		expect(t, a.api(t, "DELETE", "/me/sessions/"+aliceSession, alice.Access, nil), 204, "")
		expect(t, a.api(t, "GET", "/me", alice.Access, nil), 401, "auth.session_revoked")
	})
}

// Staff actions: ban ends sessions at once, roles, audit rows.
func TestAdminBanRolesAndAudit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		u := a.register(t, "13400000010", "secret-pass-1")

		list := a.api(t, "GET", "/admin/users?q=13400000010", root.Access, nil)
		expect(t, list, 200, "")
		lm := list.json(t)
		if lm["total"].(float64) != 1 || !strings.Contains(string(list.Body), "134****0010") {
			t.Fatalf("search: %s", list.Body)
		}
		// Contact data matches only exactly: a prefix finds nobody.
		if n := a.api(t, "GET", "/admin/users?q=1340000001", root.Access, nil).json(t)["total"].(float64); n != 0 {
			t.Fatalf("partial phone search found %v users", n)
		}
		detail := a.api(t, "GET", "/admin/users/"+u.UserID, root.Access, nil)
		expect(t, detail, 200, "")
		if str(detail.json(t)["phone"]) != "13400000010" {
			t.Fatalf("detail lacks phone: %s", detail.Body)
		}

		// Make the user a moderator: the change takes effect on the live token.
		expect(t, a.api(t, "GET", "/admin/users", u.Access, nil), 403, "auth.forbidden")
		expect(t, a.api(t, "PUT", "/admin/users/"+u.UserID+"/roles", root.Access, map[string]any{"roles": []string{"moderator"}}), 200, "")
		expect(t, a.api(t, "GET", "/admin/users", u.Access, nil), 200, "")
		// A moderator cannot change roles or ban staff.
		expect(t, a.api(t, "PUT", "/admin/users/"+root.UserID+"/roles", u.Access, map[string]any{"roles": []string{}}), 403, "auth.forbidden")
		expect(t, a.api(t, "POST", "/admin/users/"+root.UserID+"/ban", u.Access, map[string]any{"reason": "x"}), 403, "user.role_forbidden")
		expect(t, a.api(t, "PUT", "/admin/users/"+u.UserID+"/roles", root.Access, map[string]any{"roles": []string{"nobody"}}), 400, "user.invalid_role")
		expect(t, a.api(t, "PUT", "/admin/users/"+u.UserID+"/roles", root.Access, map[string]any{"roles": []string{}}), 200, "")

		// Ban: the live access token stops at once; login is refused with the reason.
		until := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
		expect(t, a.api(t, "POST", "/admin/users/"+u.UserID+"/ban", root.Access, map[string]any{"reason": ""}), 400, "user.invalid_ban_reason")
		expect(t, a.api(t, "POST", "/admin/users/"+u.UserID+"/ban", root.Access, map[string]any{"reason": "发布广告", "until": "2001-01-01T00:00:00Z"}), 400, "user.invalid_ban")
		expect(t, a.api(t, "POST", "/admin/users/"+u.UserID+"/ban", root.Access, map[string]any{"reason": "发布广告", "until": until}), 200, "")
		expect(t, a.api(t, "GET", "/me", u.Access, nil), 401, "auth.session_revoked")
		expect(t, a.api(t, "POST", "/auth/refresh", "", map[string]any{"refresh_token": u.Refresh}), 401, "auth.session_revoked")
		denied := a.api(t, "POST", "/auth/login", "", map[string]any{"account": "13400000010", "password": "secret-pass-1"})
		expect(t, denied, 403, "auth.banned")
		if !strings.Contains(str(denied.json(t)["detail"]), "发布广告") {
			t.Fatalf("ban reason missing: %s", denied.Body)
		}
		expect(t, a.api(t, "POST", "/admin/users/"+root.UserID+"/ban", root.Access, map[string]any{"reason": "x"}), 403, "user.self_action")
		expect(t, a.api(t, "POST", "/admin/users/"+u.UserID+"/unban", root.Access, map[string]any{"reason": "申诉通过"}), 200, "")
		expect(t, a.api(t, "POST", "/auth/login", "", map[string]any{"account": "13400000010", "password": "secret-pass-1"}), 200, "")

		// One audit row per staff action, including the read of contact data.
		logs := a.api(t, "GET", "/admin/audit-logs?target_id="+u.UserID+"&page_size=100", root.Access, nil)
		expect(t, logs, 200, "")
		counts := map[string]int{}
		for _, it := range logs.json(t)["items"].([]any) {
			e := it.(map[string]any)
			counts[str(e["action"])]++
			if str(e["actor_id"]) != root.UserID || str(e["ip"]) == "" {
				t.Fatalf("audit row without actor or ip: %v", e)
			}
		}
		want := map[string]int{"user.view_private": 1, "user.roles_set": 2, "user.ban": 1, "user.unban": 1}
		for k, v := range want {
			if counts[k] != v {
				t.Fatalf("audit %s: %d rows, want %d (all: %v)", k, counts[k], v, counts)
			}
		}
		// The audit log is append-only in the database itself.
		if err := a.DB.Gorm.Exec("UPDATE audit_logs SET action = 'x'").Error; err == nil {
			t.Fatal("audit rows could be updated")
		}
		if err := a.DB.Gorm.Exec("DELETE FROM audit_logs").Error; err == nil {
			t.Fatal("audit rows could be deleted")
		}
		var n int64
		a.DB.Gorm.Model(&audit.Entry{}).Count(&n)
		if n < 5 {
			t.Fatalf("audit rows lost: %d", n)
		}
	})
}

// A failure after the audit insert rolls both back.
func TestAuditRollsBackWithAction(t *testing.T) {
	a := startApp(t, single)
	root := a.admin(t, "root2@example.com")
	// A tag with a duplicate name fails after nothing else; create one, then
	// make the rename collide: the update and its audit row both vanish.
	t1 := a.api(t, "POST", "/admin/tags", root.Access, map[string]any{"name": "篮球", "category": "运动"})
	expect(t, t1, 201, "")
	t2 := a.api(t, "POST", "/admin/tags", root.Access, map[string]any{"name": "足球", "category": "运动"})
	expect(t, t2, 201, "")
	var before int64
	a.DB.Gorm.Model(&audit.Entry{}).Count(&before)
	expect(t, a.api(t, "PATCH", "/admin/tags/"+str(t2.json(t)["id"]), root.Access, map[string]any{"name": "篮球"}), 409, "tag.exists")
	var after int64
	a.DB.Gorm.Model(&audit.Entry{}).Count(&after)
	if after != before {
		t.Fatalf("audit rows %d → %d after a failed action", before, after)
	}
}

// Profile, tags and avatar upload.
func TestProfileTagsAvatar(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root3@example.com")
		u := a.register(t, "13400000020", "secret-pass-1")
		var ids []string
		for _, n := range []string{"篮球", "读书", "徒步"} {
			r := a.api(t, "POST", "/admin/tags", root.Access, map[string]any{"name": n, "category": "兴趣"})
			expect(t, r, 201, "")
			ids = append(ids, str(r.json(t)["id"]))
		}
		expect(t, a.api(t, "POST", "/admin/tags", root.Access, map[string]any{"name": "篮球"}), 409, "tag.exists")
		tags := a.api(t, "GET", "/tags", "", nil)
		expect(t, tags, 200, "")
		if len(tags.json(t)["items"].([]any)) != 3 {
			t.Fatalf("tags: %s", tags.Body)
		}
		me := a.api(t, "PUT", "/me/tags", u.Access, map[string]any{"tag_ids": ids[:2]})
		expect(t, me, 200, "")
		if len(me.json(t)["tags"].([]any)) != 2 {
			t.Fatalf("tags not set: %s", me.Body)
		}
		expect(t, a.api(t, "DELETE", "/admin/tags/"+ids[0], root.Access, nil), 204, "")
		if got := len(a.api(t, "GET", "/me", u.Access, nil).json(t)["tags"].([]any)); got != 1 {
			t.Fatalf("deleted tag still on user: %d", got)
		}

		// Avatar: a real PNG is accepted and served with a fixed type; a
		// script disguised as an image is refused.
		png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82")
		r := upload(t, a.URL+"/api/v1/me/avatar", u.Access, "a.png", png)
		expect(t, r, 200, "")
		url := str(r.json(t)["avatar_url"])
		if !strings.HasPrefix(url, "/files/avatars/") {
			t.Fatalf("avatar url %q", url)
		}
		img := call(t, "GET", a.URL+url, "", nil)
		if img.Status != 200 || img.Header.Get("Content-Type") != "image/png" || img.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("avatar served as %d %v", img.Status, img.Header)
		}
		expect(t, upload(t, a.URL+"/api/v1/me/avatar", u.Access, "x.png", []byte("<html><script>alert(1)</script></html>")), 415, "file.invalid_image")
		expect(t, upload(t, a.URL+"/api/v1/me/avatar", u.Access, "big.png", append(png, make([]byte, 2<<20)...)), 413, "file.too_large")
		expect(t, upload(t, a.URL+"/api/v1/me/avatar", "", "a.png", png), 401, "auth.unauthenticated")
	})
}

func upload(t *testing.T, url, token, name string, data []byte) response {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = w.Close()
	req, _ := http.NewRequest("POST", url, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: out.Bytes()}
}

// Promoting an existing account with `zuju admin create` ends every session
// it had: whoever registered that address before keeps nothing.
func TestAdminCreateOnExistingAccountEndsItsSessions(t *testing.T) {
	a := startApp(t, single)
	r := a.api(t, "POST", "/auth/register", "", map[string]any{"email": "boss@corp.cn", "password": "squatter-pass-1", "nickname": "x"})
	expect(t, r, 201, "")
	squatter := tokensOf(t, r)
	if _, err := a.Users.CreateAdmin(context.Background(), "", "boss@corp.cn", "owner-pass-2026", ""); err != nil {
		t.Fatal(err)
	}
	expect(t, a.api(t, "GET", "/admin/users", squatter.Access, nil), 401, "auth.session_revoked")
	expect(t, a.api(t, "POST", "/auth/refresh", "", map[string]any{"refresh_token": squatter.Refresh}), 401, "auth.session_revoked")
	expect(t, a.api(t, "POST", "/auth/login", "", map[string]any{"account": "boss@corp.cn", "password": "squatter-pass-1"}), 401, "auth.invalid_credentials")
	owner := tokensOf(t, a.api(t, "POST", "/auth/login", "", map[string]any{"account": "boss@corp.cn", "password": "owner-pass-2026"}))
	expect(t, a.api(t, "GET", "/admin/users", owner.Access, nil), 200, "")
	logs := a.api(t, "GET", "/admin/audit-logs?action=user.promote_admin", owner.Access, nil)
	if n := len(logs.json(t)["items"].([]any)); n != 1 || !strings.Contains(string(logs.Body), "system:cli") {
		t.Fatalf("promotion audit: %s", logs.Body)
	}
}

// Concurrent tag replacements never leave more than the limit.
func TestConcurrentTagReplacementKeepsLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root4@example.com")
		u := a.register(t, "13400000030", "secret-pass-1")
		var ids []string
		for i := range 20 {
			r := a.api(t, "POST", "/admin/tags", root.Access, map[string]any{"name": "标签" + strconv.Itoa(i), "category": "c"})
			expect(t, r, 201, "")
			ids = append(ids, str(r.json(t)["id"]))
		}
		done := make(chan int, 8)
		for i := range 8 {
			set := ids[i%2*10 : i%2*10+10]
			go func() { done <- a.api(t, "PUT", "/me/tags", u.Access, map[string]any{"tag_ids": set}).Status }()
		}
		for range 8 {
			if s := <-done; s != 200 {
				t.Fatalf("status %d", s)
			}
		}
		if n := len(a.api(t, "GET", "/me", u.Access, nil).json(t)["tags"].([]any)); n != 10 {
			t.Fatalf("%d tags after concurrent replacements, want 10", n)
		}
		expect(t, a.api(t, "POST", "/admin/tags", root.Access, map[string]any{"name": "大数", "sort": 3000000000}), 422, "request.invalid")
	})
}

// A stale access token never blocks the sign-in routes (e.g. logout).
func TestStaleTokenOnAuthRoutes(t *testing.T) {
	a := startApp(t, single)
	u := a.register(t, "13400000040", "secret-pass-1")
	expect(t, a.api(t, "POST", "/auth/logout", "expired.or.garbage", map[string]any{"refresh_token": u.Refresh}), 204, "")
	expect(t, a.api(t, "POST", "/auth/refresh", "", map[string]any{"refresh_token": u.Refresh}), 401, "auth.session_revoked")
	expect(t, a.api(t, "GET", "/me", "expired.or.garbage", nil), 401, "auth.invalid_token")
}
