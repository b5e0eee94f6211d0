package benchkit

import (
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"time"
)

// The closed-loop load generator: each worker has one keep-alive
// connection and sends its next request when the previous answer is read.

// Target is one server under load with its workers' clients; the clients
// (and their connections) are kept across rounds.
type Target struct {
	Name    string
	workers []*worker
	all     []time.Duration // latencies of every measured request
	ok      int
	errs    int
	cpu     time.Duration
}

type worker struct {
	client *http.Client
	req    *http.Request
	lat    []time.Duration
	ok     int
	errs   int
}

// NewTarget prepares c workers sending GET url with the bearer token,
// asking for gzip like real clients do.
func NewTarget(name, url, token string, c int) *Target {
	return NewTargetGzip(name, url, token, c, true)
}

// NewTargetGzip is NewTarget with the choice whether to ask for gzip.
func NewTargetGzip(name, url, token string, c int, gzip bool) *Target {
	t := &Target{Name: name}
	for range c {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			panic(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json")
		// One transport per worker: exactly one keep-alive connection each.
		tr := &http.Transport{
			DisableCompression:  !gzip,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        1,
			MaxIdleConnsPerHost: 1,
			IdleConnTimeout:     2 * time.Minute,
		}
		t.workers = append(t.workers, &worker{client: &http.Client{Transport: tr}, req: req, lat: make([]time.Duration, 0, 1<<14)})
	}
	return t
}

// RoundResult is one timed round of one Target.
type RoundResult struct {
	Round    int           `json:"round"`
	Target   string        `json:"Target"`
	Duration time.Duration `json:"duration_ns"`
	OK       int           `json:"ok"`
	Errors   int           `json:"errors"`
	RPS      float64       `json:"rps"`
	P50      time.Duration `json:"p50_ns"`
	P99      time.Duration `json:"p99_ns"`
	// CPU is the process CPU time (user+system) used during the round:
	// server and load generator together.
	CPU       time.Duration `json:"cpu_ns"`
	CPUPerReq float64       `json:"cpu_us_per_req"`
}

// ProcessCPU is the CPU time this process has used so far.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Round drives the Target with every worker for d (closed loop: each worker
// sends its next request when the previous answer is read).
func (t *Target) Round(d time.Duration) RoundResult {
	var wg sync.WaitGroup
	cpu0 := ProcessCPU()
	start := time.Now()
	deadline := start.Add(d)
	for _, w := range t.workers {
		w.lat, w.ok, w.errs = w.lat[:0], 0, 0
		wg.Go(func() { w.loop(deadline) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := ProcessCPU() - cpu0
	r := RoundResult{Target: t.Name, Duration: elapsed, CPU: cpu}
	var lat []time.Duration
	for _, w := range t.workers {
		r.OK += w.ok
		r.Errors += w.errs
		lat = append(lat, w.lat...)
	}
	slices.Sort(lat)
	r.RPS = float64(r.OK) / elapsed.Seconds()
	if r.OK > 0 {
		r.CPUPerReq = float64(cpu.Microseconds()) / float64(r.OK)
	}
	r.P50, r.P99 = Percentile(lat, 0.50), Percentile(lat, 0.99)
	return r
}

func (w *worker) loop(deadline time.Time) {
	for {
		start := time.Now()
		if !start.Before(deadline) {
			return
		}
		res, err := w.client.Do(w.req)
		if err != nil {
			w.errs++
			continue
		}
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			w.errs++
			continue
		}
		w.ok++
		w.lat = append(w.lat, time.Since(start))
	}
}

// TargetSummary aggregates a Target's measured rounds.
type TargetSummary struct {
	Target string        `json:"Target"`
	OK     int           `json:"ok"`
	Errors int           `json:"errors"`
	RPS    float64       `json:"rps"`
	P50    time.Duration `json:"p50_ns"`
	P90    time.Duration `json:"p90_ns"`
	P99    time.Duration `json:"p99_ns"`
	P50ms  float64       `json:"p50_ms"`
	P99ms  float64       `json:"p99_ms"`
	// CPUPerReq is process CPU µs per successful request (server + load
	// generator); unlike req/s it hardly moves when other processes take
	// CPU from the run.
	CPUPerReq float64 `json:"cpu_us_per_req"`
}

// Record keeps a measured round's latencies for the summary.
func (t *Target) Record(r RoundResult) {
	t.cpu += r.CPU
	for _, w := range t.workers {
		t.ok += w.ok
		t.errs += w.errs
		t.all = append(t.all, w.lat...)
	}
}

// Summary aggregates the recorded rounds.
func (t *Target) Summary(rounds int, d time.Duration) TargetSummary {
	slices.Sort(t.all)
	s := TargetSummary{Target: t.Name, OK: t.ok, Errors: t.errs,
		P50: Percentile(t.all, 0.50), P90: Percentile(t.all, 0.90), P99: Percentile(t.all, 0.99)}
	s.RPS = float64(t.ok) / (float64(rounds) * d.Seconds())
	s.P50ms = float64(s.P50) / float64(time.Millisecond)
	s.P99ms = float64(s.P99) / float64(time.Millisecond)
	if t.ok > 0 {
		s.CPUPerReq = float64(t.cpu.Microseconds()) / float64(t.ok)
	}
	return s
}

// Percentile is the nearest-rank Percentile of sorted.
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
