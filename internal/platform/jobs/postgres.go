package jobs

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// NewPostgres returns a Queue over pool.
func NewPostgres(pool *pgxpool.Pool, cfg Config, logger *slog.Logger) (*Queue, error) {
	if pool == nil {
		return nil, fmt.Errorf("jobs on postgres: nil pool")
	}
	driver := riverpgxv5.New(pool)
	return newQueue(backend{
		name: "postgres",
		newClient: func(rc *river.Config) (riverClient, error) {
			return river.NewClient(driver, rc)
		},
		migrate: func(ctx context.Context, logger *slog.Logger, schema string) error {
			m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: logger, Schema: schema})
			if err != nil {
				return err
			}
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
			return err
		},
		ping: pool.Ping,
	}, cfg, logger)
}
