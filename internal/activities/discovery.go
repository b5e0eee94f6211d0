package activities

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"time"
)

// Sort orders a discovery list.
type Sort string

// Discovery sorts.
const (
	// SortStartAt lists the soonest first (the default).
	SortStartAt Sort = "start_at"
	// SortHot lists by recent sign-up velocity: an exponentially decayed
	// count of sign-ups (half-life HotHalfLife), highest first.
	SortHot Sort = "hot"
	// SortDistance lists the nearest first (needs a location).
	SortDistance Sort = "distance"
	// SortRecommended lists by how many of the activity's tags are among
	// the caller's interest tags, then by start time; for anonymous callers
	// and callers without interests it is the start-time order.
	SortRecommended Sort = "recommended"
)

// HotHalfLife is how long a sign-up takes to count half as much for the
// hot sort.
const HotHalfLife = 24 * time.Hour

// Discovery limits.
const (
	// MaxQueryRunes bounds the keyword search text.
	MaxQueryRunes = 50
	// DefaultRadiusKm applies when a location comes without radius_km.
	DefaultRadiusKm = 10
	// MinRadiusKm and MaxRadiusKm bound radius_km.
	MinRadiusKm = 1
	MaxRadiusKm = 100
	// DefaultListLimit and MaxListLimit bound a page.
	DefaultListLimit = 20
	MaxListLimit     = 50
)

// Near is a circle on the earth: discovery keeps the activities inside it
// and tells each one's distance from its centre.
type Near struct {
	Lat, Lng float64
	RadiusKm float64
}

// Precision of near-me for callers who may not see every place on a list.
// An activity's exact place is for its participants, organizer and staff,
// so for everyone else (Filter.Exact false) the distance is measured from
// the place snapped to a grid of 1/PlaceGridPerDegree degrees (about 550 m
// north–south, 475 m east–west in Shanghai) and rounded to
// 1/DistanceStepsPerKm km; the circle, the distance order and the cursors
// use that distance only, so no sequence of queries can locate a place
// more precisely than its grid cell.
const (
	PlaceGridPerDegree = 200
	DistanceStepsPerKm = 2
)

// NewNear checks a location filter: lat and lng come together (or not at
// all), in range; a radius needs a location and lies in [MinRadiusKm,
// MaxRadiusKm] (DefaultRadiusKm when absent). It returns nil when no
// location is given.
func NewNear(lat, lng, radiusKm *float64) (*Near, error) {
	if lat == nil && lng == nil {
		if radiusKm != nil {
			return nil, ErrBadLocation.WithDetail("指定搜索半径时需要同时提供纬度和经度")
		}
		return nil, nil
	}
	if lat == nil || lng == nil {
		return nil, ErrBadLocation.WithDetail("纬度和经度需要同时提供")
	}
	if math.IsNaN(*lat) || math.IsNaN(*lng) || *lat < -90 || *lat > 90 || *lng < -180 || *lng > 180 {
		return nil, ErrBadLocation
	}
	n := &Near{Lat: *lat, Lng: *lng, RadiusKm: DefaultRadiusKm}
	if radiusKm != nil {
		if math.IsNaN(*radiusKm) || *radiusKm < MinRadiusKm || *radiusKm > MaxRadiusKm {
			return nil, ErrBadRadius
		}
		n.RadiusKm = *radiusKm
	}
	return n, nil
}

// ParseSort reads a sort name ("" is the default, start_at).
func ParseSort(v string) (Sort, error) {
	switch s := Sort(v); s {
	case "":
		return SortStartAt, nil
	case SortStartAt, SortHot, SortDistance, SortRecommended:
		return s, nil
	}
	return "", ErrBadSort
}

// Cursor marks where a page ended, in the terms of its sort: the sort key
// of the last activity and its id.
type Cursor struct {
	Sort     Sort
	StartAt  time.Time // start_at and recommended
	Score    float64   // hot
	Distance float64   // distance
	Overlap  int       // recommended
	ID       string
}

// cursorOf returns the cursor after h in sort s.
func cursorOf(s Sort, h Hit) Cursor {
	c := Cursor{Sort: s, ID: h.ID, StartAt: h.StartAt}
	switch s {
	case SortHot:
		c.Score = h.HotScore
	case SortDistance:
		if h.DistanceKm != nil {
			c.Distance = *h.DistanceKm
		}
	case SortRecommended:
		c.Overlap = h.Overlap
	}
	return c
}

// cursor prefixes: one per sort, so a cursor only fits its own sort.
var cursorPrefix = map[Sort]string{SortStartAt: "t", SortHot: "h", SortDistance: "d", SortRecommended: "r"}

func encodeCursor(c Cursor) string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	parts := []string{cursorPrefix[c.Sort]}
	switch c.Sort {
	case SortHot:
		parts = append(parts, f(c.Score))
	case SortDistance:
		parts = append(parts, f(c.Distance))
	case SortRecommended:
		parts = append(parts, strconv.Itoa(c.Overlap), strconv.FormatInt(c.StartAt.UnixNano(), 10))
	default:
		parts = append(parts, strconv.FormatInt(c.StartAt.UnixNano(), 10))
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(append(parts, c.ID), "|")))
}

// decodeCursor reads a cursor of sort s; a cursor of another sort, or one
// that is not a cursor at all, is ErrBadCursor.
func decodeCursor(s Sort, v string) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return Cursor{}, ErrBadCursor
	}
	parts := strings.Split(string(b), "|")
	want := 3
	if s == SortRecommended {
		want = 4
	}
	if len(parts) != want || parts[0] != cursorPrefix[s] {
		return Cursor{}, ErrBadCursor
	}
	c := Cursor{Sort: s, ID: parts[want-1]}
	if !cursorID(c.ID) {
		return Cursor{}, ErrBadCursor
	}
	float := func(p string) (float64, bool) {
		x, err := strconv.ParseFloat(p, 64)
		return x, err == nil && !math.IsNaN(x) && !math.IsInf(x, 0)
	}
	nanos := func(p string) (time.Time, bool) {
		n, err := strconv.ParseInt(p, 10, 64)
		return time.Unix(0, n).UTC(), err == nil
	}
	ok := true
	switch s {
	case SortHot:
		c.Score, ok = float(parts[1])
	case SortDistance:
		c.Distance, ok = float(parts[1])
		ok = ok && c.Distance >= 0
	case SortRecommended:
		var err error
		c.Overlap, err = strconv.Atoi(parts[1])
		c.StartAt, ok = nanos(parts[2])
		ok = ok && err == nil && c.Overlap >= 0 && c.Overlap <= MaxTagsPerItem
	default:
		c.StartAt, ok = nanos(parts[1])
	}
	if !ok {
		return Cursor{}, ErrBadCursor
	}
	return c, nil
}

// cursorID reports whether v can be the id in a cursor: ids are printable
// ASCII (a cursor is the client's input, and other bytes could not be
// compared with stored ids on every database).
func cursorID(v string) bool {
	if v == "" || len(v) > 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			return false
		}
	}
	return true
}
