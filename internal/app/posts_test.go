package app

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Posts over HTTP on both databases: cleaned rich text, likes (a second
// like is a 409), comments and one level of replies, held posts in the
// review queue, members-only club posts, and the hot order with a clock.
func TestPostsSquareBoardsAndReview(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		a := startApp(t, b, withClock(clk))
		root := a.admin(t, "root@example.com")
		u := a.register(t, "13800000001", "secret-pass-1")
		v := a.register(t, "13800000002", "secret-pass-1")

		// Bad input.
		expect(t, a.api(t, "POST", "/posts", u.Access, map[string]any{"title": " ", "content": "x"}), 400, "post.invalid_title")
		expect(t, a.api(t, "POST", "/posts", u.Access, map[string]any{"title": "空", "content": "<script>x</script>"}), 400, "post.empty")
		expect(t, a.api(t, "POST", "/posts", u.Access, map[string]any{"title": "图", "content": "x", "image_urls": []string{"javascript:alert(1)"}}), 400, "post.invalid_image")
		expect(t, a.api(t, "POST", "/posts", u.Access, map[string]any{"title": "长", "content": strings.Repeat("长", 30000)}), 400, "post.too_long")
		expect(t, a.api(t, "POST", "/posts", "", map[string]any{"title": "匿名", "content": "x"}), 401, "")

		r := a.api(t, "POST", "/posts", u.Access, map[string]any{"title": "周末去爬山",
			"content": `<p onclick="x()">周六<strong>早上八点</strong>集合<script>alert(1)</script></p><a href="javascript:alert(1)">链接</a>`})
		expect(t, r, 201, "")
		p1 := r.json(t)
		if c := str(p1["content"]); c != "<p>周六<strong>早上八点</strong>集合</p>链接" || p1["status"] != "published" || p1["club_id"] != nil {
			t.Fatalf("cleaned post: %v", p1)
		}
		id1 := str(p1["id"])

		// Likes.
		expect(t, a.api(t, "PUT", "/posts/"+id1+"/like", v.Access, nil), 200, "")
		expect(t, a.api(t, "PUT", "/posts/"+id1+"/like", v.Access, nil), 409, "post.already_liked")
		if got := a.api(t, "GET", "/posts/"+id1, v.Access, nil).json(t); got["like_count"] != float64(1) || got["liked"] != true {
			t.Fatalf("liked post: %v", got)
		}
		expect(t, a.api(t, "DELETE", "/posts/"+id1+"/like", v.Access, nil), 200, "")
		expect(t, a.api(t, "DELETE", "/posts/"+id1+"/like", v.Access, nil), 409, "post.not_liked")

		// Comments and replies (one level).
		r = a.api(t, "POST", "/posts/"+id1+"/comments", v.Access, map[string]any{"content": "我也去"})
		expect(t, r, 201, "")
		c1 := str(r.json(t)["id"])
		r = a.api(t, "POST", "/posts/"+id1+"/comments", u.Access, map[string]any{"content": "好呀", "parent_id": c1})
		expect(t, r, 201, "")
		expect(t, a.api(t, "POST", "/posts/"+id1+"/comments", v.Access, map[string]any{"content": "套娃", "parent_id": str(r.json(t)["id"])}), 400, "comment.invalid_parent")
		expect(t, a.api(t, "POST", "/posts/"+id1+"/comments", v.Access, map[string]any{"content": " "}), 400, "post.empty")
		items, _ := a.api(t, "GET", "/posts/"+id1+"/comments", "", nil).json(t)["items"].([]any)
		if len(items) != 2 || str(items[1].(map[string]any)["parent_id"]) != c1 {
			t.Fatalf("comments: %v", items)
		}
		if got := a.api(t, "GET", "/posts/"+id1, "", nil).json(t); got["comment_count"] != float64(2) {
			t.Fatalf("comment count: %v", got)
		}

		// Held for review: invisible to others until a moderator decides.
		expect(t, a.api(t, "POST", "/admin/sensitive-words", root.Access, map[string]any{"word": "刷单", "action": "review"}), 201, "")
		r = a.api(t, "POST", "/posts", u.Access, map[string]any{"title": "兼职", "content": "<p>在家刷单日结</p>"})
		expect(t, r, 201, "")
		held := str(r.json(t)["id"])
		if r.json(t)["status"] != "pending_review" {
			t.Fatalf("held post: %s", r.Body)
		}
		expect(t, a.api(t, "GET", "/posts/"+held, v.Access, nil), 404, "post.not_found")
		expect(t, a.api(t, "PUT", "/posts/"+held+"/like", v.Access, nil), 404, "post.not_found")
		r = a.api(t, "POST", "/posts", u.Access, map[string]any{"title": "再来", "content": "刷单"})
		held2 := str(r.json(t)["id"])
		expect(t, a.api(t, "GET", "/admin/moderation", u.Access, nil), 403, "")
		q := a.api(t, "GET", "/admin/moderation", root.Access, nil)
		if ps, _ := q.json(t)["posts"].([]any); len(ps) != 2 {
			t.Fatalf("queue: %s", q.Body)
		}
		expect(t, a.api(t, "POST", "/admin/moderation/post/"+held+"/approve", root.Access, nil), 204, "")
		expect(t, a.api(t, "POST", "/admin/moderation/post/"+held+"/approve", root.Access, nil), 409, "moderation.not_pending")
		expect(t, a.api(t, "POST", "/admin/moderation/post/"+held2+"/reject", root.Access, nil), 400, "moderation.reason_required")
		expect(t, a.api(t, "POST", "/admin/moderation/post/"+held2+"/reject", root.Access, map[string]any{"reason": "疑似兼职诈骗"}), 204, "")
		expect(t, a.api(t, "GET", "/posts/"+held, v.Access, nil), 200, "")
		mine := string(a.api(t, "GET", "/me/posts", u.Access, nil).Body)
		if !strings.Contains(mine, `"status":"rejected"`) || !strings.Contains(mine, "疑似兼职诈骗") {
			t.Fatalf("the author's posts: %s", mine)
		}
		expect(t, a.api(t, "POST", "/posts", u.Access, map[string]any{"title": "赌", "content": "网络赌博"}), 400, "post.blocked")

		// Club boards: members post; members-only posts stay inside.
		cat := str(a.api(t, "POST", "/admin/club-categories", root.Access, map[string]any{"name": "户外"}).json(t)["id"])
		club := str(a.api(t, "POST", "/clubs", u.Access, map[string]any{"name": "登山社", "category_id": cat}).json(t)["id"])
		expect(t, a.api(t, "POST", "/admin/clubs/"+club+"/approve", root.Access, nil), 200, "")
		expect(t, a.api(t, "POST", "/posts", v.Access, map[string]any{"club_id": club, "title": "我想加入", "content": "x"}), 403, "post.not_club_member")
		expect(t, a.api(t, "POST", "/posts", v.Access, map[string]any{"club_id": "nope", "title": "x", "content": "x"}), 400, "post.unknown_club")
		r = a.api(t, "POST", "/posts", u.Access, map[string]any{"club_id": club, "title": "内部通知", "content": "装备清单", "members_only": true})
		expect(t, r, 201, "")
		inner := str(r.json(t)["id"])
		expect(t, a.api(t, "GET", "/posts/"+inner, v.Access, nil), 404, "post.not_found")
		if items, _ := a.api(t, "GET", "/posts?club_id="+club, v.Access, nil).json(t)["items"].([]any); len(items) != 0 {
			t.Fatalf("an outsider lists members-only posts: %v", items)
		}
		if items, _ := a.api(t, "GET", "/posts?club_id="+club, u.Access, nil).json(t)["items"].([]any); len(items) != 1 {
			t.Fatalf("a member's board: %v", items)
		}
		expect(t, a.api(t, "PATCH", "/posts/"+id1, v.Access, map[string]any{"pinned": true}), 403, "post.forbidden")
		expect(t, a.api(t, "DELETE", "/posts/"+id1, v.Access, nil), 403, "post.forbidden")
	})
}

