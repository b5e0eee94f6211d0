// Package cachetest is the contract every cache.Cache implementation must
// meet. The in-process cache and the Redis cache run the same suite, so the
// single binary and the scaled-out deployment behave alike.
package cachetest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/platform/cache"
	"github.com/zuju/zuju/internal/platform/clock"
)

// Clock is a manual time source for caches that accept an injected clock.
type Clock = clock.Manual

// NewClock returns a clock stopped at a fixed instant.
func NewClock() *Clock { return clock.NewManual(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) }

// Backend describes the implementation under test.
type Backend struct {
	// New returns a fresh, empty cache for one test. Keys must not collide
	// with other tests (a networked cache uses a random key prefix).
	New func(t *testing.T, clock *Clock) cache.Cache
	// ManualClock reports that New wires clock.Now into the cache, so the
	// suite advances the clock instead of sleeping.
	ManualClock bool
}

// Run runs the whole contract against b.
func Run(t *testing.T, b Backend) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, b Backend)
	}{
		{"Miss", testMiss},
		{"SetGet", testSetGet},
		{"Overwrite", testOverwrite},
		{"EmptyAndBinaryValues", testValues},
		{"CopiesValues", testCopies},
		{"DeleteMany", testDeleteMany},
		{"Expiry", testExpiry},
		{"OverwriteChangesTTL", testOverwriteTTL},
		{"Concurrent", testConcurrent},
		{"AddOnlyIfAbsent", testAdd},
		{"AddConcurrentOneWinner", testAddConcurrent},
		{"TakeOnce", testTake},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, b) })
	}
}

// sleeper moves time forward for the cache under test.
type sleeper struct {
	clock  *Clock
	manual bool
}

func (s sleeper) wait(d time.Duration) {
	if s.manual {
		s.clock.Advance(d)
		return
	}
	time.Sleep(d)
}

func newCache(t *testing.T, b Backend) (cache.Cache, sleeper) {
	t.Helper()
	clock := NewClock()
	return b.New(t, clock), sleeper{clock: clock, manual: b.ManualClock}
}

