package chatws_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/zuju/zuju/internal/chat"
	"github.com/zuju/zuju/internal/chat/chatws"
	"github.com/zuju/zuju/internal/platform/auth"
)

// slowChat answers gap fills late, so a connection's writer sits inside
// a batch.
type slowChat struct {
	*fakeChat
	delay time.Duration
}

func (s *slowChat) After(ctx context.Context, room, user string, seq int64, limit int) ([]chat.MessageView, error) {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.fakeChat.After(ctx, room, user, seq, limit)
}

func startSlow(t *testing.T, delay time.Duration) *fixture {
	return startWith(t, chatws.DefaultSettings(), func(fc *fakeChat) chatws.Chat { return &slowChat{fc, delay} })
}

// busy makes the connection's writer read history from the (slow)
// store: the client resumes the room from its start.
func busy(t *testing.T, f *fixture, ws *websocket.Conn) {
	t.Helper()
	f.chat.add("一")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"resume","room_id":"r","after_seq":0}`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the writer is in the store
}

// A client that closes while the server's writer is busy gets its close
// answered: control frames never wait for a batch of data frames.
func TestClientCloseDuringABatchIsAnswered(t *testing.T) {
	f := startSlow(t, 2*time.Second)
	ws := f.dial(t, "u")
	read(t, ws) // ready
	waitConns(t, f.hub, 1)
	busy(t, f, ws)
	if err := ws.Close(websocket.StatusNormalClosure, "再见"); err != nil {
		t.Fatalf("close handshake: %v", err)
	}
}

// A kick while the writer is busy reaches the client with its code at
// once, not after the writer's batch.
func TestKickDuringABatchClosesWithItsCode(t *testing.T) {
	f := startSlow(t, 7*time.Second)
	ws := f.dial(t, "u")
	read(t, ws)
	waitConns(t, f.hub, 1)
	busy(t, f, ws)
	t0 := time.Now()
	if err := f.hub.Publish(context.Background(), chat.Event{Type: chat.EventKick, UserID: "u"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		_, _, err := ws.Read(ctx)
		if err == nil {
			continue
		}
		if code := websocket.CloseStatus(err); code != websocket.StatusPolicyViolation {
			t.Fatalf("closed with %v (%v), want 1008", code, err)
		}
		if el := time.Since(t0); el > 3*time.Second {
			t.Fatalf("close frame came after %v", el)
		}
		return
	}
}

// A frame the client sends in the same write as its handshake is read.
func TestFrameRightBehindTheHandshakeIsRead(t *testing.T) {
	f := start(t, chatws.DefaultSettings())
	ticket, _, err := f.gate.Issue(auth.WithPrincipal(context.Background(), auth.Principal{UserID: "u"}))
	if err != nil {
		t.Fatal(err)
	}
	nc, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	req := "GET /?ticket=" + ticket + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := nc.Write(append([]byte(req), maskedText(`{"type":"ping"}`)...)); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	for {
		var h [2]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			t.Fatalf("no pong: %v", err)
		}
		n := int(h[1] & 0x7f)
		if n == 126 {
			var l [2]byte
			if _, err := io.ReadFull(br, l[:]); err != nil {
				t.Fatal(err)
			}
			n = int(l[0])<<8 | int(l[1])
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(br, b); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `"pong"`) {
			return
		}
	}
}

// maskedText is a client's text frame (masked, as clients must).
func maskedText(s string) []byte {
	key := []byte{1, 2, 3, 4}
	out := []byte{0x81, 0x80 | byte(len(s)), key[0], key[1], key[2], key[3]}
	for i := range len(s) {
		out = append(out, s[i]^key[i%4])
	}
	return out
}
