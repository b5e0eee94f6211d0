// Package notificationsstore is the GORM store of the notifications
// module, with its migrations for SQLite and PostgreSQL.
package notificationsstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/notifications"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the module's migration trees.
func Migrations() sqldb.Migrations { return sqldb.Embedded("notifications", migrations) }

// Store keeps notifications, preferences and delivery markers.
type Store struct{ db *gorm.DB }

// New returns a store over db.
func New(db *sqldb.DB) *Store { return &Store{db: db.Gorm} }

var _ notifications.Store = (*Store)(nil)

type notificationRow struct {
	ID            string `gorm:"primaryKey"`
	UserID        string
	Type          string
	Title         string
	Body          string
	Link          string
	Data          string
	SourceEventID string
	CreatedAt     time.Time
	ReadAt        *time.Time
}

func (notificationRow) TableName() string { return "notifications" }

func (r notificationRow) notification() notifications.Notification {
	n := notifications.Notification{ID: r.ID, UserID: r.UserID, Type: notifications.Type(r.Type), Title: r.Title, Body: r.Body,
		Link: r.Link, Data: []byte(r.Data), SourceEventID: r.SourceEventID, CreatedAt: r.CreatedAt.UTC()}
	if r.ReadAt != nil {
		at := r.ReadAt.UTC()
		n.ReadAt = &at
	}
	return n
}

// Create inserts the notifications whose (source event, user, type) is
// new, ignoring the others, and returns every stored notification of
// those keys.
func (s *Store) Create(ctx context.Context, list []notifications.Notification) ([]notifications.Notification, error) {
	if len(list) == 0 {
		return nil, nil
	}
	db := s.db.WithContext(ctx)
	var out []notifications.Notification
	for _, n := range list {
		data := string(n.Data)
		if data == "" {
			data = "{}"
		}
		if err := db.Exec(`INSERT INTO notifications (id, user_id, type, title, body, link, data, source_event_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_event_id, user_id, type) DO NOTHING`,
			n.ID, n.UserID, string(n.Type), n.Title, n.Body, n.Link, data, n.SourceEventID, n.CreatedAt.UTC()).Error; err != nil {
			return nil, fmt.Errorf("create notification: %w", err)
		}
		var row notificationRow
		if err := db.Where("source_event_id = ? AND user_id = ? AND type = ?", n.SourceEventID, n.UserID, string(n.Type)).
			Take(&row).Error; err != nil {
			return nil, fmt.Errorf("load notification: %w", err)
		}
		out = append(out, row.notification())
	}
	return out, nil
}

// List returns a user's notifications, newest first, after a position.
func (s *Store) List(ctx context.Context, userID string, after *notifications.Cursor, unreadOnly bool, limit int) ([]notifications.Notification, error) {
	q := s.db.WithContext(ctx).Model(&notificationRow{}).Where("user_id = ?", userID)
	if unreadOnly {
		q = q.Where("read_at IS NULL")
	}
	if after != nil {
		at := after.CreatedAt.UTC()
		q = q.Where("(created_at < ? OR (created_at = ? AND id < ?))", at, at, after.ID)
	}
	var rows []notificationRow
	if err := q.Order("created_at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	out := make([]notifications.Notification, len(rows))
	for i := range rows {
		out[i] = rows[i].notification()
	}
	return out, nil
}

// UnreadCount counts a user's unread notifications.
func (s *Store) UnreadCount(ctx context.Context, userID string) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&notificationRow{}).Where("user_id = ? AND read_at IS NULL", userID).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count unread: %w", err)
	}
	return n, nil
}