func mustSet(t *testing.T, c cache.Cache, key string, val []byte, ttl time.Duration) {
	t.Helper()
	if err := c.Set(context.Background(), key, val, ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func expectValue(t *testing.T, c cache.Cache, key string, want []byte) {
	t.Helper()
	got, ok, err := c.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if !ok {
		t.Fatalf("Get(%q): not found, want %q", key, want)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %q, want %q", key, got, want)
	}
}

func expectMiss(t *testing.T, c cache.Cache, key string) {
	t.Helper()
	got, ok, err := c.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if ok {
		t.Fatalf("Get(%q) = %q, want a miss", key, got)
	}
}

func testMiss(t *testing.T, b Backend) {
	c, _ := newCache(t, b)
	expectMiss(t, c, "absent")
}

func testSetGet(t *testing.T, b Backend) {
	c, _ := newCache(t, b)
	mustSet(t, c, "user:1", []byte("alice"), time.Minute)
	mustSet(t, c, "user:2", []byte("bob"), 0)
	expectValue(t, c, "user:1", []byte("alice"))
	expectValue(t, c, "user:2", []byte("bob"))
	expectMiss(t, c, "user:3")
}

func testOverwrite(t *testing.T, b Backend) {
	c, _ := newCache(t, b)
	mustSet(t, c, "k", []byte("one"), time.Minute)
	mustSet(t, c, "k", []byte("two"), time.Minute)
	expectValue(t, c, "k", []byte("two"))
}

func testValues(t *testing.T, b Backend) {
	c, _ := newCache(t, b)
	mustSet(t, c, "empty", []byte{}, time.Minute)
	mustSet(t, c, "nil", nil, time.Minute)
	bin := []byte{0, 1, 2, 0xff, 0xfe, 0, '\n', 0x80}
	mustSet(t, c, "binary", bin, time.Minute)
	mustSet(t, c, "键 with spaces/and:colons", []byte("组局"), time.Minute)
	expectValue(t, c, "empty", []byte{})
	expectValue(t, c, "nil", []byte{})
	expectValue(t, c, "binary", bin)
	expectValue(t, c, "键 with spaces/and:colons", []byte("组局"))
}

func testCopies(t *testing.T, b Backend) {
	c, _ := newCache(t, b)
	val := []byte("original")
	mustSet(t, c, "k", val, time.Minute)
	copy(val, "CHANGED!")
	expectValue(t, c, "k", []byte("original"))
	got, _, err := c.Get(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	copy(got, "CHANGED!")
	expectValue(t, c, "k", []byte("original"))
}

func testDeleteMany(t *testing.T, b Backend) {
	c, _ := newCache(t, b)
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		mustSet(t, c, k, []byte(k), time.Minute)
	}
	if err := c.Delete(ctx, "a", "b", "never-set"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := c.Delete(ctx); err != nil {
		t.Fatalf("Delete with no keys: %v", err)
	}
	expectMiss(t, c, "a")
	expectMiss(t, c, "b")
	expectValue(t, c, "c", []byte("c"))
	if err := c.Delete(ctx, "c"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	expectMiss(t, c, "c")
}

func testExpiry(t *testing.T, b Backend) {
	c, s := newCache(t, b)
	// With a manual clock the TTLs are long and time jumps; against a real
	// server they are short and the test sleeps.
	ttl := time.Hour
	if !s.manual {
		ttl = 400 * time.Millisecond
	}
	mustSet(t, c, "short", []byte("x"), ttl)
	mustSet(t, c, "long", []byte("y"), 10*ttl)
	mustSet(t, c, "forever", []byte("z"), 0)
	if s.manual {
		s.wait(ttl - time.Second)
	}
	expectValue(t, c, "short", []byte("x"))
	s.wait(ttl / 2)
	if !s.manual {
		s.wait(ttl)
	}
	expectMiss(t, c, "short")
	expectValue(t, c, "long", []byte("y"))
	expectValue(t, c, "forever", []byte("z"))
	if s.manual {
		s.wait(1000 * time.Hour)
		expectMiss(t, c, "long")
		expectValue(t, c, "forever", []byte("z"))
	}
}

func testOverwriteTTL(t *testing.T, b Backend) {
	c, s := newCache(t, b)
	ttl := time.Hour
	if !s.manual {
		ttl = 300 * time.Millisecond
	}
	mustSet(t, c, "extended", []byte("1"), ttl)
	mustSet(t, c, "extended", []byte("2"), 0)
	mustSet(t, c, "shortened", []byte("1"), 0)
	mustSet(t, c, "shortened", []byte("2"), ttl)
	s.wait(2 * ttl)
	expectValue(t, c, "extended", []byte("2"))
	expectMiss(t, c, "shortened")
}

func testConcurrent(t *testing.T, b Backend) {
	c, _ := newCache(t, b)
	ctx := context.Background()
	const workers, rounds = 16, 100
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				own := fmt.Sprintf("own:%d:%d", w, i%10)
				want := fmt.Appendf(nil, "%d-%d", w, i)
				if err := c.Set(ctx, own, want, time.Minute); err != nil {
					errs <- err
					return
				}
				got, ok, err := c.Get(ctx, own)
				if err != nil || !ok || !bytes.Equal(got, want) {
					errs <- fmt.Errorf("worker %d round %d: Get(%q) = %q, %v, %v; want %q", w, i, own, got, ok, err, want)
					return
				}
				shared := fmt.Sprintf("shared:%d", i%5)
				if err := c.Set(ctx, shared, want, time.Minute); err != nil {
					errs <- err
					return
				}
				if _, _, err := c.Get(ctx, shared); err != nil {
					errs <- err
					return
				}
				if i%7 == 0 {
					if err := c.Delete(ctx, shared, own); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func testAdd(t *testing.T, b Backend) {
	c, s := newCache(t, b)
	ctx := context.Background()
	ttl := time.Hour
	if !s.manual {
		ttl = 400 * time.Millisecond
	}
	if ok, err := c.Add(ctx, "k", []byte("first"), ttl); err != nil || !ok {
		t.Fatalf("add to empty key: %v %v", ok, err)
	}
	if ok, err := c.Add(ctx, "k", []byte("second"), ttl); err != nil || ok {
		t.Fatalf("add over a live value: %v %v", ok, err)
	}
	expectValue(t, c, "k", []byte("first"))
	// An expired value does not block Add.
	s.wait(ttl + ttl/2)
	if ok, err := c.Add(ctx, "k", []byte("third"), ttl); err != nil || !ok {
		t.Fatalf("add over an expired value: %v %v", ok, err)
	}
	expectValue(t, c, "k", []byte("third"))
	// Set always overwrites.
	mustSet(t, c, "k", []byte("set"), ttl)
	expectValue(t, c, "k", []byte("set"))
}

func testAddConcurrent(t *testing.T, b Backend) {
	c, _ := newCache(t, b)
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := c.Add(ctx, "race", []byte{byte(i)}, time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d concurrent adds won, want 1", wins)
	}
}

func testTake(t *testing.T, b Backend) {
	c, s := newCache(t, b)
	ctx := context.Background()
	if _, ok, err := c.Take(ctx, "none"); err != nil || ok {
		t.Fatalf("take a missing key: %v %v", ok, err)
	}
	mustSet(t, c, "k", []byte("ticket"), time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := 0
	for range 16 {
		wg.Go(func() {
			v, ok, err := c.Take(ctx, "k")
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				got++
				mu.Unlock()
				if string(v) != "ticket" {
					t.Errorf("took %q", v)
				}
			}
		})
	}
	wg.Wait()
	if got != 1 {
		t.Fatalf("%d concurrent takers got the value, want 1", got)
	}
	expectMiss(t, c, "k")
	// An expired value is not taken.
	ttl := time.Hour
	if !s.manual {
		ttl = 200 * time.Millisecond
	}
	mustSet(t, c, "e", []byte("old"), ttl)
	s.wait(ttl + ttl/2)
	if _, ok, err := c.Take(ctx, "e"); err != nil || ok {
		t.Fatalf("took an expired value: %v %v", ok, err)
	}
}
