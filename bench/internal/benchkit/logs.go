package benchkit

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Command is how the program was run ("go run ./bench/<prog> …"), with
// the passwords of URL arguments masked.
func Command(prog string) string {
	args := slices.Clone(os.Args[1:])
	for i, a := range args {
		name, v, ok := strings.Cut(a, "=")
		if !ok || !strings.HasPrefix(a, "-") {
			name, v = "", a
		}
		if u, err := url.Parse(v); err == nil && u.User != nil {
			if name != "" {
				name += "="
			}
			args[i] = name + u.Redacted()
		}
	}
	return strings.TrimSpace("go run ./bench/" + prog + " " + strings.Join(args, " "))
}

// LogCounter is a slog handler for the app under measure: it counts
// warnings and errors by level and message (with the "err" attribute
// when WithErr) and drops everything else.
type LogCounter struct {
	WithErr bool

	mu     sync.Mutex
	counts map[string]int
}

// Enabled takes warnings and errors.
func (l *LogCounter) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelWarn }

// Handle counts a record.
func (l *LogCounter) Handle(_ context.Context, r slog.Record) error {
	msg := r.Level.String() + " " + r.Message
	if l.WithErr {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "err" {
				msg += ": " + a.Value.String()
				return false
			}
			return true
		})
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = map[string]int{}
	}
	l.counts[msg]++
	return nil
}

// WithAttrs returns the counter itself.
func (l *LogCounter) WithAttrs([]slog.Attr) slog.Handler { return l }

// WithGroup returns the counter itself.
func (l *LogCounter) WithGroup(string) slog.Handler { return l }

// Snapshot returns the counts so far.
func (l *LogCounter) Snapshot() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.counts)
}

// Top lists the counts, most frequent first ("" when none).
func (l *LogCounter) Top() string {
	m := l.Snapshot()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d× %q", m[k], k))
	}
	return strings.Join(parts, ", ")
}
