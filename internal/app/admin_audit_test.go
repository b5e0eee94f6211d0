package app

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/admin"
)

// failAfterAuditInsert makes every audit insert fail right after the row
// was written, inside its transaction, until the test ends; it counts the
// rows it let the database write.
func failAfterAuditInsert(t *testing.T, a *testApp) *atomic.Int64 {
	t.Helper()
	var written atomic.Int64
	const name = "test:fail_after_audit_insert"
	err := a.DB.Gorm.Callback().Create().After("gorm:create").Register(name, func(db *gorm.DB) {
		if db.Statement.Table == "audit_logs" && db.Error == nil && db.Statement.RowsAffected == 1 {
			written.Add(1)
			_ = db.AddError(errors.New("injected failure after the audit insert"))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.DB.Gorm.Callback().Create().Remove(name) })
	return &written
}

func auditTotal(t *testing.T, a *testApp, token string) float64 {
	t.Helper()
	r := a.api(t, "GET", "/admin/audit-logs?page_size=1", token, nil)
	expect(t, r, 200, "")
	return r.json(t)["total"].(float64)
}

// Acceptance 4: an admin action that fails after its audit row was
// inserted leaves neither the change nor the audit row behind (they share
// one transaction), for announcements, configs and another module's staff
// action.
func TestAuditRollsBackWithFailedAction(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		s := newStaffTeam(t, a)
		c := a.api(t, "POST", "/admin/announcements", s.admin.Access, map[string]any{"title": "原标题", "content": "原内容"})
		expect(t, c, 201, "")
		id := str(c.json(t)["id"])
		before := auditTotal(t, a, s.root.Access)

		written := failAfterAuditInsert(t, a)
		for _, call := range []struct {
			method, path string
			tok          tokens
			body         any
		}{
			{"POST", "/admin/announcements", s.admin, map[string]any{"title": "新公告", "content": "内容"}},
			{"PATCH", "/admin/announcements/" + id, s.admin, map[string]any{"title": "改过的标题"}},
			{"POST", "/admin/announcements/" + id + "/publish", s.admin, nil},
			{"POST", "/admin/announcements/" + id + "/pin", s.admin, nil},
			{"DELETE", "/admin/announcements/" + id, s.admin, nil},
			{"PUT", "/admin/configs/" + admin.KeyAnnouncementsPublicLimit, s.root, map[string]any{"value": 3}},
			{"POST", "/admin/sensitive-words", s.admin, map[string]any{"word": "测试违禁词", "action": "block"}},
			{"POST", "/admin/users/" + s.user.UserID + "/ban", s.admin, map[string]any{"reason": "发布广告"}},
		} {
			r := a.api(t, call.method, call.path, call.tok.Access, call.body)
			expect(t, r, http.StatusInternalServerError, "internal")
		}
		if n := written.Load(); n != 8 {
			t.Fatalf("%d audit rows were written before the failure, want 8", n)
		}
		_ = a.DB.Gorm.Callback().Create().Remove("test:fail_after_audit_insert")

		if got := auditTotal(t, a, s.root.Access); got != before {
			t.Fatalf("audit rows %v after the failed actions, want %v", got, before)
		}
		g := a.api(t, "GET", "/admin/announcements/"+id, s.admin.Access, nil)
		expect(t, g, 200, "")
		m := g.json(t)
		if m["title"] != "原标题" || m["status"] != "draft" || m["pinned"] != false {
			t.Fatalf("announcement changed: %s", g.Body)
		}
		if n := a.api(t, "GET", "/admin/announcements", s.admin.Access, nil).json(t)["total"].(float64); n != 1 {
			t.Fatalf("%v announcements, want 1", n)
		}
		if v := a.Admin.Configs().Int(admin.KeyAnnouncementsPublicLimit); v != 20 {
			t.Fatalf("config changed to %d", v)
		}
		if err := a.Admin.Configs().Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		if it := configItem(t, a, s.mod.Access, admin.KeyAnnouncementsPublicLimit); it["is_default"] != true {
			t.Fatalf("config stored: %v", it)
		}
		if n := a.api(t, "GET", "/admin/sensitive-words", s.admin.Access, nil).json(t)["total"].(float64); n != 0 {
			t.Fatalf("%v sensitive words, want 0", n)
		}
		expect(t, a.api(t, "GET", "/me", s.user.Access, nil), 200, "")

		// The same actions succeed once nothing fails, one audit row each.
		expect(t, a.api(t, "POST", "/admin/announcements/"+id+"/publish", s.admin.Access, nil), 200, "")
		expect(t, a.api(t, "PUT", "/admin/configs/"+admin.KeyAnnouncementsPublicLimit, s.root.Access, map[string]any{"value": 3}), 200, "")
		if got := auditTotal(t, a, s.root.Access); got != before+2 {
			t.Fatalf("audit rows %v, want %v", got, before+2)
		}
	})
}

// Acceptance 4: no route changes or deletes audit rows — the only route
// that touches them is GET /admin/audit-logs — and the database refuses
// updates and deletes of audit rows from anyone.
func TestAuditLogIsAppendOnly(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		for path, item := range a.HTTP.OpenAPI().Paths {
			if !strings.Contains(path, "audit") {
				continue
			}
			if path != "/api/v1/admin/audit-logs" || item.Get == nil || item.Post != nil || item.Put != nil || item.Patch != nil || item.Delete != nil {
				t.Fatalf("a route other than GET /admin/audit-logs touches the audit log: %s", path)
			}
		}
		c := a.api(t, "POST", "/admin/announcements", root.Access, map[string]any{"title": "标题", "content": "内容"})
		expect(t, c, 201, "")
		logs := a.api(t, "GET", "/admin/audit-logs", root.Access, nil)
		expect(t, logs, 200, "")
		row := str(logs.json(t)["items"].([]any)[0].(map[string]any)["id"])
		for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
			for _, p := range []string{"/admin/audit-logs", "/admin/audit-logs/" + row} {
				if r := a.api(t, m, p, root.Access, map[string]any{"action": "x"}); r.Status != http.StatusNotFound && r.Status != http.StatusMethodNotAllowed {
					t.Fatalf("%s %s answered %d", m, p, r.Status)
				}
			}
		}
		if err := a.DB.Gorm.Exec("UPDATE audit_logs SET action = 'forged' WHERE id = ?", row).Error; err == nil {
			t.Fatal("the database let an audit row change")
		}
		if err := a.DB.Gorm.Exec("DELETE FROM audit_logs WHERE id = ?", row).Error; err == nil {
			t.Fatal("the database let an audit row go")
		}
		if n := auditTotal(t, a, root.Access); n != 1 {
			t.Fatalf("%v audit rows, want 1", n)
		}
	})
}
