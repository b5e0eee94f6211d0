package sqldb

import (
	"slices"
	"testing"
)

func TestBindExpandsListsAndRebinds(t *testing.T) {
	q, args := Bind(true, "SELECT 1 WHERE a = ? AND b IN ? AND c = ?", []any{1, []string{"x", "y"}, []byte("raw")})
	if q != "SELECT 1 WHERE a = $1 AND b IN ($2, $3) AND c = $4" || len(args) != 4 || args[1] != "x" || args[2] != "y" {
		t.Fatalf("postgres: %q %v", q, args)
	}
	q, args = Bind(false, "x IN ?", []any{[]string{"a"}})
	if q != "x IN (?)" || !slices.Equal(args, []any{"a"}) {
		t.Fatalf("sqlite: %q %v", q, args)
	}
}
