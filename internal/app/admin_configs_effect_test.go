package app

import (
	"context"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/admin"
)

// The system configs the console changes take effect in the modules that
// read them: sign-ups pause and resume, the report threshold that hides a
// post moves, a room opened later turns read-only after the configured
// hours, and the apps read the home page notice and banners. Keys nobody
// set hold the deployment's settings.
func TestSystemConfigsTakeEffect(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		w := newReportWorld(t, a, "1363000000")
		set := func(key string, v any) {
			t.Helper()
			expect(t, a.api(t, "PUT", "/admin/configs/"+key, w.root.Access, map[string]any{"value": v}), 200, "")
		}
		// Deployment defaults: ZUJU_REPORTS_AUTOHIDE and ZUJU_CHAT_READ_ONLY_AFTER.
		if it := configItem(t, a, w.root.Access, admin.KeyReportsAutoHideThreshold); it["value"] != float64(a.Config.Reports.AutoHide) || it["is_default"] != true {
			t.Fatalf("auto-hide key before any change: %v", it)
		}
		if it := configItem(t, a, w.root.Access, admin.KeyChatReadOnlyHours); it["value"] != float64(a.Config.Chat.ReadOnlyAfter/time.Hour) {
			t.Fatalf("read-only key before any change: %v", it)
		}

		// Sign-ups pause, and resume.
		typeID := str(a.api(t, "POST", "/admin/activity-types", w.root.Access, map[string]any{"name": "开关"}).json(t)["id"])
		body := activityBody(typeID, time.Now().Add(96*time.Hour).UTC().Truncate(time.Second))
		r := a.api(t, "POST", "/activities", w.org.Access, body)
		expect(t, r, 201, "")
		act := str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/activities/"+act+"/publish", w.org.Access, nil), 200, "")
		set(admin.KeySignupsOpen, false)
		expect(t, a.api(t, "POST", "/activities/"+act+"/signups", w.outsider.Access, nil), 409, "signup.paused")
		set(admin.KeySignupsOpen, true)
		expect(t, a.api(t, "POST", "/activities/"+act+"/signups", w.outsider.Access, nil), 201, "")

		// Two reports hide the post once the threshold is 2 (the
		// deployment's is 5).
		set(admin.KeyReportsAutoHideThreshold, 2)
		status := func() string {
			var s string
			if err := a.DB.Gorm.WithContext(context.Background()).Raw("SELECT status FROM posts WHERE id = ?", w.post).Scan(&s).Error; err != nil {
				t.Fatal(err)
			}
			return s
		}
		expect(t, fileReport(t, a, w.reporter.Access, "post", w.post, "spam", ""), 201, "")
		if got := status(); got != "published" {
			t.Fatalf("after one report the post is %s", got)
		}
		expect(t, fileReport(t, a, w.outsider.Access, "post", w.post, "spam", ""), 201, "")
		if got := status(); got != "pending_review" {
			t.Fatalf("after two reports at threshold 2 the post is %s, want pending_review", got)
		}

		// A room opened after the change takes messages for 5 hours
		// after its activity ends.
		set(admin.KeyChatReadOnlyHours, 5)
		id, _, _ := formedActivity(t, a, w.root, "1363100000")
		var end, readOnly time.Time
		if err := a.DB.Gorm.WithContext(context.Background()).Raw("SELECT end_at FROM activities WHERE id = ?", id).Scan(&end).Error; err != nil {
			t.Fatal(err)
		}
		if err := a.DB.Gorm.WithContext(context.Background()).Raw("SELECT read_only_at FROM chat_rooms WHERE id = ?", id).Scan(&readOnly).Error; err != nil {
			t.Fatal(err)
		}
		if got := readOnly.Sub(end); got != 5*time.Hour {
			t.Fatalf("room read-only %s after the end, want 5h", got)
		}

		// The home page's notice and banners, for anyone.
		r = a.api(t, "GET", "/site", "", nil)
		expect(t, r, 200, "")
		if j := r.json(t); j["notice"] != "" || len(j["banners"].([]any)) != 0 {
			t.Fatalf("site before any change: %s", r.Body)
		}
		set(admin.KeySiteNotice, "期末考试周，部分活动暂停")
		set(admin.KeyHomeBanners, []map[string]any{{"image_url": "https://img.example.com/a.png", "link": "/clubs", "title": "社团招新"}})
		r = a.api(t, "GET", "/site", "", nil)
		expect(t, r, 200, "")
		j := r.json(t)
		banners, _ := j["banners"].([]any)
		if j["notice"] != "期末考试周，部分活动暂停" || len(banners) != 1 || banners[0].(map[string]any)["title"] != "社团招新" {
			t.Fatalf("site: %s", r.Body)
		}
	})
}
