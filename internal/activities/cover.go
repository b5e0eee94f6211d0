package activities

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/uuid"

	"github.com/zuju/zuju/internal/platform/errs"
	"github.com/zuju/zuju/internal/platform/files"
	"github.com/zuju/zuju/internal/platform/ratelimit"
)

// CoverSettings tune cover uploads; they share the file store and the
// per-user upload budget with avatars.
type CoverSettings struct {
	// MaxBytes is the largest image accepted.
	MaxBytes int64
	// PerUser limits the uploads of one account (key upload:user:<id>).
	PerUser ratelimit.Limit
	Logger  *slog.Logger
}

type covers struct {
	files   FileStore
	limiter Limiter
	set     CoverSettings
}

// SetCovers connects the file store and upload limiter of cover images.
func (s *Service) SetCovers(f FileStore, lim Limiter, set CoverSettings) {
	if set.Logger == nil {
		set.Logger = slog.Default()
	}
	s.details.covers = covers{files: f, limiter: lim, set: set}
}

// MaxCoverBytes is the largest cover SetCover accepts; callers read at
// most one byte more.
func (s *Service) MaxCoverBytes() int64 { return s.details.covers.set.MaxBytes }

// SetCover stores an uploaded image as the cover of a draft or published
// activity (its organizer or an admin). The type is sniffed from the
// content, never taken from the client.
func (s *Service) SetCover(ctx context.Context, id string, data []byte) (*Activity, error) {
	a, p, err := s.manage(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.Status.Editable() {
		return nil, ErrNotEditable
	}
	c := s.details.covers
	if c.files == nil {
		return nil, ErrUploadsOff
	}
	if int64(len(data)) > c.set.MaxBytes {
		return nil, ErrImageTooLarge.WithDetail(fmt.Sprintf("图片不能超过 %.1f MB", float64(c.set.MaxBytes)/(1<<20)))
	}
	if err := c.allow(ctx, p.UserID); err != nil {
		return nil, err
	}
	ct, ext, ok := files.SniffImage(data)
	if !ok {
		return nil, ErrInvalidImage
	}
	url, err := c.files.Put(ctx, "covers/"+a.ID+"/"+uuid.Must(uuid.NewV7()).String()+ext, ct, data)
	if err != nil {
		return nil, fmt.Errorf("store cover: %w", err)
	}
	var au Audit
	if a.OrganizerID != p.UserID {
		au = Audit{Action: "activity.cover", TargetType: "activity", TargetID: a.ID, Note: url}
	}
	return s.store.SetCover(ctx, a.ID, url, s.clock(), au)
}

// allow spends one upload of the user's budget; a broken limiter lets the
// upload through rather than lock everybody out.
func (c covers) allow(ctx context.Context, userID string) error {
	if c.limiter == nil || c.set.PerUser.Rate <= 0 {
		return nil
	}
	res, err := c.limiter.Allow(ctx, "upload:user:"+userID, c.set.PerUser)
	if err != nil {
		c.set.Logger.Warn("rate limiter unavailable", "key_kind", "upload", "err", err)
		return nil
	}
	if !res.Allowed {
		return errs.ErrRateLimited.WithRetryAfter(res.RetryAfter)
	}
	return nil
}