// MarkRead marks the user's unread notifications among ids (all when ids
// is nil) read.
func (s *Store) MarkRead(ctx context.Context, userID string, ids []string, now time.Time) (int64, error) {
	q := s.db.WithContext(ctx).Model(&notificationRow{}).Where("user_id = ? AND read_at IS NULL", userID)
	if ids != nil {
		q = q.Where("id IN ?", ids)
	}
	res := q.Update("read_at", now.UTC())
	if res.Error != nil {
		return 0, fmt.Errorf("mark read: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// Get loads one notification.
func (s *Store) Get(ctx context.Context, id string) (*notifications.Notification, error) {
	var row notificationRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, notifications.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load notification: %w", err)
	}
	n := row.notification()
	return &n, nil
}

type preferenceRow struct {
	UserID    string `gorm:"primaryKey"`
	Type      string `gorm:"primaryKey"`
	Channel   string `gorm:"primaryKey"`
	Enabled   bool
	UpdatedAt time.Time
}

func (preferenceRow) TableName() string { return "notification_preferences" }

// Preferences returns a user's stored choices.
func (s *Store) Preferences(ctx context.Context, userID string) ([]notifications.Preference, error) {
	var rows []preferenceRow
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load preferences: %w", err)
	}
	out := make([]notifications.Preference, len(rows))
	for i, r := range rows {
		out[i] = notifications.Preference{Type: notifications.Type(r.Type), Channel: notifications.Channel(r.Channel), Enabled: r.Enabled}
	}
	return out, nil
}

// SetPreferences upserts a user's choices in one transaction.
func (s *Store) SetPreferences(ctx context.Context, userID string, prefs []notifications.Preference, now time.Time) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, p := range prefs {
			if err := tx.Exec(`INSERT INTO notification_preferences (user_id, type, channel, enabled, updated_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (user_id, type, channel) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`,
				userID, string(p.Type), string(p.Channel), p.Enabled, now.UTC()).Error; err != nil {
				return fmt.Errorf("save preference: %w", err)
			}
		}
		return nil
	})
}

type deliveryRow struct {
	NotificationID string `gorm:"primaryKey"`
	Channel        string `gorm:"primaryKey"`
	State          string
	DeliveredAt    time.Time
	Attempts       int
	IdempotencyKey string
}

func (deliveryRow) TableName() string { return "notification_deliveries" }

func (s *Store) delivery(ctx context.Context, id string, ch notifications.Channel) (*deliveryRow, error) {
	var rows []deliveryRow
	if err := s.db.WithContext(ctx).Where("notification_id = ? AND channel = ?", id, string(ch)).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load delivery: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// Delivered returns the delivery state of a notification on a channel.
func (s *Store) Delivered(ctx context.Context, id string, ch notifications.Channel) (string, error) {
	r, err := s.delivery(ctx, id, ch)
	if err != nil || r == nil {
		return "", err
	}
	return r.State, nil
}

// BeginAttempt records a send about to begin (committed before it), one
// more attempt of an unsettled pair.
func (s *Store) BeginAttempt(ctx context.Context, id string, ch notifications.Channel, key string, now time.Time) (notifications.Attempt, error) {
	err := s.db.WithContext(ctx).Exec(`INSERT INTO notification_deliveries (notification_id, channel, state, delivered_at, attempts, idempotency_key)
		VALUES (?, ?, ?, ?, 1, ?)
		ON CONFLICT (notification_id, channel) DO UPDATE SET attempts = notification_deliveries.attempts + 1, delivered_at = excluded.delivered_at
		WHERE notification_deliveries.state = ?`,
		id, string(ch), notifications.DeliveryAttempting, now.UTC(), key, notifications.DeliveryAttempting).Error
	if err != nil {
		return notifications.Attempt{}, fmt.Errorf("begin delivery attempt: %w", err)
	}
	r, err := s.delivery(ctx, id, ch)
	if err != nil {
		return notifications.Attempt{}, err
	}
	if r == nil {
		return notifications.Attempt{}, fmt.Errorf("begin delivery attempt: row of %s by %s missing", id, ch)
	}
	return notifications.Attempt{State: r.State, N: r.Attempts, Key: r.IdempotencyKey}, nil
}

// MarkDelivered settles a delivery once: an attempting row (or none)
// takes the state, a settled one keeps its own.
func (s *Store) MarkDelivered(ctx context.Context, id string, ch notifications.Channel, state string, now time.Time) error {
	err := s.db.WithContext(ctx).Exec(`INSERT INTO notification_deliveries (notification_id, channel, state, delivered_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (notification_id, channel) DO UPDATE SET state = excluded.state, delivered_at = excluded.delivered_at
		WHERE notification_deliveries.state = ?`, id, string(ch), state, now.UTC(), notifications.DeliveryAttempting).Error
	if err != nil {
		return fmt.Errorf("mark delivery: %w", err)
	}
	return nil
}
