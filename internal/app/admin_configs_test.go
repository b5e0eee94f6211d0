package app

import (
	"net/http"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/admin"
	"github.com/zuju/zuju/internal/config"
)

func configItem(t *testing.T, a *testApp, token, key string) map[string]any {
	t.Helper()
	r := a.api(t, "GET", "/admin/configs", token, nil)
	expect(t, r, 200, "")
	for _, it := range r.json(t)["items"].([]any) {
		if m := it.(map[string]any); m["key"] == key {
			return m
		}
	}
	t.Fatalf("config %s not listed", key)
	return nil
}

// System configs: every known key listed with its type and default; only
// super admins set them; values are typed and validated (unknown key 404,
// bad value 422 config.invalid_value); each change is audited and takes
// effect at once on this replica.
func TestSystemConfigs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		s := newStaffTeam(t, a)

		r := a.api(t, "GET", "/admin/configs", s.mod.Access, nil)
		expect(t, r, 200, "")
		if n := len(r.json(t)["items"].([]any)); n != len(admin.Registry()) {
			t.Fatalf("%d configs listed, registry has %d", n, len(admin.Registry()))
		}
		ttl := configItem(t, a, s.mod.Access, admin.KeyAnnouncementsCacheTTL)
		if ttl["type"] != "duration" || ttl["value"] != "15s" || ttl["is_default"] != true || ttl["read_by"] != "admin" {
			t.Fatalf("cache ttl: %v", ttl)
		}

		set := func(tok tokens, key string, v any) response {
			return a.api(t, "PUT", "/admin/configs/"+key, tok.Access, map[string]any{"value": v})
		}
		// Moderators and admins cannot change configs.
		expect(t, set(s.mod, admin.KeySignupsOpen, false), 403, "auth.forbidden")
		expect(t, set(s.admin, admin.KeySignupsOpen, false), 403, "auth.forbidden")
		expect(t, set(s.user, admin.KeySignupsOpen, false), 403, "auth.forbidden")
		expect(t, set(s.root, "no.such.key", 1), 404, "config.not_found")
		for _, bad := range []struct {
			key string
			v   any
		}{
			{admin.KeyAnnouncementsPublicLimit, "3"},
			{admin.KeyAnnouncementsPublicLimit, 2.5},
			{admin.KeyAnnouncementsPublicLimit, 0},
			{admin.KeyAnnouncementsPublicLimit, 101},
			{admin.KeySignupsOpen, "yes"},
			{admin.KeySignupsOpen, nil},
			{admin.KeyAnnouncementsCacheTTL, "soon"},
			{admin.KeyAnnouncementsCacheTTL, "1h"},
			{admin.KeyAnnouncementsCacheTTL, 30},
			{admin.KeySiteNotice, 7},
			{admin.KeyHomeBanners, map[string]any{"image_url": "x"}},
			{admin.KeyHomeBanners, []any{map[string]any{"link": "/a"}}},
			{admin.KeyHomeBanners, []any{map[string]any{"image_url": "/a.png", "colour": "red"}}},
		} {
			r := set(s.root, bad.key, bad.v)
			expect(t, r, http.StatusUnprocessableEntity, "config.invalid_value")
		}

		// Valid values of every type; durations come back normalized.
		expect(t, set(s.root, admin.KeySignupsOpen, false), 200, "")
		expect(t, set(s.root, admin.KeySiteNotice, "期末考试周，部分活动暂停"), 200, "")
		expect(t, set(s.root, admin.KeyHomeBanners, []any{map[string]any{"image_url": "/files/b1.png", "link": "/clubs", "title": "社团招新"}}), 200, "")
		r = set(s.root, admin.KeyAnnouncementsCacheTTL, "1m30s")
		expect(t, r, 200, "")
		if r.json(t)["value"] != "1m30s" {
			t.Fatalf("duration: %s", r.Body)
		}
		cfg := a.Admin.Configs()
		if cfg.Bool(admin.KeySignupsOpen) || cfg.String(admin.KeySiteNotice) != "期末考试周，部分活动暂停" ||
			cfg.Duration(admin.KeyAnnouncementsCacheTTL) != 90*time.Second {
			t.Fatalf("getters: %v %q %v", cfg.Bool(admin.KeySignupsOpen), cfg.String(admin.KeySiteNotice), cfg.Duration(admin.KeyAnnouncementsCacheTTL))
		}
		var banners []admin.Banner
		if err := cfg.Decode(admin.KeyHomeBanners, &banners); err != nil || len(banners) != 1 || banners[0].Title != "社团招新" {
			t.Fatalf("banners: %v %v", banners, err)
		}
		// A wrong-typed read gives the zero value, never a panic.
		if cfg.Int(admin.KeySignupsOpen) != 0 || cfg.Int("no.such.key") != 0 {
			t.Fatal("wrong-typed read")
		}
		if it := configItem(t, a, s.mod.Access, admin.KeySignupsOpen); it["value"] != false || it["is_default"] != false {
			t.Fatalf("listed: %v", it)
		}

		// A real key: the number of announcements the apps are shown.
		for _, title := range []string{"通知一", "通知二"} {
			c := a.api(t, "POST", "/admin/announcements", s.admin.Access, map[string]any{"title": title, "content": "内容"})
			expect(t, c, 201, "")
			expect(t, a.api(t, "POST", "/admin/announcements/"+str(c.json(t)["id"])+"/publish", s.admin.Access, nil), 200, "")
		}
		if got := publicTitles(t, a, ""); len(got) != 2 {
			t.Fatalf("before the limit: %v", got)
		}
		expect(t, set(s.root, admin.KeyAnnouncementsPublicLimit, 1), 200, "")
		if got := publicTitles(t, a, ""); !sameStrings(got, []string{"通知二"}) {
			t.Fatalf("limit 1: %v", got)
		}

		// One audit row per change, with the value before and after.
		logs := a.api(t, "GET", "/admin/audit-logs?action=config.set&page_size=100", s.root.Access, nil)
		expect(t, logs, 200, "")
		items := logs.json(t)["items"].([]any)
		if len(items) != 5 {
			t.Fatalf("%d config audit rows, want 5", len(items))
		}
		last := items[0].(map[string]any)
		if last["target_id"] != admin.KeyAnnouncementsPublicLimit || last["before"] != "20" || last["after"] != "1" || last["actor_id"] != s.root.UserID {
			t.Fatalf("audit row: %v", last)
		}
	})
}

