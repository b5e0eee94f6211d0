// Package chatws carries the chat over WebSocket: one connection per
// client holds all of the user's rooms. A hub per replica keeps its live
// connections by room; room events travel between replicas through a
// broker (in process, or Redis pub/sub when scaled) and every replica
// delivers them to its own connections. Each connection delivers a room's
// messages in number order: a number it has not seen comes from the
// database first, so nothing is lost between replicas or across a
// reconnect (the client resumes after the last message it saw).
package chatws

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/zuju/zuju/internal/chat"
)

// Chat is what the hub needs of the chat service.
type Chat interface {
	RoomsOf(ctx context.Context, userID string) ([]chat.RoomView, error)
	After(ctx context.Context, roomID, userID string, seq int64, limit int) ([]chat.MessageView, error)
	Send(ctx context.Context, roomID, clientID, content string) (*chat.MessageView, bool, error)
	SendAsync(ctx context.Context, roomID, clientID, content string, done func(*chat.MessageView, bool, error)) error
	MarkRead(ctx context.Context, roomID, messageID string) error
	SeqOf(ctx context.Context, roomID, messageID string) (int64, error)
	Between(ctx context.Context, roomID string, after, before int64) ([]chat.MessageView, error)
}

// Settings tune connections.
type Settings struct {
	// SendBuffer is how many frames may wait for a slow client before it
	// is dropped.
	SendBuffer int
	// MaxFrame is the largest frame a client may send, in bytes.
	MaxFrame int64
	// IdleTimeout closes a connection that sent nothing for that long
	// (clients ping every 25 s).
	IdleTimeout time.Duration
	// PingInterval is how often the server pings to find dead peers.
	PingInterval time.Duration
	// WriteTimeout bounds one write.
	WriteTimeout time.Duration
	// FrameRate and FrameBurst bound the frames a connection may send
	// per second; a connection far over it is closed.
	FrameRate  float64
	FrameBurst int
	// OriginPatterns are the other origins allowed to connect (host
	// patterns); the app's own origin always is.
	OriginPatterns []string
}

// DefaultSettings are the connections' defaults.
func DefaultSettings() Settings {
	return Settings{SendBuffer: 256, MaxFrame: 8 << 10, IdleTimeout: 75 * time.Second, PingInterval: 30 * time.Second,
		WriteTimeout: 10 * time.Second, FrameRate: 20, FrameBurst: 40}
}

// Hub holds a replica's live connections.
type Hub struct {
	chat     Chat
	broker   Broker
	presence Presence
	set      Settings
	log      *slog.Logger

	mu    sync.RWMutex
	rooms map[string]map[*conn]struct{}
	users map[string]map[*conn]struct{}
	slots atomic.Uint64
	// stopped is set by Stop (under mu): connections start only before.
	stopped bool
	order   sequencer
	wg      sync.WaitGroup
	stop    context.CancelFunc
	ctx     context.Context
	// packs are the buffers of packed frames, lent to a connection while
	// it sends.
	packs sync.Pool
}

// NewHub returns a hub; Start subscribes it to the broker.
func NewHub(c Chat, b Broker, p Presence, set Settings, log *slog.Logger) *Hub {
	return &Hub{chat: c, broker: b, presence: p, set: set, log: log,
		rooms: map[string]map[*conn]struct{}{}, users: map[string]map[*conn]struct{}{}}
}

// Start subscribes to the broker and keeps presence fresh until Stop.
func (h *Hub) Start(ctx context.Context) error {
	h.ctx, h.stop = context.WithCancel(context.WithoutCancel(ctx))
	if err := h.broker.Subscribe(h.ctx, h.dispatch); err != nil {
		h.stop()
		return err
	}
	h.wg.Go(h.refreshPresence)
	h.wg.Go(h.pinger)
	return nil
}

