package main

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zuju/zuju/bench/internal/benchkit"
)

var phaseIDs atomic.Int64

// phase is one measured stretch of sending to a connSet.
type phase struct {
	id    int64
	start time.Time
	// closed: the maximum-rate phase (window of messages in flight).
	closed bool
	// closed loop: deliveries per message, by message number; a message
	// that reached expect members gives its token back.
	counts    []atomic.Int32
	expect    int32
	tokens    chan struct{}
	completed atomic.Int64
	next      atomic.Int64
	measuring atomic.Bool
	// open loop: deliveries of messages scheduled in [winStart, winEnd)
	// are recorded, except those of member exclude.
	winStart, winEnd int64
	exclude          int
	recorded         atomic.Int64
	stats            []memberStats
}

type memberStats struct {
	counted atomic.Int64 // closed loop: deliveries while measuring
	all     atomic.Int64
	mu      sync.Mutex
	lat     []time.Duration
	_       [64]byte
}

func (ph *phase) deliver(i int, t, n, now int64) {
	st := &ph.stats[i]
	st.all.Add(1)
	if ph.closed {
		if ph.measuring.Load() {
			st.counted.Add(1)
		}
		if n < int64(len(ph.counts)) && ph.counts[n].Add(1) == ph.expect {
			ph.completed.Add(1)
			ph.tokens <- struct{}{}
		}
		return
	}
	if i == ph.exclude || t < ph.winStart || t >= ph.winEnd {
		return
	}
	st.mu.Lock()
	st.lat = append(st.lat, time.Duration(now-t))
	st.mu.Unlock()
	ph.recorded.Add(1)
}

// phaseResult is what a phase measured.
type phaseResult struct {
	Kind     string        `json:"kind"` // max or fixed
	Duration time.Duration `json:"duration_ns"`
	// Rate is the schedule of a fixed-rate phase (messages/s).
	Rate float64 `json:"rate_msgs_per_s,omitempty"`
	// Sent counts the messages sent (fixed: scheduled) in the measured
	// window.
	Sent             int64   `json:"sent"`
	Deliveries       int64   `json:"deliveries"`
	DeliveriesPerSec float64 `json:"deliveries_per_s"`
	MsgsPerSec       float64 `json:"msgs_per_s"`
	// Lost: deliveries expected that never came within the drain time
	// (fixed: counted as infinite latencies in the percentiles); max: the
	// messages that never reached every member.
	Lost       int64         `json:"lost"`
	P50        time.Duration `json:"p50_ns"`
	P90        time.Duration `json:"p90_ns"`
	P99        time.Duration `json:"p99_ns"`
	Max        time.Duration `json:"max_ns"`
	P99ms      float64       `json:"p99_ms"`
	SendErrors int64         `json:"send_errors"`
	// Lagged: a fixed-rate phase fell more than -max-lag behind its
	// schedule and stopped sending.
	Lagged bool `json:"lagged,omitempty"`
	// latencies of the recorded deliveries, sorted, and the lost count
	lat []time.Duration
}

func (s *connSet) newPhase(closed bool, exclude int) *phase {
	ph := &phase{id: phaseIDs.Add(1), closed: closed, exclude: exclude, stats: make([]memberStats, len(s.members))}
	return ph
}

// maxPhase drives the set as fast as it goes with at most window
// messages in flight: the senders (members 0 … senders-1) each take a
// token, send, and the token comes back once every member has the
// message. Deliveries are counted for d after warmup.
func (s *connSet) maxPhase(o options, counts []atomic.Int32, prof string) (phaseResult, error) {
	for i := range counts {
		counts[i].Store(0)
	}
	errs0 := s.sendErrors()
	ph := s.newPhase(true, -1)
	ph.counts, ph.expect = counts, int32(len(s.members))
	ph.tokens = make(chan struct{}, o.Window)
	for range o.Window {
		ph.tokens <- struct{}{}
	}
	ph.start = time.Now()
	s.cur.Store(ph)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for k := range min(o.Senders, len(s.members)) {
		m := s.members[k]
		wg.Go(func() {
			for {
				select {
				case <-ph.tokens:
				case <-stop:
					return
				}
				n := ph.next.Add(1) - 1
				if n >= int64(len(counts)) {
					return
				}
				if m.send(ph, n, time.Now().UnixNano()) != nil {
					return
				}
			}
		})
	}
	time.Sleep(o.Warmup)
	stopProf, err := profile(prof)
	if err != nil {
		close(stop)
		wg.Wait()
		return phaseResult{}, err
	}
	ph.measuring.Store(true)
	t0 := time.Now()
	sent0 := ph.next.Load()
	time.Sleep(o.Duration)
	ph.measuring.Store(false)
	elapsed := time.Since(t0)
	sent1 := ph.next.Load()
	stopProf()
	close(stop)
	wg.Wait()
	issued := min(ph.next.Load(), int64(len(counts)))
	deadline := time.Now().Add(o.Drain)
	for ph.completed.Load() < issued && time.Now().Before(deadline) && !s.allDead() {
		time.Sleep(10 * time.Millisecond)
	}
	r := phaseResult{Kind: "max", Duration: elapsed, Sent: sent1 - sent0, Lost: issued - ph.completed.Load()}
	for i := range ph.stats {
		r.Deliveries += ph.stats[i].counted.Load()
	}
	r.SendErrors = s.sendErrors() - errs0
	r.DeliveriesPerSec = float64(r.Deliveries) / elapsed.Seconds()
	r.MsgsPerSec = r.DeliveriesPerSec / float64(len(s.members))
	s.cur.Store(nil)
	return r, nil
}

