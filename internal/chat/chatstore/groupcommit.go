package chatstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zuju/zuju/internal/chat"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// On SQLite every write transaction is a turn of the single writer and a
// write of the WAL: messages sent at the same time are stored together,
// in one transaction (a group commit), each under its own savepoint so
// that one failing leaves the others stored. The batch runs in the order
// the messages were handed in, so a sender's messages to a room are
// numbered in the order they were sent.
const (
	// maxBatch is the most messages one transaction stores.
	maxBatch = 128
	// maxQueued bounds the messages waiting for a batch: beyond it,
	// senders wait for room in the queue.
	maxQueued = 1024
	// batchTimeout bounds one batch's transaction.
	batchTimeout = 15 * time.Second
)

// appendReq is one message waiting for its batch.
type appendReq struct {
	ctx  context.Context
	m    *chat.Message
	done func(m *chat.Message, created bool, err error)
	// outcome, set by the batch
	out     *chat.Message
	created bool
	err     error
}

// groupCommit queues appends; a goroutine runs only while messages are
// queued, storing them in batches, and another one, only while stored
// batches wait, hands each outcome to its caller in order (so the next
// batch is stored while the last one is published).
type groupCommit struct {
	store *Store
	slots chan struct{} // a token per queued, running or reported message
	mu    sync.Mutex
	queue []*appendReq
	busy  bool
	// done are stored messages whose callers are yet to hear.
	doneMu   sync.Mutex
	done     []*appendReq
	replying bool
	// batches and messages count the transactions run and the
	// messages handed to them.
	batches, messages atomic.Int64
}

// GroupCommits reports how many batch transactions ran on SQLite and how
// many messages they were handed.
func (s *Store) GroupCommits() (batches, messages int64) {
	return s.group.batches.Load(), s.group.messages.Load()
}

func newGroupCommit(s *Store) *groupCommit {
	return &groupCommit{store: s, slots: make(chan struct{}, maxQueued)}
}

// submit queues r, waiting while the queue is full or until ctx ends.
func (g *groupCommit) submit(r *appendReq) error {
	select {
	case g.slots <- struct{}{}:
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
	g.mu.Lock()
	g.queue = append(g.queue, r)
	start := !g.busy
	g.busy = true
	g.mu.Unlock()
	if start {
		go g.run()
	}
	return nil
}

// run stores batches until the queue is empty.
func (g *groupCommit) run() {
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxBatch)
		if n == 0 {
			g.busy = false
			g.mu.Unlock()
			return
		}
		batch := make([]*appendReq, n)
		copy(batch, g.queue)
		g.queue = append(g.queue[:0], g.queue[n:]...)
		g.mu.Unlock()

		g.store.commitBatch(batch)
		g.batches.Add(1)
		g.messages.Add(int64(len(batch)))
		g.doneMu.Lock()
		g.done = append(g.done, batch...)
		start := !g.replying
		g.replying = true
		g.doneMu.Unlock()
		if start {
			go g.reply()
		}
	}
}

// reply tells callers their outcomes, in order, until none wait.
func (g *groupCommit) reply() {
	for {
		g.doneMu.Lock()
		list := g.done
		g.done = nil
		if len(list) == 0 {
			g.replying = false
			g.doneMu.Unlock()
			return
		}
		g.doneMu.Unlock()
		for _, r := range list {
			r.done(r.out, r.created, r.err)
			<-g.slots
		}
	}
}

// AppendAsync hands m to the next batch and returns; done is called once,
// from the batch's goroutine, after the batch has committed (or failed),
// in the order the messages were handed in. Callers must not block in
// done: the next batch waits for it. The error returned is ctx's, when it
// ended while the queue was full; done is then not called.
func (s *Store) AppendAsync(ctx context.Context, m *chat.Message, done func(m *chat.Message, created bool, err error)) error {
	if s.sql.Dialect != sqldb.SQLite {
		// PostgreSQL numbers and stores a message in one statement; it
		// runs right here.
		out, created, err := s.appendOne(ctx, m)
		done(out, created, err)
		return nil
	}
	return s.group.submit(&appendReq{ctx: ctx, m: m, done: done})
}

// appendSQLite stores m in the next batch and waits for it.
func (s *Store) appendSQLite(ctx context.Context, m *chat.Message) (*chat.Message, bool, error) {
	type result struct {
		m       *chat.Message
		created bool
		err     error
	}
	ch := make(chan result, 1)
	if err := s.group.submit(&appendReq{ctx: ctx, m: m, done: func(m *chat.Message, created bool, err error) {
		ch <- result{m, created, err}
	}}); err != nil {
		return nil, false, err
	}
	r := <-ch
	return r.m, r.created, r.err
}

