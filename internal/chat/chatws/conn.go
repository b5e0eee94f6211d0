package chatws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/zuju/zuju/internal/chat"
	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/errs"
)

// item is one thing for a connection's writer: a frame to send, and what
// it means for the rooms' numbering. One item of a room event is shared by
// all the room's connections: read only.
type item struct {
	frame []byte
	// room and seq: the frame is message seq of room.
	room string
	seq  int64
	// join, leave: the connection entered or left a room.
	join, leave string
	// resume: send the room's messages after after.
	resume string
	after  int64
	// isReady: the connection's rooms at connect (ready).
	isReady bool
	ready   []chat.RoomView
}

// conn is one client connection. It holds no goroutine of its own
// beyond its reader: a writer runs while there is something queued and
// sends all of it in one batch, and pings come from the hub.
type conn struct {
	hub    *Hub
	ws     *websocket.Conn
	sock   *socket
	id     string
	userID string
	p      auth.Principal
	// slot is the connection's turn in the hub's ping rounds.
	slot int
	// rooms is the connection's room set, guarded by hub.mu.
	rooms map[string]struct{}
	// touched are the rooms whose membership events reached the
	// connection between its registration and settle (hub.mu; nil after).
	touched map[string]struct{}

	ctx       context.Context
	cancel    context.CancelFunc
	closeOnce sync.Once
	closing   atomic.Bool

	mu      sync.Mutex // guards queue, spare, writing
	queue   []*item
	spare   []*item
	writing bool
	// last is, per room, the number of the last message sent; only the
	// writer touches it (one at a time, ordered by mu).
	last map[string]int64
	// sending counts the connection's messages being stored.
	sending atomic.Int32
	// pack: the client takes the frames queued together as one text
	// frame, one JSON object a line (it asked with ?pack=1). packed is
	// that frame while the writer runs.
	pack   bool
	packed *bytes.Buffer
}

// maxPacked is the size at which a packed frame is sent and a new one
// begun.
const maxPacked = 32 << 10

// maxSending is how many of a connection's messages may be stored at
// once while it reads on; beyond it the reader waits for the next one.
const maxSending = 64

// Close codes beyond the standard ones.
const (
	statusSlow  = websocket.StatusPolicyViolation
	statusFlood = websocket.StatusPolicyViolation
)

// enqueue hands the writer an item without ever blocking the caller: a
// client too slow to keep up is dropped (it reconnects and resumes).
func (c *conn) enqueue(it *item) {
	if c.closing.Load() {
		return
	}
	c.mu.Lock()
	if len(c.queue) >= c.hub.set.SendBuffer {
		c.mu.Unlock()
		c.close(statusSlow, "消息积压过多，连接已断开，请重新连接")
		return
	}
	c.queue = append(c.queue, it)
	start := !c.writing
	c.writing = true
	c.mu.Unlock()
	if start {
		go c.drain()
	}
}

// close ends the connection with a close frame, once. The connection's
// context ends after the close handshake: cancelling it first would cut
// a write in flight and the socket with it, before the close frame.
func (c *conn) close(code websocket.StatusCode, reason string) {
	c.closeOnce.Do(func() {
		c.closing.Store(true)
		go func() {
			_ = c.ws.Close(code, reason)
			c.cancel()
		}()
	})
}

// run serves the connection until it ends.
func (c *conn) run(rooms []chat.RoomView) {
	h := c.hub
	ids := make([]string, len(rooms))
	for i := range rooms {
		ids[i] = rooms[i].ID
	}
	c.enqueue(&item{isReady: true, ready: rooms}) // first: before any room event can queue
	h.register(c, ids)
	go h.settle(c)
	if err := h.presence.Join(c.ctx, c.userID, c.id); err != nil {
		h.log.Warn("chat presence join", "err", err)
	}
	c.reader()
	c.close(websocket.StatusNormalClosure, "")
	h.unregister(c)
	if err := h.presence.Leave(context.WithoutCancel(c.ctx), c.userID, c.id); err != nil {
		h.log.Warn("chat presence leave", "err", err)
	}
}

