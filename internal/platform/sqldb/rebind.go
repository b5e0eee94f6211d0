package sqldb

import (
	"strconv"
	"strings"
)

// Rebind turns the ? placeholders of a hand-written statement into $1, $2,
// … for PostgreSQL (pg true); SQLite takes ? as it is.
func Rebind(pg bool, q string) string {
	if !pg {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
