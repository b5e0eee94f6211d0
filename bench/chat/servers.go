package main

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/centrifugal/centrifuge"
	"github.com/coder/websocket"

	"github.com/zuju/zuju/bench/internal/benchkit"
)

// bareServer is the reference broadcast server: a room is a set of
// connections, each with a bounded outbound queue and a writer goroutine
// as ours has (a client that cannot keep up is dropped), and every text
// frame a connection sends is broadcast as it is to its room (the sender
// included, as ours and centrifuge do). No storage, no numbering, no JSON.
type bareServer struct {
	mu    sync.RWMutex
	rooms map[string]map[*bareConn]struct{}
}

type bareConn struct {
	ws        *websocket.Conn
	out       chan []byte
	ctx       context.Context
	cancel    context.CancelFunc
	closeOnce sync.Once
}

// The bare server's settings are ours' defaults (chatws.DefaultSettings).
const (
	bareQueue        = 256
	bareMaxFrame     = 8 << 10
	bareIdleTimeout  = 75 * time.Second
	barePingInterval = 30 * time.Second
	bareWriteTimeout = 10 * time.Second
)

func startBare() (*benchkit.Server, error) {
	s := &bareServer{rooms: map[string]map[*bareConn]struct{}{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", s.serve)
	return benchkit.Serve(mux)
}

func (s *bareServer) serve(w http.ResponseWriter, r *http.Request) {
	room := r.URL.Query().Get("room")
	if room == "" {
		http.Error(w, "room?", http.StatusBadRequest)
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &bareConn{ws: ws, out: make(chan []byte, bareQueue), ctx: ctx, cancel: cancel}
	c.out <- []byte(`{"type":"ready"}`) // the client starts once it is in the room
	s.mu.Lock()
	if s.rooms[room] == nil {
		s.rooms[room] = map[*bareConn]struct{}{}
	}
	s.rooms[room][c] = struct{}{}
	s.mu.Unlock()
	var wg sync.WaitGroup
	wg.Go(c.writer)
	ws.SetReadLimit(bareMaxFrame)
	for {
		rctx, rcancel := context.WithTimeout(ctx, bareIdleTimeout)
		typ, b, err := ws.Read(rctx)
		rcancel()
		if err != nil {
			break
		}
		if typ != websocket.MessageText {
			c.close(websocket.StatusUnsupportedData, "text only")
			break
		}
		s.broadcast(room, b)
	}
	c.close(websocket.StatusNormalClosure, "")
	s.mu.Lock()
	delete(s.rooms[room], c)
	if len(s.rooms[room]) == 0 {
		delete(s.rooms, room)
	}
	s.mu.Unlock()
	wg.Wait()
}

func (s *bareServer) broadcast(room string, b []byte) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for c := range s.rooms[room] {
		select {
		case c.out <- b:
		case <-c.ctx.Done():
		default:
			go c.close(websocket.StatusPolicyViolation, "too slow")
		}
	}
}

func (c *bareConn) close(code websocket.StatusCode, reason string) {
	c.closeOnce.Do(func() {
		go func() {
			_ = c.ws.Close(code, reason)
			c.cancel()
		}()
	})
}

func (c *bareConn) writer() {
	ping := time.NewTicker(barePingInterval)
	defer ping.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-ping.C:
			pctx, cancel := context.WithTimeout(c.ctx, bareWriteTimeout)
			err := c.ws.Ping(pctx)
			cancel()
			if err != nil {
				c.close(websocket.StatusGoingAway, "ping")
				return
			}
		case b := <-c.out:
			wctx, cancel := context.WithTimeout(c.ctx, bareWriteTimeout)
			err := c.ws.Write(wctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				c.close(websocket.StatusInternalError, "write")
				return
			}
		}
	}
}

// centrifugeServer is a minimal Centrifuge node: every connection gets
// credentials, every subscription and client publication is accepted;
// memory broker, library defaults otherwise.
type centrifugeServer struct {
	node *centrifuge.Node
	http *benchkit.Server
}

func startCentrifuge() (*centrifugeServer, error) {
	node, err := centrifuge.New(centrifuge.Config{LogLevel: centrifuge.LogLevelNone})
	if err != nil {
		return nil, err
	}
	node.OnConnecting(func(_ context.Context, e centrifuge.ConnectEvent) (centrifuge.ConnectReply, error) {
		return centrifuge.ConnectReply{Credentials: &centrifuge.Credentials{UserID: "bench-" + e.ClientID}}, nil
	})
	node.OnConnect(func(c *centrifuge.Client) {
		c.OnSubscribe(func(_ centrifuge.SubscribeEvent, cb centrifuge.SubscribeCallback) {
			cb(centrifuge.SubscribeReply{}, nil)
		})
		c.OnPublish(func(_ centrifuge.PublishEvent, cb centrifuge.PublishCallback) { cb(centrifuge.PublishReply{}, nil) })
	})
	if err := node.Run(); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/connection/websocket", centrifuge.NewWebsocketHandler(node, centrifuge.WebsocketConfig{}))
	srv, err := benchkit.Serve(mux)
	if err != nil {
		_ = node.Shutdown(context.Background())
		return nil, err
	}
	return &centrifugeServer{node: node, http: srv}, nil
}

func (s *centrifugeServer) Stop() {
	s.http.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.node.Shutdown(ctx)
}
