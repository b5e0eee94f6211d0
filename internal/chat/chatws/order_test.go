package chatws

import (
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// recorder collects what a sequencer hands on.
type recorder struct {
	mu   sync.Mutex
	seqs []int64
}

func (r *recorder) send(_ string, it *item) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seqs = append(r.seqs, it.seq)
}

func (r *recorder) got() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seqs)
}

func msg(seq int64) *item { return &item{room: "r1", seq: seq} }

func TestSequencerPutsSwappedMessagesInOrder(t *testing.T) {
	var s sequencer
	var r recorder
	for _, seq := range []int64{1, 3, 2, 5, 6, 4, 7} {
		s.deliver(msg(seq), r.send, nothing)
	}
	if got, want := r.got(), []int64{1, 2, 3, 4, 5, 6, 7}; !slices.Equal(got, want) {
		t.Fatalf("handed on %v, want %v", got, want)
	}
	// A late duplicate (already handed on) passes through: connections
	// drop numbers they sent.
	s.deliver(msg(2), r.send, nothing)
	if got := r.got(); got[len(got)-1] != 2 {
		t.Fatalf("duplicate was held back: %v", got)
	}
}

func nothing(string, int64, int64) []*item { return nil }

func TestSequencerReadsAMissingMessageOnce(t *testing.T) {
	var s sequencer
	var r recorder
	var mu sync.Mutex
	var asked [][2]int64
	fill := func(room string, after, before int64) []*item {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, [2]int64{after, before})
		var out []*item
		for seq := after + 1; seq < before; seq++ {
			out = append(out, &item{room: room, seq: seq})
		}
		return out
	}
	s.deliver(msg(10), r.send, fill)
	s.deliver(msg(12), r.send, fill) // 11 never comes
	s.deliver(msg(13), r.send, fill)
	if got := r.got(); !slices.Equal(got, []int64{10}) {
		t.Fatalf("handed on before the wait ended: %v", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Equal(r.got(), []int64{10, 11, 12, 13}) {
		if time.Now().After(deadline) {
			t.Fatalf("after the wait, handed on %v, want [10 11 12 13]", r.got())
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	if len(asked) != 1 || asked[0] != [2]int64{10, 12} {
		t.Fatalf("asked the database for %v, want once for (10, 12)", asked)
	}
	mu.Unlock()
	// The room goes on from 13.
	s.deliver(msg(14), r.send, fill)
	if got := r.got(); got[len(got)-1] != 14 {
		t.Fatalf("next message held: %v", got)
	}
	// Rooms are independent, and an idle room without connections is
	// forgotten.
	s.deliver(&item{room: "r2", seq: 7}, r.send, fill)
	s.prune(func(id string) bool { return id == "r2" })
	if _, ok := s.rooms["r1"]; ok {
		t.Fatal("idle room r1 kept")
	}
	if _, ok := s.rooms["r2"]; !ok {
		t.Fatal("live room r2 forgotten")
	}
}

func TestSequencerHoldsEventsBehindWaitingMessages(t *testing.T) {
	var s sequencer
	var got []string
	send := func(_ string, it *item) {
		if it.seq > 0 {
			got = append(got, "m"+strconv.FormatInt(it.seq, 10))
		} else {
			got = append(got, string(it.frame))
		}
	}
	s.deliver(msg(1), send, nothing)
	s.event("r1", &item{room: "r1", frame: []byte("mute")}, send) // nothing waits: at once
	s.deliver(msg(3), send, nothing)
	s.event("r1", &item{room: "r1", frame: []byte("delete 3")}, send) // 3 waits for 2
	s.deliver(msg(2), send, nothing)
	if want := []string{"m1", "mute", "m2", "m3", "delete 3"}; !slices.Equal(got, want) {
		t.Fatalf("handed on %v, want %v", got, want)
	}
}