// Stop closes every connection (clients reconnect to another replica) and
// waits for them.
func (h *Hub) Stop(ctx context.Context) error {
	if h.stop == nil {
		return nil
	}
	h.mu.Lock()
	h.stopped = true // no connection starts after this
	for _, cs := range h.users {
		for c := range cs {
			c.close(websocket.StatusGoingAway, "服务器重启，请重新连接")
		}
	}
	h.mu.Unlock()
	h.stop()
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Publish sends a room event to every replica's connections.
func (h *Hub) Publish(ctx context.Context, e chat.Event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return h.broker.Publish(ctx, b)
}

// Conns counts the live connections (tests, metrics).
func (h *Hub) Conns() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, cs := range h.users {
		n += len(cs)
	}
	return n
}

// dispatch delivers a broker payload to this replica's connections. It
// never blocks: a connection whose buffer is full is dropped.
func (h *Hub) dispatch(payload []byte) {
	var e chat.Event
	if err := json.Unmarshal(payload, &e); err != nil {
		h.log.Error("unreadable chat event dropped", "err", err)
		return
	}
	switch e.Type {
	case chat.EventMessage:
		if e.Message == nil {
			return
		}
		h.order.deliver(messageItem(e.Message), h.toRoom, h.missing)
	case chat.EventDeleted:
		h.order.event(e.RoomID, &item{room: e.RoomID, frame: encode(outFrame{Type: "system", Event: eventDeleted, RoomID: e.RoomID,
			MessageID: e.MessageID})}, h.toRoom)
	case chat.EventMuted:
		h.order.event(e.RoomID, &item{room: e.RoomID, frame: encode(outFrame{Type: "system", Event: eventMuted, RoomID: e.RoomID,
			UserID: e.UserID, MutedUntil: e.MutedUntil})}, h.toRoom)
	case chat.EventMember:
		h.membership(e.RoomID, e.UserID, e.Active)
	case chat.EventKick:
		h.mu.RLock()
		for c := range h.users[e.UserID] {
			c.close(websocket.StatusPolicyViolation, "账号已被封禁")
		}
		h.mu.RUnlock()
	}
}

// messageItem is the frame of a room message for every member.
func messageItem(m *chat.MessageView) *item {
	dto := ToMessageDTO(m)
	return &item{room: m.RoomID, seq: m.Seq, frame: encode(outFrame{Type: "message", Message: &dto})}
}

// missing reads a room's messages after < seq < before that did not come
// through the broker in time, once for all the room's connections here.
func (h *Hub) missing(roomID string, after, before int64) []*item {
	ctx, cancel := context.WithTimeout(h.ctx, 5*time.Second)
	defer cancel()
	list, err := h.chat.Between(ctx, roomID, after, before)
	if err != nil {
		// Each connection fills the gap itself.
		h.log.Warn("chat gap fill", "room_id", roomID, "err", err)
		return nil
	}
	out := make([]*item, len(list))
	for i := range list {
		out[i] = messageItem(&list[i])
	}
	return out
}

// pingSlots is how many rounds a ping interval is cut into: each round
// pings a share of the connections.
const pingSlots = 10

// nextSlot spreads new connections over the ping rounds.
func (h *Hub) nextSlot() int { return int(h.slots.Add(1) % pingSlots) }

// pinger pings every connection once per ping interval, a share per
// round; a connection whose pong does not come in time is closed.
func (h *Hub) pinger() {
	t := time.NewTicker(max(h.set.PingInterval/pingSlots, time.Millisecond))
	defer t.Stop()
	var due []*conn
	for slot := 0; ; slot = (slot + 1) % pingSlots {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		}
		h.mu.RLock()
		for _, cs := range h.users {
			for c := range cs {
				if c.slot == slot {
					due = append(due, c)
				}
			}
		}
		h.mu.RUnlock()
		for _, c := range due {
			go c.ping()
		}
		clear(due)
		due = due[:0]
	}
}

func (h *Hub) toRoom(roomID string, it *item) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.rooms[roomID] {
		c.enqueue(it)
	}
}

// membership moves a user's connections into or out of a room. Out, they
// stop receiving it at once and are told.
func (h *Hub) membership(roomID, userID string, active bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.users[userID] {
		if c.touched != nil {
			c.touched[roomID] = struct{}{}
		}
		if active {
			if _, in := c.rooms[roomID]; in {
				continue
			}
			h.join(c, roomID)
			c.enqueue(&item{join: roomID, frame: encode(outFrame{Type: "system", Event: eventJoined, RoomID: roomID})})
			continue
		}
		if _, in := c.rooms[roomID]; !in {
			continue
		}
		h.leave(c, roomID)
		c.enqueue(&item{leave: roomID, frame: encode(outFrame{Type: "system", Event: eventRemoved, RoomID: roomID})})
	}
}

