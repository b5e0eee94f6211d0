package sqldb

import (
	"reflect"
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

// Bind expands the slice arguments of a statement with ? placeholders into
// parenthesized lists of their elements, as GORM does, and turns the
// placeholders into the dialect's.
func Bind(pg bool, q string, args []any) (string, []any) {
	var b strings.Builder
	out := make([]any, 0, len(args))
	n := 0
	for _, r := range q {
		if r != '?' || n >= len(args) {
			b.WriteRune(r)
			continue
		}
		arg := args[n]
		n++
		v := reflect.ValueOf(arg)
		if v.Kind() != reflect.Slice || v.Type().Elem().Kind() == reflect.Uint8 {
			out = append(out, arg)
			b.WriteByte('?')
			continue
		}
		b.WriteString("(" + strings.TrimSuffix(strings.Repeat("?, ", v.Len()), ", ") + ")")
		for i := range v.Len() {
			out = append(out, v.Index(i).Interface())
		}
	}
	return Rebind(pg, b.String()), out
}

// EscapeLike escapes the LIKE wildcards of s (use with ESCAPE '\').
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
