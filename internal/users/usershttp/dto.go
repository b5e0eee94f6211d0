// Package usershttp exposes the users module over HTTP (the "Accounts"
// part of the API and the staff routes on accounts and tags).
package usershttp

import (
	"time"

	"github.com/zuju/zuju/internal/users"
)

// TagDTO is an interest tag.
type TagDTO struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Category string `json:"category"`
	Sort     int    `json:"sort"`
}

// MembershipDTO tells whether the user has an active paid membership.
type MembershipDTO struct {
	Active    bool       `json:"active"`
	PlanID    *string    `json:"plan_id"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// UserDTO is the caller's own account. Contact data is masked.
type UserDTO struct {
	ID          string        `json:"id"`
	Phone       *string       `json:"phone" doc:"masked, e.g. 138****1234"`
	Email       *string       `json:"email" doc:"masked"`
	PhoneBound  bool          `json:"phone_bound"`
	WeChatBound bool          `json:"wechat_bound"`
	Nickname    string        `json:"nickname"`
	AvatarURL   string        `json:"avatar_url"`
	Bio         string        `json:"bio"`
	City        string        `json:"city"`
	Gender      string        `json:"gender" enum:"male,female,other,"`
	Roles       []string      `json:"roles"`
	Tags        []TagDTO      `json:"tags"`
	Membership  MembershipDTO `json:"membership"`
	CreatedAt   time.Time     `json:"created_at"`
}

// PublicUserDTO is what anyone may see of an account.
type PublicUserDTO struct {
	ID        string `json:"id"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
	Bio       string `json:"bio"`
	City      string `json:"city"`
}

// AdminUserDTO is an account as staff see it.
type AdminUserDTO struct {
	ID          string     `json:"id"`
	Phone       *string    `json:"phone"`
	Email       *string    `json:"email"`
	Nickname    string     `json:"nickname"`
	AvatarURL   string     `json:"avatar_url"`
	Bio         string     `json:"bio"`
	City        string     `json:"city"`
	Gender      string     `json:"gender"`
	Roles       []string   `json:"roles"`
	Status      string     `json:"status" enum:"active,banned"`
	BanReason   string     `json:"ban_reason"`
	BannedUntil *time.Time `json:"banned_until"`
	WeChatBound bool       `json:"wechat_bound"`
	Tags        []TagDTO   `json:"tags"`
	CreatedAt   time.Time  `json:"created_at"`
	LastLoginAt *time.Time `json:"last_login_at"`
}

// TokensDTO is the answer of every sign-in.
type TokensDTO struct {
	AccessToken  string  `json:"access_token"`
	RefreshToken string  `json:"refresh_token"`
	TokenType    string  `json:"token_type" enum:"Bearer"`
	ExpiresIn    int     `json:"expires_in" doc:"access token lifetime in seconds"`
	User         UserDTO `json:"user"`
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func roles(u *users.User) []string {
	out := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		out[i] = string(r)
	}
	return out
}

func tagDTOs(ts []users.Tag) []TagDTO {
	out := make([]TagDTO, len(ts))
	for i, t := range ts {
		out[i] = TagDTO{ID: t.ID, Name: t.Name, Category: t.Category, Sort: t.Sort}
	}
	return out
}

func toUser(u *users.User) UserDTO {
	d := UserDTO{
		ID: u.ID, PhoneBound: u.Phone != "", WeChatBound: u.WeChatOpenID != "",
		Nickname: u.Nickname, AvatarURL: u.AvatarURL, Bio: u.Bio, City: u.City, Gender: u.Gender,
		Roles: roles(u), Tags: tagDTOs(u.Tags), CreatedAt: u.CreatedAt,
	}
	if m := u.Membership; m != nil {
		plan, exp := m.PlanID, m.ExpiresAt
		d.Membership = MembershipDTO{Active: m.Active, PlanID: &plan, ExpiresAt: &exp}
	}
	if u.Phone != "" {
		d.Phone = opt(users.MaskPhone(u.Phone))
	}
	if u.Email != "" {
		d.Email = opt(users.MaskEmail(u.Email))
	}
	return d
}

func toAdmin(u *users.User) AdminUserDTO {
	return AdminUserDTO{
		ID: u.ID, Phone: opt(u.Phone), Email: opt(u.Email), Nickname: u.Nickname, AvatarURL: u.AvatarURL,
		Bio: u.Bio, City: u.City, Gender: u.Gender, Roles: roles(u), Status: u.Status, BanReason: u.BanReason,
		BannedUntil: u.BannedUntil, WeChatBound: u.WeChatOpenID != "", Tags: tagDTOs(u.Tags),
		CreatedAt: u.CreatedAt, LastLoginAt: u.LastLoginAt,
	}
}

// toAdminListed hides contact data in list rows: only the audited detail
// view shows it in full.
func toAdminListed(u *users.User) AdminUserDTO {
	d := toAdmin(u)
	if u.Phone != "" {
		d.Phone = opt(users.MaskPhone(u.Phone))
	}
	if u.Email != "" {
		d.Email = opt(users.MaskEmail(u.Email))
	}
	return d
}

func toTokens(t *users.Tokens) TokensDTO {
	return TokensDTO{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: "Bearer",
		ExpiresIn: t.ExpiresIn, User: toUser(t.User)}
}
