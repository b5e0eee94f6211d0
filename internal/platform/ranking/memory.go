package ranking

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"
)

// Memory is a Ranking held in process: each board a sorted slice with an
// index by id. Updates cost O(n) moves in the board's slice, reads
// O(log n + page).
type Memory struct {
	now func() time.Time

	mu       sync.RWMutex
	boards   map[string]*memBoard
	versions map[string]int64
}

type memBoard struct {
	sorted []Entry
	score  map[string]float64
	until  time.Time // zero: no expiry
}

// MemoryOption adjusts a Memory ranking.
type MemoryOption func(*Memory)

// WithClock sets the time source for expiry.
func WithClock(now func() time.Time) MemoryOption { return func(m *Memory) { m.now = now } }

// NewMemory returns an empty in-process ranking.
func NewMemory(opts ...MemoryOption) *Memory {
	m := &Memory{now: time.Now, boards: map[string]*memBoard{}, versions: map[string]int64{}}
	for _, o := range opts {
		o(m)
	}
	return m
}

// warm returns the board when it is warm; expired boards are dropped.
// The caller holds the write lock when drop is true.
func (m *Memory) warm(board string, drop bool) *memBoard {
	b := m.boards[board]
	if b == nil {
		return nil
	}
	if !b.until.IsZero() && !m.now().Before(b.until) {
		if drop {
			delete(m.boards, board)
		}
		return nil
	}
	return b
}

// Range returns a page of the board.
func (m *Memory) Range(_ context.Context, board string, after *Entry, n int) ([]Entry, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b := m.warm(board, false)
	if b == nil {
		return nil, false, nil
	}
	i := 0
	if after != nil {
		a := *after
		i = sort.Search(len(b.sorted), func(j int) bool { return less(a, b.sorted[j]) })
	}
	end := min(len(b.sorted), i+max(n, 0))
	return slices.Clone(b.sorted[i:end]), true, nil
}

// Update applies changes to warm boards and moves every named board's
// version.
func (m *Memory) Update(_ context.Context, changes ...Change) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range changes {
		m.versions[c.Board]++
		b := m.warm(c.Board, true)
		if b == nil {
			continue
		}
		for _, id := range c.Remove {
			b.remove(id)
		}
		for _, e := range c.Set {
			b.remove(e.ID)
			i := sort.Search(len(b.sorted), func(j int) bool { return !less(b.sorted[j], e) })
			b.sorted = slices.Insert(b.sorted, i, e)
			b.score[e.ID] = e.Score
		}
	}
	return nil
}

func (b *memBoard) remove(id string) {
	s, ok := b.score[id]
	if !ok {
		return
	}
	e := Entry{ID: id, Score: s}
	i := sort.Search(len(b.sorted), func(j int) bool { return !less(b.sorted[j], e) })
	if i < len(b.sorted) && b.sorted[i].ID == id {
		b.sorted = slices.Delete(b.sorted, i, i+1)
	}
	delete(b.score, id)
}

// Version returns the board's version.
func (m *Memory) Version(_ context.Context, board string) (int64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.versions[board], nil
}

// Fill replaces the board unless its version moved.
func (m *Memory) Fill(_ context.Context, board string, version int64, entries []Entry, ttl time.Duration) (bool, error) {
	b := &memBoard{sorted: make([]Entry, 0, len(entries)), score: make(map[string]float64, len(entries))}
	for _, e := range entries {
		if _, dup := b.score[e.ID]; dup {
			continue
		}
		b.score[e.ID] = e.Score
		b.sorted = append(b.sorted, e)
	}
	slices.SortFunc(b.sorted, func(x, y Entry) int {
		switch {
		case less(x, y):
			return -1
		case less(y, x):
			return 1
		}
		return 0
	})
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.versions[board] != version {
		return false, nil
	}
	if ttl > 0 {
		b.until = m.now().Add(ttl)
	}
	m.boards[board] = b
	return true, nil
}

// Drop makes boards cold.
func (m *Memory) Drop(_ context.Context, boards ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, board := range boards {
		delete(m.boards, board)
	}
	return nil
}
