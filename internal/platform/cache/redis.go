package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Cache stored in Redis, shared by every replica that uses the
// same server and prefix.
type Redis struct {
	client *redis.Client
	prefix string
}

// NewRedis returns a cache that stores each key as prefix+key on client.
func NewRedis(client *redis.Client, prefix string) *Redis {
	return &Redis{client: client, prefix: prefix}
}

// Get returns the value stored under key.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := r.client.Get(ctx, r.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache get %q: %w", key, err)
	}
	return b, true, nil
}

// Set stores val under key for ttl (no expiry when ttl <= 0). Redis keeps
// millisecond precision, so a positive ttl below 1ms counts as 1ms.
func (r *Redis) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	switch {
	case ttl <= 0:
		ttl = 0 // go-redis reads negative values as KEEPTTL
	case ttl < time.Millisecond:
		ttl = time.Millisecond
	}
	if val == nil {
		val = []byte{}
	}
	if err := r.client.Set(ctx, r.prefix+key, val, ttl).Err(); err != nil {
		return fmt.Errorf("cache set %q: %w", key, err)
	}
	return nil
}

// Add stores val under key unless the key exists (SET NX).
func (r *Redis) Add(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	switch {
	case ttl <= 0:
		ttl = 0
	case ttl < time.Millisecond:
		ttl = time.Millisecond
	}
	if val == nil {
		val = []byte{}
	}
	ok, err := r.client.SetNX(ctx, r.prefix+key, val, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("cache add %q: %w", key, err)
	}
	return ok, nil
}

// Take returns the value stored under key and removes it (GETDEL).
func (r *Redis) Take(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := r.client.GetDel(ctx, r.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache take %q: %w", key, err)
	}
	return b, true, nil
}

// Delete removes the given keys.
func (r *Redis) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = r.prefix + k
	}
	if err := r.client.Del(ctx, full...).Err(); err != nil {
		return fmt.Errorf("cache delete %d keys: %w", len(keys), err)
	}
	return nil
}
