package app

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// formedActivity publishes a free activity (min 2) by a new organizer and
// seats two new participants, so that it forms. It returns the activity
// and the organizer's and participants' tokens.
func formedActivity(t *testing.T, a *testApp, root tokens, phonePrefix string) (id string, org tokens, members []tokens) {
	t.Helper()
	org = a.organizer(t, root, phonePrefix+"0")
	r := a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "聊天" + phonePrefix})
	expect(t, r, 201, "")
	body := activityBody(str(r.json(t)["id"]), time.Now().Add(72*time.Hour).UTC().Truncate(time.Second))
	body["min_participants"], body["max_participants"] = 2, 6
	r = a.api(t, "POST", "/activities", org.Access, body)
	expect(t, r, 201, "")
	id = str(r.json(t)["id"])
	expect(t, a.api(t, "POST", "/activities/"+id+"/publish", org.Access, nil), 200, "")
	for i := 1; i <= 2; i++ {
		u := a.register(t, phonePrefix+string(rune('0'+i)), "secret-pass-1")
		expect(t, a.api(t, "POST", "/activities/"+id+"/signups", u.Access, nil), 201, "")
		members = append(members, u)
	}
	eventually(t, "the room opens", func() bool {
		r := a.api(t, "GET", "/chat/rooms", members[0].Access, nil)
		items, _ := r.json(t)["items"].([]any)
		return len(items) == 1
	})
	return id, org, members
}

// wsClient is a test WebSocket client.
type wsClient struct {
	t  testing.TB
	ws *websocket.Conn
}

// dial connects with a fresh ticket of tok.
func dial(t testing.TB, a *testApp, tok string) *wsClient {
	t.Helper()
	r := a.api(t, "POST", "/chat/tickets", tok, nil)
	expect(t, r, 201, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, wsURL(a)+"?ticket="+str(r.json(t)["ticket"]), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c := &wsClient{t: t, ws: ws}
	t.Cleanup(func() { _ = ws.CloseNow() })
	if f := c.next(); f["event"] != "ready" {
		t.Fatalf("first frame: %v", f)
	}
	return c
}

func wsURL(a *testApp) string {
	return "ws" + strings.TrimPrefix(a.URL, "http") + "/api/v1/chat/ws"
}

// frame reads the next frame within d (nil, err on timeout or close).
func (c *wsClient) frame(d time.Duration) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	typ, b, err := c.ws.Read(ctx)
	if err != nil {
		return nil, err
	}
	if typ != websocket.MessageText {
		c.t.Fatalf("frame of type %v", typ)
	}
	var f map[string]any
	if err := json.Unmarshal(b, &f); err != nil {
		c.t.Fatalf("frame %s: %v", b, err)
	}
	return f, nil
}

// next reads the next frame, failing after 5 s.
func (c *wsClient) next() map[string]any {
	c.t.Helper()
	f, err := c.frame(5 * time.Second)
	if err != nil {
		c.t.Fatalf("no frame: %v", err)
	}
	return f
}

// until reads frames until one matches (skipping others), failing after 5 s.
func (c *wsClient) until(what string, match func(map[string]any) bool) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, err := c.frame(time.Until(deadline))
		if err != nil {
			c.t.Fatalf("waiting for %s: %v", what, err)
		}
		if match(f) {
			return f
		}
	}
}

// message reads frames until the next message frame and returns its message.
func (c *wsClient) message() map[string]any {
	c.t.Helper()
	f := c.until("a message", func(f map[string]any) bool { return f["type"] == "message" })
	m, _ := f["message"].(map[string]any)
	return m
}

// quiet fails if a message frame arrives within d.
func (c *wsClient) quiet(d time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for {
		f, err := c.frame(time.Until(deadline))
		if err != nil {
			return
		}
		if f["type"] == "message" {
			c.t.Fatalf("unexpected message: %v", f)
		}
	}
}

func (c *wsClient) send(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// closed waits until the server closes the connection and returns the
// close code.
func (c *wsClient) closed() websocket.StatusCode {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		_, err := c.frame(time.Until(deadline))
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		return -1
	}
	c.t.Fatal("the connection stayed open")
	return 0
}

// postMessage sends a message over HTTP.
func postMessage(t testing.TB, a *testApp, tok, room, content, clientID string) response {
	t.Helper()
	return a.api(t, "POST", "/chat/rooms/"+room+"/messages", tok, map[string]any{"content": content, "client_id": clientID})
}

// dialRaw dials without the test's checks (bad origins, bad tickets).
func dialRaw(a *testApp, query string, h http.Header) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return websocket.Dial(ctx, wsURL(a)+query, &websocket.DialOptions{HTTPHeader: h})
}

func goroutines() int { return runtime.NumGoroutine() }

// openFiles counts the process's open file descriptors.
func openFiles(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}
