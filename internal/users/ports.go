package users

import (
	"context"
	"time"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/ratelimit"
	"github.com/zuju/zuju/internal/platform/textfilter"
)

// Store persists the module's data. Methods that change data for staff take
// an Audit and write it in the same transaction.
type Store interface {
	CreateUser(ctx context.Context, u *User) error
	UserByID(ctx context.Context, id string) (*User, error)
	UserByPhone(ctx context.Context, phone string) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
	UserByOpenID(ctx context.Context, openID string) (*User, error)
	// Contacts loads the names, avatars and phones of the accounts with
	// these ids (unknown ids are left out).
	Contacts(ctx context.Context, ids []string) ([]Contact, error)
	// AccountIDs lists the ids of accounts not banned at now after the id
	// after ("" from the start), in id order, at most limit; staffOnly
	// keeps moderators, admins and super admins.
	AccountIDs(ctx context.Context, after string, staffOnly bool, now time.Time, limit int) ([]string, error)
	UpdateProfile(ctx context.Context, id string, p ProfilePatch, now time.Time) (*User, error)
	SetPhone(ctx context.Context, id, phone string, now time.Time) error
	PromoteAdmin(ctx context.Context, id, hash string, roles []auth.Role, now time.Time, a Audit) (*User, []string, error)
	TouchLogin(ctx context.Context, id string, at time.Time) error
	// MarkActive records the user active on day (YYYY-MM-DD) from at,
	// once: a day recorded already keeps its first time.
	MarkActive(ctx context.Context, userID, day string, at time.Time) error
	// Counts counts the accounts created in [from, to) and the active days
	// whose first time falls in it.
	Counts(ctx context.Context, from, to time.Time) (Counts, error)
	// FirstCreatedAt is the creation time of the oldest account (zero
	// without accounts).
	FirstCreatedAt(ctx context.Context) (time.Time, error)
	SetUserTags(ctx context.Context, userID string, tagIDs []string) error

	CreateSession(ctx context.Context, s *Session, first *RefreshToken) error
	Rotate(ctx context.Context, oldHash string, next *RefreshToken, now time.Time) (RotateResult, error)
	RevokeSession(ctx context.Context, sessionID string, now time.Time) error
	SessionByTokenHash(ctx context.Context, hash string) (*Session, error)
	SessionState(ctx context.Context, sessionID string) (*Session, *User, error)
	ActiveSessions(ctx context.Context, userID string, now time.Time) ([]Session, error)

	CreateSMSCode(ctx context.Context, c *SMSCode) error
	LastSMSCode(ctx context.Context, phone, purpose string) (*SMSCode, error)
	SpendSMSAttempt(ctx context.Context, id string, max int) (bool, error)
	ConsumeSMSCode(ctx context.Context, id string, now time.Time) (bool, error)
	PurgeExpired(ctx context.Context, now time.Time) (int64, error)

	Tags(ctx context.Context) ([]Tag, error)
	TagsByIDs(ctx context.Context, ids []string) ([]Tag, error)
	CreateTag(ctx context.Context, t *Tag, a Audit) error
	UpdateTag(ctx context.Context, id string, name, category *string, sort *int, a Audit) (*Tag, error)
	DeleteTag(ctx context.Context, id string, a Audit) error

	ListUsers(ctx context.Context, f UserFilter) ([]User, int64, error)
	AuditRead(ctx context.Context, a Audit) error
	Ban(ctx context.Context, id, reason string, until *time.Time, now time.Time, a Audit) (*User, []string, error)
	Unban(ctx context.Context, id string, now time.Time, a Audit) (*User, []string, error)
	SetRoles(ctx context.Context, id string, roles []auth.Role, now time.Time, a Audit) (*User, []string, error)
}

// Audit describes the audit row a staff mutation writes, and the event it
// publishes (Topic empty: none).
type Audit struct {
	Action     string
	TargetType string
	TargetID   string
	Note       string
	Topic      string
}

// RotateResult tells what happened to a presented refresh token.
type RotateResult struct {
	// Outcome is one of RotateOK, RotateUnknown, RotateReused, RotateExpired, RotateRevoked.
	Outcome   int
	SessionID string
	UserID    string
}

// Rotation outcomes.
const (
	RotateOK = iota
	RotateUnknown
	RotateReused
	RotateExpired
	RotateRevoked
)

// ProfilePatch holds the profile fields a user may change; nil = unchanged.
type ProfilePatch struct {
	Nickname  *string
	AvatarURL *string
	Bio       *string
	City      *string
	Gender    *string
}

// UserFilter selects users for the admin list.
type UserFilter struct {
	Query    string
	Role     string
	Status   string
	Page     int
	PageSize int
}

// Cache is the shared cache (in process or Redis).
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	Add(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error)
	Delete(ctx context.Context, keys ...string) error
}

// Limiter throttles by key (in process or Redis).
type Limiter interface {
	Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Result, error)
	Reset(ctx context.Context, key string) error
}

// SMSSender delivers a verification code to a phone.
type SMSSender interface {
	SendCode(ctx context.Context, phone, purpose, code string) error
}

// WeChatIdentity is what WeChat tells about a mini program user.
type WeChatIdentity struct {
	OpenID  string
	UnionID string
}

// WeChatLogin exchanges a wx.login code for the user's identity. It returns
// ErrWeChatCode for a bad or used code, ErrWeChatUnavailable otherwise.
type WeChatLogin interface {
	Code2Session(ctx context.Context, code string) (WeChatIdentity, error)
	// PhoneNumber resolves a getPhoneNumber button code to the phone the
	// user chose (11-digit mainland form).
	PhoneNumber(ctx context.Context, code string) (string, error)
}

// TextFilter is the moderation pipeline as the users module needs it: the
// verdict on a text someone puts on their own profile (nickname or bio),
// from the sensitive words and, when one is configured, an outside
// content-security check. Result.Text is the text with replace words
// masked.
type TextFilter interface {
	CheckProfile(ctx context.Context, text string) textfilter.Result
}

// FileStore keeps uploaded files and returns their public URL.
type FileStore interface {
	Put(ctx context.Context, key, contentType string, data []byte) (string, error)
}
