package app

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// column is one column in dialect-neutral terms.
type column struct {
	Type    string
	NotNull bool
}

// typeClass maps each dialect's declared type to one neutral name.
func typeClass(t string) string {
	t = strings.ToLower(t)
	switch {
	case strings.Contains(t, "timestamp"), strings.Contains(t, "date"):
		return "time"
	case strings.Contains(t, "int"), strings.Contains(t, "serial"):
		return "int"
	case strings.Contains(t, "bool"):
		return "bool"
	case strings.Contains(t, "char"), strings.Contains(t, "text"):
		return "text"
	case strings.Contains(t, "real"), strings.Contains(t, "double"), strings.Contains(t, "numeric"), strings.Contains(t, "float"):
		return "real"
	case strings.Contains(t, "json"):
		return "json"
	case strings.Contains(t, "blob"), strings.Contains(t, "bytea"):
		return "bytes"
	}
	return t
}

// schemaOf describes every table of db: columns with neutral types and
// nullability, and index names with their columns.
func schemaOf(t *testing.T, db *sqldb.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	var tables []string
	if db.Dialect == sqldb.SQLite {
		// Full-text indexes differ by design: SQLite's FTS5 tables (and
		// their shadow tables, named <table>_*) stand for PostgreSQL's GIN
		// indexes named *_fts_idx; neither side is compared.
		db.Gorm.Raw(`SELECT name FROM sqlite_master m WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'goose_%'
			AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL TABLE%'
				AND (m.name = v.name OR m.name LIKE v.name || '\_%' ESCAPE '\'))`).Scan(&tables)
	} else {
		db.Gorm.Raw(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'goose_%'`).Scan(&tables)
	}
	for _, tbl := range tables {
		cols := map[string]column{}
		if db.Dialect == sqldb.SQLite {
			var rows []struct {
				Name    string
				Type    string
				NotNull int
				PK      int
			}
			db.Gorm.Raw(`SELECT name, type, "notnull" AS not_null, pk FROM pragma_table_info(?)`, tbl).Scan(&rows)
			for _, r := range rows {
				cols[r.Name] = column{typeClass(r.Type), r.NotNull == 1 || r.PK > 0}
			}
		} else {
			var rows []struct {
				ColumnName string
				DataType   string
				IsNullable string
			}
			db.Gorm.Raw(`SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?`, tbl).Scan(&rows)
			for _, r := range rows {
				cols[r.ColumnName] = column{typeClass(r.DataType), r.IsNullable == "NO"}
			}
		}
		names := make([]string, 0, len(cols))
		for n := range cols {
			names = append(names, n)
		}
		sort.Strings(names)
		var b strings.Builder
		for _, n := range names {
			fmt.Fprintf(&b, "%s %s notnull=%v; ", n, cols[n].Type, cols[n].NotNull)
		}
		out["table "+tbl] = b.String()
	}
	var idx []struct{ Name, Tbl string }
	if db.Dialect == sqldb.SQLite {
		db.Gorm.Raw(`SELECT name, tbl_name AS tbl FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name NOT LIKE 'goose_%'`).Scan(&idx)
	} else {
		db.Gorm.Raw(`SELECT indexname AS name, tablename AS tbl FROM pg_indexes WHERE schemaname = current_schema() AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key' AND indexname NOT LIKE '%_fts_idx' AND tablename NOT LIKE 'goose_%'`).Scan(&idx)
	}
	for _, i := range idx {
		out["index "+i.Name] = i.Tbl
	}
	return out
}

// Both migration trees produce the same tables, columns, nullability and
// named indexes.
func TestMigrationTreesGiveSameSchema(t *testing.T) {
	lite := schemaOf(t, dbtest.OpenSQLite(t, Migrations()...))
	pg := schemaOf(t, dbtest.OpenPostgres(t, Migrations()...))
	if len(lite) < 5 {
		t.Fatalf("sqlite schema looks empty: %v", lite)
	}
	keys := map[string]bool{}
	for k := range lite {
		keys[k] = true
	}
	for k := range pg {
		keys[k] = true
	}
	var diffs []string
	for k := range keys {
		if lite[k] != pg[k] {
			diffs = append(diffs, fmt.Sprintf("%s:\n  sqlite:   %s\n  postgres: %s", k, lite[k], pg[k]))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Fatalf("schemas differ:\n%s", strings.Join(diffs, "\n"))
	}
}
