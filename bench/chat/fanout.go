package main

import (
	"context"
	"fmt"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zuju/zuju/bench/internal/benchkit"
)

// setResult is one round of one server in one room size.
type setResult struct {
	Round   int           `json:"round"`
	Size    int           `json:"size"`
	Target  string        `json:"target"`
	Connect time.Duration `json:"connect_ns"`
	Error   string        `json:"error,omitempty"`
	Max     *phaseResult  `json:"max,omitempty"`
	Fixed   *phaseResult  `json:"fixed,omitempty"`
	Stats   setStats      `json:"stats"`
}

type fanout struct {
	o       options
	ours    *ours
	bare    *benchkit.Server
	cf      *centrifugeServer
	counts  []atomic.Int32
	results []*setResult
}

// Every round gets fresh rooms on ours (the history of a room changes
// the cost of a message), and so does each phase of the stall test.
func roomID(size, round int) string { return fmt.Sprintf("bench-room-%d-r%d", size, round) }
func stallRoomID(size, round int, stalled bool) string {
	return fmt.Sprintf("bench-stall-%d-r%d-%v", size, round, stalled)
}
func userID(room string, i int) string {
	return strings.TrimPrefix(room, "bench-") + "-u" + strconv.Itoa(i)
}

func runFanout(o options) error {
	ctx := context.Background()
	f := &fanout{o: o, counts: make([]atomic.Int32, o.MaxMessages)}
	var err error
	if slices.Contains(o.Targets, "ours") {
		if f.ours, err = startApp(ctx, o, "bench_chat_"); err != nil {
			return err
		}
		defer f.ours.stop()
		t0 := time.Now()
		rooms := map[string]int{}
		for r := 1; r <= o.Rounds; r++ {
			for _, s := range o.Sizes {
				rooms[roomID(s, r)] = s
			}
		}
		if o.StallSize > 0 {
			rooms[stallRoomID(o.StallSize, 0, false)] = o.StallSize // for a maximum when not measured
			for r := 1; r <= o.StallRounds; r++ {
				rooms[stallRoomID(o.StallSize, r, false)] = o.StallSize
				rooms[stallRoomID(o.StallSize, r, true)] = o.StallSize
			}
		}
		for id, size := range rooms {
			members := make([]string, size)
			for i := range members {
				members[i] = userID(id, i)
			}
			if err := f.ours.seedRoom(ctx, id, members); err != nil {
				return fmt.Errorf("seed %s: %w", id, err)
			}
		}
		fmt.Printf("seeded %d rooms in the chat store in %s\n", len(rooms), time.Since(t0).Round(time.Millisecond))
	}
	if slices.Contains(o.Targets, "bare") {
		if f.bare, err = startBare(); err != nil {
			return err
		}
		defer f.bare.Stop()
	}
	if slices.Contains(o.Targets, "centrifuge") {
		if f.cf, err = startCentrifuge(); err != nil {
			return err
		}
		defer f.cf.Stop()
	}
	fmt.Printf("chat fan-out: rooms of %v, servers %s; %d round(s); per phase %s after %s warm-up; %d senders, window %d; %s; GOMAXPROCS=%d %s\n",
		o.Sizes, strings.Join(o.Targets, ", "), o.Rounds, o.Duration, o.Warmup, o.Senders, o.Window, o.Backend, runtime.GOMAXPROCS(0), runtime.Version())
	t0 := time.Now()
	for r := 1; r <= o.Rounds; r++ {
		for _, size := range o.Sizes {
			order := slices.Clone(o.Targets)
			k := (r - 1) % len(order)
			order = append(order[k:], order[:k]...)
			for _, t := range order {
				prof := ""
				if t == "ours" && r == o.Rounds && o.CPUProfile != "" {
					prof = profilePath(o.CPUProfile, size, len(o.Sizes))
				}
				res := f.runSet(ctx, t, size, r, prof)
				f.results = append(f.results, res)
				res.print()
				runtime.GC()
			}
		}
	}
	var stall *stallResult
	if o.StallSize > 0 && f.ours != nil {
		if stall, err = f.stallTest(ctx); err != nil {
			return err
		}
	}
	return f.summarize(stall, time.Since(t0))
}

func profilePath(p string, size, n int) string {
	if n == 1 {
		return p
	}
	ext := ""
	if i := strings.LastIndex(p, "."); i > strings.LastIndex(p, "/") {
		p, ext = p[:i], p[i:]
	}
	return p + "-" + strconv.Itoa(size) + ext
}

