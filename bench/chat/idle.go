package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// memSample is the server process's memory at one point.
type memSample struct {
	HeapInuse  uint64 `json:"heap_inuse"`
	StackInuse uint64 `json:"stack_inuse"`
	HeapAlloc  uint64 `json:"heap_alloc"`
	Sys        uint64 `json:"sys"`
	RSS        uint64 `json:"rss"`
	Goroutines int    `json:"goroutines"`
	Conns      int    `json:"conns"`
}

// sample forces a full collection, returns the freed memory to the OS
// and reads the Go heap and stacks, the RSS and the goroutines.
func sample(conns int) memSample {
	runtime.GC()
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memSample{HeapInuse: ms.HeapInuse, StackInuse: ms.StackInuse, HeapAlloc: ms.HeapAlloc, Sys: ms.Sys, RSS: rss(),
		Goroutines: runtime.NumGoroutine(), Conns: conns}
}

// rss is VmRSS of /proc/self/status in bytes (0 if unreadable).
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// perConn is the growth between two samples, per connection.
type perConn struct {
	HeapStack  float64 `json:"heap_plus_stack_bytes"`
	Heap       float64 `json:"heap_inuse_bytes"`
	Stack      float64 `json:"stack_inuse_bytes"`
	RSS        float64 `json:"rss_bytes"`
	Goroutines float64 `json:"goroutines"`
}

func growth(before, after memSample, n int) perConn {
	d := func(a, b uint64) float64 { return (float64(a) - float64(b)) / float64(n) }
	return perConn{HeapStack: d(after.HeapInuse+after.StackInuse, before.HeapInuse+before.StackInuse),
		Heap: d(after.HeapInuse, before.HeapInuse), Stack: d(after.StackInuse, before.StackInuse),
		RSS: d(after.RSS, before.RSS), Goroutines: float64(after.Goroutines-before.Goroutines) / float64(n)}
}

func (p perConn) String() string {
	return fmt.Sprintf("heap+stack %.1f KB (heap %.1f KB, stacks %.1f KB), RSS %.1f KB, %.2f goroutines", p.HeapStack/1024, p.Heap/1024,
		p.Stack/1024, p.RSS/1024, p.Goroutines)
}

// childReport is what a client process prints once it dialled its share
// (ready) and when it stops (done).
type childReport struct {
	Kind           string `json:"kind"`
	OK             int    `json:"ok"`
	Failed         int    `json:"failed"`
	Took           int64  `json:"took_ns"`
	FirstError     string `json:"first_error,omitempty"`
	Alive          int    `json:"alive,omitempty"`
	Frames         int64  `json:"frames,omitempty"`
	Pongs          int64  `json:"pongs,omitempty"`
	PingsSent      int64  `json:"pings_sent,omitempty"`
	ClosedByServer int    `json:"closed_by_server,omitempty"`
	CloseSample    string `json:"close_sample,omitempty"`
}

