package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// cleanupInterval is how often (by the limiter's clock) idle keys are dropped.
const cleanupInterval = time.Minute

// Memory is an in-process GCRA limiter with the same semantics as
// redis_rate. A key whose credit has fully come back holds no state and is
// dropped by a periodic sweep done during Allow. It is safe for concurrent
// use.
type Memory struct {
	mu        sync.Mutex
	now       func() time.Time
	tat       map[string]time.Time // theoretical arrival time per key
	lastSweep time.Time
}

// NewMemory returns an in-process limiter; now is its clock (time.Now when nil).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, tat: make(map[string]time.Time)}
}

// Allow records one event for key under l and reports whether it may happen.
func (m *Memory) Allow(_ context.Context, key string, l Limit) (Result, error) {
	if key == "" {
		return Result{}, fmt.Errorf("rate limit allow: %w", ErrEmptyKey)
	}
	if err := l.Validate(); err != nil {
		return Result{}, fmt.Errorf("rate limit allow %q: %w", key, err)
	}
	emission := l.Period / time.Duration(l.Rate)
	burstOffset := emission * time.Duration(l.Burst)

	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.sweep(now)

	tat, ok := m.tat[key]
	if !ok || tat.Before(now) {
		tat = now
	}
	newTAT := tat.Add(emission)
	diff := now.Sub(newTAT.Add(-burstOffset))
	if diff < 0 {
		return Result{Allowed: false, Remaining: 0, RetryAfter: -diff}, nil
	}
	m.tat[key] = newTAT
	return Result{Allowed: true, Remaining: int(diff / emission)}, nil
}

// Reset forgets the events recorded for key.
func (m *Memory) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tat, key)
	return nil
}

// Len reports how many keys hold state.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tat)
}

// sweep drops keys whose credit has fully come back; m.mu must be held.
func (m *Memory) sweep(now time.Time) {
	if now.Sub(m.lastSweep) < cleanupInterval {
		return
	}
	m.lastSweep = now
	for k, tat := range m.tat {
		if !tat.After(now) {
			delete(m.tat, k)
		}
	}
}
