package ratelimit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/zuju/zuju/internal/platform/ratelimit"
	"github.com/zuju/zuju/internal/platform/ratelimit/ratelimittest"
	"github.com/zuju/zuju/internal/platform/testenv"
)

func TestMemoryContract(t *testing.T) {
	ratelimittest.Run(t, ratelimittest.Backend{
		New: func(t *testing.T, n int, clock *ratelimittest.Clock) []ratelimit.Limiter {
			m := ratelimit.NewMemory(clock.Now)
			out := make([]ratelimit.Limiter, n)
			for i := range out {
				out[i] = m
			}
			return out
		},
		ManualClock: true,
	})
}

func TestRedisContract(t *testing.T) {
	url := testenv.Redis(t)
	ratelimittest.Run(t, ratelimittest.Backend{
		New: func(t *testing.T, n int, _ *ratelimittest.Clock) []ratelimit.Limiter {
			prefix := "test:ratelimit:" + randomHex(t) + ":"
			out := make([]ratelimit.Limiter, n)
			for i := range out {
				// One client per replica: nothing is shared but the server.
				out[i] = ratelimit.NewRedis(newRedisClient(t, url), prefix)
			}
			return out
		},
	})
}

func TestOff(t *testing.T) {
	l := ratelimit.Off()
	for range 100 {
		res, err := l.Allow(context.Background(), "k", ratelimit.PerHour(1))
		if err != nil || !res.Allowed {
			t.Fatalf("Off().Allow = %+v, %v; want allowed", res, err)
		}
	}
	if err := l.Reset(context.Background(), "k"); err != nil {
		t.Fatal(err)
	}
}

func TestMemoryDropsIdleKeys(t *testing.T) {
	clock := ratelimittest.NewClock()
	m := ratelimit.NewMemory(clock.Now)
	ctx := context.Background()
	for i := range 100 {
		if _, err := m.Allow(ctx, "ip:"+strconv.Itoa(i), ratelimit.PerMinute(5)); err != nil {
			t.Fatal(err)
		}
	}
	if m.Len() != 100 {
		t.Fatalf("Len = %d, want 100", m.Len())
	}
	// A minute later every key has its full credit back and holds no state.
	clock.Advance(time.Minute + time.Second)
	if _, err := m.Allow(ctx, "ip:new", ratelimit.PerMinute(5)); err != nil {
		t.Fatal(err)
	}
	if m.Len() != 1 {
		t.Fatalf("Len = %d after the sweep, want 1", m.Len())
	}
}

func TestPerHelpers(t *testing.T) {
	for _, tc := range []struct {
		got, want ratelimit.Limit
	}{
		{ratelimit.PerMinute(5), ratelimit.Limit{Rate: 5, Period: time.Minute, Burst: 5}},
		{ratelimit.PerHour(20), ratelimit.Limit{Rate: 20, Period: time.Hour, Burst: 20}},
		{ratelimit.Per(3, 10*time.Second), ratelimit.Limit{Rate: 3, Period: 10 * time.Second, Burst: 3}},
	} {
		if tc.got != tc.want {
			t.Errorf("got %+v, want %+v", tc.got, tc.want)
		}
	}
}

// TestConcurrencyCheckCatchesNaiveLimiters shows that the contract's
// concurrency check fails a limiter that reads its state and writes it back
// in two steps: it lets more than the burst through.
func TestConcurrencyCheckCatchesNaiveLimiters(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		expectOveradmission(t, func(t *testing.T) []ratelimit.Limiter {
			return []ratelimit.Limiter{&naiveMemory{}}
		})
	})
	t.Run("redis", func(t *testing.T) {
		url := testenv.Redis(t)
		expectOveradmission(t, func(t *testing.T) []ratelimit.Limiter {
			prefix := "test:ratelimit:naive:" + randomHex(t) + ":"
			return []ratelimit.Limiter{
				&naiveRedis{c: newRedisClient(t, url), prefix: prefix},
				&naiveRedis{c: newRedisClient(t, url), prefix: prefix},
			}
		})
	})
}

func expectOveradmission(t *testing.T, newLimiters func(t *testing.T) []ratelimit.Limiter) {
	lim := ratelimit.PerHour(10)
	worst := 0
	for range 5 {
		got := ratelimittest.ConcurrentAllowed(t, newLimiters(t), "k", lim, 64, 4)
		worst = max(worst, got)
		if got > lim.Burst {
			t.Logf("naive limiter allowed %d events with a burst of %d", got, lim.Burst)
			return
		}
	}
	t.Fatalf("naive limiter never allowed more than %d (burst %d): the concurrency check would not catch it", worst, lim.Burst)
}

// naiveMemory counts per key with a separate read and write.
type naiveMemory struct{ m sync.Map }

func (n *naiveMemory) Allow(_ context.Context, key string, l ratelimit.Limit) (ratelimit.Result, error) {
	v, _ := n.m.Load(key)
	used, _ := v.(int)
	if used >= l.Burst {
		return ratelimit.Result{RetryAfter: time.Second}, nil
	}
	time.Sleep(time.Microsecond) // the work between read and write
	n.m.Store(key, used+1)
	return ratelimit.Result{Allowed: true, Remaining: l.Burst - used - 1}, nil
}

func (n *naiveMemory) Reset(_ context.Context, key string) error { n.m.Delete(key); return nil }

// naiveRedis counts per key with GET then SET.
type naiveRedis struct {
	c      *redis.Client
	prefix string
}

func (n *naiveRedis) Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Result, error) {
	used, err := n.c.Get(ctx, n.prefix+key).Int()
	if err != nil && !errors.Is(err, redis.Nil) {
		return ratelimit.Result{}, err
	}
	if used >= l.Burst {
		return ratelimit.Result{RetryAfter: time.Second}, nil
	}
	if err := n.c.Set(ctx, n.prefix+key, used+1, l.Period).Err(); err != nil {
		return ratelimit.Result{}, err
	}
	return ratelimit.Result{Allowed: true, Remaining: l.Burst - used - 1}, nil
}

func (n *naiveRedis) Reset(ctx context.Context, key string) error {
	return n.c.Del(ctx, n.prefix+key).Err()
}

func newRedisClient(t *testing.T, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("parse %s: %v", testenv.RedisVar, err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
