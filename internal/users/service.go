package users

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/errs"
	"github.com/zuju/zuju/internal/platform/ratelimit"
	"github.com/zuju/zuju/internal/platform/reqctx"
)

// Settings tune the service.
type Settings struct {
	RefreshTTL      time.Duration
	SMSCodeTTL      time.Duration
	SMSMaxAttempts  int
	SMSCooldown     time.Duration
	SessionCacheTTL time.Duration
	LoginPerIP      ratelimit.Limit
	LoginPerAccount ratelimit.Limit
	RegisterPerIP   ratelimit.Limit
	SMSPerPhone     ratelimit.Limit
	SMSPerIP        ratelimit.Limit
	RefreshPerIP    ratelimit.Limit
	UploadsPerUser  ratelimit.Limit
	MaxImageBytes   int64
	// CodeKey keys the HMAC under which SMS codes are stored.
	CodeKey []byte
	// DayZone is the zone whose midnight starts the day a user is
	// recorded active on (the statistics' zone; UTC when nil).
	DayZone *time.Location
}

// DefaultSettings are the production defaults.
func DefaultSettings() Settings {
	return Settings{
		RefreshTTL:      30 * 24 * time.Hour,
		SMSCodeTTL:      5 * time.Minute,
		SMSMaxAttempts:  5,
		SMSCooldown:     60 * time.Second,
		SessionCacheTTL: 15 * time.Second,
		LoginPerIP:      ratelimit.PerMinute(30),
		LoginPerAccount: ratelimit.Per(5, 15*time.Minute),
		RegisterPerIP:   ratelimit.PerHour(20),
		SMSPerPhone:     ratelimit.PerHour(10),
		SMSPerIP:        ratelimit.PerHour(30),
		RefreshPerIP:    ratelimit.PerMinute(60),
		UploadsPerUser:  ratelimit.PerHour(30),
		MaxImageBytes:   2 << 20,
	}
}

// Deps are the service's collaborators.
type Deps struct {
	Store   Store
	Tokens  *auth.Tokens
	Hasher  *auth.Hasher
	Cache   Cache
	Limiter Limiter
	SMS     SMSSender
	WeChat  WeChatLogin // nil when WeChat login is not configured
	Files   FileStore
	Logger  *slog.Logger
	Now     func() time.Time
}

// Service implements the accounts use cases.
type Service struct {
	Deps
	s           Settings
	memberships Memberships
	filter      TextFilter
	active      activeSeen
}

// NewService returns the accounts service.
func NewService(d Deps, s Settings) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Service{Deps: d, s: s}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

func (s *Service) limit(ctx context.Context, key string, l ratelimit.Limit, e *errs.Error) error {
	if l.Rate <= 0 {
		return nil
	}
	res, err := s.Limiter.Allow(ctx, key, l)
	if err != nil {
		// A broken limiter must not lock everybody out; log and allow.
		s.Logger.Warn("rate limiter unavailable", "key_kind", strings.SplitN(key, ":", 2)[0], "err", err)
		return nil
	}
	if !res.Allowed {
		return e.WithRetryAfter(res.RetryAfter)
	}
	return nil
}

// RegisterInput is a new account by password.
type RegisterInput struct {
	Phone, Email, Password, Nickname string
	// Code is the SMS code (purpose register) that proves the phone is the
	// registrant's; required with Phone.
	Code string
}

