package app

import (
	"strings"
	"testing"
)

// Admins manage sensitive words; each applies at once to chat messages and
// club texts, and a change of action or a deletion too.
func TestSensitiveWordsApplyEverywhere(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		id, _, ms := formedActivity(t, a, root, "1370000100")
		u := ms[0]
		mod := a.register(t, "13700001009", "secret-pass-1")
		expect(t, a.api(t, "PUT", "/admin/users/"+mod.UserID+"/roles", root.Access, map[string]any{"roles": []string{"moderator"}}), 200, "")
		mod = signIn(t, a, "13700001009")

		expect(t, postMessage(t, a, u.Access, id, "有人要奶茶代购吗", ""), 201, "")
		expect(t, a.api(t, "POST", "/admin/sensitive-words", u.Access, map[string]any{"word": "奶茶代购", "action": "block"}), 403, "")
		expect(t, a.api(t, "POST", "/admin/sensitive-words", mod.Access, map[string]any{"word": "奶茶代购", "action": "block"}), 403, "")
		expect(t, a.api(t, "POST", "/admin/sensitive-words", root.Access, map[string]any{"word": " ", "action": "block"}), 400, "sensitive_word.invalid")
		expect(t, a.api(t, "POST", "/admin/sensitive-words", root.Access, map[string]any{"word": "x", "action": "ban"}), 422, "")
		r := a.api(t, "POST", "/admin/sensitive-words", root.Access, map[string]any{"word": "奶茶代购", "action": "block"})
		expect(t, r, 201, "")
		wid := str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/admin/sensitive-words", root.Access, map[string]any{"word": "奶茶代购", "action": "replace"}), 409, "sensitive_word.exists")
		if items, _ := a.api(t, "GET", "/admin/sensitive-words", mod.Access, nil).json(t)["items"].([]any); len(items) != 1 {
			t.Fatalf("moderators read the list: %v", items)
		}

		// Blocked at once, evasions too, in chat and in club names.
		expect(t, postMessage(t, a, u.Access, id, "有人要奶 茶 代 购吗", ""), 400, "chat.blocked")
		expect(t, postMessage(t, a, u.Access, id, "有人要ＮＡＩ奶茶代购吗", ""), 400, "chat.blocked")
		cat := str(a.api(t, "POST", "/admin/club-categories", root.Access, map[string]any{"name": "生活"}).json(t)["id"])
		expect(t, a.api(t, "POST", "/clubs", u.Access, map[string]any{"name": "奶茶代购社", "category_id": cat}), 400, "club.blocked")

		// Masked once its action is replace; allowed once deleted.
		expect(t, a.api(t, "PATCH", "/admin/sensitive-words/"+wid, root.Access, map[string]any{"action": "replace"}), 200, "")
		r = postMessage(t, a, u.Access, id, "有人要奶茶代购吗", "")
		expect(t, r, 201, "")
		if c := str(r.json(t)["content"]); strings.Contains(c, "代购") || !strings.Contains(c, "****") {
			t.Fatalf("masked: %q", c)
		}
		expect(t, a.api(t, "DELETE", "/admin/sensitive-words/"+wid, root.Access, nil), 204, "")
		expect(t, a.api(t, "DELETE", "/admin/sensitive-words/"+wid, root.Access, nil), 404, "sensitive_word.not_found")
		r = postMessage(t, a, u.Access, id, "有人要奶茶代购吗", "")
		expect(t, r, 201, "")
		if c := str(r.json(t)["content"]); c != "有人要奶茶代购吗" {
			t.Fatalf("after the deletion: %q", c)
		}
		// The starter list still applies; an admin word overrides its action.
		expect(t, postMessage(t, a, u.Access, id, "网络赌博", ""), 400, "chat.blocked")
		expect(t, a.api(t, "POST", "/admin/sensitive-words", root.Access, map[string]any{"word": "网络赌博", "action": "replace"}), 201, "")
		expect(t, postMessage(t, a, u.Access, id, "网络赌博", ""), 201, "")
		if n := count(t, a, "SELECT COUNT(*) FROM audit_logs WHERE target_type = 'sensitive_word'"); n != 4 {
			t.Fatalf("%d audit rows for 4 word changes", n)
		}
	})
}
