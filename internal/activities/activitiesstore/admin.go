package activitiesstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// AdminList returns one page of activities of every status, newest first,
// and the number that match.
func (s *Store) AdminList(ctx context.Context, f activities.AdminFilter) ([]activities.Activity, int64, error) {
	q := s.db.WithContext(ctx).Model(&row{})
	if f.Query != "" {
		q = q.Where("(LOWER(title) LIKE ? ESCAPE '\\' OR id = ?)", containsPattern(f.Query), f.Query)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count activities: %w", err)
	}
	var rows []row
	if err := q.Order("created_at DESC, id DESC").Offset((f.Page - 1) * f.PageSize).Limit(f.PageSize).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list activities: %w", err)
	}
	out := make([]activities.Activity, len(rows))
	for i, r := range rows {
		out[i] = r.activity()
	}
	return out, total, nil
}

// containsPattern is a lower-case LIKE pattern (ESCAPE '\') matching
// values that contain s literally.
func containsPattern(s string) string {
	return "%" + sqldb.EscapeLike(strings.ToLower(s)) + "%"
}
