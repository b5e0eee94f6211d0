package payments

import (
	"regexp"
	"testing"
	"time"
)

func TestNewNo(t *testing.T) {
	at := time.Date(2026, 12, 2, 10, 30, 15, 0, time.UTC)
	re := regexp.MustCompile(`^ZJ20261202183015[0-9]{10}$`)
	seen := map[string]bool{}
	for range 1000 {
		no := NewNo("ZJ", at)
		if !re.MatchString(no) || len(no) > 32 {
			t.Fatalf("order number %q", no)
		}
		if seen[no] {
			t.Fatalf("repeated order number %q", no)
		}
		seen[no] = true
	}
}