// drain sends what is queued, in batches, until the queue is empty.
func (c *conn) drain() {
	var batch []*item
	for {
		c.mu.Lock()
		if batch != nil {
			clear(batch)
			c.spare = batch[:0]
		}
		if len(c.queue) == 0 || c.closing.Load() {
			c.writing = false
			c.queue, c.spare = nil, nil // an idle connection holds no buffers
			c.mu.Unlock()
			c.sock.release()
			return
		}
		batch, c.queue, c.spare = c.queue, c.spare, nil
		c.mu.Unlock()

		if c.pack {
			c.packed = c.hub.packBuffer()
		}
		var err error
		for _, it := range batch {
			if err = c.handle(it); err != nil {
				break
			}
		}
		if c.pack {
			if perr := c.sendPacked(); err == nil {
				err = perr
			}
			c.hub.packs.Put(c.packed)
			c.packed = nil
		}
		if ferr := c.sock.flush(); err == nil {
			err = ferr
		}
		if err != nil {
			c.close(websocket.StatusInternalError, "连接出错，请重新连接")
			c.mu.Lock()
			c.writing = false
			c.queue, c.spare = nil, nil
			c.mu.Unlock()
			c.sock.release()
			return
		}
	}
}

// ping checks that the client still answers.
func (c *conn) ping() {
	ctx, cancel := context.WithTimeout(c.ctx, c.hub.set.WriteTimeout)
	defer cancel()
	if err := c.ws.Ping(ctx); err != nil {
		c.close(websocket.StatusGoingAway, "心跳超时")
	}
}

// handle sends one item, in number order for messages.
func (c *conn) handle(it *item) error {
	if c.last == nil {
		c.last = map[string]int64{}
	}
	last := c.last
	switch {
	case it.isReady:
		rooms := make([]readyRoom, len(it.ready))
		for i, r := range it.ready {
			last[r.ID] = r.LastSeq
			rooms[i] = readyRoom{ID: r.ID, LastSeq: r.LastSeq, Unread: r.Unread}
		}
		return c.write(encode(outFrame{Type: "system", Event: eventReady, Rooms: rooms}))
	case it.join != "":
		delete(last, it.join) // numbering starts with the next message
	case it.leave != "":
		delete(last, it.leave)
	case it.resume != "":
		if !c.hub.inRoom(c, it.resume) {
			return c.write(errorFrame(chat.ErrNotMember.Code, chat.ErrNotMember.Detail, ""))
		}
		last[it.resume] = it.after
		if err := c.catchUp(it.resume, math.MaxInt64, last); err != nil {
			return err
		}
		return c.write(encode(outFrame{Type: "system", Event: eventResumed, RoomID: it.resume}))
	case it.seq > 0:
		// The hub queued it while the connection was in the room: a
		// removal queues its leave item after every message before it.
		l, known := last[it.room]
		if known && it.seq <= l {
			return nil // sent already (a resume or a gap fill got it)
		}
		if known && it.seq > l+1 {
			// An earlier message has not reached this replica yet (another
			// replica sent it): the database has it.
			if err := c.catchUp(it.room, it.seq-1, last); err != nil {
				return err
			}
		}
		last[it.room] = it.seq
	}
	return c.write(it.frame)
}

// catchUp sends a room's messages after the last one sent, up to upto.
func (c *conn) catchUp(roomID string, upto int64, last map[string]int64) error {
	const page = 100
	for {
		// What was collected goes out before the database is asked.
		if err := c.sock.flush(); err != nil {
			return err
		}
		list, err := c.hub.chat.After(c.ctx, roomID, c.userID, last[roomID], page)
		if errors.Is(err, chat.ErrNotMember) {
			return nil
		}
		if err != nil {
			return err
		}
		for i := range list {
			if list[i].Seq > upto {
				return nil
			}
			dto := ToMessageDTO(&list[i])
			if err := c.write(encode(outFrame{Type: "message", Message: &dto})); err != nil {
				return err
			}
			last[roomID] = list[i].Seq
		}
		if len(list) < page {
			return nil
		}
	}
}

// write sends one data frame: the socket collects it until the batch
// ends (or a control frame or a full buffer sends it sooner) and bounds
// the time the network write may take.
func (c *conn) write(b []byte) error {
	if b == nil {
		return nil
	}
	if c.packed != nil {
		if c.packed.Len() > 0 && c.packed.Len()+1+len(b) > maxPacked {
			if err := c.sendPacked(); err != nil {
				return err
			}
		}
		if c.packed.Len() > 0 {
			c.packed.WriteByte('\n')
		}
		c.packed.Write(b)
		return nil
	}
	c.sock.collecting(true)
	defer c.sock.collecting(false)
	return c.ws.Write(context.Background(), websocket.MessageText, b)
}

