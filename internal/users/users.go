// Package users owns accounts: registration and sign-in (password, SMS code,
// WeChat), sessions and refresh tokens, profiles, interest tags, and the
// staff actions on accounts (search, ban, roles).
package users

import (
	"strings"
	"time"

	"github.com/zuju/zuju/internal/platform/auth"
)

// Account statuses.
const (
	StatusActive = "active"
	StatusBanned = "banned"
)

// Genders a profile may state ("" = not stated).
var Genders = []string{"", "male", "female", "other"}

// MaxTags is how many interest tags a user may pick.
const MaxTags = 10

// User is an account as stored.
type User struct {
	ID            string
	Phone         string
	Email         string
	PasswordHash  string
	Nickname      string
	AvatarURL     string
	Bio           string
	City          string
	Gender        string
	Roles         []auth.Role
	Status        string
	BanReason     string
	BannedUntil   *time.Time
	WeChatOpenID  string
	WeChatUnionID string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	LastLoginAt   *time.Time
	Tags          []Tag
	// Membership is filled by Me (nil: never a member).
	Membership *Membership
}

// Membership is a user's paid membership as the account shows it.
type Membership struct {
	Active    bool
	PlanID    string
	ExpiresAt time.Time
}

// BannedAt reports whether the account is banned at time now.
func (u *User) BannedAt(now time.Time) bool {
	if u.Status != StatusBanned {
		return false
	}
	return u.BannedUntil == nil || now.Before(*u.BannedUntil)
}

// PublicProfile is what anyone may see of an account.
type PublicProfile struct {
	ID, Nickname, AvatarURL, Bio, City string
}

// Tag is an interest tag of the catalog.
type Tag struct {
	ID        string
	Name      string
	Category  string
	Sort      int
	CreatedAt time.Time
}

// Session is one signed-in device: a refresh-token family.
type Session struct {
	ID         string
	UserID     string
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  *time.Time
	UserAgent  string
	IP         string
}

// RefreshToken is one link of a session's rotation chain.
type RefreshToken struct {
	ID        string
	SessionID string
	UserID    string
	Hash      string
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

// SMSCode is a one-time code sent to a phone.
type SMSCode struct {
	ID         string
	Phone      string
	Purpose    string
	Hash       string
	Attempts   int
	ExpiresAt  time.Time
	ConsumedAt *time.Time
	CreatedAt  time.Time
	IP         string
}

// SMS code purposes.
const (
	PurposeLogin    = "login"
	PurposeBind     = "bind"
	PurposeRegister = "register"
)

// Tokens is the result of a sign-in.
type Tokens struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    int
	User         *User
}

// MaskPhone hides the middle of a phone number: 138****1234.
func MaskPhone(p string) string {
	if len(p) < 7 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + "****" + p[len(p)-4:]
}

// MaskEmail hides most of the local part: a***@example.com.
func MaskEmail(e string) string {
	at := strings.IndexByte(e, '@')
	if at <= 0 {
		return ""
	}
	return e[:1] + "***" + e[at:]
}
