// Package rankingtest is the contract every ranking.Ranking
// implementation must meet. The in-process ranking and the Redis ranking
// run the same suite, so the single binary and the scaled-out deployment
// order boards alike.
package rankingtest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/platform/clock"
	"github.com/zuju/zuju/internal/platform/ranking"
)

// Clock is a manual time source for rankings that accept one.
type Clock = clock.Manual

// Backend describes the implementation under test.
type Backend struct {
	// New returns a fresh ranking for one test; boards must not collide
	// with other tests (a networked ranking uses a random key prefix).
	New func(t *testing.T, clock *Clock) ranking.Ranking
	// ManualClock reports that New wires clock.Now into the ranking, so
	// the suite advances the clock instead of sleeping.
	ManualClock bool
}

// Run runs the whole contract against b.
func Run(t *testing.T, b Backend) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, r ranking.Ranking, wait func(time.Duration))
	}{
		{"ColdUntilFilled", testCold},
		{"OrderScoreThenID", testOrder},
		{"PagesAcrossTies", testPages},
		{"CursorOfRemovedEntry", testRemovedCursor},
		{"UpdateWarm", testUpdateWarm},
		{"UpdateColdStaysCold", testUpdateCold},
		{"FillRefusedAfterUpdate", testFillRace},
		{"FillReplaces", testFillReplaces},
		{"Expiry", testExpiry},
		{"Drop", testDrop},
		{"ExactScores", testExact},
		{"BoardsApart", testBoardsApart},
		{"ConcurrentUpdates", testConcurrent},
		{"LargeFill", testLargeFill},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewManual(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
			r := b.New(t, clk)
			wait := func(d time.Duration) {
				if b.ManualClock {
					clk.Advance(d)
					return
				}
				time.Sleep(d)
			}
			tc.fn(t, r, wait)
		})
	}
}

var ctx = context.Background()

func fill(t *testing.T, r ranking.Ranking, board string, entries []ranking.Entry, ttl time.Duration) {
	t.Helper()
	v, err := r.Version(ctx, board)
	if err != nil {
		t.Fatal(err)
	}
	ok, err := r.Fill(ctx, board, v, entries, ttl)
	if err != nil || !ok {
		t.Fatalf("Fill = %v, %v; want stored", ok, err)
	}
}