// dialSet opens the members of a room of size on target; stall ≥ 0 is
// the member dialled with a small receive buffer.
func (f *fanout) dialSet(ctx context.Context, target, room string, size, stall int) (*connSet, time.Duration, error) {
	d := dialer{stall: stall, rcvbuf: f.o.StallRcvBuf}
	kind := kindNames[target]
	switch kind {
	case kindOurs:
		d.url = func(i int) (string, error) {
			t, err := f.ours.ticket(ctx, userID(room, i))
			u := f.ours.wsURL() + "?ticket=" + url.QueryEscape(t)
			if f.o.Pack {
				u += "&pack=1"
			}
			return u, err
		}
	case kindBare:
		base := "ws" + strings.TrimPrefix(f.bare.URL, "http") + "/ws?room=" + url.QueryEscape(room)
		d.url = func(int) (string, error) { return base, nil }
	default:
		base := "ws" + strings.TrimPrefix(f.cf.http.URL, "http") + "/connection/websocket"
		d.url = func(int) (string, error) { return base, nil }
	}
	t0 := time.Now()
	s, err := connect(ctx, kind, target, size, room, d)
	return s, time.Since(t0), err
}

// runSet connects a room's members to one server and runs the maximum
// rate, then the fixed rate at half of it.
func (f *fanout) runSet(ctx context.Context, target string, size, round int, prof string) *setResult {
	res := &setResult{Round: round, Size: size, Target: target}
	room := roomID(size, round)
	if target != "ours" {
		room = fmt.Sprintf("r%d-%d", round, size)
	}
	s, took, err := f.dialSet(ctx, target, room, size, -1)
	res.Connect = took
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer func() {
		s.close()
		res.Stats = s.stats(-1)
	}()
	mx, err := s.maxPhase(f.o, f.counts, prof)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Max = &mx
	if mx.MsgsPerSec <= 0 {
		res.Error = "no message reached every member"
		return res
	}
	fx := s.fixedPhase(f.o, mx.MsgsPerSec/2, -1, f.o.Duration)
	res.Fixed = &fx
	return res
}

func (r *setResult) print() {
	head := fmt.Sprintf("round %d  %4d members  %-10s", r.Round, r.Size, r.Target)
	if r.Max == nil {
		fmt.Printf("%s  ERROR %s\n", head, r.Error)
		return
	}
	line := fmt.Sprintf("%s  connect %6s | max %9.0f deliveries/s (%7.1f msgs/s, not fully delivered %d)", head,
		r.Connect.Round(time.Millisecond), r.Max.DeliveriesPerSec, r.Max.MsgsPerSec, r.Max.Lost)
	if x := r.Fixed; x != nil {
		line += fmt.Sprintf(" | at %.1f msgs/s: p50 %s p90 %s p99 %s max %s, %d deliveries, lost %d", x.Rate, ms(x.P50), ms(x.P90),
			ms(x.P99), ms(x.Max), x.Deliveries, x.Lost)
		if x.Lagged {
			line += " (senders fell behind)"
		}
	}
	st := r.Stats
	var notes []string
	if st.Dropped > 0 {
		notes = append(notes, fmt.Sprintf("%d dropped by the server (%s)", st.Dropped, st.DropSample))
	}
	if st.Gaps+st.Dups > 0 {
		notes = append(notes, fmt.Sprintf("order: %d gaps, %d repeats", st.Gaps, st.Dups))
	}
	if st.ErrFrames > 0 {
		notes = append(notes, fmt.Sprintf("%d error frames (%s)", st.ErrFrames, st.ErrSample))
	}
	if st.SendErrors > 0 {
		notes = append(notes, fmt.Sprintf("%d send errors", st.SendErrors))
	}
	if r.Error != "" {
		notes = append(notes, "error: "+r.Error)
	}
	if len(notes) > 0 {
		line += " | " + strings.Join(notes, "; ")
	}
	fmt.Println(line)
}

// stallRound is one pair of fixed-rate phases in the stall room.
type stallRound struct {
	Round    int         `json:"round"`
	Baseline phaseResult `json:"baseline"`
	Stalled  phaseResult `json:"stalled"`
	// DroppedAfter is when the hub lost the stalled connection, from the
	// start of the stalled phase (-1: it did not within the phase).
	DroppedAfter time.Duration `json:"stalled_dropped_after_ns"`
	CloseCode    int           `json:"stalled_close_code"`
	CloseReason  string        `json:"stalled_close_reason,omitempty"`
	StalledEnd   string        `json:"stalled_end,omitempty"`
	FramesRead   int64         `json:"stalled_frames_read"`
	// Others: the other members in the stalled phase; OthersBaseline in
	// the baseline phase.
	Others         setStats `json:"others"`
	OthersBaseline setStats `json:"others_baseline"`
}

