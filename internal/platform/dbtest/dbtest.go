// Package dbtest gives each test a fresh, migrated database: SQLite in a
// temporary folder by default, or a private schema on PostgreSQL when
// ZUJU_TEST_POSTGRES is set.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zuju/zuju/internal/platform/sqldb"
	"github.com/zuju/zuju/internal/platform/testenv"
)

// Open returns a fresh database with the given migrations applied, on
// PostgreSQL when ZUJU_TEST_POSTGRES is set, otherwise on SQLite.
func Open(t testing.TB, sets ...sqldb.Migrations) *sqldb.DB {
	t.Helper()
	if testenv.PostgresSet() {
		return OpenPostgres(t, sets...)
	}
	return OpenSQLite(t, sets...)
}

// Each runs fn once per available database: always SQLite, and PostgreSQL
// when configured (failing when it is required but missing).
func Each(t *testing.T, fn func(t *testing.T, db *sqldb.DB), sets ...sqldb.Migrations) {
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSQLite(t, sets...)) })
	t.Run("postgres", func(t *testing.T) { fn(t, OpenPostgres(t, sets...)) })
}

// OpenSQLite returns a migrated SQLite database in t.TempDir().
func OpenSQLite(t testing.TB, sets ...sqldb.Migrations) *sqldb.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.OpenSQLite(ctx, filepath.Join(t.TempDir(), "test.db"), sqldb.Options{})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx, nil, sets...); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

// OpenPostgres returns a migrated private schema on the test PostgreSQL
// server (skipping or failing per testenv when it is not configured).
func OpenPostgres(t testing.TB, sets ...sqldb.Migrations) *sqldb.DB {
	t.Helper()
	dsn := SchemaDSN(t, testenv.Postgres(t))
	ctx := context.Background()
	db, err := sqldb.OpenPostgres(ctx, dsn, sqldb.Options{MaxOpenConns: 10})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx, nil, sets...); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return db
}

// SchemaDSN creates a private schema on the server at base and returns a
// DSN whose search_path points at it; the schema is dropped after the test.
func SchemaDSN(t testing.TB, base string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := sqldb.OpenPostgres(ctx, base, sqldb.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	schema := "t_" + strings.ToLower(randomHex(6))
	if _, err := admin.SQL.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	_ = admin.Close()
	t.Cleanup(func() {
		a, err := sqldb.OpenPostgres(context.Background(), base, sqldb.Options{MaxOpenConns: 1})
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.SQL.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	return WithSearchPath(base, schema)
}

// WithSearchPath returns dsn with its search_path set to schema.
func WithSearchPath(dsn, schema string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
