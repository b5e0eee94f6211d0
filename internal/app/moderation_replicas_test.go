package app

import (
	"net/http"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/config"
)

// A sensitive word an admin adds on replica A reaches replica B (same
// PostgreSQL and Redis) within the refresh window: B, which accepted the
// text before, refuses a post and a nickname with it once it has reloaded
// its words. B learns the word only by its own watcher; the test fails if
// it never refreshes.
func TestSensitiveWordsReachOtherReplicas(t *testing.T) {
	const refresh = time.Second
	db := scaledDB(t)
	short := func(c *config.Config, _ *Options) { c.Moderation.Refresh = refresh }
	a := startReplica(t, testConfig(t, scaled, t.TempDir(), db), short)
	b := startReplica(t, testConfig(t, scaled, t.TempDir(), db), short)

	root := a.admin(t, "root@example.com")
	u := b.register(t, "13800003001", "secret-pass-1")
	post := func(r *testApp, title string) response {
		return r.api(t, "POST", "/posts", u.Access, map[string]any{"title": title, "content": "<p>楼下奶茶店周五有团购，代购的同学看过来</p>"})
	}
	// Before the word exists both replicas take it.
	expect(t, post(b, "周五团购奶茶代购"), http.StatusCreated, "")
	expect(t, b.api(t, "PATCH", "/me", u.Access, map[string]any{"nickname": "奶茶代购"}), http.StatusOK, "")

	added := time.Now()
	expect(t, a.api(t, "POST", "/admin/sensitive-words", root.Access, map[string]any{"word": "奶茶代购", "action": "block"}), http.StatusCreated, "")
	// A applies it at once.
	expect(t, post(a, "周五团购奶茶代购"), http.StatusBadRequest, "post.blocked")

	// B refuses it within the refresh window (plus slack for a busy machine).
	deadline := added.Add(refresh + 5*time.Second)
	for {
		r := post(b, "周五团购奶 茶 代 购")
		if r.Status == http.StatusBadRequest && r.code(t) == "post.blocked" {
			break
		}
		expect(t, r, http.StatusCreated, "")
		if time.Now().After(deadline) {
			t.Fatalf("replica B still publishes the word %v after it was added on A", time.Since(added))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("replica B refused the word %v after it was added on A", time.Since(added).Round(time.Millisecond))
	expect(t, b.api(t, "PATCH", "/me", u.Access, map[string]any{"nickname": "奶茶代购"}), http.StatusBadRequest, "user.nickname_blocked")

	// A deletion travels the same way.
	id := ""
	for _, w := range a.api(t, "GET", "/admin/sensitive-words", root.Access, nil).json(t)["items"].([]any) {
		id = str(w.(map[string]any)["id"])
	}
	removed := time.Now()
	expect(t, a.api(t, "DELETE", "/admin/sensitive-words/"+id, root.Access, nil), http.StatusNoContent, "")
	deadline = removed.Add(refresh + 5*time.Second)
	for {
		r := b.api(t, "PATCH", "/me", u.Access, map[string]any{"nickname": "奶茶代购"})
		if r.Status == http.StatusOK {
			break
		}
		expect(t, r, http.StatusBadRequest, "user.nickname_blocked")
		if time.Now().After(deadline) {
			t.Fatalf("replica B still refuses the word %v after it was deleted on A", time.Since(removed))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