type stallResult struct {
	Size        int           `json:"size"`
	Rate        float64       `json:"rate_msgs_per_s"`
	RcvBuf      int           `json:"stalled_rcvbuf"`
	Rounds      []stallRound  `json:"rounds"`
	BaselineP99 time.Duration `json:"baseline_p99_ns"`
	StalledP99  time.Duration `json:"stalled_p99_ns"`
	Change      float64       `json:"p99_change"`
	Pass        bool          `json:"pass"`
}

// stallTest runs, in the -stall-size room on ours, the half-rate phase
// without and then with one member (the last, not a sender) that stops
// reading its socket, and compares the other members' p99.
func (f *fanout) stallTest(ctx context.Context) (*stallResult, error) {
	o := f.o
	size := o.StallSize
	if size <= o.Senders {
		return nil, fmt.Errorf("-stall-size %d must exceed -senders %d (the stalled member does not send)", size, o.Senders)
	}
	res := &stallResult{Size: size, RcvBuf: o.StallRcvBuf}
	var maxes []float64
	for _, r := range f.results {
		if r.Target == "ours" && r.Size == size && r.Max != nil && r.Max.MsgsPerSec > 0 {
			maxes = append(maxes, r.Max.MsgsPerSec)
		}
	}
	fmt.Printf("\nstalled member: room of %d on ours, member %d stops reading (SO_RCVBUF %d); phases of %s after %s warm-up\n", size, size-1,
		o.StallRcvBuf, o.StallDuration, o.Warmup)
	if len(maxes) == 0 {
		s, _, err := f.dialSet(ctx, "ours", stallRoomID(size, 0, false), size, -1)
		if err != nil {
			return nil, err
		}
		mx, err := s.maxPhase(o, f.counts, "")
		s.close()
		if err != nil {
			return nil, err
		}
		fmt.Printf("  max (not measured above): %.0f deliveries/s, %.1f msgs/s\n", mx.DeliveriesPerSec, mx.MsgsPerSec)
		maxes = append(maxes, mx.MsgsPerSec)
	}
	res.Rate = mean(maxes) / 2
	if res.Rate <= 0 {
		return nil, fmt.Errorf("stall test: no maximum rate")
	}
	var base, stalled []time.Duration
	var baseLost, stalledLost int64
	for r := 1; r <= o.StallRounds; r++ {
		sr := stallRound{Round: r, DroppedAfter: -1}
		// Each phase in a fresh room, the order alternating between rounds.
		order := []bool{false, true}
		if r%2 == 0 {
			order = []bool{true, false}
		}
		for _, stall := range order {
			s, _, err := f.dialSet(ctx, "ours", stallRoomID(size, r, stall), size, size-1)
			if err != nil {
				return nil, err
			}
			if !stall {
				sr.Baseline = s.fixedPhase(o, res.Rate, size-1, o.StallDuration)
				s.close()
				sr.OthersBaseline = s.stats(size - 1)
				continue
			}
			f.stalledPhase(s, res.Rate, &sr)
			s.close()
			sr.Others = s.stats(size - 1)
		}
		res.Rounds = append(res.Rounds, sr)
		base, baseLost = append(base, sr.Baseline.lat...), baseLost+sr.Baseline.Lost
		stalled, stalledLost = append(stalled, sr.Stalled.lat...), stalledLost+sr.Stalled.Lost
		drop := "not dropped during the phase"
		if sr.DroppedAfter >= 0 {
			drop = "dropped by the server after " + sr.DroppedAfter.Round(time.Millisecond).String()
		}
		fmt.Printf("  round %d at %.1f msgs/s: others' p99 without %s (lost %d), with the stalled member %s (lost %d); stalled member %s, then: %s (read %d frames in all)\n",
			r, res.Rate, ms(sr.Baseline.P99), sr.Baseline.Lost, ms(sr.Stalled.P99), sr.Stalled.Lost, drop, sr.StalledEnd, sr.FramesRead)
		for _, st := range []setStats{sr.OthersBaseline, sr.Others} {
			if st.Dropped > 0 || st.Gaps+st.Dups > 0 || st.ErrFrames > 0 {
				fmt.Printf("    others: %d dropped (%s), order gaps %d repeats %d, %d error frames %s\n", st.Dropped, st.DropSample, st.Gaps, st.Dups,
					st.ErrFrames, st.ErrSample)
			}
		}
		runtime.GC()
	}
	slices.Sort(base)
	slices.Sort(stalled)
	res.BaselineP99, res.StalledP99 = pctLost(base, baseLost, 0.99), pctLost(stalled, stalledLost, 0.99)
	switch {
	case res.BaselineP99 <= 0 || res.StalledP99 < 0:
		res.Change = 1e9 // lost deliveries: no finite p99
	default:
		res.Change = float64(res.StalledP99-res.BaselineP99) / float64(res.BaselineP99)
	}
	res.Pass = res.Change > -0.10 && res.Change < 0.10
	return res, nil
}

