package chatstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/chat"
	"github.com/zuju/zuju/internal/chat/chatstore"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

type appended struct {
	m       *chat.Message
	created bool
	err     error
}

// TestAppendAsyncInOrderWithResendsAndFailures hands in messages from
// several senders at once without waiting, so that batches form: every
// caller hears once, in the order of its own calls; each room is numbered
// 1..n without gaps in the order a sender sent; a resend in the same batch
// or a later one returns the first message; a message to a missing room
// fails alone. The senders go through two stores, like two replicas,
// whose batches lock the same rooms (in the same order: no deadlock).
func TestAppendAsyncInOrderWithResendsAndFailures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := chatstore.New(db)
		replicas := []*chatstore.Store{s, chatstore.New(db)}
		for _, r := range []string{"r1", "r2"} {
			nr := chat.NewRoom{ID: r, ActivityID: "a-" + r, Title: "t", OrganizerID: "u0", ReadOnlyAt: now.Add(time.Hour)}
			if _, _, err := s.CreateRoom(ctx, nr, now); err != nil {
				t.Fatal(err)
			}
		}
		base := map[string]int64{}
		for _, r := range []string{"r1", "r2"} {
			room, err := s.Room(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			base[r] = room.LastSeq // the welcome message
			for i := range 4 {
				if _, err := s.SetMember(ctx, r, fmt.Sprintf("u%d", i+1), true, now); err != nil {
					t.Fatal(err)
				}
			}
		}

		const senders, each = 4, 60
		var mu sync.Mutex
		got := map[string][]appended{} // per sender, in the order heard
		var heard sync.WaitGroup
		var wg sync.WaitGroup
		for i := range senders {
			sender := fmt.Sprintf("u%d", i+1)
			wg.Go(func() {
				for j := range each {
					room := []string{"r1", "r2"}[(i+j)%2]
					cid := fmt.Sprintf("c%d", j)
					if j%10 == 9 {
						cid = fmt.Sprintf("c%d", j-2) // a resend of the last one in this room
					}
					m := msg(room, sender, cid, fmt.Sprintf("%s-%d", sender, j))
					if j == 31 {
						m.RoomID = "missing"
					}
					heard.Add(1)
					if err := replicas[i%2].AppendAsync(ctx, m, func(m *chat.Message, created bool, err error) {
						mu.Lock()
						got[sender] = append(got[sender], appended{m, created, err})
						mu.Unlock()
						heard.Done()
					}); err != nil {
						t.Error(err)
						heard.Done()
					}
				}
			})
		}
		wg.Wait()
		heard.Wait()

		stored := 0
		lastOf := map[string]map[string]int64{} // sender → room → last number
		for i := range senders {
			sender := fmt.Sprintf("u%d", i+1)
			list := got[sender]
			if len(list) != each {
				t.Fatalf("%s heard %d times, want %d", sender, len(list), each)
			}
			last := map[string]int64{}
			for j, a := range list {
				switch {
				case j == 31:
					if a.err != chat.ErrRoomNotFound {
						t.Fatalf("%s #%d to a missing room: %v, want ErrRoomNotFound", sender, j, a.err)
					}
					continue
				case a.err != nil:
					t.Fatalf("%s #%d: %v", sender, j, a.err)
				case j%10 == 9:
					first := list[j-2]
					if a.created || a.m.ID != first.m.ID {
						t.Fatalf("%s #%d resend: created %v, id %s, want the first message %s", sender, j, a.created, a.m.ID, first.m.ID)
					}
					continue
				}
				if !a.created || a.m.Content != fmt.Sprintf("%s-%d", sender, j) {
					t.Fatalf("%s #%d heard %+v, want its own new message (callbacks out of order?)", sender, j, a)
				}
				if a.m.Seq <= last[a.m.RoomID] {
					t.Fatalf("%s #%d numbered %d after %d: a sender's messages out of order", sender, j, a.m.Seq, last[a.m.RoomID])
				}
				last[a.m.RoomID] = a.m.Seq
				stored++
			}
			lastOf[sender] = last
		}
		total := 0
		for _, r := range []string{"r1", "r2"} {
			list, err := s.Messages(ctx, r, base[r], 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for k, m := range list {
				if m.Seq != base[r]+int64(k)+1 {
					t.Fatalf("room %s: message %d numbered %d, want %d (a gap)", r, k, m.Seq, base[r]+int64(k)+1)
				}
			}
			room, err := s.Room(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			if room.LastSeq != base[r]+int64(len(list)) {
				t.Fatalf("room %s: last_seq %d, %d messages after %d", r, room.LastSeq, len(list), base[r])
			}
			total += len(list)
		}
		if total != stored {
			t.Fatalf("%d messages stored, %d acknowledged as new", total, stored)
		}
		var batches, handed, retried int64
		for _, r := range replicas {
			b, h, f := r.GroupCommits()
			batches, handed, retried = batches+b, handed+h, retried+f
		}
		t.Logf("%d messages in %d batches, %d retried one by one", handed, batches, retried)
		if handed != senders*each || batches >= handed || retried != 0 {
			t.Fatalf("%d messages handed to %d batches, %d retried: want batches of several and none failing whole", handed, batches, retried)
		}
		for sender, rooms := range lastOf {
			for r, seq := range rooms {
				m, err := s.Member(ctx, r, sender)
				if err != nil {
					t.Fatal(err)
				}
				if m.ReadSeq != seq {
					t.Fatalf("%s in %s: read up to %d, want their last message %d", sender, r, m.ReadSeq, seq)
				}
			}
		}
	}, chatstore.Migrations())
}