// A config a super admin sets on replica A applies on replica B (same
// PostgreSQL and Redis) within the refresh interval, by B's own watcher.
func TestConfigReachesOtherReplicas(t *testing.T) {
	const refresh = time.Second
	db := scaledDB(t)
	short := func(c *config.Config, _ *Options) { c.Admin.ConfigRefresh = refresh }
	a := startReplica(t, testConfig(t, scaled, t.TempDir(), db), short)
	b := startReplica(t, testConfig(t, scaled, t.TempDir(), db), short)
	root := a.admin(t, "root@example.com")
	if got := b.Admin.Configs().Int(admin.KeyAnnouncementsPublicLimit); got != 20 {
		t.Fatalf("default on B: %d", got)
	}
	set := time.Now()
	expect(t, a.api(t, "PUT", "/admin/configs/"+admin.KeyAnnouncementsPublicLimit, root.Access, map[string]any{"value": 3}), 200, "")
	if got := a.Admin.Configs().Int(admin.KeyAnnouncementsPublicLimit); got != 3 {
		t.Fatalf("A after its own change: %d", got)
	}
	deadline := set.Add(refresh + 5*time.Second)
	for b.Admin.Configs().Int(admin.KeyAnnouncementsPublicLimit) != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("replica B still has the old value %v after the change on A", time.Since(set))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("replica B applied the config %v after it was set on A", time.Since(set).Round(time.Millisecond))
}
