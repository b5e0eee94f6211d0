package adminstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/admin"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/outbox"
)

type announcementRow struct {
	ID          string `gorm:"primaryKey"`
	Title       string
	Content     string
	Status      string
	Pinned      bool
	Audience    string
	StartsAt    sql.NullTime
	EndsAt      sql.NullTime
	PublishedAt sql.NullTime
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (announcementRow) TableName() string { return "announcements" }

func nullTime(t time.Time) sql.NullTime {
	if t.IsZero() {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC(), Valid: true}
}

func fromNull(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

func toRow(a *admin.Announcement) announcementRow {
	return announcementRow{ID: a.ID, Title: a.Title, Content: a.Content, Status: a.Status, Pinned: a.Pinned, Audience: a.Audience,
		StartsAt: nullTime(a.StartsAt), EndsAt: nullTime(a.EndsAt), PublishedAt: nullTime(a.PublishedAt),
		CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC()}
}

func (r announcementRow) announcement() admin.Announcement {
	return admin.Announcement{ID: r.ID, Title: r.Title, Content: r.Content, Status: r.Status, Pinned: r.Pinned, Audience: r.Audience,
		StartsAt: fromNull(r.StartsAt), EndsAt: fromNull(r.EndsAt), PublishedAt: fromNull(r.PublishedAt),
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// CreateAnnouncement inserts a draft, audited.
func (s *Store) CreateAnnouncement(ctx context.Context, a *admin.Announcement) error {
	r := toRow(a)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, "announcement.create", "announcement", a.ID, nil, r.announcement())
	})
	if err != nil {
		return fmt.Errorf("create announcement: %w", err)
	}
	return nil
}

func loadAnnouncement(tx *gorm.DB, id string) (announcementRow, error) {
	var r announcementRow
	err := tx.Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return r, admin.ErrAnnouncementNotFound
	}
	return r, err
}

// Announcement returns one announcement.
func (s *Store) Announcement(ctx context.Context, id string) (*admin.Announcement, error) {
	r, err := loadAnnouncement(s.db.WithContext(ctx), id)
	if err != nil {
		if errors.Is(err, admin.ErrAnnouncementNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("load announcement: %w", err)
	}
	a := r.announcement()
	return &a, nil
}

// UpdateAnnouncement changes one announcement with fn, audited as action,
// the row locked while it runs; a change that publishes it writes
// admin.announcement_published in the same transaction.
func (s *Store) UpdateAnnouncement(ctx context.Context, id, action string, fn func(a *admin.Announcement) error) (*admin.Announcement, error) {
	var after admin.Announcement
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Take the row's write lock first (on PostgreSQL), so two changes
		// of one announcement apply one after the other.
		if err := tx.Exec("UPDATE announcements SET id = id WHERE id = ?", id).Error; err != nil {
			return err
		}
		r, err := loadAnnouncement(tx, id)
		if err != nil {
			return err
		}
		before := r.announcement()
		after = before
		if err := fn(&after); err != nil {
			return err
		}
		nr := toRow(&after)
		if err := tx.Model(&announcementRow{}).Where("id = ?", id).Updates(map[string]any{
			"title": nr.Title, "content": nr.Content, "status": nr.Status, "pinned": nr.Pinned, "audience": nr.Audience,
			"starts_at": nr.StartsAt, "ends_at": nr.EndsAt, "published_at": nr.PublishedAt, "updated_at": nr.UpdatedAt,
		}).Error; err != nil {
			return err
		}
		if before.Status != admin.StatusPublished && after.Status == admin.StatusPublished {
			if _, err := outbox.Add(ctx, tx, admin.TopicAnnouncementPublished, admin.AnnouncementPublishedEvent{ID: id, Title: after.Title,
				Audience: after.Audience, StartsAt: after.StartsAt, PublishedAt: after.PublishedAt}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, action, "announcement", id, before, after)
	})
	if err != nil {
		if _, ok := errAs(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	return &after, nil
}

// DeleteAnnouncement removes one announcement, audited.
func (s *Store) DeleteAnnouncement(ctx context.Context, id string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := loadAnnouncement(tx, id)
		if err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM announcements WHERE id = ?", id).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, "announcement.delete", "announcement", id, r.announcement(), nil)
	})
	if err != nil && !errors.Is(err, admin.ErrAnnouncementNotFound) {
		return fmt.Errorf("delete announcement: %w", err)
	}
	return err
}

// ListAnnouncements returns one page, newest first, with the total.
func (s *Store) ListAnnouncements(ctx context.Context, f admin.AnnouncementFilter) ([]admin.Announcement, int64, error) {
	q := s.db.WithContext(ctx).Model(&announcementRow{})
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count announcements: %w", err)
	}
	var rows []announcementRow
	if err := q.Order("created_at DESC, id DESC").Offset((f.Page - 1) * f.PageSize).Limit(f.PageSize).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list announcements: %w", err)
	}
	return toList(rows), total, nil
}

// PublishedAnnouncements lists published announcements not ended at now.
func (s *Store) PublishedAnnouncements(ctx context.Context, now time.Time, limit int) ([]admin.Announcement, error) {
	var rows []announcementRow
	err := s.db.WithContext(ctx).Where("status = ? AND (ends_at IS NULL OR ends_at > ?)", admin.StatusPublished, now.UTC()).
		Order("pinned DESC, published_at DESC, id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list published announcements: %w", err)
	}
	return toList(rows), nil
}

func toList(rows []announcementRow) []admin.Announcement {
	out := make([]admin.Announcement, len(rows))
	for i := range rows {
		out[i] = rows[i].announcement()
	}
	return out
}
