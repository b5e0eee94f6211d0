package serial_test

import (
	"sync"
	"testing"

	"github.com/zuju/zuju/internal/platform/serial"
)

// Items pushed from several goroutines are each handled once, in the
// order of each pusher, never more than max at a time; a limited push is
// refused while the queue is full.
func TestQueueHandlesInOrderInBatches(t *testing.T) {
	var mu sync.Mutex
	var got []int
	var wg sync.WaitGroup
	q := serial.New(8, func(b []int) {
		if len(b) > 8 {
			t.Errorf("batch of %d", len(b))
		}
		mu.Lock()
		got = append(got, b...)
		mu.Unlock()
		for range b {
			wg.Done()
		}
	})
	const pushers, each = 4, 500
	wg.Add(pushers * each)
	var push sync.WaitGroup
	for p := range pushers {
		push.Go(func() {
			for i := range each {
				q.Push(p*each+i, 0)
			}
		})
	}
	push.Wait()
	wg.Wait()
	last := map[int]int{}
	for _, v := range got {
		p := v / each
		if prev, ok := last[p]; ok && v <= prev {
			t.Fatalf("pusher %d: %d after %d", p, v, prev)
		}
		last[p] = v
	}
	if len(got) != pushers*each {
		t.Fatalf("%d handled, want %d", len(got), pushers*each)
	}

	block := make(chan struct{})
	held := serial.New(0, func([]int) { <-block })
	held.Push(1, 1) // taken by the goroutine, which then blocks
	for !held.Push(2, 1) {
	}
	if held.Push(3, 1) {
		t.Fatal("a push beyond the limit was queued")
	}
	close(block)
}
