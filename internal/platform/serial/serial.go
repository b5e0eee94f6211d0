// Package serial hands queued items, in order, to one goroutine that runs
// only while items wait: no goroutine is held by an idle queue, and the
// pusher never waits for the work.
package serial

import "sync"

// Queue is a queue of items handled in order, at most max at a time.
type Queue[T any] struct {
	mu     sync.Mutex
	items  []T
	busy   bool
	max    int
	handle func([]T)
}

// New returns a queue that hands handle up to max items at a time (all
// that wait when max ≤ 0). handle runs in the queue's goroutine; the
// slice is its own.
func New[T any](max int, handle func([]T)) *Queue[T] {
	return &Queue[T]{max: max, handle: handle}
}

// Push queues v unless limit > 0 items already wait (false then), and
// starts the queue's goroutine when none runs.
func (q *Queue[T]) Push(v T, limit int) bool {
	q.mu.Lock()
	if limit > 0 && len(q.items) >= limit {
		q.mu.Unlock()
		return false
	}
	q.items = append(q.items, v)
	start := !q.busy
	q.busy = true
	q.mu.Unlock()
	if start {
		go q.run()
	}
	return true
}

func (q *Queue[T]) run() {
	for {
		q.mu.Lock()
		n := len(q.items)
		if q.max > 0 {
			n = min(n, q.max)
		}
		if n == 0 {
			q.busy = false
			q.mu.Unlock()
			return
		}
		batch := make([]T, n)
		copy(batch, q.items)
		q.items = append(q.items[:0], q.items[n:]...)
		q.mu.Unlock()
		q.handle(batch)
	}
}