// Register creates an account with a password and signs it in. A phone
// must be proven with an SMS code, so nobody can register someone else's
// number (and later share the account its owner signs in to by SMS).
// Emails are not verified yet: an email account is only reachable by its
// password.
func (s *Service) Register(ctx context.Context, in RegisterInput) (*Tokens, error) {
	ip := reqctx.From(ctx).ClientIP
	if err := s.limit(ctx, "register:ip:"+ip, s.s.RegisterPerIP, errs.ErrRateLimited); err != nil {
		return nil, err
	}
	u := &User{ID: newID(), Roles: []auth.Role{auth.RoleUser}, Status: StatusActive}
	if in.Phone == "" && in.Email == "" {
		return nil, ErrAccountRequired
	}
	if in.Phone != "" {
		p, ok := NormalizePhone(in.Phone)
		if !ok {
			return nil, ErrInvalidPhone
		}
		u.Phone = p
	}
	if in.Email != "" {
		e, ok := NormalizeEmail(in.Email)
		if !ok {
			return nil, ErrInvalidEmail
		}
		u.Email = e
	}
	nick, ok := CleanText(in.Nickname, 1, 20, false)
	if !ok {
		return nil, ErrInvalidNickname
	}
	nick, err := s.screenProfile(ctx, nick, ErrNicknameBlocked)
	if err != nil {
		return nil, err
	}
	u.Nickname = nick
	if !CheckPassword(in.Password) {
		return nil, ErrWeakPassword
	}
	hash, err := s.Hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	u.PasswordHash = hash
	if u.Phone != "" {
		if in.Code == "" {
			return nil, ErrSMSCodeRequired
		}
		if err := s.verifyCode(ctx, u.Phone, PurposeRegister, in.Code); err != nil {
			return nil, err
		}
	}
	now := s.now()
	u.CreatedAt, u.UpdatedAt = now, now
	if err := s.Store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return s.startSession(ctx, u)
}

