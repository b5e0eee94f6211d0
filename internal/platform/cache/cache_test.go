package cache_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/zuju/zuju/internal/platform/cache"
	"github.com/zuju/zuju/internal/platform/cache/cachetest"
	"github.com/zuju/zuju/internal/platform/testenv"
)

func TestMemoryContract(t *testing.T) {
	cachetest.Run(t, cachetest.Backend{
		New: func(t *testing.T, clock *cachetest.Clock) cache.Cache {
			return cache.NewMemory(cache.WithClock(clock.Now))
		},
		ManualClock: true,
	})
}

func TestMemorySmallBoundContract(t *testing.T) {
	// A small bound (above the number of keys any one contract test writes)
	// must not change behaviour.
	cachetest.Run(t, cachetest.Backend{
		New: func(t *testing.T, clock *cachetest.Clock) cache.Cache {
			return cache.NewMemory(cache.WithClock(clock.Now), cache.WithMaxEntries(256))
		},
		ManualClock: true,
	})
}

func TestRedisContract(t *testing.T) {
	url := testenv.Redis(t)
	cachetest.Run(t, cachetest.Backend{
		New: func(t *testing.T, _ *cachetest.Clock) cache.Cache {
			client := newRedisClient(t, url)
			prefix := "test:cache:" + randomHex(t) + ":"
			t.Cleanup(func() { deletePrefix(t, client, prefix) })
			return cache.NewRedis(client, prefix)
		},
	})
}

func TestMemoryEvictsExpiredBeforeLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	clock := cachetest.NewClock()
	m := cache.NewMemory(cache.WithClock(clock.Now), cache.WithMaxEntries(3))
	mustSet(t, m, "old", time.Hour)
	mustSet(t, m, "expiring", time.Minute)
	mustSet(t, m, "new", time.Hour)
	clock.Advance(2 * time.Minute)
	mustSet(t, m, "fourth", time.Hour) // full: the expired entry goes first
	for _, k := range []string{"old", "new", "fourth"} {
		if _, ok, _ := m.Get(ctx, k); !ok {
			t.Fatalf("%q evicted, want it kept", k)
		}
	}
	if m.Len() != 3 {
		t.Fatalf("Len = %d, want 3", m.Len())
	}
	// Nothing has expired now, so the least recently used entry goes: the
	// reads above touched old, new, fourth in that order.
	mustSet(t, m, "fifth", time.Hour)
	if _, ok, _ := m.Get(ctx, "old"); ok {
		t.Fatal(`"old" kept, want it evicted as least recently used`)
	}
	for _, k := range []string{"new", "fourth", "fifth"} {
		if _, ok, _ := m.Get(ctx, k); !ok {
			t.Fatalf("%q evicted, want it kept", k)
		}
	}
}

func TestMemoryBoundHolds(t *testing.T) {
	clock := cachetest.NewClock()
	m := cache.NewMemory(cache.WithClock(clock.Now), cache.WithMaxEntries(50))
	for i := range 1000 {
		ttl := time.Duration(i%3) * time.Minute // some never expire
		mustSet(t, m, fmt.Sprintf("k%d", i), ttl)
		clock.Advance(time.Second)
		if m.Len() > 50 {
			t.Fatalf("Len = %d after %d sets, want <= 50", m.Len(), i+1)
		}
	}
}

func TestMemoryDeleteExpired(t *testing.T) {
	clock := cachetest.NewClock()
	m := cache.NewMemory(cache.WithClock(clock.Now))
	mustSet(t, m, "a", time.Minute)
	mustSet(t, m, "b", 2*time.Minute)
	mustSet(t, m, "c", 0)
	clock.Advance(90 * time.Second)
	if n := m.DeleteExpired(); n != 1 {
		t.Fatalf("DeleteExpired = %d, want 1", n)
	}
	if m.Len() != 2 {
		t.Fatalf("Len = %d, want 2", m.Len())
	}
}

func mustSet(t *testing.T, c cache.Cache, key string, ttl time.Duration) {
	t.Helper()
	if err := c.Set(context.Background(), key, []byte(key), ttl); err != nil {
		t.Fatal(err)
	}
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

// deletePrefix removes the keys a test left behind.
func deletePrefix(t *testing.T, c *redis.Client, prefix string) {
	ctx := context.Background()
	iter := c.Scan(ctx, 0, prefix+"*", 100).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("scan %s*: %v", prefix, err)
		return
	}
	if len(keys) > 0 {
		if err := c.Del(ctx, keys...).Err(); err != nil {
			t.Errorf("delete %s*: %v", prefix, err)
		}
	}
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
