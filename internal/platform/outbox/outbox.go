// Package outbox makes events part of the transaction that causes them: a
// module writes the event row in its own transaction, and a relay publishes
// pending rows to the event bus afterwards. Delivery is at least once; each
// message carries its event id so consumers can drop repeats.
package outbox

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zuju/zuju/internal/platform/sqldb"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the outbox table's migration trees.
func Migrations() sqldb.Migrations { return sqldb.Embedded("outbox", migrations) }

// IDKey is the metadata key carrying the event id (the bus uses it as the
// message id).
const IDKey = "event_id"

type row struct {
	ID          string
	Topic       string
	Payload     string
	CreatedAt   time.Time
	PublishedAt *time.Time
	Attempts    int
	LastError   string
}

func (row) TableName() string { return "outbox_events" }

// Add records an event inside tx; it is published only if tx commits.
func Add(ctx context.Context, tx *gorm.DB, topic string, payload any) (string, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("outbox %s: encode: %w", topic, err)
	}
	id := uuid.Must(uuid.NewV7()).String()
	// A plain INSERT: events are written on hot paths (payments, sign-ups).
	err = tx.WithContext(ctx).Exec(`INSERT INTO outbox_events (id, topic, payload, created_at, attempts, last_error) VALUES (?, ?, ?, ?, 0, '')`,
		id, topic, string(b), time.Now().UTC()).Error
	if err != nil {
		return "", fmt.Errorf("outbox %s: %w", topic, err)
	}
	return id, nil
}

// Publisher sends one event to the bus.
type Publisher interface {
	Publish(ctx context.Context, topic string, payload []byte, meta map[string]string) (string, error)
}

// Relay publishes pending events. Several replicas may run one each: on
// PostgreSQL rows are claimed with SKIP LOCKED, so each batch goes to one
// relay.
type Relay struct {
	db       *sqldb.DB
	pub      Publisher
	logger   *slog.Logger
	interval time.Duration
	batch    int

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// NewRelay returns a relay polling every interval.
func NewRelay(db *sqldb.DB, pub Publisher, logger *slog.Logger, interval time.Duration) *Relay {
	if interval <= 0 {
		interval = time.Second
	}
	return &Relay{db: db, pub: pub, logger: logger, interval: interval, batch: 100}
}

// Flush publishes one batch of pending events and reports how many went out.
// A failed publish stops the batch; the event is retried on the next round.
func (r *Relay) Flush(ctx context.Context) (int, error) {
	// A plain read first, so an idle relay never takes a write lock.
	var pending int64
	if err := r.db.Gorm.WithContext(ctx).Model(&row{}).Where("published_at IS NULL").Limit(1).Count(&pending).Error; err != nil {
		return 0, fmt.Errorf("outbox: check pending: %w", err)
	}
	if pending == 0 {
		return 0, nil
	}
	sent := 0
	err := r.db.Tx(ctx, func(tx *gorm.DB) error {
		// Events that failed before go last, so one bad event cannot hold
		// back the others.
		q := tx.Where("published_at IS NULL").Order("attempts, created_at, id").Limit(r.batch)
		if r.db.Dialect == sqldb.Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		var rows []row
		if err := q.Find(&rows).Error; err != nil {
			return fmt.Errorf("outbox: load pending: %w", err)
		}
		for _, e := range rows {
			_, perr := r.pub.Publish(ctx, e.Topic, []byte(e.Payload), map[string]string{IDKey: e.ID})
			if perr != nil {
				tx.Model(&row{}).Where("id = ?", e.ID).Updates(map[string]any{
					"attempts": gorm.Expr("attempts + 1"), "last_error": truncate(perr.Error(), 500)})
				return nil // keep what was published; retry the rest later
			}
			now := time.Now().UTC()
			if err := tx.Model(&row{}).Where("id = ?", e.ID).Update("published_at", now).Error; err != nil {
				return fmt.Errorf("outbox: mark published: %w", err)
			}
			sent++
		}
		return nil
	})
	return sent, err
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Purge deletes events published before the given time.
func (r *Relay) Purge(ctx context.Context, before time.Time) (int64, error) {
	res := r.db.Gorm.WithContext(ctx).Where("published_at IS NOT NULL AND published_at < ?", before.UTC()).Delete(&row{})
	if res.Error != nil {
		return 0, fmt.Errorf("outbox: purge: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// Start runs the relay loop in the background.
func (r *Relay) Start(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel != nil {
		return errors.New("outbox relay already started")
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.cancel, r.done = cancel, make(chan struct{})
	go r.loop(ctx)
	return nil
}

func (r *Relay) loop(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(r.interval)
	defer t.Stop()
	lastPurge := time.Now()
	for {
		if time.Since(lastPurge) > time.Hour {
			lastPurge = time.Now()
			if _, err := r.Purge(ctx, lastPurge.Add(-7*24*time.Hour)); err != nil && ctx.Err() == nil {
				r.logger.Warn("outbox purge", "err", err)
			}
		}
		for {
			n, err := r.Flush(ctx)
			if err != nil && ctx.Err() == nil {
				r.logger.Warn("outbox relay", "err", err)
			}
			if n < r.batch || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Stop ends the loop after the batch in progress.
func (r *Relay) Stop(ctx context.Context) error {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.cancel = nil
	r.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("outbox relay stop: %w", ctx.Err())
	}
}
