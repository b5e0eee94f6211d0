package dbtest

import (
	"context"
	"strings"
	"testing"

	"github.com/zuju/zuju/internal/platform/sqldb"
)

// RequireIndexed fails t unless the read q (with ? placeholders) reaches
// every table through an index range and uses each of the named indexes:
// SQLite's plan has no SCAN of a table or index; PostgreSQL's, with
// sequential scans priced out, has no Seq Scan and an Index Cond for every
// index it walks.
func RequireIndexed(t testing.TB, db *sqldb.DB, indexes []string, q string, args ...any) {
	t.Helper()
	plan := explain(t, db, q, args)
	full := false
	if db.Dialect == sqldb.SQLite {
		for _, step := range plan {
			full = full || strings.HasPrefix(step, "SCAN ") && step != "SCAN CONSTANT ROW"
		}
	} else {
		walks, conds := 0, 0
		for _, line := range plan {
			switch {
			case strings.Contains(line, "Seq Scan"):
				full = true
			case strings.Contains(line, "Index Scan"), strings.Contains(line, "Index Only Scan"):
				walks++
			case strings.Contains(line, "Index Cond:"):
				conds++
			}
		}
		full = full || conds < walks
	}
	text := strings.Join(plan, "\n  ")
	if full {
		t.Fatalf("full scan in the plan of %s:\n  %s", q, text)
	}
	for _, name := range indexes {
		if !strings.Contains(text, " "+name) {
			t.Fatalf("index %s unused in the plan of %s:\n  %s", name, q, text)
		}
	}
}

// explain returns the lines of q's query plan (on PostgreSQL with
// sequential scans switched off, so an index that can serve is shown).
func explain(t testing.TB, db *sqldb.DB, q string, args []any) []string {
	t.Helper()
	ctx := context.Background()
	var plan []string
	if db.Dialect == sqldb.SQLite {
		rows, err := db.SQL.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatalf("explain: %v", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		return plan
	}
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.QueryContext(ctx, "EXPLAIN "+sqldb.Rebind(true, q), args...)
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	return plan
}