func all(t *testing.T, r ranking.Ranking, board string) ([]ranking.Entry, bool) {
	t.Helper()
	list, warm, err := r.Range(ctx, board, nil, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	return list, warm
}

func ids(list []ranking.Entry) string {
	s := ""
	for i, e := range list {
		if i > 0 {
			s += ","
		}
		s += e.ID
	}
	return s
}

func update(t *testing.T, r ranking.Ranking, changes ...ranking.Change) {
	t.Helper()
	if err := r.Update(ctx, changes...); err != nil {
		t.Fatal(err)
	}
}

func testCold(t *testing.T, r ranking.Ranking, _ func(time.Duration)) {
	if list, warm := all(t, r, "b"); warm || len(list) != 0 {
		t.Fatalf("new board: %v warm=%v, want cold", list, warm)
	}
	if _, warm, err := r.Range(ctx, "b", nil, 0); warm || err != nil {
		t.Fatalf("new board with n=0: warm=%v %v, want cold", warm, err)
	}
	fill(t, r, "b", nil, time.Hour)
	if _, warm, err := r.Range(ctx, "b", nil, 0); !warm || err != nil {
		t.Fatalf("filled board with n=0: warm=%v %v, want warm", warm, err)
	}
	if list, warm := all(t, r, "b"); !warm || len(list) != 0 {
		t.Fatalf("filled empty board: %v warm=%v, want warm and empty", list, warm)
	}
	update(t, r, ranking.Change{Board: "b", Set: []ranking.Entry{{ID: "x", Score: 1}}})
	if list, _ := all(t, r, "b"); ids(list) != "x" {
		t.Fatalf("after a set: %v", list)
	}
	update(t, r, ranking.Change{Board: "b", Remove: []string{"x"}})
	if list, warm := all(t, r, "b"); !warm || len(list) != 0 {
		t.Fatalf("emptied board: %v warm=%v, want warm and empty", list, warm)
	}
}

func testOrder(t *testing.T, r ranking.Ranking, _ func(time.Duration)) {
	fill(t, r, "b", []ranking.Entry{e("c", 2), e("a", 1), e("e", 3), e("b", 2), e("d", -1), e("f", 0), e("a0", 2)}, time.Hour)
	if list, _ := all(t, r, "b"); ids(list) != "e,a0,b,c,a,f,d" {
		t.Fatalf("order: %v", list)
	}
	list, _, err := r.Range(ctx, "b", nil, 2)
	if err != nil || ids(list) != "e,a0" || list[0].Score != 3 {
		t.Fatalf("first two: %v %v", list, err)
	}
	if list, _, _ := r.Range(ctx, "b", nil, 0); len(list) != 0 {
		t.Fatalf("n=0: %v", list)
	}
}

func testPages(t *testing.T, r ranking.Ranking, _ func(time.Duration)) {
	var entries []ranking.Entry
	for i := range 40 {
		entries = append(entries, ranking.Entry{ID: fmt.Sprintf("t%02d", i), Score: 5}) // a long tie
	}
	for i := range 10 {
		entries = append(entries, ranking.Entry{ID: fmt.Sprintf("u%02d", i), Score: float64(10 - i)})
	}
	fill(t, r, "b", entries, time.Hour)
	want, _ := all(t, r, "b")
	if len(want) != 50 {
		t.Fatalf("len %d", len(want))
	}
	for _, size := range []int{1, 3, 7, 20} {
		var got []ranking.Entry
		var after *ranking.Entry
		for range 100 {
			page, warm, err := r.Range(ctx, "b", after, size)
			if err != nil || !warm {
				t.Fatal(err, warm)
			}
			got = append(got, page...)
			if len(page) < size {
				break
			}
			last := page[len(page)-1]
			after = &last
		}
		if !slices.Equal(got, want) {
			t.Fatalf("pages of %d: %v\nwant %v", size, ids(got), ids(want))
		}
	}
}

func testRemovedCursor(t *testing.T, r ranking.Ranking, _ func(time.Duration)) {
	fill(t, r, "b", []ranking.Entry{e("a", 3), e("b", 2), e("c", 2), e("d", 1)}, time.Hour)
	update(t, r, ranking.Change{Board: "b", Remove: []string{"b"}})
	page, _, err := r.Range(ctx, "b", &ranking.Entry{ID: "b", Score: 2}, 10)
	if err != nil || ids(page) != "c,d" {
		t.Fatalf("after a removed entry: %v %v", page, err)
	}
	page, _, _ = r.Range(ctx, "b", &ranking.Entry{ID: "zz", Score: 2.5}, 10)
	if ids(page) != "c,d" {
		t.Fatalf("after a position between entries: %v", page)
	}
}

func testUpdateWarm(t *testing.T, r ranking.Ranking, _ func(time.Duration)) {
	fill(t, r, "b", []ranking.Entry{e("a", 3), e("b", 2), e("c", 1)}, time.Hour)
	update(t, r, ranking.Change{Board: "b", Set: []ranking.Entry{e("c", 4), e("d", 2)}, Remove: []string{"a", "nope"}})
	list, _ := all(t, r, "b")
	if ids(list) != "c,b,d" || list[0].Score != 4 {
		t.Fatalf("after update: %v", list)
	}
	// A set and a removal of the same id: the set wins.
	update(t, r, ranking.Change{Board: "b", Set: []ranking.Entry{e("a", 0)}, Remove: []string{"a"}})
	if list, _ := all(t, r, "b"); ids(list) != "c,b,d,a" {
		t.Fatalf("set and remove: %v", list)
	}
}

func testUpdateCold(t *testing.T, r ranking.Ranking, _ func(time.Duration)) {
	update(t, r, ranking.Change{Board: "b", Set: []ranking.Entry{e("a", 1)}})
	if list, warm := all(t, r, "b"); warm || len(list) != 0 {
		t.Fatalf("a cold board warmed by an update: %v", list)
	}
}

func testFillRace(t *testing.T, r ranking.Ranking, _ func(time.Duration)) {
	v, err := r.Version(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	// A change lands between the snapshot and the fill.
	update(t, r, ranking.Change{Board: "b", Set: []ranking.Entry{e("a", 9)}})
	ok, err := r.Fill(ctx, "b", v, []ranking.Entry{e("a", 1)}, time.Hour)
	if err != nil || ok {
		t.Fatalf("stale Fill = %v, %v; want refused", ok, err)
	}
	if _, warm := all(t, r, "b"); warm {
		t.Fatal("refused fill warmed the board")
	}
	v2, _ := r.Version(ctx, "b")
	if v2 == v {
		t.Fatal("update did not move the version")
	}
	// Another board's changes do not matter.
	update(t, r, ranking.Change{Board: "other", Set: []ranking.Entry{e("x", 1)}})
	if ok, err := r.Fill(ctx, "b", v2, []ranking.Entry{e("a", 9)}, time.Hour); !ok || err != nil {
		t.Fatalf("fresh Fill = %v, %v", ok, err)
	}
}

func testFillReplaces(t *testing.T, r ranking.Ranking, _ func(time.Duration)) {
	fill(t, r, "b", []ranking.Entry{e("a", 3), e("b", 2)}, time.Hour)
	fill(t, r, "b", []ranking.Entry{e("c", 1)}, time.Hour)
	if list, _ := all(t, r, "b"); ids(list) != "c" {
		t.Fatalf("refill: %v", list)
	}
}

func testExpiry(t *testing.T, r ranking.Ranking, wait func(time.Duration)) {
	fill(t, r, "b", []ranking.Entry{e("a", 1)}, 150*time.Millisecond)
	fill(t, r, "forever", []ranking.Entry{e("a", 1)}, 0)
	update(t, r, ranking.Change{Board: "b", Set: []ranking.Entry{e("b", 2)}})
	if list, warm := all(t, r, "b"); !warm || ids(list) != "b,a" {
		t.Fatalf("before expiry: %v %v", list, warm)
	}
	wait(300 * time.Millisecond)
	if list, warm := all(t, r, "b"); warm || len(list) != 0 {
		t.Fatalf("after expiry: %v warm=%v, want cold", list, warm)
	}
	update(t, r, ranking.Change{Board: "b", Set: []ranking.Entry{e("c", 2)}})
	if _, warm := all(t, r, "b"); warm {
		t.Fatal("an update warmed an expired board")
	}
	if _, warm := all(t, r, "forever"); !warm {
		t.Fatal("a board without ttl expired")
	}
}

func testDrop(t *testing.T, r ranking.Ranking, _ func(time.Duration)) {
	fill(t, r, "a", []ranking.Entry{e("x", 1)}, time.Hour)
	fill(t, r, "b", []ranking.Entry{e("x", 1)}, time.Hour)
	if err := r.Drop(ctx, "a", "missing"); err != nil {
		t.Fatal(err)
	}
	if _, warm := all(t, r, "a"); warm {
		t.Fatal("dropped board warm")
	}
	if _, warm := all(t, r, "b"); !warm {
		t.Fatal("other board dropped")
	}
	fill(t, r, "a", []ranking.Entry{e("y", 1)}, time.Hour)
	if list, _ := all(t, r, "a"); ids(list) != "y" {
		t.Fatalf("refilled after drop: %v", list)
	}
}

func testExact(t *testing.T, r ranking.Ranking, _ func(time.Duration)) {
	base := 1234.5678901234567
	next := math.Nextafter(base, math.Inf(1))
	in := []ranking.Entry{e("a", base), e("b", next), e("c", -0.1), e("d", 1e-300), e("e", 0)}
	fill(t, r, "b", in, time.Hour)
	list, _ := all(t, r, "b")
	if ids(list) != "b,a,d,e,c" || list[0].Score != next || list[1].Score != base || list[2].Score != 1e-300 || list[4].Score != -0.1 {
		t.Fatalf("scores not kept exactly: %v", list)
	}
	page, _, _ := r.Range(ctx, "b", &list[0], 1)
	if ids(page) != "a" {
		t.Fatalf("after the next float up: %v", page)
	}
}

func testBoardsApart(t *testing.T, r ranking.Ranking, _ func(time.Duration)) {
	fill(t, r, "club:1:all", []ranking.Entry{e("x", 1)}, time.Hour)
	fill(t, r, "club:1:pub", nil, time.Hour)
	update(t, r, ranking.Change{Board: "club:1:all", Set: []ranking.Entry{e("y", 2)}},
		ranking.Change{Board: "club:1:pub", Set: []ranking.Entry{e("y", 2)}},
		ranking.Change{Board: "square", Set: []ranking.Entry{e("y", 2)}})
	if list, _ := all(t, r, "club:1:all"); ids(list) != "y,x" {
		t.Fatalf("all: %v", list)
	}
	if list, _ := all(t, r, "club:1:pub"); ids(list) != "y" {
		t.Fatalf("pub: %v", list)
	}
	if _, warm := all(t, r, "square"); warm {
		t.Fatal("cold board warmed by a batch")
	}
}

func testConcurrent(t *testing.T, r ranking.Ranking, _ func(time.Duration)) {
	fill(t, r, "b", nil, time.Hour)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				id := fmt.Sprintf("g%d-%02d", g, i)
				if err := r.Update(ctx, ranking.Change{Board: "b", Set: []ranking.Entry{e(id, float64(i))}}); err != nil {
					t.Error(err)
				}
				if i%5 == 0 {
					if err := r.Update(ctx, ranking.Change{Board: "b", Remove: []string{id}}); err != nil {
						t.Error(err)
					}
				}
				if _, _, err := r.Range(ctx, "b", nil, 10); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	list, _ := all(t, r, "b")
	if len(list) != 8*20 {
		t.Fatalf("len %d, want %d", len(list), 8*20)
	}
	for i := 1; i < len(list); i++ {
		a, b := list[i-1], list[i]
		if a.Score < b.Score || (a.Score == b.Score && a.ID >= b.ID) {
			t.Fatalf("out of order at %d: %v %v", i, a, b)
		}
	}
}

func testLargeFill(t *testing.T, r ranking.Ranking, _ func(time.Duration)) {
	var in []ranking.Entry
	for i := range 2500 {
		in = append(in, ranking.Entry{ID: fmt.Sprintf("p%05d", i), Score: float64(i % 700)})
	}
	fill(t, r, "b", in, time.Hour)
	list, _ := all(t, r, "b")
	if len(list) != 2500 || list[0].Score != 699 || list[len(list)-1].Score != 0 {
		t.Fatalf("large fill: %d entries", len(list))
	}
}

func e(id string, score float64) ranking.Entry { return ranking.Entry{ID: id, Score: score} }
