package chatstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/chat"
	"github.com/zuju/zuju/internal/chat/chatstore"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// resendRace sends one client id from n goroutines at once, rounds times:
// every send answers (no pool deadlock: the losing transaction ends before
// it looks the winner up), one message is stored and all get it.
func resendRace(t *testing.T, db *sqldb.DB, n, rounds int) {
	t.Helper()
	ctx := context.Background()
	s := chatstore.New(db)
	// Two stores on one database, like two replicas: each batches its own
	// sends, and the same client id races in through both.
	replicas := []*chatstore.Store{s, chatstore.New(db)}
	nr := chat.NewRoom{ID: "r", ActivityID: "a", Title: "t", OrganizerID: "u1", ReadOnlyAt: now.Add(time.Hour)}
	if _, _, err := s.CreateRoom(ctx, nr, now); err != nil {
		t.Fatal(err)
	}
	for round := range rounds {
		cid := fmt.Sprintf("c%d", round)
		type res struct {
			id      string
			created bool
			err     error
		}
		out := make(chan res, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
				defer cancel()
				m, created, err := replicas[i%2].Append(cctx, msg("r", "u1", cid, "你好"))
				r := res{created: created, err: err}
				if m != nil {
					r.id = m.ID
				}
				out <- r
			})
		}
		wg.Wait()
		close(out)
		ids, created := map[string]bool{}, 0
		for r := range out {
			if r.err != nil {
				t.Fatalf("round %d: %v", round, r.err)
			}
			ids[r.id] = true
			if r.created {
				created++
			}
		}
		if created != 1 || len(ids) != 1 {
			t.Fatalf("round %d: %d created, %d distinct messages, want 1 and 1", round, created, len(ids))
		}
	}
	list, err := s.Messages(ctx, "r", 0, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != rounds {
		t.Fatalf("%d messages stored for %d client ids", len(list), rounds)
	}
}

func TestResentClientIDRaceStoresOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) { resendRace(t, db, 12, 10) }, chatstore.Migrations())
}

func TestResentClientIDRaceOnOneConnection(t *testing.T) {
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(t.TempDir(), "chat.db"), sqldb.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx, nil, chatstore.Migrations()); err != nil {
		t.Fatal(err)
	}
	resendRace(t, db, 4, 50)
}

// RoomMember reads a room with one user's membership, as Room and
// Member do apart.
func TestRoomMemberIsRoomAndMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := chatstore.New(db)
		nr := chat.NewRoom{ID: "r", ActivityID: "a", Title: "周末飞盘", OrganizerID: "u1", ParticipantIDs: []string{"u2"}, ReadOnlyAt: now.Add(time.Hour)}
		if _, _, err := s.CreateRoom(ctx, nr, now); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Mute(ctx, "r", "u2", now.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetMember(ctx, "r", "u1", false, now); err != nil {
			t.Fatal(err)
		}
		for _, user := range []string{"u1", "u2", "nobody"} {
			room, m, err := s.RoomMember(ctx, "r", user)
			if err != nil {
				t.Fatal(err)
			}
			wantRoom, _ := s.Room(ctx, "r")
			wantM, _ := s.Member(ctx, "r", user)
			if fmt.Sprint(*room) != fmt.Sprint(*wantRoom) {
				t.Fatalf("%s: room %+v, want %+v", user, *room, *wantRoom)
			}
			if got, want := describe(m), describe(wantM); got != want {
				t.Fatalf("%s: member %s, want %s", user, got, want)
			}
		}
		if _, _, err := s.RoomMember(ctx, "none", "u1"); err != chat.ErrRoomNotFound {
			t.Fatalf("unknown room: %v", err)
		}
	}, chatstore.Migrations())
}

func describe(m *chat.Member) string {
	if m == nil {
		return "none"
	}
	at := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%s %s left %s removed %v muted %s read %d", m.Role, m.JoinedAt.UTC().Format(time.RFC3339Nano), at(m.LeftAt),
		m.Removed, at(m.MutedUntil), m.ReadSeq)
}
