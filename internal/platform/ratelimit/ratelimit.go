// Package ratelimit throttles actions per key (a login name, a client IP)
// with the generic cell rate algorithm (GCRA).
//
// Memory keeps state in the process (single binary); Redis keeps it in
// Redis through github.com/go-redis/redis_rate, so every replica counts
// against the same limits. Both follow redis_rate's semantics and pass the
// same contract suite (package ratelimittest). Off always allows, for load
// tests with ZUJU_RATELIMIT=off.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Limit allows Rate events per Period, with at most Burst of them at once.
// Credit comes back continuously: one event every Period/Rate.
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// PerMinute allows n events a minute, all n at once if need be.
func PerMinute(n int) Limit { return Per(n, time.Minute) }

// PerHour allows n events an hour, all n at once if need be.
func PerHour(n int) Limit { return Per(n, time.Hour) }

// Per allows n events per d, all n at once if need be.
func Per(n int, d time.Duration) Limit { return Limit{Rate: n, Period: d, Burst: n} }

// String describes the limit, e.g. "5/1m0s (burst 5)".
func (l Limit) String() string {
	return fmt.Sprintf("%d/%s (burst %d)", l.Rate, l.Period, l.Burst)
}

// Validate reports whether the limit can be applied.
func (l Limit) Validate() error {
	if l.Rate < 1 || l.Period <= 0 || l.Burst < 1 {
		return fmt.Errorf("invalid rate limit %s: rate, period and burst must be positive", l)
	}
	if l.Period/time.Duration(l.Rate) <= 0 {
		return fmt.Errorf("invalid rate limit %s: rate too high for the period", l)
	}
	return nil
}

// Result is the outcome of one Allow call.
type Result struct {
	// Allowed reports whether the event may happen now.
	Allowed bool
	// Remaining is how many more events would be allowed right now.
	Remaining int
	// RetryAfter is how long to wait before the next event is allowed; zero
	// when Allowed is true.
	RetryAfter time.Duration
}

// Limiter is the shape every implementation offers; consumers usually
// declare it themselves.
type Limiter interface {
	// Allow records one event for key under l and reports whether it may happen.
	Allow(ctx context.Context, key string, l Limit) (Result, error)
	// Reset forgets the events recorded for key.
	Reset(ctx context.Context, key string) error
}

var (
	_ Limiter = (*Memory)(nil)
	_ Limiter = (*Redis)(nil)
	_ Limiter = Unlimited{}
)

// ErrEmptyKey is returned for an empty key.
var ErrEmptyKey = errors.New("rate limit key is empty")

// Unlimited is a Limiter that allows everything.
type Unlimited struct{}

// Off returns a limiter that always allows.
func Off() Unlimited { return Unlimited{} }

// Allow always allows.
func (Unlimited) Allow(_ context.Context, _ string, l Limit) (Result, error) {
	return Result{Allowed: true, Remaining: l.Burst}, nil
}

// Reset does nothing.
func (Unlimited) Reset(context.Context, string) error { return nil }
