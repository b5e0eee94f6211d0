package sqldb

import (
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Rebind turns the ? placeholders of a hand-written statement into $1, $2,
// … for PostgreSQL (pg true); SQLite takes ? as it is.
func Rebind(pg bool, q string) string {
	if !pg {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] != '?' {
			b.WriteByte(q[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// Bind expands the slice arguments of a statement with ? placeholders into
// parenthesized lists of their elements, as GORM does, and turns the
// placeholders into the dialect's.
func Bind(pg bool, q string, args []any) (string, []any) {
	var b strings.Builder
	b.Grow(len(q) + 16)
	out := make([]any, 0, len(args))
	mark := func() {
		if pg {
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(len(out)))
		} else {
			b.WriteByte('?')
		}
	}
	n := 0
	// Bytes, not runes: '?' never occurs inside a multi-byte character.
	for i := 0; i < len(q); i++ {
		if q[i] != '?' || n >= len(args) {
			b.WriteByte(q[i])
			continue
		}
		arg := args[n]
		n++
		if !isList(arg) {
			out = append(out, arg)
			mark()
			continue
		}
		v := reflect.ValueOf(arg)
		b.WriteByte('(')
		for j := range v.Len() {
			if j > 0 {
				b.WriteString(", ")
			}
			out = append(out, v.Index(j).Interface())
			mark()
		}
		b.WriteByte(')')
	}
	return b.String(), out
}

// isList reports whether arg is a slice to expand ([]byte is a value).
func isList(arg any) bool {
	switch arg.(type) {
	case string, int, int64, float64, bool, time.Time, nil, []byte:
		return false
	}
	v := reflect.ValueOf(arg)
	return v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8
}

// EscapeLike escapes the LIKE wildcards of s (use with ESCAPE '\').
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
