package chatws

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/errs"
)

// TicketTTL is how long a WebSocket ticket may wait to be used.
const TicketTTL = time.Minute

// Tickets keeps one-time tickets (the cache: Redis when scaled).
type Tickets interface {
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	Take(ctx context.Context, key string) ([]byte, bool, error)
}

// ErrTicket answers a connection with a ticket that is unknown, used or
// expired.
var ErrTicket = errs.Unauthorized("chat.invalid_ticket", "连接凭证无效或已过期，请重新获取")

// Gate authenticates WebSocket connections: a one-time ticket, or the
// bearer token the router already checked.
type Gate struct {
	tickets Tickets
}

// NewGate returns a gate over a ticket store.
func NewGate(t Tickets) *Gate { return &Gate{tickets: t} }

// Issue returns a one-time ticket for the caller.
func (g *Gate) Issue(ctx context.Context) (string, time.Duration, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return "", 0, err
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	ticket := base64.RawURLEncoding.EncodeToString(b[:])
	val, err := json.Marshal(p)
	if err != nil {
		return "", 0, err
	}
	if err := g.tickets.Set(ctx, "chat:ticket:"+ticket, val, TicketTTL); err != nil {
		return "", 0, err
	}
	return ticket, TicketTTL, nil
}

// principal returns who connects: the ticket's owner (spent now), or the
// bearer token's.
func (g *Gate) principal(r *http.Request) (auth.Principal, error) {
	if t := r.URL.Query().Get("ticket"); t != "" {
		b, ok, err := g.tickets.Take(r.Context(), "chat:ticket:"+t)
		if err != nil {
			return auth.Principal{}, err
		}
		var p auth.Principal
		if !ok || json.Unmarshal(b, &p) != nil || p.UserID == "" {
			return auth.Principal{}, ErrTicket
		}
		return p, nil
	}
	return auth.Require(r.Context())
}

// Upgrade authenticates the request, checks its Origin and serves the
// WebSocket until it ends. An error is returned only before the upgrade,
// for the router to answer.
func (h *Hub) Upgrade(g *Gate, w http.ResponseWriter, r *http.Request) error {
	p, err := g.principal(r)
	if err != nil {
		return err
	}
	if h.ctx == nil || h.ctx.Err() != nil {
		return errs.New(errs.KindUnavailable, "chat.unavailable", "聊天服务暂不可用，请稍后重试")
	}
	rooms, err := h.chat.RoomsOf(r.Context(), p.UserID)
	if err != nil {
		return err
	}
	// The server's read and write timeouts are for requests: a WebSocket
	// keeps its own (idle timeout, pings, write timeout).
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	hw := &hijackWriter{ResponseWriter: w, writeTimeout: h.set.WriteTimeout}
	ws, err := websocket.Accept(hw, r, &websocket.AcceptOptions{OriginPatterns: h.set.OriginPatterns,
		CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return nil // Accept answered (403 for a foreign Origin, 426, …)
	}
	ctx, cancel := context.WithCancel(h.ctx)
	c := &conn{hub: h, ws: ws, sock: hw.sock, id: uuid.NewString(), userID: p.UserID, p: p, slot: h.nextSlot(),
		rooms: map[string]struct{}{}, ctx: ctx, cancel: cancel, pack: r.URL.Query().Get("pack") == "1"}
	// The request's goroutine returns (its stack and the request go with
	// it); the connection lives on in a fresh, small one.
	context.AfterFunc(ctx, func() { c.close(websocket.StatusGoingAway, "服务器重启，请重新连接") })
	// The connection counts in the hub's wait group before Stop waits.
	h.mu.Lock()
	if h.stopped {
		h.mu.Unlock()
		cancel()
		return nil
	}
	h.wg.Add(1)
	h.mu.Unlock()
	go func() {
		defer h.wg.Done()
		defer cancel()
		c.run(rooms)
	}()
	return nil
}

// OriginHosts turns allowed browser origins ("https://a.example.com")
// into the host patterns the WebSocket check takes.
func OriginHosts(origins []string) []string {
	var out []string
	for _, o := range origins {
		if o == "*" {
			return []string{"*"}
		}
		o = strings.TrimPrefix(strings.TrimPrefix(o, "https://"), "http://")
		if o != "" {
			out = append(out, strings.TrimRight(o, "/"))
		}
	}
	return out
}
