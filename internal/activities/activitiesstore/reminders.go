package activitiesstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/outbox"
)

// reminderColumn is the column that records when a kind was sent.
func reminderColumn(kind activities.ReminderKind) (string, error) {
	switch kind {
	case activities.Reminder24h:
		return "reminded_24h_at", nil
	case activities.Reminder2h:
		return "reminded_2h_at", nil
	}
	return "", fmt.Errorf("unknown reminder kind %q", kind)
}

// DueReminders lists published and formed activities starting in
// (after, by] that have not had the kind's reminder yet.
func (s *Store) DueReminders(ctx context.Context, kind activities.ReminderKind, after, by time.Time, limit int) ([]string, error) {
	col, err := reminderColumn(kind)
	if err != nil {
		return nil, err
	}
	var ids []string
	err = s.db.WithContext(ctx).Model(&row{}).
		Where("status IN ? AND start_at > ? AND start_at <= ? AND "+col+" IS NULL", open, after.UTC(), by.UTC()).
		Order("start_at, id").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("list due reminders: %w", err)
	}
	return ids, nil
}

// Remind records the kind's reminder with a conditional update (still
// unsent, still published or formed, still starting in (after, by]) and
// writes activities.reminder with the confirmed and checked-in
// participants in the same transaction, so it is sent once whichever
// replica gets there first.
func (s *Store) Remind(ctx context.Context, id string, kind activities.ReminderKind, after, by, now time.Time) (bool, error) {
	col, err := reminderColumn(kind)
	if err != nil {
		return false, err
	}
	sent := false
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&row{}).
			Where("id = ? AND status IN ? AND start_at > ? AND start_at <= ? AND "+col+" IS NULL", id, open, after.UTC(), by.UTC()).
			Updates(map[string]any{col: now.UTC()})
		if res.Error != nil {
			return fmt.Errorf("mark reminder: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		var a row
		if err := tx.Where("id = ?", id).Take(&a).Error; err != nil {
			return fmt.Errorf("load reminded activity: %w", err)
		}
		ids, err := userIDs(tx, id, seated, 0)
		if err != nil {
			return fmt.Errorf("list participants: %w", err)
		}
		ev := activities.ReminderEvent{ActivityID: id, Kind: kind, Title: a.Title, StartAt: a.StartAt.UTC(),
			OrganizerID: a.OrganizerID, ParticipantIDs: ids}
		if _, err := outbox.Add(ctx, tx, activities.TopicReminder, ev); err != nil {
			return err
		}
		sent = true
		return nil
	})
	return sent, err
}