// commitBatch stores the batch in one transaction, setting each
// request's outcome; a request whose context has ended is skipped. When
// the transaction fails, each message is tried again on its own, so that
// one bad message fails alone.
func (s *Store) commitBatch(batch []*appendReq) {
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	err := s.storeBatch(live)
	if err == nil {
		return
	}
	if len(live) == 1 {
		live[0].out, live[0].created, live[0].err = nil, false, err
		return
	}
	for _, r := range live {
		if err := s.storeBatch([]*appendReq{r}); err != nil {
			r.out, r.created, r.err = nil, false, err
		}
	}
}

// batchStmts are the statements of a batch.
type batchStmts struct{ lookup, number, insert, readOwn *sqldb.Stmt }

func (s *Store) batchStatements(ctx context.Context) (*batchStmts, error) {
	var st batchStmts
	var err error
	if st.lookup, err = s.sql.Prepared(ctx, byClientIDQuery); err != nil {
		return nil, err
	}
	if st.number, err = s.sql.Prepared(ctx, `UPDATE chat_rooms SET last_seq = last_seq + ? WHERE id = ? RETURNING last_seq`); err != nil {
		return nil, err
	}
	if st.insert, err = s.sql.Prepared(ctx, insertMessage); err != nil {
		return nil, err
	}
	if st.readOwn, err = s.sql.Prepared(ctx, readOwnMessage); err != nil {
		return nil, err
	}
	return &st, nil
}

// storeBatch stores the batch in one transaction: resends are looked up
// (in the database and earlier in the batch), each room is numbered once
// for its new messages, the messages are inserted in order and each
// sender's read marker moves to their last one. On an error nothing is
// stored and the outcomes are to be ignored.
func (s *Store) storeBatch(batch []*appendReq) error {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	st, err := s.batchStatements(ctx)
	if err != nil {
		return err
	}
	tx, err := s.sql.SQL.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin append: %w", err)
	}
	defer func() { _ = tx.Rollback() }()

	type clientKey struct{ room, sender, client string }
	first := map[clientKey]*appendReq{}
	dupOf := map[*appendReq]*appendReq{}
	var fresh []*appendReq
	var rooms []string
	count := map[string]int64{}
	for _, r := range batch {
		r.out, r.created, r.err = nil, false, nil
		m := r.m
		if m.ClientID != "" {
			k := clientKey{m.RoomID, m.SenderID, m.ClientID}
			if f, ok := first[k]; ok {
				dupOf[r] = f
				continue
			}
			prev, err := scanByClientID(st.lookup.QueryRow(ctx, tx, m.RoomID, m.SenderID, m.ClientID))
			if err != nil {
				return err
			}
			if prev != nil {
				r.out = prev
				continue
			}
			first[k] = r
		}
		if count[m.RoomID] == 0 {
			rooms = append(rooms, m.RoomID)
		}
		count[m.RoomID]++
		fresh = append(fresh, r)
	}
	next := make(map[string]int64, len(rooms)) // 0: no such room
	for _, room := range rooms {
		var last int64
		err := st.number.QueryRow(ctx, tx, count[room], room).Scan(&last)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("number messages: %w", err)
		default:
			next[room] = last - count[room] + 1
		}
	}
	type readKey struct{ room, sender string }
	var readers []readKey
	readTo := map[readKey]int64{}
	for _, r := range fresh {
		seq := next[r.m.RoomID]
		if seq == 0 {
			r.err = chat.ErrRoomNotFound
			continue
		}
		next[r.m.RoomID]++
		row := messageRow{ID: r.m.ID, RoomID: r.m.RoomID, Seq: seq, SenderID: r.m.SenderID, ClientID: r.m.ClientID, Kind: r.m.Kind,
			Content: r.m.Content, CreatedAt: r.m.CreatedAt.UTC()}
		if _, err := st.insert.Exec(ctx, tx, row.ID, row.RoomID, row.Seq, row.SenderID, row.ClientID, row.Kind, row.Content, row.CreatedAt); err != nil {
			return fmt.Errorf("store message: %w", err)
		}
		out := row.message()
		r.out, r.created = &out, true
		if row.SenderID != "" {
			k := readKey{row.RoomID, row.SenderID}
			if _, ok := readTo[k]; !ok {
				readers = append(readers, k)
			}
			readTo[k] = seq // one's own message is read
		}
	}
	for _, k := range readers {
		if _, err := st.readOwn.Exec(ctx, tx, readTo[k], k.room, k.sender); err != nil {
			return fmt.Errorf("mark own messages read: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit %d messages: %w", len(fresh), err)
	}
	for r, f := range dupOf {
		r.out, r.err = f.out, f.err
	}
	return nil
}
