package activitiesstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// SignupByID loads one sign-up.
func (s *Store) SignupByID(ctx context.Context, id string) (*activities.Signup, error) {
	var r signupRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		if sqldb.IsNotFound(err) {
			return nil, activities.ErrSignupNotFound
		}
		return nil, fmt.Errorf("load sign-up: %w", err)
	}
	sg := r.signup()
	return &sg, nil
}

// CheckIn moves a confirmed sign-up of a formed activity to checked_in
// with one conditional update, so of two scans (on any replicas) only one
// checks in; the other learns why nothing changed. It first takes the
// activity's row, on the condition that it is formed (the lock order of
// holds.go): a cancellation or the end running at the same time either
// comes first, and the check-in finds it closed, or waits for it.
func (s *Store) CheckIn(ctx context.Context, signupID string, now time.Time) (*activities.Signup, error) {
	var changed bool
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var activityID []string
		if err := tx.Model(&signupRow{}).Where("id = ?", signupID).Pluck("activity_id", &activityID).Error; err != nil {
			return fmt.Errorf("load sign-up: %w", err)
		}
		if len(activityID) == 0 {
			return activities.ErrSignupNotFound
		}
		formed := tx.Model(&row{}).Where("id = ? AND status = ?", activityID[0], string(activities.StatusFormed)).
			UpdateColumn("updated_at", gorm.Expr("updated_at"))
		if formed.Error != nil {
			return fmt.Errorf("lock activity: %w", formed.Error)
		}
		if formed.RowsAffected == 0 {
			return nil // finished or cancelled: told apart below
		}
		res := tx.Model(&signupRow{}).Where("id = ? AND status = ?", signupID, string(activities.SignupConfirmed)).
			Updates(map[string]any{"status": string(activities.SignupCheckedIn), "checked_in_at": now.UTC(), "updated_at": now.UTC()})
		if res.Error != nil {
			return fmt.Errorf("check in: %w", res.Error)
		}
		changed = res.RowsAffected == 1
		return nil
	})
	if err != nil {
		return nil, err
	}
	sg, err := s.SignupByID(ctx, signupID)
	if err != nil {
		return nil, err
	}
	switch {
	case changed:
		return sg, nil
	case sg.Status == activities.SignupCheckedIn:
		return sg, activities.ErrAlreadyCheckedIn
	case sg.Status == activities.SignupConfirmed:
		// The activity stopped being formed meanwhile (finished or cancelled).
		return nil, activities.ErrCheckInClosed
	default:
		return nil, activities.ErrCheckInNotConfirmed.WithDetail("该报名" + sg.Status.Label() + "，不能签到")
	}
}

// markNoShows runs inside the transaction that finishes an activity (whose
// conditional status update makes it happen once): every sign-up still
// confirmed becomes no_show and each such user's count goes up by one.
func markNoShows(ctx context.Context, tx *gorm.DB, activityID string, now time.Time) error {
	var users []string
	err := tx.WithContext(ctx).Raw("UPDATE signups SET status = ?, updated_at = ? WHERE activity_id = ? AND status = ? RETURNING user_id",
		string(activities.SignupNoShow), now.UTC(), activityID, string(activities.SignupConfirmed)).Scan(&users).Error
	if err != nil {
		return fmt.Errorf("mark no-shows: %w", err)
	}
	// In one order, so two activities finishing at once with the same
	// people take their count rows in the same order (never a deadlock).
	slices.Sort(users)
	const batch = 200
	for len(users) > 0 {
		n := min(batch, len(users))
		values := strings.TrimSuffix(strings.Repeat("(?, 1, ?),", n), ",")
		args := make([]any, 0, 2*n)
		for _, u := range users[:n] {
			args = append(args, u, now.UTC())
		}
		err := tx.WithContext(ctx).Exec("INSERT INTO user_no_shows (user_id, no_show_count, updated_at) VALUES "+values+
			" ON CONFLICT (user_id) DO UPDATE SET no_show_count = user_no_shows.no_show_count + 1, updated_at = excluded.updated_at", args...).Error
		if err != nil {
			return fmt.Errorf("count no-shows: %w", err)
		}
		users = users[n:]
	}
	return nil
}

// participantRow is a sign-up with its user's no-show count.
type participantRow struct {
	Signup      signupRow `gorm:"embedded"`
	NoShowCount int
}

// Roster lists an activity's sign-ups (confirmed first, then the waitlist
// in order) with each user's no-show count; a non-empty audit is written
// in the same transaction as the read.
func (s *Store) Roster(ctx context.Context, activityID string, a activities.Audit) ([]activities.Participant, error) {
	var rows []participantRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Raw(`SELECT s.*, COALESCE(n.no_show_count, 0) AS no_show_count
			FROM signups s LEFT JOIN user_no_shows n ON n.user_id = s.user_id
			WHERE s.activity_id = ?
			ORDER BY CASE WHEN s.status = 'waitlisted' THEN 1 ELSE 0 END, s.position, s.created_at, s.id
			LIMIT 10000`, activityID).Scan(&rows).Error
		if err != nil {
			return fmt.Errorf("list participants: %w", err)
		}
		if a.Action == "" {
			return nil
		}
		return audit.Record(ctx, tx, a.Action, a.TargetType, a.TargetID, nil, map[string]int{"rows": len(rows)})
	})
	if err != nil {
		return nil, err
	}
	out := make([]activities.Participant, len(rows))
	for i, r := range rows {
		out[i] = activities.Participant{Signup: r.Signup.signup(), NoShowCount: r.NoShowCount}
	}
	return out, nil
}
