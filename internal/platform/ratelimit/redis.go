package ratelimit

import (
	"context"
	"fmt"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Redis is a GCRA limiter whose state lives in Redis (via redis_rate), so
// every replica using the same server and prefix counts together. Each
// decision is one atomic Lua script run.
type Redis struct {
	limiter *redis_rate.Limiter
	prefix  string
}

// NewRedis returns a limiter storing its keys on client under prefix
// (redis_rate adds its own "rate:" in front).
func NewRedis(client *redis.Client, prefix string) *Redis {
	return &Redis{limiter: redis_rate.NewLimiter(client), prefix: prefix}
}

// Allow records one event for key under l and reports whether it may happen.
func (r *Redis) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	if key == "" {
		return Result{}, fmt.Errorf("rate limit allow: %w", ErrEmptyKey)
	}
	if err := l.Validate(); err != nil {
		return Result{}, fmt.Errorf("rate limit allow %q: %w", key, err)
	}
	res, err := r.limiter.Allow(ctx, r.prefix+key, redis_rate.Limit{Rate: l.Rate, Period: l.Period, Burst: l.Burst})
	if err != nil {
		return Result{}, fmt.Errorf("rate limit allow %q: %w", key, err)
	}
	out := Result{Allowed: res.Allowed > 0, Remaining: res.Remaining}
	if !out.Allowed && res.RetryAfter > 0 {
		out.RetryAfter = res.RetryAfter
	}
	return out, nil
}

// Reset forgets the events recorded for key.
func (r *Redis) Reset(ctx context.Context, key string) error {
	if err := r.limiter.Reset(ctx, r.prefix+key); err != nil {
		return fmt.Errorf("rate limit reset %q: %w", key, err)
	}
	return nil
}