// stalledPhase runs the fixed-rate phase while the last member does not
// read, and finds out whether and when the server dropped it.
func (f *fanout) stalledPhase(s *connSet, rate float64, sr *stallRound) {
	size := len(s.members)
	m := s.members[size-1]
	pause := make(chan struct{})
	m.pause.Store(&pause)
	// The hub's count shows when the server drops the stalled member.
	conns0 := f.ours.a.ChatHub.Conns()
	stopWatch := make(chan struct{})
	var watch sync.WaitGroup
	start := time.Now()
	watch.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopWatch:
				return
			case <-t.C:
				if f.ours.a.ChatHub.Conns() < conns0 {
					sr.DroppedAfter = time.Since(start)
					return
				}
			}
		}
	})
	sr.Stalled = s.fixedPhase(f.o, rate, size-1, f.o.StallDuration)
	close(stopWatch)
	watch.Wait()
	// Read again: what was buffered, then the server's close if it
	// dropped the member.
	m.pause.Store(nil)
	close(pause)
	select {
	case <-m.done:
		sr.CloseCode, sr.CloseReason = int(m.closeCode), m.closeWhy
		sr.StalledEnd = fmt.Sprint(m.endErr)
	case <-time.After(3 * time.Second):
		sr.StalledEnd = "still connected"
	}
	sr.FramesRead = m.frames.Load()
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// targetSummary is one server in one room size over the rounds.
type targetSummary struct {
	Size   int    `json:"size"`
	Target string `json:"target"`
	Rounds int    `json:"rounds"`
	// Mean over the rounds of the maximum-rate phase.
	DeliveriesPerSec float64 `json:"max_deliveries_per_s"`
	MsgsPerSec       float64 `json:"max_msgs_per_s"`
	// Over every delivery of the fixed-rate phases (each round at half
	// that round's maximum).
	FixedRate float64       `json:"fixed_rate_msgs_per_s"`
	P50       time.Duration `json:"p50_ns"`
	P99       time.Duration `json:"p99_ns"`
	P99ms     float64       `json:"p99_ms"`
	Lost      int64         `json:"lost"`
	Dropped   int           `json:"dropped_by_server"`
	Gaps      int64         `json:"order_gaps"`
	Dups      int64         `json:"order_repeats"`
	ErrFrames int64         `json:"error_frames"`
	Errors    []string      `json:"errors,omitempty"`
}

type check struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Target string  `json:"target"`
	Pass   bool    `json:"pass"`
}

