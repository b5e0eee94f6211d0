package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// The client side of the fan-out: one connection per room member, each
// with a reader goroutine that timestamps every frame as it is read and
// finds the message's send time in it. Every server carries the same
// content, "t=<unix nanos> n=<message number>", inside a JSON string
// `"content":"…"` (ours: the message's content; bare: the frame as sent;
// centrifuge: the publication's data), and the reader finds it by
// scanning for that marker instead of decoding the frame, so the load
// generator spends about the same on each server's deliveries.

type targetKind int

const (
	kindOurs targetKind = iota
	kindBare
	kindCentrifuge
)

var kindNames = map[string]targetKind{"ours": kindOurs, "bare": kindBare, "centrifuge": kindCentrifuge}

var contentMarker = []byte(`"content":"t=`)

// member is one connection of a room.
type member struct {
	set    *connSet
	idx    int
	ws     *websocket.Conn
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	// pause, when set, stops the reader before its next read until the
	// channel is closed (the stalled member).
	pause atomic.Pointer[chan struct{}]
	// cmdID numbers centrifuge commands.
	cmdID atomic.Int64
	// closing: the bench closes it; dead: it ended otherwise.
	closing atomic.Bool
	dead    atomic.Bool
	// frames counts frames read (any kind).
	frames atomic.Int64

	// Owned by the reader goroutine; read once it is done.
	lastSeq    int64
	seqKnown   bool
	gaps, dups int64
	acks       int64
	errFrames  int64
	system     int64
	stray      int64
	errSample  string
	endErr     error
	closeCode  websocket.StatusCode
	closeWhy   string
	deadAfter  time.Duration // since the phase it died in started (stall test)
	sendBuf    []byte
	sendErrors atomic.Int64
}

// connSet is the members of one room on one server.
type connSet struct {
	kind    targetKind
	name    string
	size    int
	room    string // ours: room id; bare: room; centrifuge: channel
	members []*member
	cur     atomic.Pointer[phase]
	readers sync.WaitGroup
	started time.Time
}

type dialer struct {
	url    func(i int) (string, error)
	stall  int // member dialled with a small receive buffer (-1: none)
	rcvbuf int
}

// connect opens the room's members, 32 at a time, and waits until each
// is in the room (ours: the ready frame lists it; bare: its ready frame;
// centrifuge: connect and subscribe replies).
func connect(ctx context.Context, kind targetKind, name string, size int, room string, d dialer) (*connSet, error) {
	s := &connSet{kind: kind, name: name, size: size, room: room, members: make([]*member, size)}
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	failed := 0
	for i := range size {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			m, err := s.dial(ctx, i, d)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			s.members[i] = m
		})
	}
	wg.Wait()
	if firstErr != nil {
		s.close()
		return nil, fmt.Errorf("%s: %d of %d connections failed, first: %w", name, failed, size, firstErr)
	}
	for _, m := range s.members {
		s.readers.Add(1)
		go m.readLoop()
	}
	return s, nil
}

func (s *connSet) dial(ctx context.Context, i int, d dialer) (*member, error) {
	u, err := d.url(i)
	if err != nil {
		return nil, err
	}
	opts := &websocket.DialOptions{CompressionMode: websocket.CompressionDisabled}
	if i == d.stall && d.rcvbuf > 0 {
		opts.HTTPClient = smallBufferClient(d.rcvbuf)
	}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, u, opts)
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	mctx, mcancel := context.WithCancel(context.WithoutCancel(ctx))
	m := &member{set: s, idx: i, ws: ws, ctx: mctx, cancel: mcancel, done: make(chan struct{})}
	if err := m.join(dctx); err != nil {
		_ = ws.CloseNow()
		mcancel()
		return nil, err
	}
	return m, nil
}

// smallBufferClient dials with SO_RCVBUF set before connecting, so that a
// member that stops reading fills its socket within a few frames (a phone
// on a bad network) instead of the megabytes loopback autotuning allows.
func smallBufferClient(n int) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n) })
		if err != nil {
			return err
		}
		return serr
	}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

