package app

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// hotIDs pages through a board's hot list over HTTP (the ranking path)
// three posts at a time and returns the ids in order.
func hotIDs(t *testing.T, a *testApp, clubID, token string) []string {
	t.Helper()
	var out []string
	cursor := ""
	for range 50 {
		q := url.Values{"sort": {"hot"}, "limit": {"3"}}
		if clubID != "" {
			q.Set("club_id", clubID)
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		r := a.api(t, "GET", "/posts?"+q.Encode(), token, nil)
		expect(t, r, 200, "")
		body := r.json(t)
		items, _ := body["items"].([]any)
		for _, it := range items {
			out = append(out, str(it.(map[string]any)["id"]))
		}
		cursor = str(body["next_cursor"])
		if cursor == "" {
			return out
		}
	}
	t.Fatal("hot list does not end")
	return nil
}

// dbHotIDs is the database's hot order of a board.
func dbHotIDs(t *testing.T, a *testApp, clubID string, members bool) []string {
	t.Helper()
	q := a.DB.Gorm.WithContext(context.Background()).Table("posts").Where("club_id = ? AND status = ?", clubID, "published")
	if !members {
		q = q.Where("members_only = ?", false)
	}
	var ids []string
	if err := q.Order("pinned DESC, hot_score DESC, id").Pluck("id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	return ids
}

// Acceptance 5: the hot list is served from the ranking (memory on the
// single binary, Redis ZSETs when scaled), kept up to date after every
// like, unlike, comment, approval, pin and delete, and it equals the
// database's order after each of them; a cold ranking (expired, Redis
// flushed) is rebuilt once, not per request; members-only, held and
// deleted posts never come out of it.
func TestPostsHotCacheAgreesWithDatabase(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		a := startApp(t, b, withClock(clk))
		root := a.admin(t, "root@example.com")
		author := a.register(t, "13800002000", "secret-pass-1")
		outsider := a.register(t, "13800002001", "secret-pass-1")
		var fans []tokens
		for i := range 6 {
			fans = append(fans, a.register(t, fmt.Sprintf("138000021%02d", i), "secret-pass-1"))
		}
		post := func(tok string, body map[string]any) string {
			t.Helper()
			clk.Advance(10 * time.Second)
			r := a.api(t, "POST", "/posts", tok, body)
			expect(t, r, 201, "")
			return str(r.json(t)["id"])
		}
		var square []string
		for i := range 7 {
			square = append(square, post(author.Access, map[string]any{"title": fmt.Sprintf("帖子%d", i), "content": "内容"}))
		}
		agree := func(step string) {
			t.Helper()
			got, want := hotIDs(t, a, "", ""), dbHotIDs(t, a, "", false)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("%s: the ranking's hot list\n%v\ndiffers from the database's\n%v", step, got, want)
			}
		}
		agree("fresh posts")
		warm := a.Posts.HotRebuilds()
		if warm != 2 { // the square's pinned and other posts
			t.Fatalf("rebuilds after the first read: %d, want 2", warm)
		}

		like := func(who tokens, id string, on bool) {
			t.Helper()
			m := "PUT"
			if !on {
				m = "DELETE"
			}
			expect(t, a.api(t, m, "/posts/"+id+"/like", who.Access, nil), 200, "")
		}
		for i, f := range fans {
			like(f, square[1], true)
			if i < 3 {
				like(f, square[4], true)
			}
		}
		agree("likes")
		like(fans[0], square[1], false)
		like(fans[1], square[1], false)
		agree("unlikes")
		for i := range 4 {
			expect(t, a.api(t, "POST", "/posts/"+square[2]+"/comments", fans[i].Access, map[string]any{"content": "顶"}), 201, "")
		}
		agree("comments")
		expect(t, a.api(t, "DELETE", "/posts/"+square[4], author.Access, nil), 204, "")
		agree("a delete")
		expect(t, a.api(t, "PATCH", "/posts/"+square[0], root.Access, map[string]any{"pinned": true}), 200, "")
		if got := hotIDs(t, a, "", ""); got[0] != square[0] {
			t.Fatalf("the pinned post is not first: %v", got)
		}
		agree("a pin")

		// Held texts stay out until approved; held comments count once
		// approved.
		expect(t, a.api(t, "POST", "/admin/sensitive-words", root.Access, map[string]any{"word": "刷单", "action": "review"}), 201, "")
		held := post(author.Access, map[string]any{"title": "兼职", "content": "刷单"})
		for _, id := range hotIDs(t, a, "", "") {
			if id == held {
				t.Fatal("a held post is in the hot list")
			}
		}
		agree("a held post")
		expect(t, a.api(t, "POST", "/admin/moderation/post/"+held+"/approve", root.Access, nil), 204, "")
		agree("an approved post")
		r := a.api(t, "POST", "/posts/"+square[5]+"/comments", fans[0].Access, map[string]any{"content": "刷单"})
		expect(t, r, 201, "")
		expect(t, a.api(t, "POST", "/admin/moderation/comment/"+str(r.json(t)["id"])+"/approve", root.Access, nil), 204, "")
		agree("an approved comment")
		expect(t, a.api(t, "PATCH", "/posts/"+square[0], root.Access, map[string]any{"pinned": false}), 200, "")
		agree("an unpin")
		if n := a.Posts.HotRebuilds(); n != warm {
			t.Fatalf("rebuilds while warm: %d, want %d (updates are incremental)", n, warm)
		}

		// A club board: members-only posts for members only.
		cat := str(a.api(t, "POST", "/admin/club-categories", root.Access, map[string]any{"name": "户外"}).json(t)["id"])
		club := str(a.api(t, "POST", "/clubs", author.Access, map[string]any{"name": "登山社", "category_id": cat}).json(t)["id"])
		expect(t, a.api(t, "POST", "/admin/clubs/"+club+"/approve", root.Access, nil), 200, "")
		pub := post(author.Access, map[string]any{"club_id": club, "title": "招新", "content": "欢迎"})
		inner := post(author.Access, map[string]any{"club_id": club, "title": "内部", "content": "装备", "members_only": true})
		inner2 := post(author.Access, map[string]any{"club_id": club, "title": "内部2", "content": "路线", "members_only": true})
		like(author, inner, true)
		clubAgree := func(step string) {
			t.Helper()
			if got, want := hotIDs(t, a, club, author.Access), dbHotIDs(t, a, club, true); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("%s, member: %v, database %v", step, got, want)
			}
			got := hotIDs(t, a, club, outsider.Access)
			if want := dbHotIDs(t, a, club, false); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("%s, outsider: %v, database %v", step, got, want)
			}
			for _, id := range got {
				if id == inner || id == inner2 {
					t.Fatalf("%s: an outsider sees a members-only post", step)
				}
			}
		}
		clubAgree("club board")
		if got := hotIDs(t, a, club, outsider.Access); len(got) != 1 || got[0] != pub {
			t.Fatalf("outsider's club board: %v", got)
		}
		like(fans[1], pub, true)
		like(fans[2], pub, true)
		expect(t, a.api(t, "DELETE", "/posts/"+inner2, author.Access, nil), 204, "")
		clubAgree("club likes and a delete")

		if b == scaled {
			// A stale or forged entry in the outsiders' set never shows a
			// members-only post: the posts are checked after loading.
			rc := redisClient(t, a)
			key := a.Config.RedisPrefix + "rank:{posts:c:" + club + ":pub:hot}:z"
			if err := rc.ZAdd(context.Background(), key, redis.Z{Score: -1e9, Member: inner}).Err(); err != nil {
				t.Fatal(err)
			}
			clubAgree("a forged entry")
			if n, _ := rc.ZScore(context.Background(), key, inner).Result(); n != 0 {
				t.Fatal("the forged entry was not taken out")
			}
		}

		// Cold: the ranking expires (single binary, by the clock) or Redis
		// is flushed (scaled); many readers at once rebuild each board once.
		before := a.Posts.HotRebuilds()
		if b == scaled {
			rc := redisClient(t, a)
			keys, err := rc.Keys(context.Background(), a.Config.RedisPrefix+"rank:*").Result()
			if err != nil || len(keys) == 0 {
				t.Fatalf("ranking keys: %v %v", keys, err)
			}
			if err := rc.Del(context.Background(), keys...).Err(); err != nil {
				t.Fatal(err)
			}
		} else {
			clk.Advance(hotBoardTTL + time.Second)
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				r := call(t, "GET", a.URL+"/api/v1/posts?sort=hot&limit=3", "", nil)
				if r.Status != 200 {
					t.Errorf("hot list while cold: %d %s", r.Status, r.Body)
				}
			})
		}
		wg.Wait()
		if n := a.Posts.HotRebuilds() - before; n != 2 {
			t.Fatalf("rebuilds of the cold square by 8 readers: %d, want 2", n)
		}
		agree("rebuilt")
		if n := a.Posts.HotRebuilds() - before; n != 2 {
			t.Fatalf("rebuilds after more reads: %d, want 2", n)
		}
		like(fans[5], square[6], true)
		agree("a like after the rebuild")
		clubAgree("club board rebuilt")
	})
}

