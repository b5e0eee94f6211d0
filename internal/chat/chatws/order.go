package chatws

import (
	"slices"
	"sync"
	"time"
)

// gapWait is how long a room's message waits for an earlier one still on
// its way; then the hub reads the missing ones from the database.
const gapWait = 50 * time.Millisecond

// sequencer hands each room's messages to the connections in number
// order. Messages can arrive out of order: two senders' messages are
// numbered in the database in one order and published in the other, or
// they come from different replicas. A message that skips a number waits
// briefly for the ones before it, so that connections seldom have to ask
// the database to fill a gap (in a big room, one query per member): when
// the wait ends, the missing ones are read once for all.
type sequencer struct {
	mu    sync.Mutex
	rooms map[string]*roomOrder
}

// roomOrder is one room's position: the highest number handed on and
// the later messages waiting for an earlier one.
type roomOrder struct {
	mu      sync.Mutex
	last    int64
	pending map[int64]*item
	timer   *time.Timer
}

func (s *sequencer) room(id string) *roomOrder {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rooms == nil {
		s.rooms = map[string]*roomOrder{}
	}
	r := s.rooms[id]
	if r == nil {
		r = &roomOrder{}
		s.rooms[id] = r
	}
	return r
}

// deliver passes a room message to send in number order: at once when it
// is the next one (with any waiting messages it lets through), after at
// most gapWait when an earlier one is missing.
func (s *sequencer) deliver(it *item, send func(roomID string, it *item), missing func(roomID string, after, before int64) []*item) {
	r := s.room(it.room)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last != 0 && it.seq > r.last+1 {
		if r.pending == nil {
			r.pending = map[int64]*item{}
		}
		r.pending[it.seq] = it
		if r.timer == nil {
			r.timer = time.AfterFunc(gapWait, func() { r.expire(send, missing) })
		}
		return
	}
	send(it.room, it)
	r.last = max(r.last, it.seq)
	for {
		next, ok := r.pending[r.last+1]
		if !ok {
			break
		}
		delete(r.pending, r.last+1)
		send(next.room, next)
		r.last++
	}
	if len(r.pending) == 0 && r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
}

// expire hands on every waiting message with the missing ones before it,
// read from the database (or, if that fails, left to each connection).
func (r *roomOrder) expire(send func(roomID string, it *item), missing func(roomID string, after, before int64) []*item) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.timer = nil
	seqs := make([]int64, 0, len(r.pending))
	for seq := range r.pending {
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	for _, seq := range seqs {
		it := r.pending[seq]
		if seq > r.last+1 {
			for _, m := range missing(it.room, r.last, seq) {
				send(m.room, m)
			}
		}
		send(it.room, it)
		r.last = max(r.last, seq)
	}
	r.pending = nil
}

// prune forgets rooms with nothing waiting that have no connection here.
func (s *sequencer) prune(live func(roomID string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, r := range s.rooms {
		r.mu.Lock()
		idle := len(r.pending) == 0
		r.mu.Unlock()
		if idle && !live(id) {
			delete(s.rooms, id)
		}
	}
}
