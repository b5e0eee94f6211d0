package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/zuju/zuju/internal/config"
)

// A room opens once when the activity forms, with the organizer and the
// seated participants; only members read, receive and send; a member
// removed mid-connection stops receiving at once; people who take or give
// up a seat later join and leave.
func TestChatRoomLifecycleAndAccess(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		id, org, ms := formedActivity(t, a, root, "1350000100")
		u1, u2 := ms[0], ms[1]
		if room := str(a.api(t, "GET", "/activities/"+id, u1.Access, nil).json(t)["chat_room_id"]); room != id {
			t.Fatalf("the activity's chat_room_id: %q", room)
		}
		// A redelivered formation changes nothing.
		if created, err := a.Chat.OpenRoom(ctx, id); err != nil || created {
			t.Fatalf("second formation: %v %v", created, err)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM chat_rooms"); n != 1 {
			t.Fatalf("%d rooms", n)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM chat_messages WHERE kind = 'system'"); n != 1 {
			t.Fatalf("%d welcome messages", n)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM chat_members WHERE room_id = ?", id); n != 3 {
			t.Fatalf("%d members, want the organizer and two participants", n)
		}

		// Outsiders: 403 on history and sending, no frames.
		outsider := a.register(t, "13500001009", "secret-pass-1")
		expect(t, a.api(t, "GET", "/chat/rooms/"+id+"/messages", outsider.Access, nil), 403, "chat.not_member")
		expect(t, postMessage(t, a, outsider.Access, id, "你好", "x1"), 403, "chat.not_member")
		expect(t, a.api(t, "GET", "/chat/rooms/nope/messages", u1.Access, nil), 404, "chat.room_not_found")
		expect(t, a.api(t, "GET", "/chat/rooms/"+id+"/messages", "", nil), 401, "")
		c1, c2, co, cOrg := dial(t, a, u1.Access), dial(t, a, u2.Access), dial(t, a, outsider.Access), dial(t, a, org.Access)
		co.send(map[string]any{"type": "send", "room_id": id, "content": "我也来", "client_id": "o1"})
		if f := co.until("an error", func(f map[string]any) bool { return f["type"] == "error" }); f["code"] != "chat.not_member" {
			t.Fatalf("outsider's send: %v", f)
		}

		r := postMessage(t, a, u2.Access, id, "周六下午两点集合？", "m1")
		expect(t, r, 201, "")
		for _, c := range []*wsClient{c1, c2, cOrg} {
			if m := c.message(); m["content"] != "周六下午两点集合？" || str(m["id"]) != str(r.json(t)["id"]) {
				t.Fatalf("delivered: %v", m)
			}
		}
		co.quiet(300 * time.Millisecond)

		// The organizer removes u2: within a second their connection is
		// told and receives no more, and their history is closed.
		expect(t, a.api(t, "DELETE", "/chat/rooms/"+id+"/members/"+u1.UserID, u2.Access, nil), 403, "chat.not_moderator")
		expect(t, a.api(t, "DELETE", "/chat/rooms/"+id+"/members/"+org.UserID, root.Access, nil), 409, "chat.cannot_moderate_organizer")
		start := time.Now()
		expect(t, a.api(t, "DELETE", "/chat/rooms/"+id+"/members/"+u2.UserID, org.Access, nil), 204, "")
		f := c2.until("the removal", func(f map[string]any) bool { return f["event"] == "removed" })
		if f["room_id"] != id || time.Since(start) > time.Second {
			t.Fatalf("removal frame %v after %s", f, time.Since(start))
		}
		expect(t, postMessage(t, a, u1.Access, id, "好的", "m2"), 201, "")
		if m := c1.message(); !strings.Contains(str(m["content"]), "移出") && m["content"] != "好的" {
			t.Fatalf("after the removal: %v", m)
		}
		c2.quiet(400 * time.Millisecond)
		expect(t, a.api(t, "GET", "/chat/rooms/"+id+"/messages", u2.Access, nil), 403, "chat.not_member")
		// Removed for good: taking a seat again does not bring them back.
		if err := a.Chat.SyncSeat(ctx, id, u2.UserID); err != nil {
			t.Fatal(err)
		}
		expect(t, a.api(t, "GET", "/chat/rooms/"+id+"/messages", u2.Access, nil), 403, "chat.not_member")

		// A later participant joins on their live connection; giving the
		// seat up takes them out again.
		u3 := a.register(t, "13500001003", "secret-pass-1")
		c3 := dial(t, a, u3.Access)
		expect(t, a.api(t, "POST", "/activities/"+id+"/signups", u3.Access, nil), 201, "")
		c3.until("joining", func(f map[string]any) bool { return f["event"] == "joined" && f["room_id"] == id })
		if m := c3.message(); !strings.Contains(str(m["content"]), "加入了群聊") {
			t.Fatalf("join message: %v", m)
		}
		expect(t, a.api(t, "DELETE", "/activities/"+id+"/signups/me", u3.Access, nil), 200, "")
		c3.until("leaving", func(f map[string]any) bool { return f["event"] == "removed" && f["room_id"] == id })
		expect(t, a.api(t, "GET", "/chat/rooms/"+id+"/messages", u3.Access, nil), 403, "chat.not_member")

		// A ban ends the account's live connections.
		expect(t, a.api(t, "POST", "/admin/users/"+u1.UserID+"/ban", root.Access, map[string]any{"reason": "发布广告"}), 200, "")
		if code := c1.closed(); code != websocket.StatusPolicyViolation {
			t.Fatalf("a banned user's connection closed with %v", code)
		}
	})
}

