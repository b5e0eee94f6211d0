package app

import (
	"testing"
	"time"
)

// staffTeam is a super admin, a plain admin, a moderator and a user.
type staffTeam struct{ root, admin, mod, user tokens }

func newStaffTeam(t *testing.T, a *testApp) staffTeam {
	t.Helper()
	var s staffTeam
	s.root = a.admin(t, "root@example.com")
	s.admin = a.register(t, "13500000001", "secret-pass-1")
	s.mod = a.register(t, "13500000002", "secret-pass-1")
	s.user = a.register(t, "13500000003", "secret-pass-1")
	expect(t, a.api(t, "PUT", "/admin/users/"+s.admin.UserID+"/roles", s.root.Access, map[string]any{"roles": []string{"admin"}}), 200, "")
	expect(t, a.api(t, "PUT", "/admin/users/"+s.mod.UserID+"/roles", s.root.Access, map[string]any{"roles": []string{"moderator"}}), 200, "")
	return s
}

func publicTitles(t *testing.T, a *testApp, query string) []string {
	t.Helper()
	r := a.api(t, "GET", "/announcements"+query, "", nil)
	expect(t, r, 200, "")
	var out []string
	for _, it := range r.json(t)["items"].([]any) {
		out = append(out, str(it.(map[string]any)["title"]))
	}
	return out
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Announcements: draft → publish, pin, the window, audiences; admins
// write, moderators read, the apps see only what is live; one audit row
// per change.
func TestAnnouncementsLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		a := startApp(t, b, withClock(clk))
		s := newStaffTeam(t, a)
		now := clk.Now()

		// Moderators and users cannot write; bad input is refused.
		body := map[string]any{"title": "国庆假期活动安排", "content": "十月一日至七日，线下活动照常进行。"}
		expect(t, a.api(t, "POST", "/admin/announcements", s.mod.Access, body), 403, "auth.forbidden")
		expect(t, a.api(t, "POST", "/admin/announcements", s.user.Access, body), 403, "auth.forbidden")
		expect(t, a.api(t, "POST", "/admin/announcements", s.admin.Access, map[string]any{"title": " ", "content": "x"}), 400, "announcement.invalid_title")
		expect(t, a.api(t, "POST", "/admin/announcements", s.admin.Access, map[string]any{"title": "x"}), 400, "announcement.invalid_content")
		expect(t, a.api(t, "POST", "/admin/announcements", s.admin.Access, map[string]any{"title": "x", "content": "y",
			"starts_at": now.Add(time.Hour).Format(time.RFC3339), "ends_at": now.Format(time.RFC3339)}), 400, "announcement.invalid_window")

		create := func(title string, extra map[string]any) string {
			t.Helper()
			m := map[string]any{"title": title, "content": title + "的内容"}
			for k, v := range extra {
				m[k] = v
			}
			r := a.api(t, "POST", "/admin/announcements", s.admin.Access, m)
			expect(t, r, 201, "")
			if st := str(r.json(t)["status"]); st != "draft" {
				t.Fatalf("new announcement status %q", st)
			}
			return str(r.json(t)["id"])
		}
		first := create("国庆假期活动安排", nil)
		if got := publicTitles(t, a, ""); len(got) != 0 {
			t.Fatalf("a draft is public: %v", got)
		}
		// Moderators read drafts.
		expect(t, a.api(t, "GET", "/admin/announcements/"+first, s.mod.Access, nil), 200, "")
		expect(t, a.api(t, "POST", "/admin/announcements/"+first+"/publish", s.mod.Access, nil), 403, "auth.forbidden")

		expect(t, a.api(t, "POST", "/admin/announcements/"+first+"/publish", s.admin.Access, nil), 200, "")
		expect(t, a.api(t, "POST", "/admin/announcements/"+first+"/publish", s.admin.Access, nil), 409, "announcement.already_published")
		if got := publicTitles(t, a, ""); !sameStrings(got, []string{"国庆假期活动安排"}) {
			t.Fatalf("public after publish: %v", got)
		}

		clk.Advance(time.Second)
		second := create("社团招新周", nil)
		expect(t, a.api(t, "POST", "/admin/announcements/"+second+"/publish", s.admin.Access, nil), 200, "")
		// Newest first; then the older one pinned goes first.
		if got := publicTitles(t, a, ""); !sameStrings(got, []string{"社团招新周", "国庆假期活动安排"}) {
			t.Fatalf("public order: %v", got)
		}
		pin := a.api(t, "POST", "/admin/announcements/"+first+"/pin", s.admin.Access, nil)
		expect(t, pin, 200, "")
		if pin.json(t)["pinned"] != true {
			t.Fatalf("pin: %s", pin.Body)
		}
		if got := publicTitles(t, a, ""); !sameStrings(got, []string{"国庆假期活动安排", "社团招新周"}) {
			t.Fatalf("pinned first: %v", got)
		}

		// A window: shown from starts_at, hidden from ends_at (the cached
		// list is filtered by time on every read).
		win := create("系统维护通知", map[string]any{"starts_at": now.Add(5 * time.Minute).Format(time.RFC3339),
			"ends_at": now.Add(10 * time.Minute).Format(time.RFC3339)})
		expect(t, a.api(t, "POST", "/admin/announcements/"+win+"/publish", s.admin.Access, nil), 200, "")
		if got := publicTitles(t, a, ""); len(got) != 2 {
			t.Fatalf("not started yet but shown: %v", got)
		}
		clk.Advance(6 * time.Minute)
		if got := publicTitles(t, a, ""); !sameStrings(got, []string{"国庆假期活动安排", "系统维护通知", "社团招新周"}) {
			t.Fatalf("started: %v", got)
		}
		clk.Advance(5 * time.Minute)
		if got := publicTitles(t, a, ""); len(got) != 2 {
			t.Fatalf("ended but shown: %v", got)
		}
		// Ended: publishing again is refused until the window moves.
		expect(t, a.api(t, "POST", "/admin/announcements/"+win+"/unpublish", s.admin.Access, nil), 200, "")
		expect(t, a.api(t, "POST", "/admin/announcements/"+win+"/unpublish", s.admin.Access, nil), 409, "announcement.not_published")
		expect(t, a.api(t, "POST", "/admin/announcements/"+win+"/publish", s.admin.Access, nil), 409, "announcement.ended")
		edit := a.api(t, "PATCH", "/admin/announcements/"+win, s.admin.Access, map[string]any{"ends_at": "", "audience": "admin", "title": "后台维护通知"})
		expect(t, edit, 200, "")
		if _, ok := edit.json(t)["ends_at"]; ok {
			t.Fatalf("ends_at not cleared: %s", edit.Body)
		}
		expect(t, a.api(t, "POST", "/admin/announcements/"+win+"/publish", s.admin.Access, nil), 200, "")
		// Audiences: the admin console sees its own and the common ones.
		if got := publicTitles(t, a, ""); len(got) != 2 {
			t.Fatalf("an admin-only announcement reached the app: %v", got)
		}
		if got := publicTitles(t, a, "?audience=admin"); len(got) != 3 {
			t.Fatalf("admin console: %v", got)
		}

		// Unpin, unpublish, delete.
		expect(t, a.api(t, "POST", "/admin/announcements/"+first+"/unpin", s.admin.Access, nil), 200, "")
		expect(t, a.api(t, "POST", "/admin/announcements/"+second+"/unpublish", s.admin.Access, nil), 200, "")
		if got := publicTitles(t, a, ""); !sameStrings(got, []string{"国庆假期活动安排"}) {
			t.Fatalf("after unpublish: %v", got)
		}
		expect(t, a.api(t, "DELETE", "/admin/announcements/"+first, s.mod.Access, nil), 403, "auth.forbidden")
		expect(t, a.api(t, "DELETE", "/admin/announcements/"+first, s.admin.Access, nil), 204, "")
		expect(t, a.api(t, "DELETE", "/admin/announcements/"+first, s.admin.Access, nil), 404, "announcement.not_found")
		expect(t, a.api(t, "GET", "/admin/announcements/"+first, s.admin.Access, nil), 404, "announcement.not_found")
		if got := publicTitles(t, a, ""); len(got) != 0 {
			t.Fatalf("after delete: %v", got)
		}

		list := a.api(t, "GET", "/admin/announcements?status=draft", s.mod.Access, nil)
		expect(t, list, 200, "")
		if list.json(t)["total"].(float64) != 1 {
			t.Fatalf("drafts: %s", list.Body)
		}

		// One audit row per change that happened (refusals write none):
		// 3 creates, 4 publishes, 2 unpublishes, pin, unpin, edit, delete.
		logs := a.api(t, "GET", "/admin/audit-logs?target_type=announcement&page_size=100", s.root.Access, nil)
		expect(t, logs, 200, "")
		if n := logs.json(t)["total"].(float64); n != 13 {
			t.Fatalf("%v audit rows, want 13", n)
		}
		for _, it := range logs.json(t)["items"].([]any) {
			if str(it.(map[string]any)["actor_id"]) != s.admin.UserID {
				t.Fatalf("audit row of another actor: %v", it)
			}
		}
	})
}
