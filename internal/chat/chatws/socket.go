package chatws

import (
	"bufio"
	"bytes"
	"io"
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
	var r io.Reader = nc
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		r = io.MultiReader(bytes.NewReader(bytes.Clone(b)), nc)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(sendBufferBytes)
	}
	w.sock = &socket{Conn: nc, timeout: w.writeTimeout}
	return nc, bufio.NewReadWriter(bufio.NewReaderSize(r, readBufferSize), bufio.NewWriterSize(w.sock, writeBufferSize)), nil
}

// socket is a connection's write side. Outside a batch a write goes to
// the network at once (control frames: pongs, pings, close); inside one
// (the connection's writer sending its queue) the frames collect and go
// out together when the batch ends. Every network write has a deadline.
type socket struct {
	net.Conn
	timeout time.Duration

	mu    sync.Mutex
	batch bool
	buf   []byte
}

// Write sends p, or adds it to the batch.
func (s *socket) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.batch {
		return s.send(p)
	}
	if len(s.buf)+len(p) > maxBatchBytes {
		if err := s.flush(); err != nil {
			return 0, err
		}
	}
	s.buf = append(s.buf, p...)
	return len(p), nil
}

// begin starts a batch.
func (s *socket) begin() {
	s.mu.Lock()
	s.batch = true
	s.mu.Unlock()
}

// end sends the batch; keep says whether to keep its buffer for the next
// one (an idle connection holds none).
func (s *socket) end(keep bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batch = false
	err := s.flush()
	if !keep {
		s.buf = nil
	}
	return err
}

func (s *socket) flush() error {
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
