package app

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/zuju/zuju/internal/platform/events"
	"github.com/zuju/zuju/internal/platform/jobs"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// openBackground connects the event bus (RabbitMQ or in process) and the
// durable job queue (River on PostgreSQL or on SQLite).
func (a *App) openBackground(ctx context.Context) error {
	var err error
	if a.Config.AMQPURL != "" {
		a.Bus, err = events.NewAMQP(a.Config.AMQPURL, a.Logger.With("component", "events"), events.WithNamespace(a.Config.AMQPPrefix))
		if err != nil {
			return fmt.Errorf("connect rabbitmq: %w", err)
		}
	} else {
		a.Bus = events.NewInProcess(a.Logger.With("component", "events"))
	}
	a.closers = append(a.closers, a.Bus.Close)

	jl := a.Logger.With("component", "jobs")
	jcfg := jobs.Config{JobTimeout: a.Config.Jobs.Timeout, RescueAfter: a.Config.Jobs.RescueAfter}
	if a.DB.Dialect == sqldb.Postgres {
		pool, err := pgxpool.New(ctx, a.Config.DatabaseURL)
		if err != nil {
			return fmt.Errorf("job queue pool: %w", err)
		}
		a.closers = append(a.closers, func() error { pool.Close(); return nil })
		a.Jobs, err = jobs.NewPostgres(pool, jcfg, jl)
		if err != nil {
			return err
		}
	} else {
		// River on SQLite wants its own handle with a single connection.
		db, err := sql.Open("sqlite", a.DB.DSN)
		if err != nil {
			return fmt.Errorf("job queue handle: %w", err)
		}
		a.closers = append(a.closers, db.Close)
		a.Jobs, err = jobs.NewSQLite(db, jcfg, jl)
		if err != nil {
			return err
		}
	}
	if err := a.Jobs.Migrate(ctx); err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	a.workers = append(a.workers, worker{name: "jobs", start: a.Jobs.Start, stop: a.Jobs.Stop})
	a.relay = outbox.NewRelay(a.DB, a.Bus, a.Logger.With("component", "outbox"), 500*time.Millisecond)
	return nil
}

// startRelayLast adds the outbox relay as the last worker: it starts once
// every consumer has subscribed (an in-process bus drops what no one
// listens to, and a group's RabbitMQ queue exists from its first
// subscription), and it stops first.
func (a *App) startRelayLast() {
	a.workers = append(a.workers, worker{name: "outbox", start: a.relay.Start, stop: a.relay.Stop})
}

// purgeArgs is the periodic clean-up of spent sign-in material.
type purgeArgs struct{}

// Kind implements river.JobArgs.
func (purgeArgs) Kind() string { return "users.purge_expired" }

// registerJobs adds every module's workers and periodic jobs.
func (a *App) registerJobs() {
	jobs.RegisterFunc(a.Jobs, func(ctx context.Context, _ *river.Job[purgeArgs]) error {
		n, err := a.Users.PurgeExpired(ctx)
		if err == nil && n > 0 {
			a.Logger.Info("expired sign-in data purged", "rows", n)
		}
		return err
	})
	a.Jobs.Every(time.Hour, func() river.JobArgs { return purgeArgs{} })
}
