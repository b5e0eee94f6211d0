package activitiesstore

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/search"
)

// listColumns are the columns a list reads (not the search tokens).
const listColumns = "id, title, type_id, tag_ids, city, address, lat, lng, start_at, end_at, signup_deadline, " +
	"min_participants, max_participants, participant_count, price_fen, member_only, status, description, cover_url, " +
	"organizer_id, club_id, cancel_reason, created_at, updated_at, published_at, cancelled_at, hot_score, visibility"

// publicStatuses are the statuses of the public list, in the order of
// publicCondition, which the partial indexes activities_public_idx and
// activities_public_city_idx repeat.
var publicStatuses = []activities.Status{activities.StatusPublished, activities.StatusFormed, activities.StatusFinished}

const publicCondition = "status IN ('published', 'formed', 'finished')"

// earthRadiusKm is the mean earth radius (IUGG).
const earthRadiusKm = 6371.0088

// kmPerDegree is the length of one degree of latitude.
const kmPerDegree = earthRadiusKm * math.Pi / 180

// sqlQuery is SQL text with its arguments, built piece by piece.
type sqlQuery struct {
	where []string
	args  []any
}

func (q *sqlQuery) add(cond string, args ...any) {
	q.where = append(q.where, cond)
	q.args = append(q.args, args...)
}

