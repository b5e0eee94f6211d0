// Package sqldb opens Zuju's relational database — SQLite (pure Go, WAL,
// busy timeout, foreign keys) or PostgreSQL — behind GORM, and applies each
// module's embedded goose migrations.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/libtnb/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	// The one registration of the "sqlite" database/sql driver.
	_ "modernc.org/sqlite"
)

// Dialect names a supported database.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database.
type DB struct {
	Gorm *gorm.DB
	SQL  *sql.DB
	// Pool is the pgx pool under SQL on PostgreSQL (nil on SQLite): the
	// hot reads of Query run on it directly.
	Pool    *pgxpool.Pool
	Dialect Dialect
	// DSN is the connection string (for SQLite, the file DSN) so other
	// components (the job queue) can open their own handle.
	DSN string

	// stmts caches Prepared's statements by their text.
	stmts sync.Map
}

// Options tune the connection pool.
type Options struct {
	MaxOpenConns int
	Logger       *slog.Logger
}

// SQLiteDSN builds the DSN for a SQLite file with the pragmas Zuju relies on:
// WAL, a busy timeout, foreign keys, and immediate write transactions so two
// writers never deadlock on a lock upgrade.
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate&_time_format=sqlite"
}

// OpenSQLite opens (creating if needed) the SQLite database at path.
func OpenSQLite(ctx context.Context, path string, opts Options) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create database folder: %w", err)
	}
	dsn := SQLiteDSN(path)
	sqlDB, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	n := opts.MaxOpenConns
	if n <= 0 {
		n = 8
	}
	sqlDB.SetMaxOpenConns(n)
	sqlDB.SetMaxIdleConns(n)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	g, err := gorm.Open(sqlite.New(sqlite.Config{Conn: sqlDB}), gormConfig())
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("gorm on sqlite: %w", err)
	}
	return &DB{Gorm: g, SQL: sqlDB, Dialect: SQLite, DSN: dsn}, nil
}

// OpenPostgres connects to PostgreSQL: one pgx pool of opts.MaxOpenConns
// connections (default 20; a pool_max_conns in dsn wins), with database/sql
// and GORM on top of it.
func OpenPostgres(ctx context.Context, dsn string, opts Options) (*DB, error) {
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres url: %w", err)
	}
	n := opts.MaxOpenConns
	if n <= 0 {
		n = 20
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		pc.MaxConns = int32(n)
	}
	pc.MaxConnIdleTime = 5 * time.Minute
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	// database/sql keeps no idle connections of its own: they stay in
	// the pgx pool, shared with Query.
	sqlDB := stdlib.OpenDBFromPool(pool)
	sqlDB.SetMaxOpenConns(int(pc.MaxConns))
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		_ = sqlDB.Close()
		pool.Close()
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	g, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), gormConfig())
	if err != nil {
		_ = sqlDB.Close()
		pool.Close()
		return nil, fmt.Errorf("gorm on postgres: %w", err)
	}
	return &DB{Gorm: g, SQL: sqlDB, Pool: pool, Dialect: Postgres, DSN: dsn}, nil
}

// Open picks the dialect from url: a postgres:// URL means PostgreSQL,
// anything else is taken as a SQLite file path.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return OpenPostgres(ctx, url, opts)
	}
	return OpenSQLite(ctx, url, opts)
}

func gormConfig() *gorm.Config {
	return &gorm.Config{
		SkipDefaultTransaction: true,
		PrepareStmt:            false,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		TranslateError:         true,
	}
}

// Close closes the pool.
func (db *DB) Close() error {
	err := db.SQL.Close()
	if db.Pool != nil {
		db.Pool.Close()
	}
	return err
}

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.SQL.PingContext(ctx) }

// Tx runs fn in a transaction.
func (db *DB) Tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return db.Gorm.WithContext(ctx).Transaction(fn)
}

// IsUniqueViolation reports whether err is a unique-constraint violation on
// either database.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "SQLSTATE 23505") || strings.Contains(msg, "duplicate key value")
}

// IsNotFound reports whether err means no row matched.
func IsNotFound(err error) bool {
	return errors.Is(err, gorm.ErrRecordNotFound) || errors.Is(err, sql.ErrNoRows)
}

// IsForeignKeyViolation reports whether err is a foreign-key violation on
// either database.
func IsForeignKeyViolation(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "FOREIGN KEY constraint failed") || strings.Contains(msg, "SQLSTATE 23503")
}
