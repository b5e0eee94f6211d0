package app

import (
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/admin"
)

// Acceptance 6: every announcement, config and statistics route answers
// its minimum role and refuses the roles below it (moderators read
// announcements and configs but change neither; only super admins change
// configs; statistics, revenue among them, are for admins). The table must
// name every such route the server serves.
func TestAdminOpsRoutesGuarded(t *testing.T) {
	a := startApp(t, single)
	s := newStaffTeam(t, a)
	fresh := func() string {
		r := a.api(t, "POST", "/admin/announcements", s.root.Access, map[string]any{"title": "公告", "content": "内容"})
		expect(t, r, 201, "")
		return str(r.json(t)["id"])
	}
	published := func() string {
		id := fresh()
		expect(t, a.api(t, "POST", "/admin/announcements/"+id+"/publish", s.root.Access, nil), 200, "")
		return id
	}
	type route struct {
		method, path string // path as the OpenAPI document names it
		min          string // moderator, admin or super_admin
		target       func() string
		body         any
		ok           int
	}
	routes := []route{
		{"GET", "/admin/announcements", "moderator", nil, nil, 200},
		{"GET", "/admin/announcements/{id}", "moderator", fresh, nil, 200},
		{"POST", "/admin/announcements", "admin", nil, map[string]any{"title": "新公告", "content": "内容"}, 201},
		{"PATCH", "/admin/announcements/{id}", "admin", fresh, map[string]any{"pinned": true}, 200},
		{"DELETE", "/admin/announcements/{id}", "admin", fresh, nil, 204},
		{"POST", "/admin/announcements/{id}/publish", "admin", fresh, nil, 200},
		{"POST", "/admin/announcements/{id}/unpublish", "admin", published, nil, 200},
		{"POST", "/admin/announcements/{id}/pin", "admin", fresh, nil, 200},
		{"POST", "/admin/announcements/{id}/unpin", "admin", fresh, nil, 200},
		{"GET", "/admin/configs", "moderator", nil, nil, 200},
		{"PUT", "/admin/configs/{key}", "super_admin", func() string { return admin.KeySiteNotice }, map[string]any{"value": "通知"}, 200},
		{"GET", "/admin/stats/overview", "admin", nil, nil, 200},
		{"GET", "/admin/stats/daily", "admin", nil, nil, 200},
	}
	// Every announcement, config and statistics route of the document is in the table.
	named := map[string]bool{}
	for _, r := range routes {
		named[r.method+" "+r.path] = true
	}
	for path, item := range a.HTTP.OpenAPI().Paths {
		p := strings.TrimPrefix(path, "/api/v1")
		if !strings.HasPrefix(p, "/admin/announcements") && !strings.HasPrefix(p, "/admin/configs") && !strings.HasPrefix(p, "/admin/stats") {
			continue
		}
		for m, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
			if op != nil && !named[m+" "+p] {
				t.Fatalf("route %s %s is not in the table", m, p)
			}
		}
	}
	rank := map[string]int{"moderator": 1, "admin": 2, "super_admin": 3}
	callers := []struct {
		role string
		tok  tokens
	}{{"user", s.user}, {"moderator", s.mod}, {"admin", s.admin}, {"super_admin", s.root}}
	for _, rt := range routes {
		for _, c := range callers {
			path := rt.path
			if rt.target != nil {
				path = strings.NewReplacer("{id}", rt.target(), "{key}", rt.target()).Replace(path)
			}
			r := a.api(t, rt.method, path, c.tok.Access, rt.body)
			if rank[c.role] < rank[rt.min] {
				expect(t, r, http.StatusForbidden, "auth.forbidden")
			} else {
				expect(t, r, rt.ok, "")
			}
			expect(t, a.api(t, rt.method, path, "", rt.body), http.StatusUnauthorized, "auth.unauthenticated")
		}
	}
	// Refused calls changed nothing: only the super admin's and the
	// admins' successful writes are in the audit log.
	logs := a.api(t, "GET", "/admin/audit-logs?page_size=100&action=config.set", s.root.Access, nil)
	expect(t, logs, 200, "")
	for _, it := range logs.json(t)["items"].([]any) {
		if str(it.(map[string]any)["actor_id"]) != s.root.UserID {
			t.Fatalf("a config change by someone other than the super admin: %v", it)
		}
	}
}