// join and leave change a connection's rooms; h.mu must be held.
func (h *Hub) join(c *conn, roomID string) {
	if h.rooms[roomID] == nil {
		h.rooms[roomID] = map[*conn]struct{}{}
	}
	h.rooms[roomID][c] = struct{}{}
	c.rooms[roomID] = struct{}{}
}

func (h *Hub) leave(c *conn, roomID string) {
	delete(h.rooms[roomID], c)
	if len(h.rooms[roomID]) == 0 {
		delete(h.rooms, roomID)
	}
	delete(c.rooms, roomID)
}

// register adds a connection with its rooms.
func (h *Hub) register(c *conn, rooms []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.users[c.userID] == nil {
		h.users[c.userID] = map[*conn]struct{}{}
	}
	h.users[c.userID][c] = struct{}{}
	for _, r := range rooms {
		h.join(c, r)
	}
	c.touched = map[string]struct{}{} // until settle
}

// settle closes the window between the rooms read at the upgrade and the
// registration: a membership that changed in between (its event found no
// connection) is read again now, in a goroutine of its own (the read
// would grow the connection's stack for good). A room whose membership
// event reached the connection since it registered is left as that event
// made it.
func (h *Hub) settle(c *conn) {
	ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
	defer cancel()
	rooms, err := h.chat.RoomsOf(ctx, c.userID)
	h.mu.Lock()
	defer h.mu.Unlock()
	touched := c.touched
	c.touched = nil
	if _, live := h.users[c.userID][c]; !live {
		return // gone meanwhile: unregistered
	}
	if err != nil {
		if c.ctx.Err() == nil {
			h.log.Warn("chat rooms read again after connecting", "user_id", c.userID, "err", err)
		}
		return
	}
	now := make(map[string]struct{}, len(rooms))
	for _, r := range rooms {
		now[r.ID] = struct{}{}
		if _, seen := touched[r.ID]; seen {
			continue
		}
		if _, in := c.rooms[r.ID]; !in {
			h.join(c, r.ID)
			c.enqueue(&item{join: r.ID, frame: encode(outFrame{Type: "system", Event: eventJoined, RoomID: r.ID})})
		}
	}
	for id := range c.rooms {
		if _, seen := touched[id]; seen {
			continue
		}
		if _, in := now[id]; !in {
			h.leave(c, id)
			c.enqueue(&item{leave: id, frame: encode(outFrame{Type: "system", Event: eventRemoved, RoomID: id})})
		}
	}
}

// unregister removes a connection from every room.
func (h *Hub) unregister(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.users[c.userID], c)
	if len(h.users[c.userID]) == 0 {
		delete(h.users, c.userID)
	}
	for r := range c.rooms {
		h.leave(c, r)
	}
}

// hasRoom reports whether a room has connections here.
func (h *Hub) hasRoom(roomID string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.rooms[roomID]) > 0
}

// inRoom reports whether a connection currently holds a room.
func (h *Hub) inRoom(c *conn, roomID string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	_, ok := c.rooms[roomID]
	return ok
}

// refreshPresence keeps this replica's users online in the presence
// store.
func (h *Hub) refreshPresence() {
	t := time.NewTicker(PresenceTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		}
		h.mu.RLock()
		ids := make([]string, 0, len(h.users))
		for id := range h.users {
			ids = append(ids, id)
		}
		h.mu.RUnlock()
		if err := h.presence.Refresh(h.ctx, ids); err != nil {
			h.log.Warn("chat presence refresh", "err", err)
		}
		h.order.prune(h.hasRoom)
	}
}

// packBuffer lends a buffer for a packed frame.
func (h *Hub) packBuffer() *bytes.Buffer {
	if b, ok := h.packs.Get().(*bytes.Buffer); ok {
		return b
	}
	return new(bytes.Buffer)
}
