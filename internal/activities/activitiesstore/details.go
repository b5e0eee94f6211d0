package activitiesstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/audit"
)

// Seated lists the user ids of the confirmed and checked-in sign-ups in
// sign-up order.
func (s *Store) Seated(ctx context.Context, activityID string, limit int) ([]string, error) {
	ids, err := userIDs(s.db.WithContext(ctx), activityID, seated, limit)
	if err != nil {
		return nil, fmt.Errorf("list seated participants: %w", err)
	}
	return ids, nil
}

// userIDs lists the user ids of an activity's sign-ups in these statuses,
// in sign-up order (signups_activity_idx covers the lookup), at most limit
// of them when limit > 0; never nil.
func userIDs(tx *gorm.DB, activityID string, statuses []string, limit int) ([]string, error) {
	ids := []string{}
	q := tx.Model(&signupRow{}).Where("activity_id = ? AND status IN ?", activityID, statuses).Order("created_at, id")
	if limit > 0 {
		q = q.Limit(limit)
	}
	if err := q.Pluck("user_id", &ids).Error; err != nil {
		return nil, err
	}
	return ids, nil
}

// SetCover sets the cover with a conditional update: only while the
// activity is a draft or published.
func (s *Store) SetCover(ctx context.Context, id, url string, now time.Time, a activities.Audit) (*activities.Activity, error) {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var before string
		if a.Action != "" {
			var prev []string
			if err := tx.Model(&row{}).Where("id = ?", id).Pluck("cover_url", &prev).Error; err != nil {
				return fmt.Errorf("load cover: %w", err)
			}
			if len(prev) == 1 {
				before = prev[0]
			}
		}
		res := tx.Model(&row{}).Where("id = ? AND status IN ?", id, []string{string(activities.StatusDraft), string(activities.StatusPublished)}).
			Updates(map[string]any{"cover_url": url, "updated_at": now.UTC()})
		if res.Error != nil {
			return fmt.Errorf("set cover: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return activities.ErrNotEditable
		}
		if a.Action == "" {
			return nil
		}
		return audit.Record(ctx, tx, a.Action, a.TargetType, a.TargetID, map[string]string{"cover_url": before}, map[string]string{"cover_url": url})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}
