package sqldb

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations is one owner's migration trees, one per dialect. Each owner (a
// module or a platform package) keeps its own version table, so modules can
// move to their own database later.
type Migrations struct {
	// Name identifies the owner; its version table is goose_<Name>.
	Name     string
	SQLite   fs.FS
	Postgres fs.FS
}

// Embedded returns the migrations of owner name kept in fsys under
// migrations/sqlite and migrations/postgres (a //go:embed migrations tree).
func Embedded(name string, fsys fs.FS) Migrations {
	lite, err := fs.Sub(fsys, "migrations/sqlite")
	if err != nil {
		panic(fmt.Sprintf("migrations %s: %v", name, err))
	}
	pg, err := fs.Sub(fsys, "migrations/postgres")
	if err != nil {
		panic(fmt.Sprintf("migrations %s: %v", name, err))
	}
	return Migrations{Name: name, SQLite: lite, Postgres: pg}
}

// Migrate applies every pending migration of each set, in order.
func (db *DB) Migrate(ctx context.Context, logger *slog.Logger, sets ...Migrations) error {
	for _, m := range sets {
		n, err := db.migrateOne(ctx, m)
		if err != nil {
			return err
		}
		if n > 0 && logger != nil {
			logger.Info("migrations applied", "owner", m.Name, "count", n)
		}
	}
	return nil
}

func (db *DB) migrateOne(ctx context.Context, m Migrations) (int, error) {
	fsys, dialect := m.SQLite, goose.DialectSQLite3
	if db.Dialect == Postgres {
		fsys, dialect = m.Postgres, goose.DialectPostgres
	}
	if fsys == nil {
		return 0, fmt.Errorf("migrations %s: no %s tree", m.Name, db.Dialect)
	}
	opts := []goose.ProviderOption{
		goose.WithTableName("goose_" + m.Name),
		goose.WithDisableGlobalRegistry(true),
	}
	if db.Dialect == Postgres {
		// Replicas starting together take turns instead of racing.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return 0, fmt.Errorf("migrations %s: %w", m.Name, err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.SQL, fsys, opts...)
	if err != nil {
		return 0, fmt.Errorf("migrations %s: %w", m.Name, err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate %s: %w", m.Name, err)
	}
	return len(res), nil
}
