package chatws_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/zuju/zuju/internal/chat"
	"github.com/zuju/zuju/internal/chat/chatws"
	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/cache"
)

// fakeChat is one room "r" whose members are everyone.
type fakeChat struct {
	mu   sync.Mutex
	msgs []chat.MessageView
}

func (f *fakeChat) RoomsOf(context.Context, string) ([]chat.RoomView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return []chat.RoomView{{RoomSummary: chat.RoomSummary{Room: chat.Room{ID: "r", LastSeq: int64(len(f.msgs))}}}}, nil
}

func (f *fakeChat) After(_ context.Context, _, _ string, seq int64, limit int) ([]chat.MessageView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []chat.MessageView
	for _, m := range f.msgs {
		if m.Seq > seq && len(out) < limit {
			out = append(out, m)
		}
	}
	return out, nil
}

func (f *fakeChat) Between(_ context.Context, _ string, after, before int64) ([]chat.MessageView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []chat.MessageView
	for _, m := range f.msgs {
		if m.Seq > after && m.Seq < before {
			out = append(out, m)
		}
	}
	return out, nil
}

func (f *fakeChat) Send(context.Context, string, string, string) (*chat.MessageView, bool, error) {
	return nil, false, errors.New("not used")
}
func (f *fakeChat) SendAsync(context.Context, string, string, string, func(*chat.MessageView, bool, error)) error {
	return errors.New("not used")
}
func (f *fakeChat) MarkRead(context.Context, string, string) error { return nil }
func (f *fakeChat) SeqOf(context.Context, string, string) (int64, error) {
	return 0, chat.ErrMessageNotFound
}

// add stores a message and returns it.
func (f *fakeChat) add(content string) chat.MessageView {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := chat.MessageView{Message: chat.Message{ID: fmt.Sprint(len(f.msgs) + 1), RoomID: "r", Seq: int64(len(f.msgs) + 1),
		Kind: chat.KindText, Content: content, CreatedAt: time.Now()}}
	f.msgs = append(f.msgs, m)
	return m
}

type fixture struct {
	hub  *chatws.Hub
	chat *fakeChat
	gate *chatws.Gate
	url  string
	addr string // host:port
}

func start(t *testing.T, set chatws.Settings) *fixture {
	return startWith(t, set, func(fc *fakeChat) chatws.Chat { return fc })
}

// startWith serves a hub over the chat that wrap makes of the fake one.
func startWith(t *testing.T, set chatws.Settings, wrap func(*fakeChat) chatws.Chat) *fixture {
	t.Helper()
	fc := &fakeChat{}
	hub := chatws.NewHub(wrap(fc), chatws.NewLocalBroker(), chatws.NewMemoryPresence(), set, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	if err := hub.Start(ctx); err != nil {
		t.Fatal(err)
	}
	gate := chatws.NewGate(cache.NewMemory())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := hub.Upgrade(gate, w, r); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
		}
	}))
	t.Cleanup(func() {
		_ = hub.Stop(context.Background())
		cancel()
		srv.Close()
	})
	return &fixture{hub: hub, chat: fc, gate: gate, url: "ws" + strings.TrimPrefix(srv.URL, "http"), addr: srv.Listener.Addr().String()}
}

func (f *fixture) dial(t *testing.T, user string) *websocket.Conn {
	t.Helper()
	return f.dialQuery(t, user, "")
}

// dialQuery connects with more query parameters ("&pack=1").
func (f *fixture) dialQuery(t *testing.T, user, query string) *websocket.Conn {
	t.Helper()
	ticket, _, err := f.gate.Issue(auth.WithPrincipal(context.Background(), auth.Principal{UserID: user}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, f.url+"?ticket="+ticket+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.CloseNow() })
	return ws
}

func (f *fixture) publish(t *testing.T, content string) {
	t.Helper()
	m := f.chat.add(content)
	if err := f.hub.Publish(context.Background(), chat.Event{Type: chat.EventMessage, RoomID: "r", Message: &m}); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, ws *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := ws.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

func waitConns(t *testing.T, h *chatws.Hub, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.Conns() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections, want %d", h.Conns(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A client that stops reading is dropped once its queue is full; the
// others receive every message meanwhile, in order.
func TestSlowClientIsDroppedWithoutSlowingOthers(t *testing.T) {
	set := chatws.DefaultSettings()
	set.SendBuffer = 8
	f := start(t, set)
	slow, fast := f.dial(t, "slow"), f.dial(t, "fast")
	read(t, slow) // ready
	read(t, fast)
	waitConns(t, f.hub, 2)
	big := strings.Repeat("很长的消息", 200) // 3 KB: the socket buffers fill soon
	const n = 3000
	done := make(chan error, 1)
	var got atomic.Int64
	go func() {
		for i := 1; i <= n; i++ {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, b, err := fast.Read(ctx)
			cancel()
			if err != nil {
				done <- fmt.Errorf("message %d: %w", i, err)
				return
			}
			if s := string(b); !strings.Contains(s, fmt.Sprintf(`"seq":%d,`, i)) {
				done <- fmt.Errorf("message %d: %.80s", i, s)
				return
			}
			got.Add(1)
		}
		done <- nil
	}()
	for i := range n {
		// The fast client keeps up (never more than 4 behind); the slow
		// one reads nothing.
		for int64(i)-got.Load() > 4 {
			select {
			case err := <-done:
				t.Fatalf("the fast client stopped: %v", err)
			case <-time.After(100 * time.Microsecond):
			}
		}
		f.publish(t, fmt.Sprintf("%d %s", i, big))
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	waitConns(t, f.hub, 1) // the slow one is gone
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		if _, _, err := slow.Read(ctx); err != nil {
			if code := websocket.CloseStatus(err); code != websocket.StatusPolicyViolation && code != -1 {
				t.Fatalf("slow client closed with %v", code)
			}
			break
		}
	}
}

// A connection that sends nothing for the idle timeout is closed; one
// that pings stays.
func TestIdleConnectionsAreClosed(t *testing.T) {
	set := chatws.DefaultSettings()
	set.IdleTimeout = 300 * time.Millisecond
	f := start(t, set)
	idle, live := f.dial(t, "idle"), f.dial(t, "live")
	read(t, idle)
	read(t, live)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				_ = live.Write(context.Background(), websocket.MessageText, []byte(`{"type":"ping"}`))
			}
		}
	}()
	time.Sleep(time.Second)
	waitConns(t, f.hub, 1)
	f.publish(t, "还在吗")
	for {
		if s := read(t, live); strings.Contains(s, "还在吗") {
			break
		}
	}
}