func redisClient(t *testing.T, a *testApp) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(a.Config.RedisURL)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Favorites: a second favorite is a 409 like a second like; `favorited`
// in the caller's view; the caller's list with a cursor, newest first;
// members-only posts of a club the caller left are not shown, deleted
// posts neither.
func TestPostsFavorites(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		a := startApp(t, b, withClock(clk))
		root := a.admin(t, "root@example.com")
		owner := a.register(t, "13800003000", "secret-pass-1")
		fan := a.register(t, "13800003001", "secret-pass-1")
		other := a.register(t, "13800003002", "secret-pass-1")

		cat := str(a.api(t, "POST", "/admin/club-categories", root.Access, map[string]any{"name": "读书"}).json(t)["id"])
		club := str(a.api(t, "POST", "/clubs", owner.Access, map[string]any{"name": "读书会", "category_id": cat}).json(t)["id"])
		expect(t, a.api(t, "POST", "/admin/clubs/"+club+"/approve", root.Access, nil), 200, "")
		r := a.api(t, "POST", "/clubs/"+club+"/applications", fan.Access, map[string]any{"message": "想加入"})
		expect(t, r, 201, "")
		expect(t, a.api(t, "POST", "/clubs/"+club+"/applications/"+str(r.json(t)["id"])+"/approve", owner.Access, nil), 200, "")

		post := func(body map[string]any) string {
			t.Helper()
			clk.Advance(time.Second)
			r := a.api(t, "POST", "/posts", owner.Access, body)
			expect(t, r, 201, "")
			return str(r.json(t)["id"])
		}
		var square []string
		for i := range 5 {
			square = append(square, post(map[string]any{"title": fmt.Sprintf("书单%d", i), "content": "推荐"}))
		}
		inner := post(map[string]any{"club_id": club, "title": "内部书单", "content": "成员可见", "members_only": true})

		fav := func(tok tokens, id string, status int, code string) {
			t.Helper()
			clk.Advance(time.Millisecond)
			expect(t, a.api(t, "PUT", "/posts/"+id+"/favorite", tok.Access, nil), status, code)
		}
		expect(t, a.api(t, "PUT", "/posts/"+square[0]+"/favorite", "", nil), 401, "")
		expect(t, a.api(t, "PUT", "/posts/nope/favorite", fan.Access, nil), 404, "post.not_found")
		expect(t, a.api(t, "PUT", "/posts/"+inner+"/favorite", other.Access, nil), 404, "post.not_found")
		for _, id := range square {
			fav(fan, id, 200, "")
		}
		fav(fan, inner, 200, "")
		fav(fan, square[0], 409, "post.already_favorited")
		fav(other, square[0], 200, "")

		r = a.api(t, "GET", "/posts/"+square[0], fan.Access, nil)
		if v := r.json(t); v["favorited"] != true {
			t.Fatalf("favorited in the view: %s", r.Body)
		}
		if v := a.api(t, "GET", "/posts/"+square[1], other.Access, nil).json(t); v["favorited"] != false {
			t.Fatalf("someone else's favorite shows: %v", v)
		}
		if items, _ := a.api(t, "GET", "/posts?limit=50", fan.Access, nil).json(t)["items"].([]any); len(items) != 5 || items[0].(map[string]any)["favorited"] != true {
			t.Fatalf("favorited in the list: %v", items)
		}

		favs := func(tok tokens, limit int) []string {
			t.Helper()
			var out []string
			cursor := ""
			for range 20 {
				q := fmt.Sprintf("/me/favorites/posts?limit=%d", limit)
				if cursor != "" {
					q += "&cursor=" + url.QueryEscape(cursor)
				}
				r := a.api(t, "GET", q, tok.Access, nil)
				expect(t, r, 200, "")
				body := r.json(t)
				items, _ := body["items"].([]any)
				for _, it := range items {
					m := it.(map[string]any)
					if m["favorited"] != true {
						t.Fatalf("an item of one's favorites not favorited: %v", m)
					}
					out = append(out, str(m["id"]))
				}
				if cursor = str(body["next_cursor"]); cursor == "" {
					return out
				}
			}
			t.Fatal("favorites do not end")
			return nil
		}
		want := []string{inner, square[4], square[3], square[2], square[1], square[0]}
		for _, limit := range []int{2, 4, 50} {
			if got := favs(fan, limit); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("favorites by %d: %v, want %v", limit, got, want)
			}
		}
		expect(t, a.api(t, "GET", "/me/favorites/posts", "", nil), 401, "")
		expect(t, a.api(t, "GET", "/me/favorites/posts?cursor=bad!", fan.Access, nil), 400, "post.invalid_cursor")

		// Unfavorite; a second time is a 409.
		expect(t, a.api(t, "DELETE", "/posts/"+square[2]+"/favorite", fan.Access, nil), 200, "")
		expect(t, a.api(t, "DELETE", "/posts/"+square[2]+"/favorite", fan.Access, nil), 409, "post.not_favorited")
		// A deleted post and a club left: both gone from the list.
		expect(t, a.api(t, "DELETE", "/posts/"+square[3], owner.Access, nil), 204, "")
		me := a.api(t, "GET", "/me", fan.Access, nil).json(t)
		expect(t, a.api(t, "DELETE", "/clubs/"+club+"/members/"+str(me["id"]), fan.Access, nil), 204, "")
		want = []string{square[4], square[1], square[0]}
		for _, limit := range []int{1, 50} {
			if got := favs(fan, limit); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("favorites after leaving by %d: %v, want %v", limit, got, want)
			}
		}
		if got := favs(other, 10); len(got) != 1 || got[0] != square[0] {
			t.Fatalf("another user's favorites: %v", got)
		}
	})
}