func (q *sqlQuery) clause() string {
	if len(q.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(q.where, " AND ")
}

// List returns a page of activities matching f in f.Sort's order.
//
// Filters are plain conditions on activities; the keyword search goes
// through the full-text index (FTS5 on SQLite, a GIN tsvector index on
// PostgreSQL) with every query token required, and a single CJK character
// matches as a substring of the tokens. Near-me keeps a bounding box
// (indexed on lat, lng) and then the exact haversine distance. Sorts that
// order by a computed value (distance, recommended) select from a subquery
// so the value can be compared with the cursor and ordered in SQL.
func (s *Store) List(ctx context.Context, f activities.Filter) ([]activities.Hit, error) {
	q, args := s.listSQL(f)
	return s.queryHits(ctx, q, args)
}

// listSQL builds the list statement (with ? placeholders) for f.
func (s *Store) listSQL(f activities.Filter) (string, []any) {
	var in sqlQuery
	switch {
	case len(f.Statuses) == 0:
	case slices.Equal(f.Statuses, publicStatuses):
		// As literals, matching the partial indexes on public activities.
		in.add(publicCondition)
	case len(f.Statuses) == 1:
		in.add("status = ?", string(f.Statuses[0]))
	default:
		st := make([]string, len(f.Statuses))
		for i, v := range f.Statuses {
			st[i] = string(v)
		}
		in.add("status IN ?", st)
	}
	if f.OrganizerID != "" {
		in.add("organizer_id = ?", f.OrganizerID)
	}
	if !f.MembersOnlyToo {
		// As a literal, like the status condition of the public list.
		in.add("visibility = 'public'")
	}
	if f.City != "" {
		in.add("city = ?", f.City)
	}
	if f.TypeID != "" {
		in.add("type_id = ?", f.TypeID)
	}
	if f.ClubID != "" {
		in.add("club_id = ?", f.ClubID)
	}
	if f.TagID != "" {
		in.add("id IN (SELECT activity_id FROM activity_tags WHERE tag_id = ?)", f.TagID)
	}
	if !f.From.IsZero() {
		in.add("start_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		in.add("start_at < ?", f.To.UTC())
	}
	switch f.Price {
	case "free":
		in.add("price_fen = 0")
	case "paid":
		in.add("price_fen > 0")
	}
	if f.Member != nil {
		in.add("member_only = ?", *f.Member)
	}
	s.keyword(&in, f.Query)
	if f.Near != nil {
		box(&in, *f.Near, f.Exact)
	}

	// Computed columns, compared and ordered in an outer query.
	var computed []string
	var computedArgs []any
	if f.Near != nil {
		n := f.Near
		computed = append(computed, distanceSQL(f.Exact)+" AS distance_km")
		computedArgs = append(computedArgs, n.Lat, n.Lat, n.Lng)
	}
	if f.Sort == activities.SortRecommended {
		if len(f.Interests) > 0 {
			computed = append(computed, "(SELECT COUNT(*) FROM activity_tags t WHERE t.activity_id = activities.id AND t.tag_id IN ?) AS overlap")
			computedArgs = append(computedArgs, f.Interests)
		} else {
			computed = append(computed, "0 AS overlap")
		}
	}

	var out sqlQuery
	if f.Near != nil {
		out.add("distance_km <= ?", f.Near.RadiusKm)
	}
	var order string
	c := f.After
	switch f.Sort {
	case activities.SortHot:
		order = "hot_score DESC, id DESC"
		if c != nil {
			out.add("(hot_score, id) < (?, ?)", c.Score, c.ID)
		}
	case activities.SortDistance:
		order = "distance_km, id"
		if c != nil {
			out.add("(distance_km, id) > (?, ?)", c.Distance, c.ID)
		}
	case activities.SortRecommended:
		order = "overlap DESC, start_at, id"
		if c != nil {
			out.add("(overlap < ? OR (overlap = ? AND (start_at, id) > (?, ?)))", c.Overlap, c.Overlap, c.StartAt.UTC(), c.ID)
		}
	default:
		order = "start_at, id"
		if c != nil {
			out.add("(start_at, id) > (?, ?)", c.StartAt.UTC(), c.ID)
		}
	}

	if len(computed) == 0 {
		// One level: the conditions on stored columns only.
		in.where = append(in.where, out.where...)
		in.args = append(in.args, out.args...)
		return "SELECT " + listColumns + " FROM activities" + in.clause() + " ORDER BY " + order + " LIMIT ?", append(in.args, f.Limit)
	}
	inner := "SELECT " + listColumns + ", " + strings.Join(computed, ", ") + " FROM activities" + in.clause()
	args := append(computedArgs, in.args...)
	args = append(args, out.args...)
	return "SELECT * FROM (" + inner + ") hits" + out.clause() + " ORDER BY " + order + " LIMIT ?", append(args, f.Limit)
}

// keyword adds the keyword search: every token of the query must be in
// the activity's tokens.
func (s *Store) keyword(q *sqlQuery, text string) {
	var words []string
	for _, tok := range search.Tokens(text) {
		if search.IsSingleCJK(tok) {
			// The index holds bigrams: one character is found by substring.
			q.add("search_tokens LIKE ?", "%"+tok+"%")
			continue
		}
		words = append(words, tok)
	}
	if len(words) == 0 {
		return
	}
	if s.pg {
		q.add("search_vector @@ plainto_tsquery('simple', ?)", strings.Join(words, " "))
		return
	}
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = `"` + w + `"`
	}
	q.add("rowid IN (SELECT rowid FROM activities_fts WHERE activities_fts MATCH ?)", strings.Join(quoted, " "))
}

// distanceSQL is the great-circle distance (haversine, in km) of an
// activity from the point of the three arguments (lat, lat, lng). Unless
// exact, it is measured from the place snapped to the grid and rounded
// (see activities.PlaceGridPerDegree): the same value for every place of a
// grid cell, whatever the point.
func distanceSQL(exact bool) string {
	lat, lng := "lat", "lng"
	if !exact {
		g := strconv.Itoa(activities.PlaceGridPerDegree)
		lat = "(FLOOR(lat * " + g + " + 0.5) / " + g + ")"
		lng = "(FLOOR(lng * " + g + " + 0.5) / " + g + ")"
	}
	d := strconv.FormatFloat(earthRadiusKm, 'f', -1, 64) + " * 2 * ASIN(SQRT(POWER(SIN(RADIANS(" + lat + " - ?) / 2), 2) + " +
		"COS(RADIANS(?)) * COS(RADIANS(" + lat + ")) * POWER(SIN(RADIANS(" + lng + " - ?) / 2), 2)))"
	if exact {
		return d
	}
	st := strconv.Itoa(activities.DistanceStepsPerKm)
	return "(FLOOR(" + d + " * " + st + " + 0.5) / " + st + ")"
}

// box adds the bounding box around a circle (slightly larger than the
// circle, so the distance decides at the edge; coarse distances come from
// snapped places up to half a grid cell away and are rounded up to half a
// step, so their box is wider by that).
func box(q *sqlQuery, n activities.Near, exact bool) {
	dLat := n.RadiusKm / kmPerDegree * 1.01
	if !exact {
		dLat += 0.5/activities.DistanceStepsPerKm/kmPerDegree + 0.5/activities.PlaceGridPerDegree
	}
	q.add("lat BETWEEN ? AND ?", n.Lat-dLat, n.Lat+dLat)
	if math.Abs(n.Lat)+dLat >= 89 {
		return // near a pole every longitude may be close
	}
	dLng := dLat / math.Cos(n.Lat*math.Pi/180)
	lo, hi := n.Lng-dLng, n.Lng+dLng
	switch {
	case lo < -180:
		q.add("(lng >= ? OR lng <= ?)", lo+360, hi)
	case hi > 180:
		q.add("(lng >= ? OR lng <= ?)", lo, hi-360)
	default:
		q.add("lng BETWEEN ? AND ?", lo, hi)
	}
}