func runIdle(o options) error {
	ctx := context.Background()
	s, err := startApp(ctx, o, "bench_chati_")
	if err != nil {
		return err
	}
	defer s.stop()
	hub := s.a.ChatHub
	fmt.Printf("chat idle: %d connections in %d client processes, rooms of %d; %s; GOMAXPROCS=%d %s\n", o.Conns, o.Procs, o.IdleRoom,
		o.Backend, runtime.GOMAXPROCS(0), runtime.Version())
	t0 := time.Now()
	users := make([]string, o.Conns)
	for start, k := 0, 0; start < o.Conns; start, k = start+o.IdleRoom, k+1 {
		room := "bench-idle-" + strconv.Itoa(k)
		members := make([]string, 0, o.IdleRoom)
		for i := start; i < min(start+o.IdleRoom, o.Conns); i++ {
			users[i] = "idle-" + strconv.Itoa(k) + "-u" + strconv.Itoa(i-start)
			members = append(members, users[i])
		}
		if err := s.seedRoom(ctx, room, members); err != nil {
			return fmt.Errorf("seed %s: %w", room, err)
		}
	}
	fmt.Printf("seeded %d rooms in %s\n", (o.Conns+o.IdleRoom-1)/o.IdleRoom, time.Since(t0).Round(time.Millisecond))

	before := sample(hub.Conns())
	tickets := make([]string, o.Conns)
	for i, u := range users {
		if tickets[i], err = s.ticket(ctx, u); err != nil {
			return err
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	stopProf, err := profile(o.CPUProfile)
	if err != nil {
		return err
	}
	type child struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		ready chan childReport
		done  chan childReport
	}
	var children []*child
	defer func() {
		for _, c := range children {
			_ = c.stdin.Close()
		}
		for _, c := range children {
			ch := make(chan struct{})
			go func() { _ = c.cmd.Wait(); close(ch) }()
			select {
			case <-ch:
			case <-time.After(30 * time.Second):
				_ = c.cmd.Process.Kill()
				<-ch
			}
		}
	}()
	start := time.Now()
	per := (o.Conns + o.Procs - 1) / o.Procs
	for p := range o.Procs {
		share := tickets[min(p*per, o.Conns):min((p+1)*per, o.Conns)]
		if len(share) == 0 {
			break
		}
		cmd := exec.Command(exe, "-idle-child", "-dial-parallel", strconv.Itoa(o.DialParallel))
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return err
		}
		c := &child{cmd: cmd, stdin: stdin, ready: make(chan childReport, 1), done: make(chan childReport, 1)}
		children = append(children, c)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				var r childReport
				if json.Unmarshal(sc.Bytes(), &r) != nil {
					continue
				}
				if r.Kind == "ready" {
					c.ready <- r
				} else {
					c.done <- r
				}
			}
		}()
		go func() {
			w := bufio.NewWriter(stdin)
			fmt.Fprintf(w, "%d %s\n", len(share), s.wsURL())
			for _, t := range share {
				fmt.Fprintln(w, url.QueryEscape(t))
			}
			if err := w.Flush(); err != nil {
				fmt.Fprintln(os.Stderr, "tickets to a client process:", err)
			}
		}()
	}
	// Connected: every connection registered in the hub (its ready frame
	// queued), or every client process finished dialling.
	var reports []childReport
	var connectTook time.Duration
	deadline := start.Add(o.ConnectTimeout)
	got := 0
	for {
		if hub.Conns() >= o.Conns && connectTook == 0 {
			connectTook = time.Since(start)
		}
		for _, c := range children {
			select {
			case r := <-c.ready:
				reports = append(reports, r)
				got++
			default:
			}
		}
		if got == len(children) && (connectTook > 0 || hub.Conns() < o.Conns) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("connecting took over %s: %d connected", o.ConnectTimeout, hub.Conns())
		}
		time.Sleep(5 * time.Millisecond)
	}
	stopProf()
	ok, failed := 0, 0
	var firstErr string
	var slowest time.Duration
	for _, r := range reports {
		ok += r.OK
		failed += r.Failed
		slowest = max(slowest, time.Duration(r.Took))
		if firstErr == "" {
			firstErr = r.FirstError
		}
	}
	n := hub.Conns()
	if connectTook == 0 {
		connectTook = slowest
	}
	fmt.Printf("connected %d of %d (failed %d%s) in %s: %.0f connections/s (slowest client process %s)\n", n, o.Conns, failed,
		map[bool]string{true: ", first error: " + firstErr, false: ""}[firstErr != ""], connectTook.Round(time.Millisecond),
		float64(n)/connectTook.Seconds(), slowest.Round(time.Millisecond))
	if n == 0 {
		return fmt.Errorf("no connection")
	}
	time.Sleep(time.Second) // ready frames written, handshake garbage gone
	after := sample(hub.Conns())
	g := growth(before, after, after.Conns)
	fmt.Printf("server growth per connection (%d connections, after GC): %s\n", after.Conns, g)
	fmt.Printf("  heap in use %s → %s, stacks %s → %s, RSS %s → %s, goroutines %d → %d\n", mib(before.HeapInuse), mib(after.HeapInuse),
		mib(before.StackInuse), mib(after.StackInuse), mib(before.RSS), mib(after.RSS), before.Goroutines, after.Goroutines)
	if o.MemProfile != "" {
		f, err := os.Create(o.MemProfile)
		if err != nil {
			return err
		}
		err = pprof.WriteHeapProfile(f)
		f.Close()
		if err != nil {
			return err
		}
	}
	res := map[string]any{"before": before, "after": after, "per_conn": g, "connect_ns": connectTook, "connected": n,
		"failed": failed, "first_error": firstErr, "client_ready": reports}

	var held *perConn
	if o.Hold > 0 {
		low := n
		end := time.Now().Add(o.Hold)
		for time.Now().Before(end) {
			time.Sleep(500 * time.Millisecond)
			low = min(low, hub.Conns())
		}
		later := sample(hub.Conns())
		h := growth(before, later, max(later.Conns, 1))
		held = &h
		fmt.Printf("after holding %s (pings every 25 s from the clients, 30 s from the server): %d connections (lowest %d), per connection %s\n",
			o.Hold, later.Conns, low, h)
		res["after_hold"], res["per_conn_after_hold"], res["lowest_during_hold"] = later, h, low
	}
	// Stop the clients and wait for them.
	for _, c := range children {
		_ = c.stdin.Close()
	}
	var done []childReport
	for _, c := range children {
		select {
		case r := <-c.done:
			done = append(done, r)
		case <-time.After(30 * time.Second):
		}
	}
	var pongs, pings int64
	closed := 0
	closeSample := ""
	for _, r := range done {
		pongs += r.Pongs
		pings += r.PingsSent
		closed += r.ClosedByServer
		if closeSample == "" {
			closeSample = r.CloseSample
		}
	}
	fmt.Printf("clients: %d pings sent, %d pongs received, %d connections closed by the server%s\n", pings, pongs, closed,
		map[bool]string{true: " (" + closeSample + ")", false: ""}[closeSample != ""])
	res["client_done"] = done
	for end := time.Now().Add(10 * time.Second); hub.Conns() > 0 && time.Now().Before(end); {
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Printf("after the clients closed: %d connections in the hub\n", hub.Conns())

	var checks []check
	add := func(name string, v float64) {
		c := check{Name: name, Value: v, Target: "≤ 20 KB", Pass: v <= 20*1024}
		checks = append(checks, c)
		fmt.Printf("memory per connection, %s: %.1f KB (target ≤ 20 KB) %s\n", name, v/1024, verdict(c.Pass))
	}
	complete := n == o.Conns
	add("Go heap in use + stacks", g.HeapStack)
	add("RSS", g.RSS)
	if held != nil {
		add("Go heap in use + stacks after the hold", held.HeapStack)
		add("RSS after the hold", held.RSS)
	}
	if !complete {
		fmt.Printf("FAIL: only %d of %d connections opened\n", n, o.Conns)
	}
	if logs := s.logs.Top(); logs != "" {
		fmt.Printf("app warnings/errors logged: %s\n", logs)
	}
	v := header(o)
	v["results"], v["checks"], v["all_connected"], v["app_logs"] = res, checks, complete, s.logs.Snapshot()
	return writeResults(o, "idle", v)
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// idleChild is a client process of the idle mode: it reads "count url"
// and count tickets from stdin, opens a connection per ticket (waiting
// for each one's ready frame), reports, keeps them (reading, answering
// the server's pings, sending {"type":"ping"} every 25 s) until stdin
// ends, then closes them and reports again.
func idleChild(parallel int) error {
	in := bufio.NewScanner(os.Stdin)
	if !in.Scan() {
		return fmt.Errorf("child: no header")
	}
	var count int
	var base string
	if _, err := fmt.Sscanf(in.Text(), "%d %s", &count, &base); err != nil {
		return fmt.Errorf("child: header %q: %w", in.Text(), err)
	}
	tickets := make([]string, 0, count)
	for len(tickets) < count && in.Scan() {
		tickets = append(tickets, in.Text())
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	conns := make([]*websocket.Conn, 0, count)
	rep := childReport{Kind: "ready"}
	var frames, pongs atomic.Int64
	var closing atomic.Bool
	closedByServer := 0
	closeSample := ""
	var readers sync.WaitGroup
	start := time.Now()
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for _, t := range tickets {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			dctx, dcancel := context.WithTimeout(ctx, 30*time.Second)
			defer dcancel()
			ws, _, err := websocket.Dial(dctx, base+"?ticket="+t, &websocket.DialOptions{CompressionMode: websocket.CompressionDisabled})
			if err == nil {
				var b []byte
				if _, b, err = ws.Read(dctx); err == nil && !strings.Contains(string(b), `"event":"ready"`) {
					err = fmt.Errorf("first frame %s", b)
				}
				if err != nil {
					_ = ws.CloseNow()
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				rep.Failed++
				if rep.FirstError == "" {
					rep.FirstError = err.Error()
				}
				return
			}
			rep.OK++
			conns = append(conns, ws)
			readers.Go(func() {
				for {
					_, b, err := ws.Read(ctx)
					if err != nil {
						if !closing.Load() {
							mu.Lock()
							closedByServer++
							if closeSample == "" {
								closeSample = err.Error()
							}
							mu.Unlock()
						}
						return
					}
					frames.Add(1)
					if strings.Contains(string(b), `"type":"pong"`) {
						pongs.Add(1)
					}
				}
			})
		})
	}
	wg.Wait()
	rep.Took = int64(time.Since(start))
	out := json.NewEncoder(os.Stdout)
	if err := out.Encode(rep); err != nil {
		return err
	}
	var pings atomic.Int64
	pingDone := make(chan struct{})
	go func() {
		defer close(pingDone)
		t := time.NewTicker(25 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			mu.Lock()
			list := append([]*websocket.Conn(nil), conns...)
			mu.Unlock()
			for _, ws := range list {
				wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
				if ws.Write(wctx, websocket.MessageText, []byte(`{"type":"ping"}`)) == nil {
					pings.Add(1)
				}
				wcancel()
			}
		}
	}()
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes it
	mu.Lock()
	alive := len(conns) - closedByServer
	mu.Unlock()
	closing.Store(true)
	cancel()
	<-pingDone
	for _, ws := range conns {
		_ = ws.CloseNow()
	}
	readers.Wait()
	mu.Lock()
	defer mu.Unlock()
	return out.Encode(childReport{Kind: "done", OK: rep.OK, Alive: alive, Frames: frames.Load(), Pongs: pongs.Load(),
		PingsSent: pings.Load(), ClosedByServer: closedByServer, CloseSample: closeSample})
}