// Messages published out of order (two replicas) reach a connection in
// number order, the missing one fetched from the store.
func TestOutOfOrderDeliveryIsFilledFromTheStore(t *testing.T) {
	f := start(t, chatws.DefaultSettings())
	ws := f.dial(t, "u")
	read(t, ws)
	waitConns(t, f.hub, 1)
	first, second := f.chat.add("一"), f.chat.add("二")
	// The second arrives first; the first later (and is not sent twice).
	for _, m := range []chat.MessageView{second, first} {
		if err := f.hub.Publish(context.Background(), chat.Event{Type: chat.EventMessage, RoomID: "r", Message: &m}); err != nil {
			t.Fatal(err)
		}
	}
	f.publish(t, "三")
	var got []string
	for len(got) < 3 {
		s := read(t, ws)
		for _, w := range []string{"一", "二", "三"} {
			if strings.Contains(s, `"content":"`+w+`"`) {
				got = append(got, w)
			}
		}
	}
	if strings.Join(got, "") != "一二三" {
		t.Fatalf("delivered %v", got)
	}
}

// A client that asks for packed frames gets the frames queued together
// as one, a JSON frame a line, in order; others get one frame each.
func TestPackedFramesCarrySeveralInOrder(t *testing.T) {
	f := start(t, chatws.DefaultSettings())
	packed, plain := f.dialQuery(t, "p", "&pack=1"), f.dial(t, "q")
	read(t, packed)
	read(t, plain)
	waitConns(t, f.hub, 2)
	const n = 200
	for i := range n {
		f.publish(t, fmt.Sprintf("消息%d", i+1))
	}
	for _, c := range []struct {
		name string
		ws   *websocket.Conn
	}{{"packed", packed}, {"plain", plain}} {
		frames, seq := 0, int64(0)
		for seq < n {
			frames++
			for line := range strings.SplitSeq(read(t, c.ws), "\n") {
				var fr struct {
					Type    string `json:"type"`
					Message struct {
						Seq     int64  `json:"seq"`
						Content string `json:"content"`
					} `json:"message"`
				}
				if err := json.Unmarshal([]byte(line), &fr); err != nil {
					t.Fatalf("%s: a line that is not one JSON frame: %q (%v)", c.name, line, err)
				}
				if fr.Type != "message" || fr.Message.Seq != seq+1 || fr.Message.Content != fmt.Sprintf("消息%d", seq+1) {
					t.Fatalf("%s: got %s after message %d", c.name, line, seq)
				}
				seq++
			}
		}
		switch {
		case c.name == "plain" && frames != n:
			t.Fatalf("plain: %d messages in %d frames, want one each", n, frames)
		case c.name == "packed" && frames >= n:
			t.Fatalf("packed: %d messages in %d frames, want several a frame", n, frames)
		}
		t.Logf("%s: %d messages in %d frames", c.name, n, frames)
	}
}

// lateMember is a chat whose user joins room "r" right after the rooms
// were read for the connection (before the hub knew the connection).
type lateMember struct {
	*fakeChat
	reads atomic.Int32
}

func (l *lateMember) RoomsOf(ctx context.Context, user string) ([]chat.RoomView, error) {
	if l.reads.Add(1) == 1 {
		return nil, nil
	}
	return l.fakeChat.RoomsOf(ctx, user)
}

// A membership that changed between the rooms read at the upgrade and the
// connection's registration (its event reached no connection) is caught:
// the connection is told it joined and gets the room's messages.
func TestMembershipChangedWhileConnectingIsCaught(t *testing.T) {
	f := startWith(t, chatws.DefaultSettings(), func(fc *fakeChat) chatws.Chat { return &lateMember{fakeChat: fc} })
	ws := f.dial(t, "u")
	if got := read(t, ws); !strings.Contains(got, `"event":"ready"`) || strings.Contains(got, `"id":"r"`) {
		t.Fatalf("first frame %s, want ready without room r", got)
	}
	if got := read(t, ws); !strings.Contains(got, `"event":"joined"`) || !strings.Contains(got, `"room_id":"r"`) {
		t.Fatalf("then %s, want joined r", got)
	}
	f.publish(t, "欢迎")
	if got := read(t, ws); !strings.Contains(got, `"content":"欢迎"`) {
		t.Fatalf("then %s, want the room's message", got)
	}
}