// join reads until the member is in the room.
func (m *member) join(ctx context.Context) error {
	read := func() ([]byte, error) {
		typ, b, err := m.ws.Read(ctx)
		if err == nil && typ != websocket.MessageText {
			err = fmt.Errorf("frame of type %v", typ)
		}
		return b, err
	}
	switch m.set.kind {
	case kindOurs:
		b, err := read()
		if err != nil {
			return fmt.Errorf("ready: %w", err)
		}
		b, _, _ = bytes.Cut(b, []byte("\n")) // the first of a packed frame
		var f struct {
			Type, Event string
			Rooms       []struct {
				ID      string `json:"id"`
				LastSeq int64  `json:"last_seq"`
			}
		}
		if err := json.Unmarshal(b, &f); err != nil || f.Type != "system" || f.Event != "ready" {
			return fmt.Errorf("first frame is not ready: %s", b)
		}
		for _, r := range f.Rooms {
			if r.ID == m.set.room {
				m.lastSeq, m.seqKnown = r.LastSeq, true
				return nil
			}
		}
		return fmt.Errorf("ready frame without room %s: %s", m.set.room, b)
	case kindBare:
		b, err := read()
		if err != nil || !bytes.Equal(b, []byte(`{"type":"ready"}`)) {
			return fmt.Errorf("ready: %s %v", b, err)
		}
		return nil
	default:
		for id, cmd := range []string{`{"id":1,"connect":{}}`, `{"id":2,"subscribe":{"channel":"` + m.set.room + `"}}`} {
			if err := m.ws.Write(ctx, websocket.MessageText, []byte(cmd)); err != nil {
				return err
			}
			want := []byte(`{"id":` + strconv.Itoa(id+1) + `,`)
			for got := false; !got; {
				b, err := read()
				if err != nil {
					return fmt.Errorf("centrifuge %s: %w", cmd, err)
				}
				for line := range bytes.SplitSeq(b, []byte("\n")) {
					switch {
					case bytes.Equal(line, []byte("{}")):
						_ = m.ws.Write(ctx, websocket.MessageText, []byte("{}"))
					case bytes.HasPrefix(line, want):
						if bytes.Contains(line, []byte(`"error"`)) {
							return fmt.Errorf("centrifuge %s: %s", cmd, line)
						}
						got = true
					}
				}
			}
		}
		m.cmdID.Store(2)
		return nil
	}
}

// readLoop reads frames until the connection ends.
func (m *member) readLoop() {
	defer m.set.readers.Done()
	defer close(m.done)
	var buf bytes.Buffer
	for {
		if p := m.pause.Load(); p != nil {
			<-*p
		}
		_, r, err := m.ws.Reader(m.ctx)
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			m.end(err)
			return
		}
		now := time.Now().UnixNano()
		m.frames.Add(1)
		m.handle(buf.Bytes(), now)
	}
}

func (m *member) end(err error) {
	m.endErr = err
	m.closeCode = websocket.CloseStatus(err)
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		m.closeWhy = ce.Reason
	}
	if !m.closing.Load() {
		m.dead.Store(true)
		if ph := m.set.cur.Load(); ph != nil {
			m.deadAfter = time.Since(ph.start)
		}
	}
}

func (m *member) handle(b []byte, now int64) {
	switch m.set.kind {
	case kindOurs:
		for line := range bytes.SplitSeq(b, []byte("\n")) {
			m.handleOurs(line, now)
		}
	case kindBare:
		m.deliver(b, now)
	default:
		for line := range bytes.SplitSeq(b, []byte("\n")) {
			switch {
			case bytes.HasPrefix(line, []byte(`{"push"`)):
				m.deliver(line, now)
			case bytes.Equal(line, []byte("{}")):
				// The server's ping: answer at once.
				_ = m.ws.Write(m.ctx, websocket.MessageText, []byte("{}"))
			case bytes.Contains(line, []byte(`"error"`)):
				m.errFrames++
				if m.errSample == "" {
					m.errSample = string(line)
				}
			}
		}
	}
}

// handleOurs handles one of our frames (a line of a packed one).
func (m *member) handleOurs(b []byte, now int64) {
	switch {
	case bytes.HasPrefix(b, []byte(`{"type":"message"`)):
		if seq, ok := intAfter(b, []byte(`"seq":`)); ok && m.seqKnown {
			switch {
			case seq == m.lastSeq+1:
			case seq <= m.lastSeq:
				m.dups++
			default:
				m.gaps++
			}
			m.lastSeq = max(m.lastSeq, seq)
		}
		m.deliver(b, now)
	case bytes.HasPrefix(b, []byte(`{"type":"ack"`)):
		m.acks++
	case bytes.HasPrefix(b, []byte(`{"type":"error"`)):
		m.errFrames++
		if m.errSample == "" {
			m.errSample = string(b)
		}
	case bytes.HasPrefix(b, []byte(`{"type":"system"`)):
		m.system++
	}
}

