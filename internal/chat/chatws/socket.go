package chatws

import (
	"bufio"
	"net"
	"net/http"
	"sync"
	"time"
)

// Buffer sizes of a chat connection. Frames are small, and most
// connections are idle most of the time: small buffers keep an idle
// connection cheap, and a busy one sends what it has queued in one
// system call (see socket).
const (
	readBufferSize  = 512
	writeBufferSize = 256
	// sendBufferBytes caps the kernel's send buffer (SO_SNDBUF), so a
	// client that stops reading fills it soon, its queue overflows and it
	// is dropped instead of soaking up megabytes first.
	sendBufferBytes = 64 << 10
	// maxBatchBytes is the most one batch collects before it is written.
	maxBatchBytes = 64 << 10
)

// hijackWriter wraps the handshake's ResponseWriter so that the
// WebSocket library gets the hijacked connection with small buffers and
// its writes go through a socket.
type hijackWriter struct {
	http.ResponseWriter
	writeTimeout time.Duration
	sock         *socket
}

// Unwrap returns the wrapped writer.
func (w *hijackWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// WriteHeaderNow sends the handshake's headers at once where the wrapped
// writer delays them (the router's writer does).
func (w *hijackWriter) WriteHeaderNow() {
	if h, ok := w.ResponseWriter.(interface{ WriteHeaderNow() }); ok {
		h.WriteHeaderNow()
	}
}

// Hijack takes the connection over and hands back small buffers over
// it: the server's own buffers (4 KB each) are let go.
func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if brw.Writer.Buffered() > 0 {
		if err := brw.Writer.Flush(); err != nil {
			_ = nc.Close()
			return nil, nil, err
		}
	}
	br := brw.Reader
	if br.Buffered() == 0 {
		// Bytes the client sent right after its handshake stay in the
		// server's reader, which the library takes them from; otherwise
		// a small one does.
		br = bufio.NewReaderSize(nc, readBufferSize)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(sendBufferBytes)
	}
	w.sock = &socket{Conn: nc, timeout: w.writeTimeout}
	return nc, bufio.NewReadWriter(br, bufio.NewWriterSize(w.sock, writeBufferSize)), nil
}

// socket is a connection's write side. The connection's writer collects
// the data frames of its queue (collect) and sends them in one system
// call (flush). Anything else written — pongs, pings, the close frame —
// goes out at once, after what was collected, so frames keep their order
// and control frames never wait for a batch. Every network write has a
// deadline.
type socket struct {
	net.Conn
	timeout time.Duration

	mu      sync.Mutex
	collect bool
	buf     []byte
}

// Write sends p, or collects it while the writer writes data frames.
func (s *socket) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.collect {
		if len(s.buf)+len(p) > maxBatchBytes {
			if err := s.flushLocked(); err != nil {
				return 0, err
			}
		}
		s.buf = append(s.buf, p...)
		return len(p), nil
	}
	if len(s.buf) > 0 {
		s.buf = append(s.buf, p...)
		if err := s.flushLocked(); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return s.send(p)
}

// collecting marks the writer's data writes (on) and their end (off).
func (s *socket) collecting(on bool) {
	s.mu.Lock()
	s.collect = on
	s.mu.Unlock()
}

// flush sends what was collected.
func (s *socket) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushLocked()
}

// release lets the buffer go (the connection is idle).
func (s *socket) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.buf) == 0 {
		s.buf = nil
	}
}

func (s *socket) flushLocked() error {
	if len(s.buf) == 0 {
		return nil
	}
	_, err := s.send(s.buf)
	s.buf = s.buf[:0]
	return err
}

func (s *socket) send(p []byte) (int, error) {
	if err := s.SetWriteDeadline(time.Now().Add(s.timeout)); err != nil {
		return 0, err
	}
	return s.Conn.Write(p)
}
