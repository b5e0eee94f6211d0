package sqldb

import (
	"context"
	"database/sql"
	"fmt"
)

// Stmt is a hand-written statement of a hot path. On SQLite it is
// prepared once for the pool (each connection prepares it the first time
// it runs it and keeps it), because SQLite parses a statement again on
// every use otherwise. On PostgreSQL it runs as text: pgx caches the
// statements it prepares per connection, while a database/sql statement
// over the pgx pool would be prepared and deallocated on every use.
type Stmt struct {
	db *sql.DB
	q  string    // rebound for the dialect
	st *sql.Stmt // SQLite only
}

// Prepared returns the statement q (? placeholders). Get it before a
// transaction opens: preparing takes a connection of the pool, which a
// transaction holding the last one would wait for forever.
func (db *DB) Prepared(ctx context.Context, q string) (*Stmt, error) {
	if st, ok := db.stmts.Load(q); ok {
		return st.(*Stmt), nil
	}
	s := &Stmt{db: db.SQL, q: Rebind(db.Dialect == Postgres, q)}
	if db.Dialect == SQLite {
		st, err := db.SQL.PrepareContext(ctx, s.q)
		if err != nil {
			return nil, fmt.Errorf("prepare statement: %w", err)
		}
		s.st = st
	}
	if prev, loaded := db.stmts.LoadOrStore(q, s); loaded {
		if s.st != nil {
			_ = s.st.Close()
		}
		return prev.(*Stmt), nil
	}
	return s, nil
}

// QueryRow runs the statement for one row, in tx when it is not nil.
func (s *Stmt) QueryRow(ctx context.Context, tx *sql.Tx, args ...any) *sql.Row {
	switch {
	case s.st == nil && tx != nil:
		return tx.QueryRowContext(ctx, s.q, args...)
	case s.st == nil:
		return s.db.QueryRowContext(ctx, s.q, args...)
	case tx != nil:
		return tx.StmtContext(ctx, s.st).QueryRowContext(ctx, args...)
	default:
		return s.st.QueryRowContext(ctx, args...)
	}
}

// Exec runs the statement, in tx when it is not nil.
func (s *Stmt) Exec(ctx context.Context, tx *sql.Tx, args ...any) (sql.Result, error) {
	switch {
	case s.st == nil && tx != nil:
		return tx.ExecContext(ctx, s.q, args...)
	case s.st == nil:
		return s.db.ExecContext(ctx, s.q, args...)
	case tx != nil:
		return tx.StmtContext(ctx, s.st).ExecContext(ctx, args...)
	default:
		return s.st.ExecContext(ctx, args...)
	}
}

// Query runs the statement for rows, in tx when it is not nil.
func (s *Stmt) Query(ctx context.Context, tx *sql.Tx, args ...any) (*sql.Rows, error) {
	switch {
	case s.st == nil && tx != nil:
		return tx.QueryContext(ctx, s.q, args...)
	case s.st == nil:
		return s.db.QueryContext(ctx, s.q, args...)
	case tx != nil:
		return tx.StmtContext(ctx, s.st).QueryContext(ctx, args...)
	default:
		return s.st.QueryContext(ctx, args...)
	}
}
