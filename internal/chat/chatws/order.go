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

// roomOrder is one room's position: the highest number handed on, the
// later messages waiting for an earlier one, and other room events
// (deletions, mutes) that came while messages wait, so that a deletion
// never overtakes its message.
type roomOrder struct {
	mu      sync.Mutex
	last    int64
	pending map[int64]*item
	after   []*item
	timer   *time.Timer
	gen     int // of the wait the timer belongs to
}

// fetcher reads a room's messages after < seq < before.
type fetcher func(roomID string, after, before int64) []*item

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
func (s *sequencer) deliver(it *item, send func(roomID string, it *item), missing fetcher) {
	r := s.room(it.room)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last != 0 && it.seq > r.last+1 {
		if r.pending == nil {
			r.pending = map[int64]*item{}
		}
		r.pending[it.seq] = it
		if r.timer == nil {
			r.gen++
			gen := r.gen
			r.timer = time.AfterFunc(gapWait, func() { r.expire(gen, send, missing) })
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
	r.settled(send)
}

// event passes a room event that is not a message: at once, or after the
// messages waiting now.
func (s *sequencer) event(roomID string, it *item, send func(roomID string, it *item)) {
	r := s.room(roomID)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) > 0 {
		r.after = append(r.after, it)
		return
	}
	send(roomID, it)
}

// settled ends the wait once nothing is pending and hands on the events
// held behind it; r.mu is held.
func (r *roomOrder) settled(send func(roomID string, it *item)) {
	if len(r.pending) > 0 {
		return
	}
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
		r.gen++ // a timer that fired already finds its wait over
	}
	for _, it := range r.after {
		send(it.room, it)
	}
	r.after = nil
}

// expire ends a wait: the missing messages are read from the database
// (outside the lock: deliveries of the room go on meanwhile; what comes
// twice, connections drop by its number), then everything waiting is
// handed on in order. If the read fails, each connection fills the gap.
func (r *roomOrder) expire(gen int, send func(roomID string, it *item), missing fetcher) {
	r.mu.Lock()
	if gen != r.gen || len(r.pending) == 0 {
		r.mu.Unlock()
		return
	}
	seqs := make([]int64, 0, len(r.pending))
	var roomID string
	for seq, it := range r.pending {
		seqs = append(seqs, seq)
		roomID = it.room
	}
	slices.Sort(seqs)
	// The gaps as they stand: (last, first waiting), then between waiting ones.
	type gap struct{ after, before int64 }
	var gaps []gap
	prev := r.last
	for _, seq := range seqs {
		if seq > prev+1 {
			gaps = append(gaps, gap{prev, seq})
		}
		prev = seq
	}
	r.mu.Unlock()

	fetched := map[int64]*item{}
	for _, g := range gaps {
		for _, m := range missing(roomID, g.after, g.before) {
			fetched[m.seq] = m
		}
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if gen != r.gen {
		return // the missing ones came meanwhile
	}
	r.timer = nil
	for seq, it := range r.pending {
		fetched[seq] = it
	}
	all := make([]int64, 0, len(fetched))
	for seq := range fetched {
		if seq > r.last {
			all = append(all, seq)
		}
	}
	slices.Sort(all)
	for _, seq := range all {
		it := fetched[seq]
		send(it.room, it)
		r.last = seq
	}
	r.pending = nil
	r.settled(send)
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