// A reconnecting client resumes after the last message it saw and misses
// nothing; a resent client_id is acked with the original, stored once.
func TestChatResumeAndDuplicates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		id, _, ms := formedActivity(t, a, root, "1350000200")
		u1, u2 := ms[0], ms[1]
		c1 := dial(t, a, u1.Access)
		expect(t, postMessage(t, a, u2.Access, id, "第一条", "a0"), 201, "")
		seen := c1.message()
		_ = c1.ws.CloseNow() // the network blips

		var want []string
		for i := range 7 {
			content := fmt.Sprintf("断线期间 %d", i)
			expect(t, postMessage(t, a, u2.Access, id, content, fmt.Sprintf("a%d", i+1)), 201, "")
			want = append(want, content)
		}
		c1 = dial(t, a, u1.Access)
		c1.send(map[string]any{"type": "resume", "room_id": id, "message_id": seen["id"]})
		var got []string
		for {
			f := c1.next()
			if f["event"] == "resumed" {
				break
			}
			if f["type"] == "message" {
				m, _ := f["message"].(map[string]any)
				got = append(got, str(m["content"]))
			}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("resumed %q, want %q", got, want)
		}

		// The same client_id twice over the socket and once over HTTP.
		c2 := dial(t, a, u2.Access)
		for range 2 {
			c2.send(map[string]any{"type": "send", "room_id": id, "content": "重复发送", "client_id": "dup-1"})
		}
		var ids []string
		for len(ids) < 2 {
			f := c2.until("an ack", func(f map[string]any) bool { return f["type"] == "ack" || f["type"] == "error" })
			if f["type"] == "error" || f["client_id"] != "dup-1" {
				t.Fatalf("ack: %v", f)
			}
			m, _ := f["message"].(map[string]any)
			ids = append(ids, str(m["id"]))
		}
		r := postMessage(t, a, u2.Access, id, "重复发送", "dup-1")
		expect(t, r, 200, "")
		if ids[0] != ids[1] || str(r.json(t)["id"]) != ids[0] {
			t.Fatalf("a resent client_id made another message: %v %s", ids, r.Body)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM chat_messages WHERE client_id = 'dup-1'"); n != 1 {
			t.Fatalf("%d messages stored for one client_id", n)
		}

		// History pages back with a cursor, newest first.
		r = a.api(t, "GET", "/chat/rooms/"+id+"/messages?limit=3", u1.Access, nil)
		expect(t, r, 200, "")
		items, _ := r.json(t)["items"].([]any)
		cursor := str(r.json(t)["next_cursor"])
		if len(items) != 3 || cursor == "" || str(items[0].(map[string]any)["content"]) != "重复发送" {
			t.Fatalf("first page: %s", r.Body)
		}
		r = a.api(t, "GET", "/chat/rooms/"+id+"/messages?limit=100&before="+cursor, u1.Access, nil)
		items, _ = r.json(t)["items"].([]any)
		if len(items) != 7 || r.json(t)["next_cursor"] != nil { // welcome, 第一条 and five more
			t.Fatalf("last page: %d items, %v", len(items), r.json(t)["next_cursor"])
		}
		expect(t, a.api(t, "GET", "/chat/rooms/"+id+"/messages?before=abc", u1.Access, nil), 422, "")
	})
}