// CreateAdmin makes (or promotes) a super admin from the command line.
func (s *Service) CreateAdmin(ctx context.Context, phone, email, password, nickname string) (*User, error) {
	if !CheckPassword(password) {
		return nil, ErrWeakPassword
	}
	var existing *User
	var err error
	switch {
	case phone != "":
		p, ok := NormalizePhone(phone)
		if !ok {
			return nil, ErrInvalidPhone
		}
		phone = p
		existing, err = s.Store.UserByPhone(ctx, phone)
	case email != "":
		e, ok := NormalizeEmail(email)
		if !ok {
			return nil, ErrInvalidEmail
		}
		email = e
		existing, err = s.Store.UserByEmail(ctx, email)
	default:
		return nil, ErrAccountRequired
	}
	if err != nil && !errors.Is(err, ErrUserNotFound) {
		return nil, err
	}
	hash, err := s.Hasher.Hash(ctx, password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	roles := []auth.Role{auth.RoleUser, auth.RoleSuperAdmin}
	if existing != nil {
		// Promoting an existing account: new password, super admin, and every
		// session it had ends, so nobody who held it before keeps access.
		ctx = auth.WithPrincipal(ctx, auth.Principal{UserID: "system:cli", SessionID: "cli"})
		u, sessions, err := s.Store.PromoteAdmin(ctx, existing.ID, hash, roles, now,
			Audit{Action: "user.promote_admin", TargetType: "user", TargetID: existing.ID, Note: "zuju admin create", Topic: TopicRolesChanged})
		if err != nil {
			return nil, err
		}
		s.dropSessionCache(ctx, sessions)
		return u, nil
	}
	if nickname == "" {
		nickname = "管理员"
	}
	u := &User{ID: newID(), Phone: phone, Email: email, PasswordHash: hash, Nickname: nickname,
		Roles: roles, Status: StatusActive, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// Login signs in with phone or email and password. Unknown accounts take
// as long as wrong passwords; attempts are throttled per ip and per account.
func (s *Service) Login(ctx context.Context, account, password string) (*Tokens, error) {
	ip := reqctx.From(ctx).ClientIP
	if err := s.limit(ctx, "login:ip:"+ip, s.s.LoginPerIP, ErrTooManyAttempts); err != nil {
		return nil, err
	}
	var u *User
	var err error
	key := strings.ToLower(strings.TrimSpace(account))
	if p, ok := NormalizePhone(account); ok {
		key = p
		u, err = s.Store.UserByPhone(ctx, p)
	} else if e, ok := NormalizeEmail(account); ok {
		key = e
		u, err = s.Store.UserByEmail(ctx, e)
	} else {
		err = ErrUserNotFound
	}
	if err != nil && !errors.Is(err, ErrUserNotFound) {
		return nil, err
	}
	acctKey := "login:account:" + hashToken(key)[:32]
	if err := s.limit(ctx, acctKey, s.s.LoginPerAccount, ErrTooManyAttempts); err != nil {
		return nil, err
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	ok, err := s.Hasher.Verify(ctx, password, hash)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrInvalidCredentials
	}
	if err := s.checkBan(u); err != nil {
		return nil, err
	}
	_ = s.Limiter.Reset(ctx, acctKey)
	return s.startSession(ctx, u)
}

func (s *Service) checkBan(u *User) error {
	if !u.BannedAt(s.now()) {
		return nil
	}
	if u.BannedUntil != nil {
		return ErrBanned.WithDetail(fmt.Sprintf("账号已被封禁至 %s（原因：%s）",
			u.BannedUntil.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04"), u.BanReason))
	}
	return ErrBanned.WithDetail(fmt.Sprintf("账号已被永久封禁（原因：%s）", u.BanReason))
}

func (s *Service) startSession(ctx context.Context, u *User) (*Tokens, error) {
	now := s.now()
	info := reqctx.From(ctx)
	sess := &Session{ID: newID(), UserID: u.ID, CreatedAt: now, LastUsedAt: now,
		UserAgent: truncate(info.UserAgent, 200), IP: info.ClientIP}
	raw := randomToken()
	rt := &RefreshToken{ID: newID(), SessionID: sess.ID, UserID: u.ID, Hash: hashToken(raw),
		ExpiresAt: now.Add(s.s.RefreshTTL), CreatedAt: now}
	if err := s.Store.CreateSession(ctx, sess, rt); err != nil {
		return nil, err
	}
	if err := s.Store.TouchLogin(ctx, u.ID, now); err != nil {
		s.Logger.Warn("record login time", "err", err)
	}
	s.markActive(ctx, u.ID, now)
	return s.issue(ctx, u, sess.ID, raw)
}

func (s *Service) issue(ctx context.Context, u *User, sessionID, refresh string) (*Tokens, error) {
	access, err := s.Tokens.Issue(auth.Principal{UserID: u.ID, SessionID: sessionID, Roles: u.Roles})
	if err != nil {
		return nil, err
	}
	if u.Tags == nil {
		if full, err := s.Store.UserByID(ctx, u.ID); err == nil {
			u = full
		}
	}
	return &Tokens{AccessToken: access, RefreshToken: refresh, ExpiresIn: int(s.Tokens.TTL().Seconds()), User: u}, nil
}

// Refresh rotates a refresh token. Presenting a spent token revokes its
// whole session (the newest token of the family stops working too).
func (s *Service) Refresh(ctx context.Context, refresh string) (*Tokens, error) {
	ip := reqctx.From(ctx).ClientIP
	if err := s.limit(ctx, "refresh:ip:"+ip, s.s.RefreshPerIP, errs.ErrRateLimited); err != nil {
		return nil, err
	}
	if refresh == "" || len(refresh) > 200 {
		return nil, ErrRefreshInvalid
	}
	now := s.now()
	raw := randomToken()
	next := &RefreshToken{ID: newID(), Hash: hashToken(raw), ExpiresAt: now.Add(s.s.RefreshTTL), CreatedAt: now}
	res, err := s.Store.Rotate(ctx, hashToken(refresh), next, now)
	if err != nil {
		return nil, err
	}
	switch res.Outcome {
	case RotateOK:
	case RotateReused:
		if err := s.Store.RevokeSession(ctx, res.SessionID, now); err != nil {
			return nil, err
		}
		s.dropSessionCache(ctx, []string{res.SessionID})
		s.Logger.Warn("refresh token reuse: session revoked", "session_id", res.SessionID, "user_id", res.UserID)
		return nil, ErrRefreshReused
	case RotateRevoked:
		return nil, ErrSessionRevoked
	default:
		return nil, ErrRefreshInvalid
	}
	u, err := s.Store.UserByID(ctx, res.UserID)
	if err != nil {
		return nil, err
	}
	if err := s.checkBan(u); err != nil {
		return nil, err
	}
	s.markActive(ctx, u.ID, now)
	return s.issue(ctx, u, res.SessionID, raw)
}

// Logout ends the session the refresh token belongs to. Unknown tokens are
// ignored so logout is idempotent.
func (s *Service) Logout(ctx context.Context, refresh string) error {
	if refresh == "" || len(refresh) > 200 {
		return nil
	}
	sess, err := s.Store.SessionByTokenHash(ctx, hashToken(refresh))
	if errors.Is(err, ErrRefreshInvalid) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.Store.RevokeSession(ctx, sess.ID, s.now()); err != nil {
		return err
	}
	s.dropSessionCache(ctx, []string{sess.ID})
	return nil
}

// Authenticate verifies an access token and that its session is still
// live, returning the principal with the account's current roles. Results
// are cached briefly (set-if-absent), while revocations and role changes
// overwrite the cache, so they take effect on every replica at once.
func (s *Service) Authenticate(ctx context.Context, token string) (auth.Principal, error) {
	p, err := s.Tokens.Verify(token)
	if err != nil {
		return p, err
	}
	key := "sess:" + p.SessionID
	if b, ok, err := s.Cache.Get(ctx, key); err == nil && ok {
		return decodeSession(p, string(b))
	}
	sess, u, err := s.Store.SessionState(ctx, p.SessionID)
	val := "-"
	switch {
	case errors.Is(err, ErrSessionRevoked):
	case err != nil:
		return p, err
	case sess.RevokedAt == nil && sess.UserID == p.UserID && !u.BannedAt(s.now()):
		val = encodeRoles(u.Roles)
	}
	// Add, not Set: a revocation or role change written meanwhile wins over
	// what this request read before it.
	if ok, err := s.Cache.Add(ctx, key, []byte(val), s.s.SessionCacheTTL); err == nil && !ok {
		if b, found, err := s.Cache.Get(ctx, key); err == nil && found {
			val = string(b)
		}
	}
	return decodeSession(p, val)
}

func encodeRoles(roles []auth.Role) string {
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = string(r)
	}
	return "+" + strings.Join(parts, ",")
}

func decodeSession(p auth.Principal, v string) (auth.Principal, error) {
	if !strings.HasPrefix(v, "+") {
		return auth.Principal{}, ErrSessionRevoked
	}
	p.Roles = nil
	for _, r := range strings.Split(v[1:], ",") {
		if r != "" {
			p.Roles = append(p.Roles, auth.Role(r))
		}
	}
	return p, nil
}

// dropSessionCache marks sessions as revoked in the shared cache so every
// replica rejects them at once; the database is already updated.
func (s *Service) dropSessionCache(ctx context.Context, sessionIDs []string) {
	for _, id := range sessionIDs {
		if err := s.Cache.Set(ctx, "sess:"+id, []byte("-"), s.s.SessionCacheTTL); err != nil {
			s.Logger.Warn("session cache update failed", "err", err)
		}
	}
}

// rolesToSessionCache writes an account's new roles to the cache of its
// live sessions, overwriting whatever a concurrent request cached before.
func (s *Service) rolesToSessionCache(ctx context.Context, u *User, sessionIDs []string) {
	val := []byte(encodeRoles(u.Roles))
	if u.BannedAt(s.now()) {
		val = []byte("-")
	}
	for _, id := range sessionIDs {
		if err := s.Cache.Set(ctx, "sess:"+id, val, s.s.SessionCacheTTL); err != nil {
			s.Logger.Warn("session cache update failed", "err", err)
		}
	}
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// sixDigits returns a uniformly random 6-digit code.
func sixDigits() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%06d", n.Int64())
}

func (s *Service) codeHash(phone, purpose, code string) string {
	m := hmac.New(sha256.New, s.s.CodeKey)
	m.Write([]byte(purpose + "|" + phone + "|" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// PurgeExpired deletes sign-in material nobody can use any more: SMS codes a
// day after expiry, expired refresh tokens, and sessions a month after they
// ended.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	return s.Store.PurgeExpired(ctx, s.now())
}

// MySessions lists the caller's signed-in devices, newest first.
func (s *Service) MySessions(ctx context.Context) ([]Session, string, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, "", err
	}
	list, err := s.Store.ActiveSessions(ctx, p.UserID, s.now())
	return list, p.SessionID, err
}

// EndMySession signs out one of the caller's own devices. Another user's
// session id is answered as not found.
func (s *Service) EndMySession(ctx context.Context, sessionID string) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	sess, _, err := s.Store.SessionState(ctx, sessionID)
	if errors.Is(err, ErrSessionRevoked) || (err == nil && sess.UserID != p.UserID) {
		return ErrSessionNotFound
	}
	if err != nil {
		return err
	}
	if err := s.Store.RevokeSession(ctx, sessionID, s.now()); err != nil {
		return err
	}
	s.dropSessionCache(ctx, []string{sessionID})
	return nil
}
