// Package cache stores short-lived byte values by key.
//
// Two implementations share one contract (see package cachetest): Memory,
// an in-process cache with TTL expiry and a bound on the number of entries,
// used by the single binary; and Redis, used when several replicas must see
// the same values.
//
// A ttl of zero or less means the value does not expire (it may still be
// evicted from a full Memory cache). Values are copied on the way in and on
// the way out, so callers may reuse their slices.
package cache

import (
	"context"
	"time"
)

// Cache is the shape every implementation offers. Consumers usually declare
// the smaller interface they need instead of depending on this one.
type Cache interface {
	// Get returns the value stored under key and whether it was found.
	Get(ctx context.Context, key string) ([]byte, bool, error)
	// Set stores val under key for ttl (no expiry when ttl <= 0).
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	// Add stores val under key only if no live value is there, atomically,
	// and reports whether it did.
	Add(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error)
	// Take returns the value stored under key and removes it, atomically:
	// of concurrent callers only one gets it (one-time tickets).
	Take(ctx context.Context, key string) ([]byte, bool, error)
	// Delete removes the given keys; missing keys are not an error.
	Delete(ctx context.Context, keys ...string) error
}

var (
	_ Cache = (*Memory)(nil)
	_ Cache = (*Redis)(nil)
)