// Mute, remove, delete, read markers, unread counts and the word filter.
func TestChatModeration(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		id, org, ms := formedActivity(t, a, root, "1350000300")
		u1, u2 := ms[0], ms[1]
		c2 := dial(t, a, u2.Access)

		// Unread counts: the welcome and three messages of u1.
		for i := range 3 {
			expect(t, postMessage(t, a, u1.Access, id, fmt.Sprintf("消息 %d", i), ""), 201, "")
		}
		var last map[string]any
		for range 3 {
			last = c2.message()
		}
		rooms := func(tok string) map[string]any {
			items, _ := a.api(t, "GET", "/chat/rooms", tok, nil).json(t)["items"].([]any)
			return items[0].(map[string]any)
		}
		if r := rooms(u2.Access); r["unread"] != float64(4) || str(r["last_message"].(map[string]any)["content"]) != "消息 2" {
			t.Fatalf("u2's room: %v", r)
		}
		if r := rooms(u1.Access); r["unread"] != float64(0) {
			t.Fatalf("one's own messages count as read: %v", r)
		}
		c2.send(map[string]any{"type": "read", "room_id": id, "message_id": last["id"]})
		eventually(t, "the read marker moves", func() bool { return rooms(u2.Access)["unread"] == float64(0) })
		expect(t, a.api(t, "POST", "/chat/rooms/"+id+"/read", u2.Access, map[string]any{"message_id": "nope"}), 404, "chat.message_not_found")

		// The filter masks a replace word and refuses a block word.
		expect(t, postMessage(t, a, u1.Access, id, "你真是个傻 逼", ""), 201, "")
		if m := c2.message(); strings.Contains(str(m["content"]), "傻") {
			t.Fatalf("masked: %v", m)
		}
		c2.send(map[string]any{"type": "send", "room_id": id, "content": "来玩网络ＤＵ博吗 网络赌博", "client_id": "bad"})
		if f := c2.until("the refusal", func(f map[string]any) bool { return f["type"] == "error" }); f["code"] != "chat.blocked" || f["client_id"] != "bad" {
			t.Fatalf("blocked: %v", f)
		}
		expect(t, postMessage(t, a, u1.Access, id, "   ", ""), 400, "chat.empty")
		expect(t, postMessage(t, a, u1.Access, id, strings.Repeat("长", 1001), ""), 400, "chat.too_long")

		// Mute: refused with the time; the room is told; lifted again.
		expect(t, a.api(t, "PUT", "/chat/rooms/"+id+"/members/"+u2.UserID+"/mute", u1.Access, map[string]any{"minutes": 10}), 403, "chat.not_moderator")
		expect(t, a.api(t, "PUT", "/chat/rooms/"+id+"/members/"+u2.UserID+"/mute", org.Access, map[string]any{"minutes": 0}), 422, "")
		expect(t, a.api(t, "PUT", "/chat/rooms/"+id+"/members/"+u2.UserID+"/mute", org.Access, map[string]any{"minutes": 10}), 200, "")
		c2.until("the mute", func(f map[string]any) bool { return f["event"] == "muted" && f["user_id"] == u2.UserID })
		c2.send(map[string]any{"type": "send", "room_id": id, "content": "我还能说话吗", "client_id": "m"})
		if f := c2.until("the refusal", func(f map[string]any) bool { return f["type"] == "error" }); f["code"] != "chat.muted" {
			t.Fatalf("muted send: %v", f)
		}
		mem := a.api(t, "GET", "/chat/rooms/"+id+"/members", u1.Access, nil)
		expect(t, mem, 200, "")
		if !strings.Contains(string(mem.Body), `"muted_until":"`) || !strings.Contains(string(mem.Body), `"online":true`) {
			t.Fatalf("members: %s", mem.Body)
		}
		expect(t, a.api(t, "DELETE", "/chat/rooms/"+id+"/members/"+u2.UserID+"/mute", root.Access, nil), 200, "")
		expect(t, postMessage(t, a, u2.Access, id, "解除了", ""), 201, "")

		// Delete: the sender's own, anyone's by the organizer; not others'.
		r := postMessage(t, a, u1.Access, id, "发错了", "")
		mid := str(r.json(t)["id"])
		expect(t, a.api(t, "DELETE", "/chat/rooms/"+id+"/messages/"+mid, u2.Access, nil), 403, "chat.not_moderator")
		expect(t, a.api(t, "DELETE", "/chat/rooms/"+id+"/messages/"+mid, u1.Access, nil), 204, "")
		c2.until("the deletion", func(f map[string]any) bool { return f["event"] == "deleted" && f["message_id"] == mid })
		hist := a.api(t, "GET", "/chat/rooms/"+id+"/messages?limit=1", u2.Access, nil)
		if m := hist.json(t)["items"].([]any)[0].(map[string]any); m["deleted"] != true || m["content"] != "" {
			t.Fatalf("a deleted message in history: %v", m)
		}

		// Reports: once per member and message.
		r = postMessage(t, a, u1.Access, id, "可疑链接", "")
		mid = str(r.json(t)["id"])
		expect(t, a.api(t, "POST", "/chat/rooms/"+id+"/messages/"+mid+"/reports", u2.Access, map[string]any{"reason": "广告"}), 201, "")
		expect(t, a.api(t, "POST", "/chat/rooms/"+id+"/messages/"+mid+"/reports", u2.Access, map[string]any{"reason": "广告"}), 200, "")
		expect(t, a.api(t, "POST", "/chat/rooms/"+id+"/messages/"+mid+"/reports", u2.Access, map[string]any{"reason": " "}), 400, "chat.report_reason")
		if n := count(t, a, "SELECT COUNT(*) FROM reports WHERE target_type = 'message' AND snapshot = '可疑链接'"); n != 1 {
			t.Fatalf("%d reports", n)
		}
	})
}

