package admin

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zuju/zuju/internal/platform/auth"
)

// Announcement statuses.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
)

// Audiences: who is shown an announcement.
const (
	AudienceAll   = "all"   // the H5 app and the admin console
	AudienceH5    = "h5"    // the H5 app and mini program
	AudienceAdmin = "admin" // the admin console only
)

// Announcement is a notice staff write for the apps. Titles and bodies are
// staff texts and do not go through the sensitive-word filter. The JSON
// form is what the audit log and the cache store.
type Announcement struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Content     string    `json:"content"`
	Status      string    `json:"status"`
	Pinned      bool      `json:"pinned"`
	Audience    string    `json:"audience"`
	StartsAt    time.Time `json:"starts_at,omitzero"` // zero: from publication
	EndsAt      time.Time `json:"ends_at,omitzero"`   // zero: until unpublished
	PublishedAt time.Time `json:"published_at,omitzero"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Visible reports whether a is shown to audience at now.
func (a *Announcement) Visible(audience string, now time.Time) bool {
	if a.Status != StatusPublished {
		return false
	}
	if !a.StartsAt.IsZero() && now.Before(a.StartsAt) {
		return false
	}
	if !a.EndsAt.IsZero() && !now.Before(a.EndsAt) {
		return false
	}
	return a.Audience == AudienceAll || a.Audience == audience
}

// AnnouncementInput is a new announcement or a change (nil fields stay
// as they are; a set time that is zero clears it).
type AnnouncementInput struct {
	Title    *string
	Content  *string
	Pinned   *bool
	Audience *string
	StartsAt *time.Time
	EndsAt   *time.Time
}

// AnnouncementFilter selects announcements for the admin list.
type AnnouncementFilter struct {
	Status         string
	Page, PageSize int
}

func (in AnnouncementInput) apply(a *Announcement) error {
	if in.Title != nil {
		a.Title = strings.TrimSpace(*in.Title)
	}
	if in.Content != nil {
		a.Content = strings.TrimSpace(*in.Content)
	}
	if in.Pinned != nil {
		a.Pinned = *in.Pinned
	}
	if in.Audience != nil {
		a.Audience = *in.Audience
	}
	if in.StartsAt != nil {
		a.StartsAt = in.StartsAt.UTC()
	}
	if in.EndsAt != nil {
		a.EndsAt = in.EndsAt.UTC()
	}
	if n := utf8.RuneCountInString(a.Title); n < 1 || n > 100 {
		return ErrBadTitle
	}
	if n := utf8.RuneCountInString(a.Content); n < 1 || n > 10000 {
		return ErrBadContent
	}
	switch a.Audience {
	case AudienceAll, AudienceH5, AudienceAdmin:
	default:
		return ErrBadAudience
	}
	if !a.StartsAt.IsZero() && !a.EndsAt.IsZero() && !a.EndsAt.After(a.StartsAt) {
		return ErrBadWindow
	}
	return nil
}

// CreateAnnouncement stores a draft (admins; audited).
func (s *Service) CreateAnnouncement(ctx context.Context, in AnnouncementInput) (*Announcement, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	a := &Announcement{ID: s.newID(), Status: StatusDraft, Audience: AudienceAll, CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
	if err := in.apply(a); err != nil {
		return nil, err
	}
	if err := s.ann.CreateAnnouncement(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// Announcements lists announcements of any status, newest first (staff).
func (s *Service) Announcements(ctx context.Context, f AnnouncementFilter) ([]Announcement, int64, error) {
	if _, err := auth.RequireRole(ctx, auth.StaffRoles()...); err != nil {
		return nil, 0, err
	}
	return s.ann.ListAnnouncements(ctx, f)
}

// Announcement returns one announcement of any status (staff).
func (s *Service) Announcement(ctx context.Context, id string) (*Announcement, error) {
	if _, err := auth.RequireRole(ctx, auth.StaffRoles()...); err != nil {
		return nil, err
	}
	return s.ann.Announcement(ctx, id)
}

// AnnouncementToNotify returns an announcement as it is now, for the
// notifications of its publication (it checks no caller: the
// notifications job reads it to tell whether it is still published).
func (s *Service) AnnouncementToNotify(ctx context.Context, id string) (*Announcement, error) {
	return s.ann.Announcement(ctx, id)
}

func (s *Service) changeAnnouncement(ctx context.Context, id, action string, fn func(a *Announcement, now time.Time) error) (*Announcement, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	a, err := s.ann.UpdateAnnouncement(ctx, id, action, func(a *Announcement) error {
		if err := fn(a, now); err != nil {
			return err
		}
		a.UpdatedAt = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.forgetPublished(ctx)
	return a, nil
}

// UpdateAnnouncement edits an announcement, published or not (admins;
// audited).
func (s *Service) UpdateAnnouncement(ctx context.Context, id string, in AnnouncementInput) (*Announcement, error) {
	return s.changeAnnouncement(ctx, id, "announcement.update", func(a *Announcement, _ time.Time) error { return in.apply(a) })
}

// PublishAnnouncement shows a draft in the apps (admins; audited).
func (s *Service) PublishAnnouncement(ctx context.Context, id string) (*Announcement, error) {
	return s.changeAnnouncement(ctx, id, "announcement.publish", func(a *Announcement, now time.Time) error {
		if a.Status == StatusPublished {
			return ErrAlreadyPublished
		}
		if !a.EndsAt.IsZero() && !now.Before(a.EndsAt) {
			return ErrEnded
		}
		a.Status, a.PublishedAt = StatusPublished, now
		return nil
	})
}

// UnpublishAnnouncement takes a published announcement back to draft
// (admins; audited).
func (s *Service) UnpublishAnnouncement(ctx context.Context, id string) (*Announcement, error) {
	return s.changeAnnouncement(ctx, id, "announcement.unpublish", func(a *Announcement, _ time.Time) error {
		if a.Status != StatusPublished {
			return ErrNotPublished
		}
		a.Status, a.PublishedAt = StatusDraft, time.Time{}
		return nil
	})
}

// PinAnnouncement pins or unpins an announcement (admins; audited).
func (s *Service) PinAnnouncement(ctx context.Context, id string, pinned bool) (*Announcement, error) {
	action := "announcement.unpin"
	if pinned {
		action = "announcement.pin"
	}
	return s.changeAnnouncement(ctx, id, action, func(a *Announcement, _ time.Time) error {
		a.Pinned = pinned
		return nil
	})
}

// DeleteAnnouncement removes an announcement (admins; audited).
func (s *Service) DeleteAnnouncement(ctx context.Context, id string) error {
	if _, err := requireAdmin(ctx); err != nil {
		return err
	}
	if err := s.ann.DeleteAnnouncement(ctx, id); err != nil {
		return err
	}
	s.forgetPublished(ctx)
	return nil
}

const (
	publishedKey   = "admin:announcements:published:v1"
	publishedLimit = 100
)

// PublishedAnnouncements lists what audience (h5 or admin) is shown now:
// published, started and not ended, pinned first, then newest, at most
// announcements.public_limit. Anyone may
// read it. The list is cached for announcements.cache_ttl and filtered by
// time again on every read, so an announcement ends on time.
func (s *Service) PublishedAnnouncements(ctx context.Context, audience string) ([]Announcement, error) {
	if audience != AudienceAdmin {
		audience = AudienceH5
	}
	now := s.now().UTC()
	all, err := s.published(ctx, now)
	if err != nil {
		return nil, err
	}
	limit := int(s.configs.Int(KeyAnnouncementsPublicLimit))
	out := make([]Announcement, 0, min(len(all), limit))
	for i := range all {
		if len(out) < limit && all[i].Visible(audience, now) {
			out = append(out, all[i])
		}
	}
	return out, nil
}

func (s *Service) published(ctx context.Context, now time.Time) ([]Announcement, error) {
	if s.cache != nil {
		if b, ok, err := s.cache.Get(ctx, publishedKey); err == nil && ok {
			var list []Announcement
			if json.Unmarshal(b, &list) == nil {
				return list, nil
			}
		} else if err != nil {
			s.log.Warn("announcements cache", "err", err)
		}
	}
	list, err := s.ann.PublishedAnnouncements(ctx, now, publishedLimit)
	if err != nil {
		return nil, err
	}
	if s.cache != nil {
		if b, err := json.Marshal(list); err == nil {
			if err := s.cache.Set(ctx, publishedKey, b, s.configs.Duration(KeyAnnouncementsCacheTTL)); err != nil {
				s.log.Warn("announcements cache", "err", err)
			}
		}
	}
	return list, nil
}

// forgetPublished drops the cached list after a change.
func (s *Service) forgetPublished(ctx context.Context) {
	if s.cache == nil {
		return
	}
	if err := s.cache.Delete(context.WithoutCancel(ctx), publishedKey); err != nil {
		s.log.Warn("announcements cache", "err", err)
	}
}
