// Command chat measures the chat's WebSocket hub (internal/chat/chatws)
// served by the whole app (app.New + App.Serve; SQLite in a temporary
// folder by default, -postgres/-redis for the scaled deployment), on
// 127.0.0.1 only, in two modes.
//
// -mode fanout (default): rooms of -sizes members (10, 100, 1000). For
// each size and each server, in alternating rounds against three servers
// in the same run:
//
//   - ours: the app's /api/v1/chat/ws, rooms seeded with chatstore
//     CreateRoom and synthetic user ids, one-time tickets from the app's
//     ChatGate;
//   - bare: a broadcast server on github.com/coder/websocket in this
//     process (room → set of connections, each with a bounded outbound
//     queue of 256 and a writer goroutine, every text frame received is
//     broadcast to the room);
//   - centrifuge: a minimal github.com/centrifugal/centrifuge node
//     (credentials on connecting, subscribe and publish accepted, memory
//     broker), driven over its JSON protocol by a raw coder/websocket
//     client.
//
// Each round opens one connection per member and runs two phases: the
// maximum rate (-senders members send, closed loop: at most -window
// messages in flight, a message leaves the window once every member has
// received it; deliveries/s = messages received by all members during
// -d, after -warmup), then an open-loop phase at half of that maximum
// message rate (messages sent on a fixed schedule whatever happens; the
// latency of each delivery is the receiver's read time minus the
// message's scheduled send time, which is in its content). It prints
// deliveries/s and p50/p99 per server, the ratios ours/bare and
// ours/centrifuge and PASS/FAIL against the targets (≥ 0.5 of bare,
// ≥ 0.7 of centrifuge, p99 < 200 ms). Last, in the -stall-size room on
// ours, it runs the half-rate phase (-d long unless -stall-d, each phase
// in a fresh room, the order alternating over -stall-rounds) without and
// with one member that stops reading its socket (dialled with a small
// receive buffer) and compares the other members' p99 (target: changed
// by less than 10%). The hub caps a chat socket's send buffer (64 KB), so
// the stalled member's queue of 256 frames overflows within seconds and
// the hub drops it.
//
// -mode idle: -conns idle connections of ours (rooms of -idle-room
// members, one room per user), opened by -procs child processes (this
// program re-executed with a hidden flag; tickets over stdin) that keep
// them open and ping every 25 s. The server process reports its growth
// per connection after a forced GC: Go heap in use + stacks
// (runtime.MemStats HeapInuse+StackInuse), RSS (/proc/self/status VmRSS)
// and goroutines, and how long connecting took (target ≤ 20 KB per
// connection).
//
// Usage, from the repository root:
//
//	go run ./bench/chat                                  # fan-out, rooms of 10, 100, 1000
//	go run ./bench/chat -mode fanout -d 2s -sizes 10,100
//	go run ./bench/chat -mode idle                       # 10,000 idle connections
//	eval "$(scripts/services.sh)"
//	go run ./bench/chat -postgres "$ZUJU_TEST_POSTGRES" -redis "$ZUJU_TEST_REDIS"
//
// The figures go to bench/out/chat.json (-out to change) under the key of
// the mode ("fanout" or "idle"); a run keeps the other mode's figures.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zuju/zuju/bench/internal/benchkit"
	"github.com/zuju/zuju/internal/app"
	"github.com/zuju/zuju/internal/chat"
	"github.com/zuju/zuju/internal/chat/chatstore"
	"github.com/zuju/zuju/internal/config"
	"github.com/zuju/zuju/internal/platform/auth"
)

const jwtSecret = "bench-secret-0123456789abcdef0123456789"