// Malformed frames get an error frame or a close code, never a crash;
// goroutines and open files go back to their baseline once clients leave.
func TestChatMalformedFrames(t *testing.T) {
	a := startApp(t, single)
	root := a.admin(t, "root@example.com")
	id, _, ms := formedActivity(t, a, root, "1350000400")
	u1 := ms[0]
	warm := dial(t, a, u1.Access)
	_ = warm.ws.CloseNow()
	time.Sleep(200 * time.Millisecond)
	baseG, baseF := goroutines(), openFiles(t)

	c := dial(t, a, u1.Access)
	if err := c.ws.Write(context.Background(), websocket.MessageText, []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	if f := c.next(); f["code"] != "chat.bad_frame" {
		t.Fatalf("invalid JSON: %v", f)
	}
	c.send(map[string]any{"type": "dance"})
	if f := c.next(); f["code"] != "chat.unknown_type" {
		t.Fatalf("unknown type: %v", f)
	}
	c.send(map[string]any{"type": "send", "room_id": id, "content": "x", "client_id": strings.Repeat("c", 65)})
	if f := c.next(); f["code"] != "chat.invalid_client_id" {
		t.Fatalf("long client id: %v", f)
	}
	c.send(map[string]any{"type": "ping"})
	if f := c.next(); f["type"] != "pong" {
		t.Fatalf("ping: %v", f)
	}
	if err := c.ws.Write(context.Background(), websocket.MessageBinary, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if code := c.closed(); code != websocket.StatusUnsupportedData {
		t.Fatalf("binary frame closed with %v", code)
	}

	big := dial(t, a, u1.Access)
	big.send(map[string]any{"type": "send", "room_id": id, "content": strings.Repeat("大", 4000)})
	if code := big.closed(); code != websocket.StatusMessageTooBig {
		t.Fatalf("oversized frame closed with %v", code)
	}

	flood := dial(t, a, u1.Access)
	go func() {
		for range 300 {
			if flood.ws.Write(context.Background(), websocket.MessageText, []byte(`{"type":"ping"}`)) != nil {
				return
			}
		}
	}()
	sawFlood := false
	for {
		f, err := flood.frame(5 * time.Second)
		if err != nil {
			var code websocket.StatusCode = -1
			if ce := websocket.CloseStatus(err); ce != -1 {
				code = ce
			}
			// 1008, or the reset of a socket closed while the client was
			// still writing into it (after the flood was reported).
			if code != websocket.StatusPolicyViolation && !(sawFlood && strings.Contains(err.Error(), "reset")) {
				t.Fatalf("flood closed with %v (flood reported: %v): %v", code, sawFlood, err)
			}
			break
		}
		if f["code"] == "chat.flood" {
			sawFlood = true
		}
	}

	// Tickets are one-time; foreign origins and anonymous callers are refused.
	r := a.api(t, "POST", "/chat/tickets", u1.Access, nil)
	ticket := str(r.json(t)["ticket"])
	ws, _, err := dialRaw(a, "?ticket="+ticket, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = ws.CloseNow()
	if _, res, err := dialRaw(a, "?ticket="+ticket, nil); err == nil || res == nil || res.StatusCode != 401 {
		t.Fatalf("a spent ticket: %v", err)
	}
	if _, res, err := dialRaw(a, "", nil); err == nil || res == nil || res.StatusCode != 401 {
		t.Fatalf("no credentials: %v", err)
	}
	if _, res, err := dialRaw(a, "", http.Header{"Authorization": {"Bearer " + u1.Access}, "Origin": {"https://evil.example.com"}}); err == nil ||
		res == nil || res.StatusCode != 403 {
		t.Fatalf("a foreign origin: %v", err)
	}
	ws, _, err = dialRaw(a, "", http.Header{"Authorization": {"Bearer " + u1.Access}})
	if err != nil {
		t.Fatalf("bearer token: %v", err)
	}
	_ = ws.CloseNow()

	eventually(t, "connections and goroutines return to their baseline", func() bool {
		return a.ChatHub.Conns() == 0 && goroutines() <= baseG+2 && openFiles(t) <= baseF+2
	})
}

// Two replicas on PostgreSQL and Redis: a client on A receives, in order,
// the messages a client on B sends, and presence spans both.
func TestChatAcrossReplicas(t *testing.T) {
	db := scaledDB(t)
	ra := startReplica(t, testConfig(t, scaled, t.TempDir(), db))
	rb := startReplica(t, testConfig(t, scaled, t.TempDir(), db))
	root := ra.admin(t, "root@example.com")
	id, _, ms := formedActivity(t, ra, root, "1350000500")
	u1, u2 := ms[0], ms[1]
	onA := dial(t, ra, u1.Access)
	onB := dial(t, rb, u2.Access)
	const n = 40
	for i := range n {
		onB.send(map[string]any{"type": "send", "room_id": id, "content": fmt.Sprintf("B-%02d", i), "client_id": fmt.Sprintf("b%d", i)})
	}
	var got []string
	lastSeq := 0.0
	for len(got) < n {
		m := onA.message()
		if m["kind"] != "text" {
			continue
		}
		if s := m["seq"].(float64); s <= lastSeq {
			t.Fatalf("message %v after seq %v", m, lastSeq)
		} else {
			lastSeq = s
		}
		got = append(got, str(m["content"]))
	}
	for i := range n {
		if got[i] != fmt.Sprintf("B-%02d", i) {
			t.Fatalf("received out of order: %v", got)
		}
	}
	mem := rb.api(t, "GET", "/chat/rooms/"+id+"/members", u2.Access, nil)
	expect(t, mem, 200, "")
	if c := strings.Count(string(mem.Body), `"online":true`); c != 2 {
		t.Fatalf("%d online across replicas, want 2: %s", c, mem.Body)
	}
	// A removal on B cuts the connection on A.
	expect(t, rb.api(t, "DELETE", "/chat/rooms/"+id+"/members/"+u1.UserID, root.Access, nil), 204, "")
	onA.until("the removal", func(f map[string]any) bool { return f["event"] == "removed" })
}

// The room announces the reminders, and turns read-only the configured
// time after the activity ends: history stays, sending is refused.
func TestChatRemindersAndReadOnly(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	a := startApp(t, single, withClock(clk))
	root := a.admin(t, "root@example.com")
	id, _, ms := formedActivity(t, a, root, "1350000600")
	u1 := ms[0]
	expect(t, postMessage(t, a, u1.Access, id, "到时候见", ""), 201, "")

	// 24 h before the start (72 h from now) the reminder reaches the room.
	clk.Advance(48*time.Hour + time.Minute)
	if _, err := a.Activities.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	u1 = signIn(t, a, "13500006001")
	eventually(t, "the reminder is posted", func() bool {
		r := a.api(t, "GET", "/chat/rooms/"+id+"/messages?limit=1", u1.Access, nil)
		items, _ := r.json(t)["items"].([]any)
		return len(items) == 1 && strings.Contains(str(items[0].(map[string]any)["content"]), "开始，别忘了准时参加")
	})

	// The activity ends 2 h after its start; 72 h later the room is closed.
	clk.Advance(24*time.Hour + 2*time.Hour + 72*time.Hour)
	u1 = signIn(t, a, "13500006001")
	expect(t, postMessage(t, a, u1.Access, id, "还有人吗", ""), 409, "chat.read_only")
	r := a.api(t, "GET", "/chat/rooms", u1.Access, nil)
	if items, _ := r.json(t)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["read_only"] != true {
		t.Fatalf("rooms after the end: %s", r.Body)
	}
	expect(t, a.api(t, "GET", "/chat/rooms/"+id+"/messages", u1.Access, nil), 200, "")
}

// Each user's messages are rate limited over all their rooms.
func TestChatSendRateLimit(t *testing.T) {
	a := startApp(t, single, func(c *config.Config, _ *Options) { c.Chat.SendPerMinute = 3 })
	root := a.admin(t, "root@example.com")
	id, _, ms := formedActivity(t, a, root, "1350000700")
	for i := range 3 {
		expect(t, postMessage(t, a, ms[0].Access, id, fmt.Sprintf("第 %d 条", i), ""), 201, "")
	}
	r := postMessage(t, a, ms[0].Access, id, "第四条", "")
	expect(t, r, 429, "chat.rate_limited")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	c := dial(t, a, ms[0].Access)
	c.send(map[string]any{"type": "send", "room_id": id, "content": "再试一次", "client_id": "rl"})
	if f := c.until("the refusal", func(f map[string]any) bool { return f["type"] == "error" }); f["code"] != "chat.rate_limited" {
		t.Fatalf("over the limit on the socket: %v", f)
	}
	expect(t, postMessage(t, a, ms[1].Access, id, "别人不受影响", ""), 201, "")
}

// Events lost on the way (the single binary stopped) are made up by the
// periodic reconciliation: the room is opened, seats are synced.
func TestChatReconciliationCatchesUp(t *testing.T) {
	ctx := context.Background()
	a := startApp(t, single)
	root := a.admin(t, "root@example.com")
	id, _, ms := formedActivity(t, a, root, "1350000800")
	// Lose a membership as if its event never came.
	if err := a.DB.Gorm.Exec("DELETE FROM chat_members WHERE room_id = ? AND user_id = ?", id, ms[1].UserID).Error; err != nil {
		t.Fatal(err)
	}
	ids, err := a.Activities.FormedIDs(ctx, 100)
	if err != nil || len(ids) != 1 {
		t.Fatalf("formed: %v %v", ids, err)
	}
	opened, changed, err := a.Chat.Reconcile(ctx, ids)
	if err != nil || opened != 0 || changed != 1 {
		t.Fatalf("reconcile: %d opened, %d changed, %v", opened, changed, err)
	}
	expect(t, a.api(t, "GET", "/chat/rooms/"+id+"/messages", ms[1].Access, nil), 200, "")
	if _, changed, _ := a.Chat.Reconcile(ctx, ids); changed != 0 {
		t.Fatalf("a second pass changed %d", changed)
	}
	// A room that was never opened is opened.
	for _, q := range []string{"DELETE FROM chat_messages", "DELETE FROM chat_members", "DELETE FROM chat_rooms"} {
		if err := a.DB.Gorm.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	if opened, _, err := a.Chat.Reconcile(ctx, ids); err != nil || opened != 1 {
		t.Fatalf("reopen: %d %v", opened, err)
	}
	expect(t, a.api(t, "GET", "/chat/rooms/"+id+"/messages", ms[0].Access, nil), 200, "")
}

// The chat_room_id an activity shows leads to its room even before the
// formation event was handled: the room opens on first use.
func TestChatRoomOpensOnFirstUse(t *testing.T) {
	a := startApp(t, single)
	root := a.admin(t, "root@example.com")
	id, _, ms := formedActivity(t, a, root, "1350000900")
	for _, q := range []string{"DELETE FROM chat_messages", "DELETE FROM chat_members", "DELETE FROM chat_rooms"} {
		if err := a.DB.Gorm.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	r := a.api(t, "GET", "/chat/rooms/"+id+"/messages", ms[0].Access, nil)
	expect(t, r, 200, "")
	if items, _ := r.json(t)["items"].([]any); len(items) != 1 {
		t.Fatalf("a room opened on first use: %s", r.Body)
	}
	expect(t, a.api(t, "GET", "/chat/rooms/nope/messages", ms[0].Access, nil), 404, "chat.room_not_found")
}
