package clubshttp

import (
	"context"
	"time"

	"github.com/zuju/zuju/internal/clubs"
	"github.com/zuju/zuju/internal/platform/auth"
)

// ClubApplicationDTO is a join application.
type ClubApplicationDTO struct {
	ID        string     `json:"id"`
	ClubID    string     `json:"club_id"`
	UserID    string     `json:"user_id"`
	Message   string     `json:"message"`
	Answers   []string   `json:"answers"`
	Status    string     `json:"status" enum:"pending,approved,rejected"`
	Reason    string     `json:"reason,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	DecidedAt *time.Time `json:"decided_at"`
}

func toApplication(a *clubs.Application) ClubApplicationDTO {
	d := ClubApplicationDTO{ID: a.ID, ClubID: a.ClubID, UserID: a.UserID, Message: a.Message, Answers: a.Answers, Status: string(a.Status),
		Reason: a.Reason, CreatedAt: a.CreatedAt, DecidedAt: a.DecidedAt}
	if d.Answers == nil {
		d.Answers = []string{}
	}
	return d
}

type clubApplyIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Message string   `json:"message,omitempty" maxLength:"2000"`
		Answers []string `json:"answers,omitempty" maxItems:"5" doc:"one answer per question of the club, in order"`
	}
}

type clubApplicationOut struct{ Body ClubApplicationDTO }

func (h handlers) apply(ctx context.Context, in *clubApplyIn) (*clubApplicationOut, error) {
	a, err := h.svc.Apply(ctx, in.ID, in.Body.Message, in.Body.Answers)
	if err != nil {
		return nil, err
	}
	return &clubApplicationOut{Body: toApplication(a)}, nil
}

type clubApplicationsIn struct {
	ID     string `path:"id" maxLength:"64"`
	Status string `query:"status" enum:"pending,approved,rejected," default:"pending"`
}

type clubApplicationsOut struct {
	Body struct {
		Items []ClubApplicationDTO `json:"items"`
	}
}

func (h handlers) applications(ctx context.Context, in *clubApplicationsIn) (*clubApplicationsOut, error) {
	list, err := h.svc.Applications(ctx, in.ID, clubs.ApplicationStatus(in.Status))
	if err != nil {
		return nil, err
	}
	out := &clubApplicationsOut{}
	out.Body.Items = make([]ClubApplicationDTO, len(list))
	for i := range list {
		out.Body.Items[i] = toApplication(&list[i])
	}
	return out, nil
}

type clubDecideIn struct {
	ID    string `path:"id" maxLength:"64"`
	AppID string `path:"app_id" maxLength:"64"`
	Body  *struct {
		Reason string `json:"reason,omitempty" maxLength:"800"`
	}
}

func (in *clubDecideIn) reason() string {
	if in.Body == nil {
		return ""
	}
	return in.Body.Reason
}

func (h handlers) approve(ctx context.Context, in *clubDecideIn) (*clubApplicationOut, error) {
	a, err := h.svc.Decide(ctx, in.ID, in.AppID, true, in.reason())
	if err != nil {
		return nil, err
	}
	return &clubApplicationOut{Body: toApplication(a)}, nil
}

func (h handlers) reject(ctx context.Context, in *clubDecideIn) (*clubApplicationOut, error) {
	a, err := h.svc.Decide(ctx, in.ID, in.AppID, false, in.reason())
	if err != nil {
		return nil, err
	}
	return &clubApplicationOut{Body: toApplication(a)}, nil
}

// ClubMemberDTO is a member of a club.
type ClubMemberDTO struct {
	User     ClubPersonDTO `json:"user"`
	Role     string        `json:"role" enum:"owner,officer,member"`
	JoinedAt time.Time     `json:"joined_at"`
}

type clubMembersOut struct {
	Body struct {
		Items []ClubMemberDTO `json:"items"`
	}
}

func (h handlers) members(ctx context.Context, in *clubIdIn) (*clubMembersOut, error) {
	list, err := h.svc.Members(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := &clubMembersOut{}
	out.Body.Items = make([]ClubMemberDTO, len(list))
	for i, m := range list {
		out.Body.Items[i] = ClubMemberDTO{User: ClubPersonDTO{ID: m.Person.ID, Nickname: m.Person.Nickname, AvatarURL: m.Person.AvatarURL},
			Role: string(m.Role), JoinedAt: m.JoinedAt}
	}
	return out, nil
}

type clubMemberIn struct {
	ID     string `path:"id" maxLength:"64"`
	UserID string `path:"user_id" maxLength:"64"`
}

type clubRoleIn struct {
	ID     string `path:"id" maxLength:"64"`
	UserID string `path:"user_id" maxLength:"64"`
	Body   struct {
		Role string `json:"role" enum:"owner,officer,member" doc:"owner hands the club over to this member"`
	}
}

type clubMemberOut struct{ Body ClubMemberDTO }

func (h handlers) setRole(ctx context.Context, in *clubRoleIn) (*clubMemberOut, error) {
	m, err := h.svc.SetRole(ctx, in.ID, in.UserID, clubs.Role(in.Body.Role))
	if err != nil {
		return nil, err
	}
	return &clubMemberOut{Body: ClubMemberDTO{User: ClubPersonDTO{ID: m.UserID}, Role: string(m.Role), JoinedAt: m.JoinedAt}}, nil
}

func (h handlers) remove(ctx context.Context, in *clubMemberIn) (*struct{}, error) {
	if p, ok := auth.From(ctx); ok && p.UserID == in.UserID {
		return nil, h.svc.Leave(ctx, in.ID)
	}
	return nil, h.svc.Remove(ctx, in.ID, in.UserID)
}

func (h handlers) favorite(ctx context.Context, in *clubIdIn) (*struct{}, error) {
	return nil, h.svc.Favorite(ctx, in.ID, true)
}

func (h handlers) unfavorite(ctx context.Context, in *clubIdIn) (*struct{}, error) {
	return nil, h.svc.Favorite(ctx, in.ID, false)
}
