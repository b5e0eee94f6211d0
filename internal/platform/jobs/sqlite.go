package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// NewSQLite returns a Queue over db, a handle dedicated to River (see the
// package documentation for how to open it). It limits db to one open
// connection.
func NewSQLite(db *sql.DB, cfg Config, logger *slog.Logger) (*Queue, error) {
	if db == nil {
		return nil, fmt.Errorf("jobs on sqlite: nil database")
	}
	db.SetMaxOpenConns(1)
	driver := riversqlite.New(db)
	cfg.Schema = "" // the attached database is the only "schema"
	return newQueue(backend{
		name: "sqlite",
		newClient: func(rc *river.Config) (riverClient, error) {
			return river.NewClient(driver, rc)
		},
		migrate: func(ctx context.Context, logger *slog.Logger, _ string) error {
			m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: logger})
			if err != nil {
				return err
			}
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
			return err
		},
		ping: db.PingContext,
	}, cfg, logger)
}
