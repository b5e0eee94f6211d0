package activitiesstore

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/search"
)

// activityTagRow is one tag of an activity: the indexed form of tag_ids,
// written in the transaction that writes the activity.
type activityTagRow struct {
	ActivityID string
	TagID      string
}

func (activityTagRow) TableName() string { return "activity_tags" }

// setTags replaces an activity's tag rows.
func setTags(tx *gorm.DB, activityID string, tagIDs []string) error {
	if err := tx.Where("activity_id = ?", activityID).Delete(&activityTagRow{}).Error; err != nil {
		return fmt.Errorf("clear activity tags: %w", err)
	}
	ids := slices.Compact(slices.Sorted(slices.Values(tagIDs)))
	rows := make([]activityTagRow, 0, len(ids))
	for _, id := range ids {
		if id != "" {
			rows = append(rows, activityTagRow{ActivityID: activityID, TagID: id})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if err := tx.Create(&rows).Error; err != nil {
		return fmt.Errorf("store activity tags: %w", err)
	}
	return nil
}

// searchTokens returns the full-text tokens of an activity: its title,
// description, city and type name. The description of a member-only
// activity is for members and participants, so it is left out: a keyword
// search must not let anyone test words against it.
func searchTokens(tx *gorm.DB, a *activities.Activity) (string, error) {
	var names []string
	if err := tx.Model(&typeRow{}).Where("id = ?", a.TypeID).Limit(1).Pluck("name", &names).Error; err != nil {
		return "", fmt.Errorf("load activity type name: %w", err)
	}
	texts := []string{a.Title, a.City}
	if !a.MemberOnly {
		texts = append(texts, a.Description)
	}
	return search.Index(append(texts, names...)...), nil
}

// textRow is what the search tokens are made of.
type textRow struct {
	ID, Title, City, Description, TypeID string
	MemberOnly                           bool
}

// reindex rewrites the search tokens of the activities selected by where,
// in batches, within tx.
func reindex(tx *gorm.DB, where string, args ...any) (int, error) {
	n, after := 0, ""
	for {
		var rows []textRow
		err := tx.Model(&row{}).Select("id, title, city, description, type_id, member_only").Where(where, args...).
			Where("id > ?", after).Order("id").Limit(200).Find(&rows).Error
		if err != nil {
			return n, fmt.Errorf("load activities to index: %w", err)
		}
		for _, r := range rows {
			tokens, err := searchTokens(tx, &activities.Activity{Title: r.Title, City: r.City, Description: r.Description,
				TypeID: r.TypeID, MemberOnly: r.MemberOnly})
			if err != nil {
				return n, err
			}
			if err := tx.Model(&row{}).Where("id = ?", r.ID).Update("search_tokens", tokens).Error; err != nil {
				return n, fmt.Errorf("index activity: %w", err)
			}
			n++
		}
		if len(rows) < 200 {
			return n, nil
		}
		after = rows[len(rows)-1].ID
	}
}

// reindexType refreshes the tokens of a renamed type's activities.
func reindexType(tx *gorm.DB, typeID string) error {
	_, err := reindex(tx, "type_id = ?", typeID)
	return err
}

// IndexMissing computes the search tokens of activities stored without
// them (those created before keyword search existed) and reports how many
// it indexed. It is safe to run on several replicas at once.
func (s *Store) IndexMissing(ctx context.Context) (int, error) {
	return reindex(s.db.WithContext(ctx), "search_tokens = ''")
}
