// Package ranking keeps ordered boards out of the database: each board is
// a sorted set of ids with a score, read in pages from a cursor.
//
// Two implementations share one contract (see package rankingtest):
// Memory, in process, for the single binary; and Redis (a ZSET per board),
// when several replicas must read the same order.
//
// The order is score descending, then id ascending. A board is cold until
// Fill loads it whole: a cold board answers Range with warm false, so its
// owner rebuilds it from the database instead of serving a partial order.
// Update applies changes to warm boards only and always moves the board's
// version, so a Fill computed from a snapshot taken before that change is
// refused rather than stored stale. A filled board turns cold again after
// its ttl, which bounds the life of any drift from the database.
package ranking

import (
	"context"
	"time"
)

// Entry is one id on a board with its score.
type Entry struct {
	ID    string
	Score float64
}

// Change sets scores on one board and removes ids from it.
type Change struct {
	Board  string
	Set    []Entry
	Remove []string
}

// Ranking is the shape every implementation offers; consumers declare the
// smaller interface they need.
type Ranking interface {
	// Range returns up to n entries of the board in order, after the
	// entry after (from the start when nil); warm is false for a cold
	// board (and the entries empty).
	Range(ctx context.Context, board string, after *Entry, n int) (entries []Entry, warm bool, err error)
	// Update applies the changes to the boards that are warm, and moves
	// the version of every board named, warm or cold.
	Update(ctx context.Context, changes ...Change) error
	// Version is the board's version, to pass to Fill.
	Version(ctx context.Context, board string) (int64, error)
	// Fill replaces the board with entries and makes it warm for ttl (no
	// expiry when ttl <= 0), unless its version moved since version was
	// read; it reports whether it stored the board.
	Fill(ctx context.Context, board string, version int64, entries []Entry, ttl time.Duration) (bool, error)
	// Drop makes boards cold.
	Drop(ctx context.Context, boards ...string) error
}

var (
	_ Ranking = (*Memory)(nil)
	_ Ranking = (*Redis)(nil)
)

// less reports whether a comes before b.
func less(a, b Entry) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.ID < b.ID
}
