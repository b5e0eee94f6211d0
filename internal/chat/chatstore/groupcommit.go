package chatstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zuju/zuju/internal/chat"
	"github.com/zuju/zuju/internal/platform/serial"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// Messages sent at the same time are stored together, in one transaction
// (a group commit): on SQLite every write transaction is a turn of the
// single writer and a write of the WAL, on PostgreSQL a round trip and a
// flush of the WAL. A batch is stored in the order the messages were
// handed in, so a sender's messages to a room are numbered in the order
// they were sent.
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

// groupCommit queues appends: one serial queue stores them in batches,
// another hands each outcome to its caller in order (so the next batch is
// stored while the last one is published). Their goroutines run only
// while something waits.
type groupCommit struct {
	slots   chan struct{} // a token per queued, running or reported message
	pending *serial.Queue[*appendReq]
	replies *serial.Queue[*appendReq]
	// batches and messages count the batches stored and the messages
	// handed to them; retried counts batches that failed whole and were
	// stored message by message.
	batches, messages, retried atomic.Int64
}

// GroupCommits reports how many batches were stored, how many messages
// they were handed, and how many of them failed whole and were stored
// message by message.
func (s *Store) GroupCommits() (batches, messages, retried int64) {
	return s.group.batches.Load(), s.group.messages.Load(), s.group.retried.Load()
}

func newGroupCommit(s *Store) *groupCommit {
	g := &groupCommit{slots: make(chan struct{}, maxQueued)}
	g.replies = serial.New(0, func(list []*appendReq) {
		for _, r := range list {
			r.done(r.out, r.created, r.err)
			<-g.slots
		}
	})
	g.pending = serial.New(maxBatch, func(batch []*appendReq) {
		s.commitBatch(batch)
		g.batches.Add(1)
		g.messages.Add(int64(len(batch)))
		for _, r := range batch {
			g.replies.Push(r, 0)
		}
	})
	return g
}

