package activitiesstore

import (
	"context"
	"fmt"
	"time"

	"github.com/zuju/zuju/internal/activities"
)

// MySignups lists a user's sign-ups, newest first (created_at, then id,
// descending), after the cursor.
func (s *Store) MySignups(ctx context.Context, userID string, after *activities.SignupCursor, limit int) ([]activities.Signup, error) {
	q := s.db.WithContext(ctx).Where("user_id = ?", userID)
	if after != nil {
		q = q.Where("(created_at, id) < (?, ?)", after.CreatedAt.UTC(), after.ID)
	}
	var rows []signupRow
	if err := q.Order("created_at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list my sign-ups: %w", err)
	}
	return signups(rows), nil
}

// briefRow is the summary columns of an activity.
type briefRow struct {
	ID, Title, City  string
	StartAt, EndAt   time.Time
	Status, CoverURL string
	PriceFen         int64
}

// ActivityBriefs loads the summaries of the activities with these ids in
// one query.
func (s *Store) ActivityBriefs(ctx context.Context, ids []string) (map[string]activities.ActivityBrief, error) {
	out := make(map[string]activities.ActivityBrief, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []briefRow
	err := s.db.WithContext(ctx).Model(&row{}).Select("id, title, city, start_at, end_at, status, cover_url, price_fen").
		Where("id IN ?", ids).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load activity summaries: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = activities.ActivityBrief{ID: r.ID, Title: r.Title, City: r.City, StartAt: r.StartAt.UTC(), EndAt: r.EndAt.UTC(),
			Status: activities.Status(r.Status), CoverURL: r.CoverURL, PriceFen: r.PriceFen}
	}
	return out, nil
}
