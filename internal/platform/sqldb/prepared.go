package sqldb

import (
	"context"
	"database/sql"
	"fmt"
)

// Prepared returns the statement q (? placeholders, rebound for the
// dialect) prepared once for the pool: each connection prepares it the
// first time it runs it and keeps it. Hot paths use it because SQLite
// parses a statement again on every use otherwise. A statement runs in a
// transaction through tx.StmtContext; get it before the transaction
// opens, since preparing takes a connection of the pool, which a
// transaction holding the last one would wait for forever.
func (db *DB) Prepared(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := db.stmts.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.SQL.PrepareContext(ctx, Rebind(db.Dialect == Postgres, q))
	if err != nil {
		return nil, fmt.Errorf("prepare statement: %w", err)
	}
	if prev, loaded := db.stmts.LoadOrStore(q, st); loaded {
		_ = st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}
