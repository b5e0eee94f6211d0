package clubshttp

import (
	"context"
	"time"

	"github.com/zuju/zuju/internal/clubs"
)

// ClubBanDTO is a ban from a club.
type ClubBanDTO struct {
	User      ClubPersonDTO `json:"user"`
	Reason    string        `json:"reason"`
	Permanent bool          `json:"permanent"`
	Until     *time.Time    `json:"until,omitempty" doc:"when the ban ends; absent for a permanent one"`
	BannedBy  string        `json:"banned_by"`
	CreatedAt time.Time     `json:"created_at"`
}

func toBan(b *clubs.BanView) ClubBanDTO {
	return ClubBanDTO{User: ClubPersonDTO{ID: b.Person.ID, Nickname: b.Person.Nickname, AvatarURL: b.Person.AvatarURL},
		Reason: b.Reason, Permanent: b.Until == nil, Until: b.Until, BannedBy: b.By, CreatedAt: b.CreatedAt}
}

type clubBanIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		UserID string `json:"user_id" minLength:"1" maxLength:"64"`
		Reason string `json:"reason,omitempty" maxLength:"800"`
		Days   int    `json:"days,omitempty" minimum:"0" maximum:"100000" doc:"ban length in days (1–3650); absent or 0: permanent"`
	}
}

type clubBanOut struct{ Body ClubBanDTO }

func (h handlers) ban(ctx context.Context, in *clubBanIn) (*clubBanOut, error) {
	b, err := h.svc.BanMember(ctx, in.ID, in.Body.UserID, in.Body.Reason, in.Body.Days)
	if err != nil {
		return nil, err
	}
	return &clubBanOut{Body: toBan(b)}, nil
}

type clubBansOut struct {
	Body struct {
		Items []ClubBanDTO `json:"items"`
	}
}

func (h handlers) bans(ctx context.Context, in *clubIdIn) (*clubBansOut, error) {
	list, err := h.svc.Bans(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := &clubBansOut{}
	out.Body.Items = make([]ClubBanDTO, len(list))
	for i := range list {
		out.Body.Items[i] = toBan(&list[i])
	}
	return out, nil
}

type clubUnbanIn struct {
	ID     string `path:"id" maxLength:"64"`
	UserID string `path:"user_id" maxLength:"64"`
}

func (h handlers) unban(ctx context.Context, in *clubUnbanIn) (*struct{}, error) {
	return nil, h.svc.Unban(ctx, in.ID, in.UserID)
}