func (f *fanout) summarize(stall *stallResult, took time.Duration) error {
	o := f.o
	var sums []targetSummary
	get := func(size int, t string) *targetSummary {
		for i := range sums {
			if sums[i].Size == size && sums[i].Target == t {
				return &sums[i]
			}
		}
		return nil
	}
	fmt.Println()
	fmt.Printf("%-6s %-10s %14s %11s %12s %9s %9s %6s %s\n", "size", "server", "deliveries/s", "msgs/s", "fixed msgs/s", "p50", "p99", "lost", "notes")
	for _, size := range o.Sizes {
		for _, t := range o.Targets {
			s := targetSummary{Size: size, Target: t}
			var dps, mps, rates []float64
			var lat []time.Duration
			for _, r := range f.results {
				if r.Size != size || r.Target != t {
					continue
				}
				if r.Error != "" {
					s.Errors = append(s.Errors, fmt.Sprintf("round %d: %s", r.Round, r.Error))
				}
				s.Dropped += r.Stats.Dropped
				s.Gaps += r.Stats.Gaps
				s.Dups += r.Stats.Dups
				s.ErrFrames += r.Stats.ErrFrames
				if r.Max == nil {
					continue
				}
				s.Rounds++
				dps, mps = append(dps, r.Max.DeliveriesPerSec), append(mps, r.Max.MsgsPerSec)
				if r.Fixed != nil {
					rates = append(rates, r.Fixed.Rate)
					lat = append(lat, r.Fixed.lat...)
					s.Lost += r.Fixed.Lost
				}
			}
			s.DeliveriesPerSec, s.MsgsPerSec, s.FixedRate = mean(dps), mean(mps), mean(rates)
			slices.Sort(lat)
			s.P50, s.P99 = pctLost(lat, s.Lost, 0.50), pctLost(lat, s.Lost, 0.99)
			s.P99ms = float64(s.P99) / 1e6
			var notes []string
			if s.Dropped > 0 {
				notes = append(notes, fmt.Sprintf("%d connections dropped", s.Dropped))
			}
			if s.Gaps+s.Dups > 0 {
				notes = append(notes, fmt.Sprintf("order: %d gaps %d repeats", s.Gaps, s.Dups))
			}
			if s.ErrFrames > 0 {
				notes = append(notes, fmt.Sprintf("%d error frames", s.ErrFrames))
			}
			if len(s.Errors) > 0 {
				notes = append(notes, strings.Join(s.Errors, "; "))
			}
			fmt.Printf("%-6d %-10s %14.0f %11.1f %12.1f %9s %9s %6d %s\n", size, t, s.DeliveriesPerSec, s.MsgsPerSec, s.FixedRate, ms(s.P50), ms(s.P99),
				s.Lost, strings.Join(notes, "; "))
			sums = append(sums, s)
		}
	}
	var checks []check
	if slices.Contains(o.Targets, "ours") {
		fmt.Println()
		for _, size := range o.Sizes {
			us := get(size, "ours")
			for _, ref := range []struct {
				name string
				min  float64
			}{{"bare", 0.5}, {"centrifuge", 0.7}} {
				rs := get(size, ref.name)
				if rs == nil || rs.DeliveriesPerSec <= 0 || us.Rounds == 0 {
					continue
				}
				ratio := us.DeliveriesPerSec / rs.DeliveriesPerSec
				c := check{Name: fmt.Sprintf("room of %d: deliveries/s ours/%s", size, ref.name), Value: ratio,
					Target: fmt.Sprintf("≥ %.1f", ref.min), Pass: ratio >= ref.min}
				checks = append(checks, c)
				p99 := "n/a"
				if us.P99 > 0 && rs.P99 > 0 {
					p99 = fmt.Sprintf("%.2f", float64(us.P99)/float64(rs.P99))
				}
				fmt.Printf("room of %4d: ours/%-10s deliveries/s %.3f (target ≥ %.1f) %s   (p99 ours/%s %s, each at half its own maximum)\n",
					size, ref.name, ratio, ref.min, verdict(c.Pass), ref.name, p99)
			}
			if us.Rounds == 0 {
				checks = append(checks, check{Name: fmt.Sprintf("room of %d: ours ran", size), Target: "every round", Pass: false})
				fmt.Printf("room of %4d: ours did not run: %s FAIL\n", size, strings.Join(us.Errors, "; "))
				continue
			}
			if us.Rounds > 0 {
				ok := us.P99 >= 0 && us.P99 < 200*time.Millisecond && us.Lost == 0
				checks = append(checks, check{Name: fmt.Sprintf("room of %d: ours p99 at half its maximum (ms)", size), Value: us.P99ms,
					Target: "< 200 ms, nothing lost", Pass: ok})
				fmt.Printf("room of %4d: ours p99 %s at %.1f msgs/s (target < 200ms) %s\n", size, ms(us.P99), us.FixedRate, verdict(ok))
			}
		}
	}
	if stall != nil {
		change := "n/a (deliveries lost)"
		if stall.Change < 1e8 {
			change = fmt.Sprintf("%+.1f%%", 100*stall.Change)
		}
		fmt.Printf("stalled member (room of %d, %.1f msgs/s): others' p99 %s without, %s with: change %s (target < 10%%) %s\n",
			stall.Size, stall.Rate, ms(stall.BaselineP99), ms(stall.StalledP99), change, verdict(stall.Pass))
		checks = append(checks, check{Name: fmt.Sprintf("room of %d: others' p99 change with one stalled member", stall.Size), Value: stall.Change,
			Target: "|change| < 10%", Pass: stall.Pass})
	}
	if f.ours != nil {
		if logs := f.ours.logs.Top(); logs != "" {
			fmt.Printf("app warnings/errors logged: %s\n", logs)
		}
	}
	fmt.Printf("fan-out done in %s\n", took.Round(time.Second))
	v := header(o)
	v["results"], v["summary"], v["checks"], v["stall"] = f.results, sums, checks, stall
	if f.ours != nil {
		v["app_logs"] = f.ours.logs.Snapshot()
	}
	return writeResults(o, "fanout", v)
}
