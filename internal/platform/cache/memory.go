package cache

import (
	"container/heap"
	"container/list"
	"context"
	"sync"
	"time"
)

// DefaultMaxEntries is the entry bound of a Memory cache built without
// WithMaxEntries.
const DefaultMaxEntries = 100_000

// Memory is an in-process Cache with TTL expiry and a bound on the number of
// entries. When it is full, Set first drops an expired entry, otherwise the
// least recently used one. It is safe for concurrent use.
type Memory struct {
	mu         sync.Mutex
	now        func() time.Time
	maxEntries int
	items      map[string]*entry
	lru        *list.List // front = most recently used; values are *entry
	expiries   expiryHeap // entries with a deadline, soonest first
}

type entry struct {
	key      string
	val      []byte
	deadline time.Time // zero: never expires
	elem     *list.Element
	heapIdx  int // index in expiries, -1 when absent
}

// MemoryOption configures a Memory cache.
type MemoryOption func(*Memory)

// WithMaxEntries bounds the number of entries (values below 1 are ignored).
func WithMaxEntries(n int) MemoryOption {
	return func(m *Memory) {
		if n > 0 {
			m.maxEntries = n
		}
	}
}

// WithClock sets the time source used for expiry (time.Now by default).
func WithClock(now func() time.Time) MemoryOption {
	return func(m *Memory) {
		if now != nil {
			m.now = now
		}
	}
}

// NewMemory returns an empty in-process cache.
func NewMemory(opts ...MemoryOption) *Memory {
	m := &Memory{
		now:        time.Now,
		maxEntries: DefaultMaxEntries,
		items:      make(map[string]*entry),
		lru:        list.New(),
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Get returns a copy of the value stored under key.
func (m *Memory) Get(_ context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.items[key]
	if !ok {
		return nil, false, nil
	}
	if m.expired(e, m.now()) {
		m.remove(e)
		return nil, false, nil
	}
	m.lru.MoveToFront(e.elem)
	return clone(e.val), true, nil
}

// Set stores a copy of val under key for ttl (no expiry when ttl <= 0).
func (m *Memory) Set(_ context.Context, key string, val []byte, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(key, val, ttl, m.now())
	return nil
}

// Add stores a copy of val under key unless a live value is there.
func (m *Memory) Add(_ context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if e, ok := m.items[key]; ok && !m.expired(e, now) {
		return false, nil
	}
	m.put(key, val, ttl, now)
	return true, nil
}

// put stores val under key; m.mu must be held.
func (m *Memory) put(key string, val []byte, ttl time.Duration, now time.Time) {
	var deadline time.Time
	if ttl > 0 {
		deadline = now.Add(ttl)
	}
	if e, ok := m.items[key]; ok {
		e.val = clone(val)
		m.setDeadline(e, deadline)
		m.lru.MoveToFront(e.elem)
		return
	}
	for len(m.items) >= m.maxEntries {
		m.evictOne(now)
	}
	e := &entry{key: key, val: clone(val), heapIdx: -1}
	e.elem = m.lru.PushFront(e)
	m.items[key] = e
	m.setDeadline(e, deadline)
}

// Take returns the value stored under key and removes it.
func (m *Memory) Take(_ context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.items[key]
	if !ok {
		return nil, false, nil
	}
	m.remove(e)
	if m.expired(e, m.now()) {
		return nil, false, nil
	}
	return e.val, true, nil
}

// Delete removes the given keys.
func (m *Memory) Delete(_ context.Context, keys ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		if e, ok := m.items[k]; ok {
			m.remove(e)
		}
	}
	return nil
}

// Len reports the number of stored entries, including expired ones that
// have not been dropped yet.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items)
}

// DeleteExpired drops every expired entry and reports how many it dropped.
// Expired entries are otherwise dropped lazily, on access or when space is
// needed.
func (m *Memory) DeleteExpired() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	n := 0
	for len(m.expiries) > 0 && m.expired(m.expiries[0], now) {
		m.remove(m.expiries[0])
		n++
	}
	return n
}

func (m *Memory) expired(e *entry, now time.Time) bool {
	return !e.deadline.IsZero() && !now.Before(e.deadline)
}

// evictOne drops the soonest-expiring entry if it has expired, otherwise the
// least recently used entry.
func (m *Memory) evictOne(now time.Time) {
	if len(m.expiries) > 0 && m.expired(m.expiries[0], now) {
		m.remove(m.expiries[0])
		return
	}
	if back := m.lru.Back(); back != nil {
		m.remove(back.Value.(*entry))
	}
}

func (m *Memory) setDeadline(e *entry, deadline time.Time) {
	e.deadline = deadline
	switch {
	case deadline.IsZero() && e.heapIdx >= 0:
		heap.Remove(&m.expiries, e.heapIdx)
	case !deadline.IsZero() && e.heapIdx >= 0:
		heap.Fix(&m.expiries, e.heapIdx)
	case !deadline.IsZero():
		heap.Push(&m.expiries, e)
	}
}

func (m *Memory) remove(e *entry) {
	delete(m.items, e.key)
	m.lru.Remove(e.elem)
	if e.heapIdx >= 0 {
		heap.Remove(&m.expiries, e.heapIdx)
	}
}

func clone(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	out := make([]byte, len(b))
	copy(out, b)
	return out
}

// expiryHeap is a min-heap of entries ordered by deadline.
type expiryHeap []*entry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].deadline.Before(h[j].deadline) }
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx = i
	h[j].heapIdx = j
}

func (h *expiryHeap) Push(x any) {
	e := x.(*entry)
	e.heapIdx = len(*h)
	*h = append(*h, e)
}

func (h *expiryHeap) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	e.heapIdx = -1
	*h = old[:n-1]
	return e
}