// sendPacked sends the frames packed so far as one.
func (c *conn) sendPacked() error {
	if c.packed.Len() == 0 {
		return nil
	}
	c.sock.collecting(true)
	defer c.sock.collecting(false)
	err := c.ws.Write(context.Background(), websocket.MessageText, c.packed.Bytes())
	c.packed.Reset()
	return err
}

// reader reads the client's frames until the connection ends: text JSON
// only, at most MaxFrame bytes (larger closes with 1009), at most
// FrameRate per second (a flood closes with 1008), nothing for
// IdleTimeout closes it.
func (c *conn) reader() {
	set := c.hub.set
	c.ws.SetReadLimit(set.MaxFrame)
	lim := rate.NewLimiter(rate.Limit(set.FrameRate), set.FrameBurst)
	over := 0
	for {
		// A deadline on the socket, not a context: no timer per read.
		if err := c.sock.SetReadDeadline(time.Now().Add(set.IdleTimeout)); err != nil {
			return
		}
		typ, b, err := c.ws.Read(context.Background())
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			c.close(websocket.StatusUnsupportedData, "只接受 JSON 文本帧")
			return
		}
		if !lim.Allow() {
			if over++; over > set.FrameBurst {
				c.close(statusFlood, "发送过于频繁，连接已断开")
				return
			}
			c.enqueue(&item{frame: errorFrame("chat.flood", "发送过于频繁，请稍后再试", "")})
			continue
		}
		over = 0
		var f inFrame
		if err := json.Unmarshal(b, &f); err != nil {
			c.enqueue(&item{frame: errorFrame("chat.bad_frame", "无法解析的消息帧", "")})
			continue
		}
		c.handleFrame(f)
	}
}

// handleFrame acts on one client frame.
func (c *conn) handleFrame(f inFrame) {
	ctx := auth.WithPrincipal(c.ctx, c.p)
	switch f.Type {
	case "ping":
		c.enqueue(&item{frame: encode(outFrame{Type: "pong"})})
	case "send":
		acked := func(m *chat.MessageView, _ bool, err error) {
			if err != nil {
				c.enqueue(&item{frame: c.errFrame(err, f.ClientID)})
				return
			}
			dto := ToMessageDTO(m)
			c.enqueue(&item{frame: encode(outFrame{Type: "ack", ClientID: f.ClientID, Message: &dto})})
		}
		if c.sending.Load() >= maxSending {
			// Enough in flight: this one is stored before the next frame
			// is read (after those, in order).
			m, created, err := c.hub.chat.Send(ctx, f.RoomID, f.ClientID, f.Content)
			acked(m, created, err)
			return
		}
		// The message is stored with others sent at the same time; the
		// reader goes on to the next frame meanwhile.
		c.sending.Add(1)
		if err := c.hub.chat.SendAsync(ctx, f.RoomID, f.ClientID, f.Content, func(m *chat.MessageView, created bool, err error) {
			c.sending.Add(-1)
			acked(m, created, err)
		}); err != nil {
			c.sending.Add(-1)
			acked(nil, false, err)
		}
	case "read":
		if err := c.hub.chat.MarkRead(ctx, f.RoomID, f.MessageID); err != nil {
			c.enqueue(&item{frame: c.errFrame(err, "")})
		}
	case "resume":
		after := int64(0)
		switch {
		case f.AfterSeq != nil:
			after = max(0, *f.AfterSeq)
		case f.MessageID != "":
			seq, err := c.hub.chat.SeqOf(ctx, f.RoomID, f.MessageID)
			if err != nil {
				c.enqueue(&item{frame: c.errFrame(err, "")})
				return
			}
			after = seq
		}
		c.enqueue(&item{resume: f.RoomID, after: after})
	default:
		c.enqueue(&item{frame: errorFrame("chat.unknown_type", "不支持的消息类型", "")})
	}
}

// errFrame turns a service error into an error frame; unexpected errors
// are logged and shown as a generic failure.
func (c *conn) errFrame(err error, clientID string) []byte {
	if e, ok := errs.As(err); ok && e.Kind != errs.KindInternal {
		return errorFrame(e.Code, e.Detail, clientID)
	}
	if c.ctx.Err() != nil {
		// The connection is closing: the failure is its end, not a fault.
		c.hub.log.Debug("chat frame cut off by the connection's end", "user_id", c.userID, "err", err)
	} else {
		c.hub.log.Error("chat frame failed", "user_id", c.userID, "err", err)
	}
	return errorFrame("internal", "服务器开小差了，请稍后再试", clientID)
}