// submit queues r, waiting while the queue is full or until ctx ends.
func (g *groupCommit) submit(r *appendReq) error {
	select {
	case g.slots <- struct{}{}:
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
	g.pending.Push(r, 0)
	return nil
}

// AppendAsync hands m to the next batch and returns; done is called once,
// from the batch's goroutine, after the batch has committed (or failed),
// in the order the messages were handed in. Callers must not block in
// done: the next batch waits for it. The error returned is ctx's, when it
// ended while the queue was full; done is then not called.
func (s *Store) AppendAsync(ctx context.Context, m *chat.Message, done func(m *chat.Message, created bool, err error)) error {
	return s.group.submit(&appendReq{ctx: ctx, m: m, done: done})
}

// appendBatched stores m in the next batch and waits for it.
func (s *Store) appendBatched(ctx context.Context, m *chat.Message) (*chat.Message, bool, error) {
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
	if s.sql.Dialect == sqldb.Postgres {
		if err := s.storeBatchOnPostgres(live); err != nil {
			s.group.retried.Add(1)
			for _, r := range live {
				// appendOne settles a client id raced in from elsewhere.
				r.out, r.created, r.err = s.appendOne(r.ctx, r.m)
			}
		}
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
	s.group.retried.Add(1)
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

	firsts, dupOf := splitResends(batch)
	var fresh []*appendReq
	var rooms []string
	count := map[string]int64{}
	for _, r := range firsts {
		m := r.m
		if m.ClientID != "" {
			prev, err := scanByClientID(st.lookup.QueryRow(ctx, tx, m.RoomID, m.SenderID, m.ClientID))
			if err != nil {
				return err
			}
			if prev != nil {
				r.out = prev
				continue
			}
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
	settleResends(dupOf)
	return nil
}

// splitResends clears the batch's outcomes and sets apart the resends of
// a client id handed in earlier in the same batch (each mapped to the
// first); firsts are the others, in order.
func splitResends(batch []*appendReq) (firsts []*appendReq, dupOf map[*appendReq]*appendReq) {
	type clientKey struct{ room, sender, client string }
	first := map[clientKey]*appendReq{}
	dupOf = map[*appendReq]*appendReq{}
	for _, r := range batch {
		r.out, r.created, r.err = nil, false, nil
		if m := r.m; m.ClientID != "" {
			k := clientKey{m.RoomID, m.SenderID, m.ClientID}
			if f, ok := first[k]; ok {
				dupOf[r] = f
				continue
			}
			first[k] = r
		}
		firsts = append(firsts, r)
	}
	return firsts, dupOf
}

// settleResends answers each resend in a batch with its first's outcome.
func settleResends(dupOf map[*appendReq]*appendReq) {
	for r, f := range dupOf {
		r.out, r.created, r.err = f.out, false, f.err
	}
}

// storeBatchPG stores a batch on PostgreSQL in one statement (one round
// trip, one commit): messages whose client id the database already holds
// are left out, each room is numbered once for its new messages in the
// order they were handed in (their rows locked in the order of their ids,
// so that two replicas' batches never deadlock), and each sender's read
// marker moves to their last one. Resends inside the batch answer with the first message. A
// client id racing in from another replica fails the statement (the
// unique index), and the batch is then stored message by message.
const storeBatchPG = `WITH input AS (
		SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[])
			WITH ORDINALITY AS t(id, room_id, sender_id, client_id, kind, content, created_at, ord)),
	fresh AS (SELECT i.* FROM input i WHERE i.client_id = '' OR NOT EXISTS (SELECT 1 FROM chat_messages m
			WHERE m.room_id = i.room_id AND m.sender_id = i.sender_id AND m.client_id = i.client_id AND m.client_id <> '')),
	counts AS (SELECT room_id, count(*) AS n FROM fresh GROUP BY room_id),
	locked AS (SELECT id FROM chat_rooms WHERE id IN (SELECT room_id FROM counts) ORDER BY id FOR UPDATE),
	r AS (UPDATE chat_rooms c SET last_seq = c.last_seq + counts.n FROM counts JOIN locked l ON l.id = counts.room_id
			WHERE c.id = counts.room_id RETURNING c.id, c.last_seq, counts.n),
	numbered AS (SELECT f.*, r.last_seq - r.n + row_number() OVER (PARTITION BY f.room_id ORDER BY f.ord) AS seq
			FROM fresh f JOIN r ON r.id = f.room_id),
	ins AS (INSERT INTO chat_messages (id, room_id, seq, sender_id, client_id, kind, content, created_at)
			SELECT id, room_id, seq, sender_id, client_id, kind, content, created_at FROM numbered),
	own AS (UPDATE chat_members cm SET read_seq = x.seq
			FROM (SELECT room_id, sender_id, max(seq) AS seq FROM numbered WHERE sender_id <> '' GROUP BY room_id, sender_id) x
			WHERE cm.room_id = x.room_id AND cm.user_id = x.sender_id AND cm.read_seq < x.seq)
	SELECT ord, seq FROM numbered`

func (s *Store) storeBatchOnPostgres(batch []*appendReq) error {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	fresh, dupOf := splitResends(batch)
	var ids, rooms, senders, clients, kinds, contents []string
	var times []time.Time
	for _, r := range fresh {
		m := r.m
		ids, rooms, senders, clients = append(ids, m.ID), append(rooms, m.RoomID), append(senders, m.SenderID), append(clients, m.ClientID)
		kinds, contents, times = append(kinds, m.Kind), append(contents, m.Content), append(times, m.CreatedAt.UTC())
	}
	st, err := s.sql.Prepared(ctx, storeBatchPG)
	if err != nil {
		return err
	}
	// Planned for each batch's own arrays: a plan cached for any arrays
	// would expect a hundred rows of each and hash-join whole tables.
	rows, err := st.Query(ctx, nil, pgx.QueryExecModeExec, ids, rooms, senders, clients, kinds, contents, times)
	if err != nil {
		return fmt.Errorf("store %d messages: %w", len(fresh), err)
	}
	seqs := make(map[int64]int64, len(fresh)) // ordinal (from 1) → number
	for rows.Next() {
		var ord, seq int64
		if err := rows.Scan(&ord, &seq); err != nil {
			rows.Close()
			return fmt.Errorf("store messages: %w", err)
		}
		seqs[ord] = seq
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store %d messages: %w", len(fresh), err)
	}
	for i, r := range fresh {
		if seq, ok := seqs[int64(i+1)]; ok {
			m := *r.m
			m.Seq, m.CreatedAt = seq, m.CreatedAt.UTC()
			r.out, r.created = &m, true
			continue
		}
		// Left out: a resend of a stored message, or no such room.
		if r.m.ClientID != "" {
			prev, err := s.byClientID(ctx, r.m)
			if err != nil {
				return err
			}
			if prev != nil {
				r.out = prev
				continue
			}
		}
		r.err = chat.ErrRoomNotFound
	}
	settleResends(dupOf)
	return nil
}
