package jobs_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/zuju/zuju/internal/platform/jobs"
	"github.com/zuju/zuju/internal/platform/jobs/jobstest"
	"github.com/zuju/zuju/internal/platform/sqldb" // registers the "sqlite" driver
	"github.com/zuju/zuju/internal/platform/testenv"
)

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func TestSQLiteContract(t *testing.T) {
	jobstest.Run(t, jobstest.Backend{
		New: func(t *testing.T) func(jobs.Config) *jobs.Queue {
			path := filepath.Join(t.TempDir(), "jobs.db")
			return func(cfg jobs.Config) *jobs.Queue {
				db, err := sql.Open("sqlite", sqldb.SQLiteDSN(path))
				if err != nil {
					t.Fatalf("open sqlite: %v", err)
				}
				t.Cleanup(func() { _ = db.Close() })
				q, err := jobs.NewSQLite(db, cfg, testLogger(t))
				if err != nil {
					t.Fatalf("NewSQLite: %v", err)
				}
				return q
			}
		},
	})
}

func TestPostgresContract(t *testing.T) {
	base := testenv.Postgres(t)
	jobstest.Run(t, jobstest.Backend{
		New: func(t *testing.T) func(jobs.Config) *jobs.Queue {
			schema := createSchema(t, base)
			return func(cfg jobs.Config) *jobs.Queue {
				pcfg, err := pgxpool.ParseConfig(base)
				if err != nil {
					t.Fatalf("parse %s: %v", testenv.PostgresVar, err)
				}
				pcfg.ConnConfig.RuntimeParams["search_path"] = schema
				pcfg.MaxConns = 8
				pool, err := pgxpool.NewWithConfig(context.Background(), pcfg)
				if err != nil {
					t.Fatalf("connect: %v", err)
				}
				t.Cleanup(pool.Close)
				q, err := jobs.NewPostgres(pool, cfg, testLogger(t))
				if err != nil {
					t.Fatalf("NewPostgres: %v", err)
				}
				return q
			}
		},
		MultiProcess: true,
	})
}

// createSchema creates an empty schema for one test and drops it afterwards.
func createSchema(t *testing.T, base string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := pgxpool.New(ctx, base)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	schema := "jobs_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}
