package activities

import (
	"context"
	"time"
)

// ReminderKind names a reminder before an activity's start.
type ReminderKind string

// Reminder kinds.
const (
	Reminder24h ReminderKind = "24h"
	Reminder2h  ReminderKind = "2h"
)

// reminders are the kinds from the earliest to the latest, each with how
// long before the start it is due.
func reminders() []struct {
	kind ReminderKind
	lead time.Duration
} {
	return []struct {
		kind ReminderKind
		lead time.Duration
	}{{Reminder24h, 24 * time.Hour}, {Reminder2h, 2 * time.Hour}}
}

// ReminderEvent is the payload of activities.reminder; notifications tell
// the participants (confirmed and checked-in) that the activity is near.
type ReminderEvent struct {
	ActivityID     string       `json:"activity_id"`
	Kind           ReminderKind `json:"kind"`
	Title          string       `json:"title"`
	StartAt        time.Time    `json:"start_at"`
	OrganizerID    string       `json:"organizer_id"`
	ParticipantIDs []string     `json:"participant_ids"`
}

// TopicReminder is published once per activity and kind before the start.
const TopicReminder = "activities.reminder"

// sendReminders emits the reminders that are due at now for published and
// formed activities: a kind is due from its lead time before the start
// until the next kind is due, so an activity swept (or created) late gets
// only the latest reminder, never a stale one. Each reminder is a
// conditional update of its activity with the event in the same
// transaction, so concurrent sweeps on several replicas send it once. It
// reports how many reminders it sent.
func (s *Service) sendReminders(ctx context.Context, now time.Time) (int, error) {
	kinds := reminders()
	sent := 0
	for i, k := range kinds {
		after := now // the last kind is due until the start
		if i+1 < len(kinds) {
			after = now.Add(kinds[i+1].lead)
		}
		by := now.Add(k.lead)
		ids, err := s.store.DueReminders(ctx, k.kind, after, by, 500)
		if err != nil {
			return sent, err
		}
		for _, id := range ids {
			ok, err := s.store.Remind(ctx, id, k.kind, after, by, now)
			if err != nil {
				return sent, err
			}
			if ok {
				sent++
			}
		}
	}
	return sent, nil
}
