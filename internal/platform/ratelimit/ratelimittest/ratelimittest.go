// Package ratelimittest is the contract every ratelimit.Limiter must meet.
// The in-process limiter and the Redis limiter run the same suite, so login
// throttling behaves the same in the single binary and across replicas.
package ratelimittest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/platform/clock"
	"github.com/zuju/zuju/internal/platform/ratelimit"
)

// Clock is a manual time source for limiters that accept an injected clock.
type Clock = clock.Manual

// NewClock returns a clock stopped at a fixed instant.
func NewClock() *Clock { return clock.NewManual(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) }

// Backend describes the implementation under test.
type Backend struct {
	// New returns n limiters sharing one fresh, empty state, as n replicas
	// of the service would: an in-process limiter returns one instance n
	// times, a networked one n separate clients of the same server and key
	// prefix. The prefix must be unique to the test.
	New func(t *testing.T, n int, clock *Clock) []ratelimit.Limiter
	// ManualClock reports that New wires clock.Now into the limiters, so
	// the suite advances the clock instead of sleeping.
	ManualClock bool
}

// Run runs the whole contract against b.
func Run(t *testing.T, b Backend) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, b Backend)
	}{
		{"BurstThenDenied", testBurstThenDenied},
		{"BurstAboveRate", testBurstAboveRate},
		{"RecoversAfterRetryAfter", testRecovers},
		{"KeysIndependent", testKeysIndependent},
		{"Reset", testReset},
		{"InvalidInput", testInvalid},
		{"ConcurrentNeverExceedsBurst", testConcurrent},
		{"ReplicasCountTogether", testReplicas},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, b) })
	}
}

