package users

import (
	"context"
	"fmt"
	"slices"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/errs"
	"github.com/zuju/zuju/internal/platform/files"
	"github.com/zuju/zuju/internal/platform/textfilter"
)

// Memberships tells the account its paid membership (the payments
// module answers).
type Memberships interface {
	Membership(ctx context.Context, userID string) (*Membership, error)
}

// SetMemberships connects the membership lookup of Me.
func (s *Service) SetMemberships(m Memberships) { s.memberships = m }

// SetTextFilter connects the moderation pipeline that nicknames and bios
// go through (nil: they are not checked).
func (s *Service) SetTextFilter(f TextFilter) { s.filter = f }

// screenProfile runs a nickname or bio through the moderation pipeline and
// returns what to store. Replace words are masked. Block refuses the text
// with blocked. Review refuses it too: a profile has no review queue and a
// nickname or bio is shown live next to everything its owner writes, so
// it cannot wait for a moderator while already on screen. This is what the
// clubs module does with the names and descriptions of clubs; only posts
// and comments, which have a queue, are published as pending review.
func (s *Service) screenProfile(ctx context.Context, text string, blocked *errs.Error) (string, error) {
	if s.filter == nil || text == "" {
		return text, nil
	}
	res := s.filter.CheckProfile(ctx, text)
	if res.Action >= textfilter.Review {
		return "", blocked
	}
	return res.Text, nil
}

// Me returns the caller's own account with its membership.
func (s *Service) Me(ctx context.Context) (*User, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.Store.UserByID(ctx, p.UserID)
	if err != nil || s.memberships == nil {
		return u, err
	}
	if u.Membership, err = s.memberships.Membership(ctx, u.ID); err != nil {
		return nil, fmt.Errorf("load membership: %w", err)
	}
	return u, nil
}

// WeChatOpenID returns the openid a user pays with in the mini program
// ("" when the account is not bound to WeChat).
func (s *Service) WeChatOpenID(ctx context.Context, userID string) (string, error) {
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return "", err
	}
	return u.WeChatOpenID, nil
}

// Public returns the public fields of an account.
func (s *Service) Public(ctx context.Context, id string) (PublicProfile, error) {
	u, err := s.Store.UserByID(ctx, id)
	if err != nil {
		return PublicProfile{}, err
	}
	return PublicProfile{ID: u.ID, Nickname: u.Nickname, AvatarURL: u.AvatarURL, Bio: u.Bio, City: u.City}, nil
}

// UpdateProfile changes the caller's own profile.
func (s *Service) UpdateProfile(ctx context.Context, patch ProfilePatch) (*User, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if patch.Nickname != nil {
		v, ok := CleanText(*patch.Nickname, 1, 20, false)
		if !ok {
			return nil, ErrInvalidNickname
		}
		if v, err = s.screenProfile(ctx, v, ErrNicknameBlocked); err != nil {
			return nil, err
		}
		patch.Nickname = &v
	}
	if patch.Bio != nil {
		v, ok := CleanText(*patch.Bio, 0, 200, true)
		if !ok {
			return nil, ErrInvalidProfile.WithDetail("个人简介不能超过 200 个字符")
		}
		if v, err = s.screenProfile(ctx, v, ErrBioBlocked); err != nil {
			return nil, err
		}
		patch.Bio = &v
	}
	if patch.City != nil {
		v, ok := CleanText(*patch.City, 0, 30, false)
		if !ok {
			return nil, ErrInvalidProfile.WithDetail("城市名称不能超过 30 个字符")
		}
		patch.City = &v
	}
	if patch.Gender != nil && !slices.Contains(Genders, *patch.Gender) {
		return nil, ErrInvalidProfile.WithDetail("性别只能是 male、female、other 或留空")
	}
	if patch.AvatarURL != nil && !validAvatarURL(*patch.AvatarURL) {
		return nil, ErrInvalidProfile.WithDetail("头像地址必须是本站上传的图片或 https 地址")
	}
	return s.Store.UpdateProfile(ctx, p.UserID, patch, s.now())
}

func validAvatarURL(u string) bool {
	if u == "" {
		return true
	}
	if len(u) > 500 {
		return false
	}
	return (len(u) > 8 && u[:8] == "https://") || (len(u) > 7 && u[:7] == "/files/")
}

// SetTags replaces the caller's interest tags (at most MaxTags).
func (s *Service) SetTags(ctx context.Context, tagIDs []string) (*User, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	slices.Sort(tagIDs)
	tagIDs = slices.Compact(tagIDs)
	if len(tagIDs) > MaxTags {
		return nil, ErrTooManyTags
	}
	if len(tagIDs) > 0 {
		found, err := s.Store.TagsByIDs(ctx, tagIDs)
		if err != nil {
			return nil, err
		}
		if len(found) != len(tagIDs) {
			return nil, ErrUnknownTag
		}
	}
	if err := s.Store.SetUserTags(ctx, p.UserID, tagIDs); err != nil {
		return nil, err
	}
	return s.Store.UserByID(ctx, p.UserID)
}

// InterestTagIDs returns the ids of a user's interest tags (other modules
// rank by them; no authorization, the caller passes a signed-in user's id).
func (s *Service) InterestTagIDs(ctx context.Context, userID string) ([]string, error) {
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(u.Tags))
	for i, t := range u.Tags {
		ids[i] = t.ID
	}
	return ids, nil
}

// Tags lists the interest tag catalog.
func (s *Service) Tags(ctx context.Context) ([]Tag, error) { return s.Store.Tags(ctx) }

// MaxImageBytes is the largest image SetAvatar accepts; callers read at
// most one byte more.
func (s *Service) MaxImageBytes() int64 { return s.s.MaxImageBytes }

// SetAvatar stores an uploaded image as the caller's avatar. The type is
// sniffed from the content, never taken from the client.
func (s *Service) SetAvatar(ctx context.Context, data []byte) (*User, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > s.s.MaxImageBytes {
		return nil, ErrImageTooLarge.WithDetail(fmt.Sprintf("图片不能超过 %.1f MB", float64(s.s.MaxImageBytes)/(1<<20)))
	}
	if err := s.limit(ctx, "upload:user:"+p.UserID, s.s.UploadsPerUser, errs.ErrRateLimited); err != nil {
		return nil, err
	}
	ct, ext, ok := files.SniffImage(data)
	if !ok {
		return nil, ErrInvalidImage
	}
	url, err := s.Files.Put(ctx, "avatars/"+p.UserID+"/"+newID()+ext, ct, data)
	if err != nil {
		return nil, err
	}
	return s.Store.UpdateProfile(ctx, p.UserID, ProfilePatch{AvatarURL: &url}, s.now())
}