func (s *connSet) sendErrors() int64 {
	var n int64
	for _, m := range s.members {
		n += m.sendErrors.Load()
	}
	return n
}

func (s *connSet) allDead() bool {
	for _, m := range s.members {
		if !m.dead.Load() {
			return false
		}
	}
	return true
}

// fixedPhase sends rate messages/s on a fixed schedule (open loop,
// spread over the senders) for warmup + d and records the latency of
// every delivery of the messages scheduled after warmup: the receiver's
// read time minus the scheduled send time (a sender that falls behind
// adds its lag). Member exclude (the stalled one) is not counted.
func (s *connSet) fixedPhase(o options, rate float64, exclude int, d time.Duration) phaseResult {
	errs0 := s.sendErrors()
	ph := s.newPhase(false, exclude)
	senders := min(o.Senders, len(s.members))
	if exclude >= 0 && exclude < senders {
		panic("the stalled member must not send")
	}
	ph.start = time.Now()
	s0 := ph.start.Add(20 * time.Millisecond).UnixNano()
	ph.winStart = s0 + o.Warmup.Nanoseconds()
	ph.winEnd = ph.winStart + d.Nanoseconds()
	s.cur.Store(ph)
	interval := 1e9 / rate
	var scheduled, lagged atomic.Int64
	var wg sync.WaitGroup
	for k := range senders {
		m := s.members[k]
		wg.Go(func() {
			behind := false
			for j := int64(0); ; j++ {
				n := j*int64(senders) + int64(k)
				due := s0 + int64(float64(n)*interval)
				if due >= ph.winEnd {
					return
				}
				if due >= ph.winStart {
					scheduled.Add(1)
				}
				if behind {
					continue // only counting what should have been sent
				}
				if wait := time.Duration(due - time.Now().UnixNano()); wait > 0 {
					time.Sleep(wait)
				} else if -wait > o.MaxLag {
					behind = true
					lagged.Add(1)
					continue
				}
				if m.send(ph, n, due) != nil {
					behind = true
				}
			}
		})
	}
	wg.Wait()
	receivers := int64(len(s.members))
	if exclude >= 0 {
		receivers--
	}
	expected := scheduled.Load() * receivers
	deadline := time.Now().Add(o.Drain)
	for ph.recorded.Load() < expected && time.Now().Before(deadline) && !s.allDead() {
		time.Sleep(10 * time.Millisecond)
	}
	s.cur.Store(nil)
	r := phaseResult{Kind: "fixed", Duration: d, Rate: rate, Sent: scheduled.Load(), Lagged: lagged.Load() > 0}
	for i := range ph.stats {
		st := &ph.stats[i]
		st.mu.Lock()
		r.lat = append(r.lat, st.lat...)
		st.mu.Unlock()
	}
	r.SendErrors = s.sendErrors() - errs0
	r.Deliveries = int64(len(r.lat))
	r.Lost = max(0, expected-r.Deliveries)
	r.DeliveriesPerSec = float64(r.Deliveries) / d.Seconds()
	r.MsgsPerSec = float64(r.Sent) / d.Seconds()
	slices.Sort(r.lat)
	r.fill()
	return r
}

// fill computes the percentiles over the latencies, the lost deliveries
// counting as infinitely late (-1 in the JSON, "lost" when printed).
func (r *phaseResult) fill() {
	r.P50, r.P90, r.P99 = pctLost(r.lat, r.Lost, 0.50), pctLost(r.lat, r.Lost, 0.90), pctLost(r.lat, r.Lost, 0.99)
	r.Max = -1
	if r.Lost == 0 && len(r.lat) > 0 {
		r.Max = r.lat[len(r.lat)-1]
	}
	r.P99ms = float64(r.P99) / 1e6
}

// pctLost is the nearest-rank percentile of sorted plus lost infinite
// values (-1 when it falls among those).
func pctLost(sorted []time.Duration, lost int64, q float64) time.Duration {
	total := int64(len(sorted)) + lost
	if total == 0 {
		return 0
	}
	i := max(0, int64(math.Ceil(q*float64(total)))-1)
	if i >= int64(len(sorted)) {
		return -1
	}
	return sorted[i]
}

// ms prints a latency, or "lost" for -1.
func ms(d time.Duration) string {
	if d < 0 {
		return "lost"
	}
	return benchkit.Ms(d)
}