type options struct {
	Mode string `json:"mode"`
	// fan-out
	Sizes       []int         `json:"sizes"`
	Duration    time.Duration `json:"duration_ns"`
	Warmup      time.Duration `json:"warmup_ns"`
	Drain       time.Duration `json:"drain_timeout_ns"`
	Rounds      int           `json:"rounds"`
	Senders     int           `json:"senders"`
	Window      int           `json:"window"`
	Pack        bool          `json:"pack"`
	MaxMessages int           `json:"max_messages_per_phase"`
	StallSize   int           `json:"stall_size"`
	StallRcvBuf int           `json:"stall_rcvbuf"`
	// StallDuration is the measured part of each stall-test phase: long
	// enough for the stalled member to fill its buffers and be dropped.
	StallDuration time.Duration `json:"stall_duration_ns"`
	StallRounds   int           `json:"stall_rounds"`
	MaxLag        time.Duration `json:"max_sender_lag_ns"`
	Targets       []string      `json:"targets"`
	// idle
	Conns          int           `json:"conns"`
	Procs          int           `json:"procs"`
	IdleRoom       int           `json:"idle_room"`
	Hold           time.Duration `json:"hold_ns"`
	ConnectTimeout time.Duration `json:"connect_timeout_ns"`
	DialParallel   int           `json:"dial_parallel"`

	Backend    string `json:"backend"`
	Postgres   string `json:"-"`
	Redis      string `json:"-"`
	Out        string `json:"-"`
	CPUProfile string `json:"-"`
	MemProfile string `json:"-"`
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("chat: ")
	var o options
	var sizes, targets string
	child := flag.Bool("idle-child", false, "internal: run as an idle-mode client process (tickets on stdin)")
	flag.StringVar(&o.Mode, "mode", "fanout", "fanout or idle")
	flag.StringVar(&sizes, "sizes", "10,100,1000", "fanout: room sizes (members), comma separated")
	flag.DurationVar(&o.Duration, "d", 4*time.Second, "fanout: measured duration of each phase")
	flag.DurationVar(&o.Warmup, "warmup", 500*time.Millisecond, "fanout: unmeasured start of each phase")
	flag.DurationVar(&o.Drain, "drain", 10*time.Second, "fanout: how long a phase waits for messages in flight after sending")
	flag.IntVar(&o.Rounds, "rounds", 2, "fanout: rounds; each runs every size on every server (alternating)")
	flag.IntVar(&o.Senders, "senders", 4, "fanout: members that send (at most the room size)")
	flag.BoolVar(&o.Pack, "pack", true, "fanout: ours' clients take the frames queued together in one WebSocket frame (?pack=1), as Centrifuge's JSON protocol does")
	flag.IntVar(&o.Window, "window", 32, "fanout: messages in flight in the maximum-rate phase (sent, not yet received by every member)")
	flag.IntVar(&o.MaxMessages, "max-messages", 1<<20, "fanout: at most this many messages per phase")
	flag.IntVar(&o.StallSize, "stall-size", 100, "fanout: room size of the stalled-member test (0: skip it)")
	flag.DurationVar(&o.StallDuration, "stall-d", 0, "fanout: measured duration of each stall-test phase (0: -d; 45s lets the hub drop the stalled member)")
	flag.IntVar(&o.StallRounds, "stall-rounds", 2, "fanout: pairs of stall-test phases (without, with; the order alternates)")
	flag.IntVar(&o.StallRcvBuf, "stall-rcvbuf", 8<<10, "fanout: SO_RCVBUF of the member that stalls (0: system default)")
	flag.DurationVar(&o.MaxLag, "max-lag", 5*time.Second, "fanout: an open-loop phase stops sending once it is this far behind its schedule (unsent messages count as lost)")
	flag.StringVar(&targets, "targets", "ours,bare,centrifuge", "fanout: servers to measure (ours must be one of them for the ratios)")
	flag.IntVar(&o.Conns, "conns", 10000, "idle: connections")
	flag.IntVar(&o.Procs, "procs", 4, "idle: client processes holding them")
	flag.IntVar(&o.IdleRoom, "idle-room", 10, "idle: members per room (each user is in one room)")
	flag.DurationVar(&o.Hold, "hold", 35*time.Second, "idle: keep the connections this long after measuring, then measure again (past the 25 s client and 30 s server pings)")
	flag.DurationVar(&o.ConnectTimeout, "connect-timeout", 2*time.Minute, "idle: how long connecting may take")
	flag.IntVar(&o.DialParallel, "dial-parallel", 32, "idle: concurrent dials per client process")
	flag.StringVar(&o.Postgres, "postgres", "", "PostgreSQL server (a private schema is created and dropped); empty: SQLite in a temporary folder")
	flag.StringVar(&o.Redis, "redis", "", "optional Redis URL (with -postgres): tickets, pub/sub fan-out and presence in Redis")
	flag.StringVar(&o.Out, "out", "", "JSON results file (default <module>/bench/out/chat.json)")
	flag.StringVar(&o.CPUProfile, "cpuprofile", "", "fanout: CPU profile of ours' maximum-rate phase of the last round (one file per size, -<size> before the extension when several); idle: of connecting")
	flag.StringVar(&o.MemProfile, "memprofile", "", "idle: heap profile of the server once every connection is open (go tool pprof -sample_index=inuse_space)")
	flag.Parse()
	if *child {
		if err := idleChild(o.DialParallel); err != nil {
			log.Fatal(err)
		}
		return
	}
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 2 || n > 5000 {
			log.Fatalf("invalid -sizes %q: each size between 2 and 5000", sizes)
		}
		o.Sizes = append(o.Sizes, n)
	}
	for _, t := range strings.Split(targets, ",") {
		t = strings.TrimSpace(t)
		if t != "ours" && t != "bare" && t != "centrifuge" {
			log.Fatalf("invalid -targets %q: ours, bare, centrifuge", targets)
		}
		if !slices.Contains(o.Targets, t) {
			o.Targets = append(o.Targets, t)
		}
	}
	o.Backend = "sqlite"
	if o.Postgres != "" {
		o.Backend = "postgres"
		if o.Redis != "" {
			o.Backend += "+redis"
		}
	} else if o.Redis != "" {
		log.Fatal("-redis needs -postgres (the single binary keeps everything in process)")
	}
	switch {
	case o.Mode != "fanout" && o.Mode != "idle":
		log.Fatal("invalid -mode: fanout or idle")
	case o.Duration <= 0 || o.Duration > 2*time.Minute || o.Warmup < 0 || o.Warmup > time.Minute:
		log.Fatal("invalid flags: need 0 < -d ≤ 2m and 0 ≤ -warmup ≤ 1m")
	case o.StallDuration < 0 || o.StallDuration > 5*time.Minute || o.StallRounds < 1 || o.StallRounds > 10:
		log.Fatal("invalid flags: need 0 ≤ -stall-d ≤ 5m and 1 ≤ -stall-rounds ≤ 10")
	case o.Drain <= 0 || o.Drain > 2*time.Minute || o.MaxLag <= 0:
		log.Fatal("invalid flags: need 0 < -drain ≤ 2m and -max-lag > 0")
	case o.Rounds < 1 || o.Rounds > 10:
		log.Fatal("invalid flags: need 1 ≤ -rounds ≤ 10")
	case o.Senders < 1 || o.Senders > 64 || o.Window < 1 || o.Window > 4096:
		log.Fatal("invalid flags: need 1 ≤ -senders ≤ 64 and 1 ≤ -window ≤ 4096")
	case o.MaxMessages < 1000 || o.MaxMessages > 1<<24:
		log.Fatal("invalid flags: need 1000 ≤ -max-messages ≤ 16777216")
	case o.StallSize != 0 && (o.StallSize < 3 || o.StallSize > 5000):
		log.Fatal("invalid flags: need -stall-size 0 or between 3 and 5000")
	case o.Conns < 1 || o.Conns > 50000 || o.Procs < 1 || o.Procs > 64 || o.Conns/o.Procs > 15000:
		log.Fatal("invalid flags: need 1 ≤ -conns ≤ 50000, 1 ≤ -procs ≤ 64 and at most 15000 connections per process")
	case o.IdleRoom < 1 || o.IdleRoom > 5000 || o.DialParallel < 1 || o.DialParallel > 1024:
		log.Fatal("invalid flags: need 1 ≤ -idle-room ≤ 5000 and 1 ≤ -dial-parallel ≤ 1024")
	case o.Hold < 0 || o.Hold > 10*time.Minute || o.ConnectTimeout <= 0:
		log.Fatal("invalid flags: need 0 ≤ -hold ≤ 10m and -connect-timeout > 0")
	}
	if o.StallDuration == 0 {
		o.StallDuration = o.Duration
	}
	var err error
	if o.Mode == "idle" {
		err = runIdle(o)
	} else {
		err = runFanout(o)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// ours is the whole app serving on 127.0.0.1.
type ours struct {
	a     *app.App
	store *chatstore.Store
	addr  string
	logs  *benchkit.LogCounter
	stop  func()
}

// startApp builds the app (SQLite in a temporary folder, or a private
// PostgreSQL schema) and serves it with App.Serve, so the chat hub and
// the other background workers run as in production.
func startApp(ctx context.Context, o options, schemaPrefix string) (*ours, error) {
	var cleanups []func()
	cleanup := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	ok := false
	defer func() {
		if !ok {
			cleanup()
		}
	}()
	dir, err := os.MkdirTemp("", "zuju-bench-chat-")
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, func() { _ = os.RemoveAll(dir) })
	cfg := config.Default()
	cfg.DataDir, cfg.HTTPAddr, cfg.JWTSecret, cfg.RateLimit = dir, "127.0.0.1:0", jwtSecret, "off"
	cfg.ShutdownGrace = 5 * time.Second
	// The per-connection frame limit would throttle the senders; the
	// per-user send limit is off with the rate limits.
	cfg.Chat.FramesPerSec = 10000
	if o.Postgres != "" {
		dsn, drop, err := benchkit.Schema(ctx, o.Postgres, schemaPrefix)
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		cleanups = append(cleanups, drop)
		cfg.DatabaseURL, cfg.RedisURL = dsn, o.Redis
		u, _ := url.Parse(dsn)
		cfg.RedisPrefix = "zb:" + u.Query().Get("search_path") + ":"
		cfg.AMQPPrefix = cfg.RedisPrefix
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	logs := &benchkit.LogCounter{WithErr: true}
	a, err := app.New(ctx, cfg, slog.New(logs), app.Options{SMS: &benchkit.SMS{}})
	if err != nil {
		return nil, fmt.Errorf("build app: %w", err)
	}
	cleanups = append(cleanups, a.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan error, 1)
	go func() { served <- a.Serve(sctx, ln) }()
	cleanups = append(cleanups, func() {
		stop()
		if err := <-served; err != nil {
			log.Printf("serve: %v", err)
		}
	})
	s := &ours{a: a, store: chatstore.New(a.DB), addr: ln.Addr().String(), logs: logs}
	// Serve starts the workers (the hub among them) before it answers.
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get("http://" + s.addr + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		select {
		case err := <-served:
			return nil, fmt.Errorf("serve: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the app did not start serving: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.stop = cleanup
	ok = true
	return s, nil
}

// seedRoom creates a room with members directly in the chat store: no
// user accounts (the members are shown as deleted users).
func (s *ours) seedRoom(ctx context.Context, id string, members []string) error {
	now := time.Now()
	_, created, err := s.store.CreateRoom(ctx, chat.NewRoom{ID: id, ActivityID: id, Title: "压测 " + id, OrganizerID: members[0],
		ParticipantIDs: members[1:], ReadOnlyAt: now.Add(30 * 24 * time.Hour)}, now)
	if err == nil && !created {
		err = fmt.Errorf("room %s existed", id)
	}
	return err
}

// ticket mints a one-time WebSocket ticket for a synthetic user.
func (s *ours) ticket(ctx context.Context, userID string) (string, error) {
	t, _, err := s.a.ChatGate.Issue(auth.WithPrincipal(ctx, auth.Principal{UserID: userID}))
	return t, err
}

func (s *ours) wsURL() string { return "ws://" + s.addr + "/api/v1/chat/ws" }

// profile starts a CPU profile into path (empty: none) and returns its
// stop function.
func profile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// writeResults stores v under key in the results file, keeping what the
// file holds under other keys (the other mode's last run).
func writeResults(o options, key string, v any) error {
	path := o.Out
	if path == "" {
		root, err := benchkit.ModuleRoot()
		if err != nil {
			return err
		}
		path = filepath.Join(root, "bench", "out", "chat.json")
	}
	all := map[string]any{}
	if b, err := os.ReadFile(path); err == nil {
		if json.Unmarshal(b, &all) != nil {
			all = map[string]any{}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	all[key] = v
	out, err := benchkit.WriteJSON(path, "chat", all)
	if err != nil {
		return err
	}
	fmt.Println("wrote", out)
	return nil
}

// header is what every results entry starts with.
func header(o options) map[string]any {
	return map[string]any{"command": benchkit.Command("chat"), "time": time.Now().UTC().Format(time.RFC3339), "go": runtime.Version(),
		"num_cpu": runtime.NumCPU(), "gomaxprocs": runtime.GOMAXPROCS(0), "options": o}
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}