// The hot order: points lift a post, age brings it down, computed as the
// points change (never per request).
func TestPostsHotOrder(t *testing.T) {
	clk := newClock()
	a := startApp(t, single, withClock(clk))
	author := a.register(t, "13800001000", "secret-pass-1")
	post := func(title string) string {
		r := a.api(t, "POST", "/posts", author.Access, map[string]any{"title": title, "content": title})
		expect(t, r, 201, "")
		return str(r.json(t)["id"])
	}
	hot := func() []string {
		r := a.api(t, "GET", "/posts?sort=hot&limit=10", "", nil)
		var out []string
		items, _ := r.json(t)["items"].([]any)
		for _, it := range items {
			out = append(out, str(it.(map[string]any)["title"]))
		}
		return out
	}
	old := post("旧帖")
	clk.Advance(time.Hour)
	author = signIn(t, a, "13800001000")
	post("新帖")
	if got := strings.Join(hot(), ","); got != "新帖,旧帖" {
		t.Fatalf("no points: %s", got)
	}
	// Ten likes lift the older post above the newer one.
	for i := range 10 {
		l := a.register(t, fmt.Sprintf("138000010%02d", i+1), "secret-pass-1")
		expect(t, a.api(t, "PUT", "/posts/"+old+"/like", l.Access, nil), 200, "")
	}
	if got := strings.Join(hot(), ","); got != "旧帖,新帖" {
		t.Fatalf("with ten likes: %s", got)
	}
	// A day later a fresh post outranks both.
	clk.Advance(26 * time.Hour)
	author = signIn(t, a, "13800001000")
	post("今天的帖")
	if got := strings.Join(hot(), ","); got != "今天的帖,旧帖,新帖" {
		t.Fatalf("a day later: %s", got)
	}
	// Latest is by time.
	r := a.api(t, "GET", "/posts?limit=2", "", nil)
	if items, _ := r.json(t)["items"].([]any); len(items) != 2 || str(items[0].(map[string]any)["title"]) != "今天的帖" {
		t.Fatalf("latest: %s", r.Body)
	}
	next := str(r.json(t)["next_cursor"])
	r = a.api(t, "GET", "/posts?limit=2&cursor="+next, "", nil)
	if items, _ := r.json(t)["items"].([]any); len(items) != 1 || str(items[0].(map[string]any)["title"]) != "旧帖" {
		t.Fatalf("latest page 2: %s", r.Body)
	}
}
