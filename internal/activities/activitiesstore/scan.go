package activitiesstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/zuju/zuju/internal/activities"
)

// The list is the busiest read: its rows are scanned by hand instead of
// through GORM's reflection, which cost about as much as the query, and on
// PostgreSQL it runs on the pgx pool directly (sqldb.DB.Query).

// queryHits runs a list statement and scans its rows: the list columns,
// then distance_km and overlap when the statement computes them.
func (s *Store) queryHits(ctx context.Context, q string, args []any) ([]activities.Hit, error) {
	rows, err := s.raw.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list activities: %w", err)
	}
	defer rows.Close()
	cols := rows.Columns()
	var out []activities.Hit
	for rows.Next() {
		var r row
		var published, cancelled sql.NullTime
		var distance sql.NullFloat64
		var overlap int
		dest := []any{&r.ID, &r.Title, &r.TypeID, &r.TagIDs, &r.City, &r.Address, &r.Lat, &r.Lng, &r.StartAt, &r.EndAt,
			&r.SignupDeadline, &r.MinParticipants, &r.MaxParticipants, &r.ParticipantCount, &r.PriceFen, &r.MemberOnly,
			&r.Status, &r.Description, &r.CoverURL, &r.OrganizerID, &r.ClubID, &r.CancelReason, &r.CreatedAt, &r.UpdatedAt,
			&published, &cancelled, &r.HotScore, &r.Visibility}
		for _, c := range cols[len(dest):] {
			switch c {
			case "distance_km":
				dest = append(dest, &distance)
			case "overlap":
				dest = append(dest, &overlap)
			default:
				return nil, fmt.Errorf("list activities: unexpected column %q", c)
			}
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("scan activity: %w", err)
		}
		if published.Valid {
			r.PublishedAt = &published.Time
		}
		if cancelled.Valid {
			r.CancelledAt = &cancelled.Time
		}
		h := activities.Hit{Activity: r.activity(), Overlap: overlap}
		if distance.Valid {
			d := distance.Float64
			h.DistanceKm = &d
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list activities: %w", err)
	}
	return out, nil
}