// deliver hands a message to the running phase.
func (m *member) deliver(b []byte, now int64) {
	i := bytes.Index(b, contentMarker)
	if i < 0 {
		m.stray++
		return
	}
	rest := b[i+len(contentMarker):]
	t, ok := digits(rest)
	if !ok {
		m.stray++
		return
	}
	n, ok := intAfter(rest, []byte(" n="))
	if !ok {
		m.stray++
		return
	}
	ph := m.set.cur.Load()
	if ph == nil || ph.id != phaseOf(n) {
		m.stray++ // a straggler of a phase that ended
		return
	}
	ph.deliver(m.idx, t, n&phaseMask, now)
}

// Message numbers carry their phase in the high bits, so that a late
// delivery of a previous phase is never counted in the next one.
const (
	phaseShift = 40
	phaseMask  = 1<<phaseShift - 1
)

func phaseOf(n int64) int64 { return n >> phaseShift }

// send sends message n of the phase with send time t.
func (m *member) send(ph *phase, n, t int64) error {
	b := m.sendBuf[:0]
	num := ph.id<<phaseShift | n
	switch m.set.kind {
	case kindOurs:
		b = append(b, `{"type":"send","room_id":"`...)
		b = append(b, m.set.room...)
		b = append(b, `","client_id":"b`...)
		b = strconv.AppendInt(b, num, 36)
		b = append(b, `","content":"t=`...)
	case kindBare:
		b = append(b, `{"type":"send","content":"t=`...)
	default:
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, m.cmdID.Add(1), 10)
		b = append(b, `,"publish":{"channel":"`...)
		b = append(b, m.set.room...)
		b = append(b, `","data":{"content":"t=`...)
	}
	b = strconv.AppendInt(b, t, 10)
	b = append(b, " n="...)
	b = strconv.AppendInt(b, num, 10)
	b = append(b, '"')
	if m.set.kind == kindCentrifuge {
		b = append(b, "}}}"...)
	} else {
		b = append(b, '}')
	}
	m.sendBuf = b
	ctx, cancel := context.WithTimeout(m.ctx, 30*time.Second)
	defer cancel()
	err := m.ws.Write(ctx, websocket.MessageText, b)
	if err != nil {
		m.sendErrors.Add(1)
	}
	return err
}

// digits parses the decimal number at the start of b.
func digits(b []byte) (int64, bool) {
	var v int64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		v = v*10 + int64(b[i]-'0')
	}
	return v, i > 0
}

// intAfter parses the decimal number following the first marker in b.
func intAfter(b, marker []byte) (int64, bool) {
	i := bytes.Index(b, marker)
	if i < 0 {
		return 0, false
	}
	return digits(b[i+len(marker):])
}

// close ends every member and waits for the readers.
func (s *connSet) close() {
	for _, m := range s.members {
		if m != nil {
			m.closing.Store(true)
			if p := m.pause.Load(); p != nil {
				m.pause.Store(nil)
				close(*p)
			}
			_ = m.ws.CloseNow()
			m.cancel()
		}
	}
	s.readers.Wait()
}

// setStats are the members' counters once the set is closed.
type setStats struct {
	Dropped    int    `json:"dropped_by_server"`
	DropSample string `json:"drop_sample,omitempty"`
	Gaps       int64  `json:"order_gaps"`
	Dups       int64  `json:"order_repeats"`
	Acks       int64  `json:"acks"`
	ErrFrames  int64  `json:"error_frames"`
	ErrSample  string `json:"error_sample,omitempty"`
	Stray      int64  `json:"stray_frames"`
	SendErrors int64  `json:"send_errors"`
}

func (s *connSet) stats(skip int) setStats {
	var st setStats
	for _, m := range s.members {
		if m == nil || m.idx == skip {
			continue
		}
		if m.dead.Load() {
			st.Dropped++
			if st.DropSample == "" {
				st.DropSample = fmt.Sprintf("member %d: %v", m.idx, m.endErr)
			}
		}
		st.Gaps += m.gaps
		st.Dups += m.dups
		st.Acks += m.acks
		st.ErrFrames += m.errFrames
		st.Stray += m.stray
		st.SendErrors += m.sendErrors.Load()
		if st.ErrSample == "" {
			st.ErrSample = m.errSample
		}
	}
	return st
}
