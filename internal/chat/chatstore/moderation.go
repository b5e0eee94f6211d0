package chatstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/chat"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// Mute silences a member until the given time (the zero time lifts it);
// false when they are not an active member.
func (s *Store) Mute(ctx context.Context, roomID, userID string, until time.Time) (bool, error) {
	var v *time.Time
	if !until.IsZero() {
		u := until.UTC()
		v = &u
	}
	res := s.db.WithContext(ctx).Exec(`UPDATE chat_members SET muted_until = ? WHERE room_id = ? AND user_id = ? AND left_at IS NULL`,
		v, roomID, userID)
	if res.Error != nil {
		return false, fmt.Errorf("mute member: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Remove takes a participant out of a room for good (a seat change does
// not bring them back); false when they were not an active participant.
func (s *Store) Remove(ctx context.Context, roomID, userID string, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE chat_members SET removed = TRUE, left_at = ? WHERE room_id = ? AND user_id = ?
		AND left_at IS NULL AND role <> ?`, now.UTC(), roomID, userID, chat.RoleOrganizer)
	if res.Error != nil {
		return false, fmt.Errorf("remove member: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Members lists a room's active members, organizer first.
func (s *Store) Members(ctx context.Context, roomID string) ([]chat.Member, error) {
	var rows []memberRow
	err := s.db.WithContext(ctx).Where("room_id = ? AND left_at IS NULL AND NOT removed", roomID).
		Order("CASE WHEN role = 'organizer' THEN 0 ELSE 1 END, joined_at, user_id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	out := make([]chat.Member, len(rows))
	for i := range rows {
		out[i] = rows[i].member()
	}
	return out, nil
}

// Message loads a message of a room.
func (s *Store) Message(ctx context.Context, roomID, id string) (*chat.Message, error) {
	var r messageRow
	err := s.db.WithContext(ctx).Where("room_id = ? AND id = ?", roomID, id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, chat.ErrMessageNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load message: %w", err)
	}
	m := r.message()
	return &m, nil
}

// MessageByID loads a message of any room.
func (s *Store) MessageByID(ctx context.Context, id string) (*chat.Message, error) {
	var r messageRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, chat.ErrMessageNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load message: %w", err)
	}
	m := r.message()
	return &m, nil
}

// DeleteMessage withdraws a message (its content is no longer served);
// false when it was deleted before.
func (s *Store) DeleteMessage(ctx context.Context, roomID, id string, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE chat_messages SET deleted_at = ? WHERE room_id = ? AND id = ? AND deleted_at IS NULL`,
		now.UTC(), roomID, id)
	if res.Error != nil {
		return false, fmt.Errorf("delete message: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

type reportRow struct {
	ID         string `gorm:"primaryKey"`
	RoomID     string
	MessageID  string
	ReporterID string
	Reason     string
	Snapshot   string
	CreatedAt  time.Time
}

func (reportRow) TableName() string { return "chat_reports" }

// Report files a report of a message, once per reporter (created false
// when they reported it before).
func (s *Store) Report(ctx context.Context, r chat.Report) (bool, error) {
	row := reportRow{ID: r.ID, RoomID: r.RoomID, MessageID: r.MessageID, ReporterID: r.ReporterID, Reason: r.Reason,
		Snapshot: r.Snapshot, CreatedAt: r.CreatedAt.UTC()}
	err := s.db.WithContext(ctx).Create(&row).Error
	if sqldb.IsUniqueViolation(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("file report: %w", err)
	}
	return true, nil
}
