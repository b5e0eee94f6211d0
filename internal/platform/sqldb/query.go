package sqldb

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
)

// Rows is the result of Query, the same on both dialects.
type Rows interface {
	// Next advances to the next row; false at the end or on an error.
	Next() bool
	// Scan copies the current row's columns into dest.
	Scan(dest ...any) error
	// Columns names the result's columns.
	Columns() []string
	// Err is the error that ended the iteration, if any.
	Err() error
	// Close releases the connection; safe to call more than once.
	Close()
}

// Query runs a read with ? placeholders (slice arguments expand to lists,
// as in Bind) outside any transaction. On PostgreSQL it goes straight to
// the pgx pool, whose connections keep the statement prepared, without
// the database/sql layer; on SQLite through database/sql. For the busiest
// reads, whose rows are scanned by hand.
func (db *DB) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	stmt, bound := Bind(db.Dialect == Postgres, q, args)
	if db.Pool != nil {
		rows, err := db.Pool.Query(ctx, stmt, bound...)
		if err != nil {
			return nil, err
		}
		return pgxRows{rows}, nil
	}
	rows, err := db.SQL.QueryContext(ctx, stmt, bound...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

type pgxRows struct{ pgx.Rows }

func (r pgxRows) Columns() []string {
	fields := r.FieldDescriptions()
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.Name
	}
	return out
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Columns() []string {
	cols, _ := r.Rows.Columns()
	return cols
}

func (r sqlRows) Close() { _ = r.Rows.Close() }
