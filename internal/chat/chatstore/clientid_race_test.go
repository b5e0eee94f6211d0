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
		for range n {
			wg.Go(func() {
				cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
				defer cancel()
				m, created, err := s.Append(cctx, msg("r", "u1", cid, "你好"))
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
