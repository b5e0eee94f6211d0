package outbox_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

type recorder struct {
	mu   sync.Mutex
	ids  map[string]int
	fail bool
}

func (r *recorder) Publish(_ context.Context, topic string, payload []byte, meta map[string]string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return "", errors.New("broker down")
	}
	if r.ids == nil {
		r.ids = map[string]int{}
	}
	r.ids[meta[outbox.IDKey]]++
	return meta[outbox.IDKey], nil
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestOutboxPublishesCommittedEventsOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		pub := &recorder{}
		relay := outbox.NewRelay(db, pub, quiet, 0)

		var committed string
		if err := db.Tx(ctx, func(tx *gorm.DB) error {
			id, err := outbox.Add(ctx, tx, "users.banned", map[string]string{"user_id": "u1"})
			committed = id
			return err
		}); err != nil {
			t.Fatal(err)
		}
		rollback := errors.New("rollback")
		if err := db.Tx(ctx, func(tx *gorm.DB) error {
			if _, err := outbox.Add(ctx, tx, "users.banned", map[string]string{"user_id": "u2"}); err != nil {
				return err
			}
			return rollback
		}); !errors.Is(err, rollback) {
			t.Fatal(err)
		}

		// Broker down: nothing is lost, it goes out later.
		pub.fail = true
		if n, err := relay.Flush(ctx); err != nil || n != 0 {
			t.Fatalf("flush while down: %d %v", n, err)
		}
		pub.fail = false
		if n, err := relay.Flush(ctx); err != nil || n != 1 {
			t.Fatalf("flush: %d %v", n, err)
		}
		if n, _ := relay.Flush(ctx); n != 0 {
			t.Fatalf("published again: %d", n)
		}
		if len(pub.ids) != 1 || pub.ids[committed] != 1 {
			t.Fatalf("published %v, want only %s once", pub.ids, committed)
		}
		if n, err := relay.Purge(ctx, time.Now().Add(time.Minute)); err != nil || n != 1 {
			t.Fatalf("purge: %d %v", n, err)
		}
	}, outbox.Migrations())
}

// Relays of several replicas never publish one event twice at once.
func TestConcurrentRelaysPublishEachEventOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		const n = 300
		if err := db.Tx(ctx, func(tx *gorm.DB) error {
			for i := range n {
				if _, err := outbox.Add(ctx, tx, "t", i); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		pub := &recorder{}
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := outbox.NewRelay(db, pub, quiet, 0)
				for {
					sent, err := r.Flush(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if sent == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		if len(pub.ids) != n {
			t.Fatalf("%d distinct events published, want %d", len(pub.ids), n)
		}
		for id, c := range pub.ids {
			if c != 1 {
				t.Fatalf("event %s published %d times", id, c)
			}
		}
	}, outbox.Migrations())
}
