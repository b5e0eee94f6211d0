package activities

import (
	"encoding/base64"
	"errors"
	"math"
	"testing"
	"time"
)

func TestTransitions(t *testing.T) {
	all := []Status{StatusDraft, StatusPublished, StatusFormed, StatusFinished, StatusCancelled}
	allowed := map[[2]Status]bool{
		{StatusDraft, StatusPublished}: true, {StatusDraft, StatusCancelled}: true,
		{StatusPublished, StatusFormed}: true, {StatusPublished, StatusCancelled}: true,
		{StatusFormed, StatusFinished}: true, {StatusFormed, StatusCancelled}: true,
	}
	for _, from := range all {
		for _, to := range all {
			want := allowed[[2]Status{from, to}]
			if got := CanTransition(from, to); got != want {
				t.Errorf("%s → %s: %v, want %v", from, to, got, want)
			}
			if err := Transition(from, to); (err == nil) != want {
				t.Errorf("Transition(%s, %s) = %v", from, to, err)
			}
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	at := time.Date(2030, 5, 1, 9, 30, 0, 0, time.UTC)
	for _, c := range []Cursor{
		{Sort: SortStartAt, StartAt: at, ID: "a1"},
		{Sort: SortHot, Score: 123.456789012345, ID: "a2"},
		{Sort: SortDistance, Distance: 3.0000000000000004, ID: "a3"},
		{Sort: SortRecommended, Overlap: 2, StartAt: at, ID: "a4"},
	} {
		got, err := decodeCursor(c.Sort, encodeCursor(c))
		if err != nil || got != c {
			t.Errorf("%s: %+v, %v; want %+v", c.Sort, got, err, c)
		}
		// A cursor only fits its own sort.
		for _, other := range []Sort{SortStartAt, SortHot, SortDistance, SortRecommended} {
			if other != c.Sort {
				if _, err := decodeCursor(other, encodeCursor(c)); err != ErrBadCursor {
					t.Errorf("%s cursor accepted for %s: %v", c.Sort, other, err)
				}
			}
		}
	}
	for _, bad := range []string{"!!", "YWJj" /* abc */, "bm9wZQ", base64.RawURLEncoding.EncodeToString([]byte("t|x|a")),
		base64.RawURLEncoding.EncodeToString([]byte("d|-1|a")), base64.RawURLEncoding.EncodeToString([]byte("h|NaN|a")),
		base64.RawURLEncoding.EncodeToString([]byte("t|1|"))} {
		if _, err := decodeCursor(SortStartAt, bad); err != ErrBadCursor {
			t.Errorf("bad cursor %q: %v", bad, err)
		}
		if _, err := decodeCursor(SortDistance, bad); err != ErrBadCursor {
			t.Errorf("bad distance cursor %q: %v", bad, err)
		}
	}
}

func TestNewNear(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	if n, err := NewNear(nil, nil, nil); n != nil || err != nil {
		t.Fatalf("no location: %v, %v", n, err)
	}
	if n, err := NewNear(f(31.2), f(121.4), nil); err != nil || n.RadiusKm != DefaultRadiusKm {
		t.Fatalf("default radius: %+v, %v", n, err)
	}
	if n, err := NewNear(f(31.2), f(121.4), f(100)); err != nil || n.RadiusKm != 100 {
		t.Fatalf("radius 100: %+v, %v", n, err)
	}
	for _, c := range []struct {
		lat, lng, r *float64
		want        error
	}{
		{f(31.2), nil, nil, ErrBadLocation},
		{nil, f(121.4), nil, ErrBadLocation},
		{nil, nil, f(5), ErrBadLocation},
		{f(91), f(121.4), nil, ErrBadLocation},
		{f(31.2), f(-181), nil, ErrBadLocation},
		{f(math.NaN()), f(121.4), nil, ErrBadLocation},
		{f(31.2), f(121.4), f(0), ErrBadRadius},
		{f(31.2), f(121.4), f(-1), ErrBadRadius},
		{f(31.2), f(121.4), f(100.5), ErrBadRadius},
	} {
		if _, err := NewNear(c.lat, c.lng, c.r); !errors.Is(err, c.want) {
			t.Errorf("NewNear(%v, %v, %v) = %v, want %v", c.lat, c.lng, c.r, err, c.want)
		}
	}
}