// ConcurrentAllowed starts goroutines that each call Allow attempts times on
// key, spread round-robin over limiters and released at the same instant,
// and returns how many calls were allowed. A correct limiter allows exactly
// l.Burst when l's period is long compared with the run.
func ConcurrentAllowed(t testing.TB, limiters []ratelimit.Limiter, key string, l ratelimit.Limit, goroutines, attempts int) int {
	t.Helper()
	ctx := context.Background()
	var allowed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, goroutines)
	for g := range goroutines {
		lim := limiters[g%len(limiters)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range attempts {
				res, err := lim.Allow(ctx, key, l)
				if err != nil {
					errs <- err
					return
				}
				if res.Allowed {
					allowed.Add(1)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Allow: %v", err)
	}
	return int(allowed.Load())
}

type env struct {
	limiters []ratelimit.Limiter
	clock    *Clock
	manual   bool
}

func newEnv(t *testing.T, b Backend, n int) env {
	t.Helper()
	clock := NewClock()
	ls := b.New(t, n, clock)
	if len(ls) != n {
		t.Fatalf("Backend.New returned %d limiters, want %d", len(ls), n)
	}
	return env{limiters: ls, clock: clock, manual: b.ManualClock}
}

func (e env) wait(d time.Duration) {
	if e.manual {
		e.clock.Advance(d)
		return
	}
	time.Sleep(d)
}

func allow(t *testing.T, l ratelimit.Limiter, key string, lim ratelimit.Limit) ratelimit.Result {
	t.Helper()
	res, err := l.Allow(context.Background(), key, lim)
	if err != nil {
		t.Fatalf("Allow(%q, %s): %v", key, lim, err)
	}
	return res
}

// expectAllowed takes n events and checks each is allowed with the
// remaining count going down from startRemaining.
func expectAllowed(t *testing.T, l ratelimit.Limiter, key string, lim ratelimit.Limit, n, startRemaining int) {
	t.Helper()
	for i := range n {
		res := allow(t, l, key, lim)
		if !res.Allowed {
			t.Fatalf("event %d for %q denied (retry after %s), want allowed", i+1, key, res.RetryAfter)
		}
		if want := startRemaining - i; res.Remaining != want {
			t.Fatalf("event %d for %q: Remaining = %d, want %d", i+1, key, res.Remaining, want)
		}
		if res.RetryAfter != 0 {
			t.Fatalf("event %d for %q allowed with RetryAfter %s, want 0", i+1, key, res.RetryAfter)
		}
	}
}

func expectDenied(t *testing.T, l ratelimit.Limiter, key string, lim ratelimit.Limit, minRetry, maxRetry time.Duration) time.Duration {
	t.Helper()
	res := allow(t, l, key, lim)
	if res.Allowed {
		t.Fatalf("event for %q allowed (remaining %d), want denied", key, res.Remaining)
	}
	if res.Remaining != 0 {
		t.Fatalf("denied event for %q: Remaining = %d, want 0", key, res.Remaining)
	}
	if res.RetryAfter <= 0 || res.RetryAfter > lim.Period {
		t.Fatalf("denied event for %q: RetryAfter = %s, want in (0, %s]", key, res.RetryAfter, lim.Period)
	}
	if res.RetryAfter < minRetry || res.RetryAfter > maxRetry {
		t.Fatalf("denied event for %q: RetryAfter = %s, want in [%s, %s]", key, res.RetryAfter, minRetry, maxRetry)
	}
	return res.RetryAfter
}

func testBurstThenDenied(t *testing.T, b Backend) {
	e := newEnv(t, b, 1)
	l := e.limiters[0]
	lim := ratelimit.PerMinute(3)
	expectAllowed(t, l, "login:alice", lim, 3, 2)
	// One event comes back every 20s.
	expectDenied(t, l, "login:alice", lim, 15*time.Second, 20*time.Second)
	expectDenied(t, l, "login:alice", lim, 15*time.Second, 20*time.Second)
	if e.manual {
		e.wait(20 * time.Second)
		expectAllowed(t, l, "login:alice", lim, 1, 0)
		expectDenied(t, l, "login:alice", lim, 20*time.Second, 20*time.Second)
	}
}

func testBurstAboveRate(t *testing.T, b Backend) {
	e := newEnv(t, b, 1)
	l := e.limiters[0]
	lim := ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 4}
	expectAllowed(t, l, "ip:10.0.0.1", lim, 4, 3)
	expectDenied(t, l, "ip:10.0.0.1", lim, 59*time.Minute, time.Hour)
}

func testRecovers(t *testing.T, b Backend) {
	e := newEnv(t, b, 1)
	l := e.limiters[0]
	lim := ratelimit.Limit{Rate: 20, Period: time.Second, Burst: 2} // one every 50ms
	expectAllowed(t, l, "k", lim, 2, 1)
	retry := expectDenied(t, l, "k", lim, time.Millisecond, 50*time.Millisecond)
	if e.manual {
		e.wait(retry)
	} else {
		e.wait(retry + 20*time.Millisecond)
	}
	res := allow(t, l, "k", lim)
	if !res.Allowed {
		t.Fatalf("denied after waiting RetryAfter (%s): retry after %s", retry, res.RetryAfter)
	}
	// Once the whole period has passed the full burst is back.
	e.wait(time.Second + 100*time.Millisecond)
	expectAllowed(t, l, "k", lim, 2, 1)
}

func testKeysIndependent(t *testing.T, b Backend) {
	e := newEnv(t, b, 1)
	l := e.limiters[0]
	lim := ratelimit.PerHour(2)
	expectAllowed(t, l, "login:alice", lim, 2, 1)
	expectDenied(t, l, "login:alice", lim, time.Minute, time.Hour)
	expectAllowed(t, l, "login:bob", lim, 2, 1)
	expectDenied(t, l, "login:bob", lim, time.Minute, time.Hour)
	expectAllowed(t, l, "login:carol", lim, 1, 1)
}

func testReset(t *testing.T, b Backend) {
	e := newEnv(t, b, 1)
	l := e.limiters[0]
	ctx := context.Background()
	lim := ratelimit.PerHour(3)
	expectAllowed(t, l, "login:alice", lim, 3, 2)
	expectAllowed(t, l, "login:bob", lim, 1, 2)
	expectDenied(t, l, "login:alice", lim, time.Minute, time.Hour)
	if err := l.Reset(ctx, "login:alice"); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	expectAllowed(t, l, "login:alice", lim, 3, 2)
	expectAllowed(t, l, "login:bob", lim, 2, 1) // untouched by the reset
	if err := l.Reset(ctx, "never-used"); err != nil {
		t.Fatalf("Reset of an unused key: %v", err)
	}
}

func testInvalid(t *testing.T, b Backend) {
	e := newEnv(t, b, 1)
	l := e.limiters[0]
	ctx := context.Background()
	for _, lim := range []ratelimit.Limit{{}, {Rate: 1, Period: time.Minute}, {Rate: 0, Period: time.Minute, Burst: 1}, {Rate: 1, Burst: 1}} {
		if _, err := l.Allow(ctx, "k", lim); err == nil {
			t.Errorf("Allow with %s: no error", lim)
		}
	}
	if _, err := l.Allow(ctx, "", ratelimit.PerMinute(1)); err == nil {
		t.Error("Allow with an empty key: no error")
	}
}

func testConcurrent(t *testing.T, b Backend) {
	e := newEnv(t, b, 1)
	lim := ratelimit.PerHour(10)
	got := ConcurrentAllowed(t, e.limiters, "login:concurrent", lim, 64, 4)
	if got != lim.Burst {
		t.Fatalf("%d of 256 concurrent events allowed, want exactly %d", got, lim.Burst)
	}
}

func testReplicas(t *testing.T, b Backend) {
	e := newEnv(t, b, 2)
	a, c := e.limiters[0], e.limiters[1]
	lim := ratelimit.PerHour(4)
	expectAllowed(t, a, "login:shared", lim, 1, 3)
	expectAllowed(t, c, "login:shared", lim, 1, 2)
	expectAllowed(t, a, "login:shared", lim, 1, 1)
	expectAllowed(t, c, "login:shared", lim, 1, 0)
	expectDenied(t, a, "login:shared", lim, time.Minute, time.Hour)
	expectDenied(t, c, "login:shared", lim, time.Minute, time.Hour)
	if err := c.Reset(context.Background(), "login:shared"); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	expectAllowed(t, a, "login:shared", lim, 1, 3)

	lim = ratelimit.PerHour(7)
	if got := ConcurrentAllowed(t, e.limiters, "login:shared-concurrent", lim, 32, 4); got != lim.Burst {
		t.Fatalf("%d of 128 concurrent events over two replicas allowed, want exactly %d", got, lim.Burst)
	}
}
