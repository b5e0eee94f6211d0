// Package wechat is the adapter for the server API of the WeChat mini
// program: login (code2session), the phone number a user shares and the
// content-security text check (msg_sec_check, in security.go). It is
// built on github.com/silenceper/wechat/v2, which fetches and caches the
// access token (stable_token) for the calls that need one.
//
// Every call goes to Config.BaseURL through the caller's *http.Client (see
// transport.go for how). Errors wrap the sentinel errors of this package or
// are *APIError values; they never contain the app secret, an access token,
// a code or a session key, and neither does anything this package logs.
package wechat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/miniprogram"
	"github.com/silenceper/wechat/v2/miniprogram/auth"
	miniconfig "github.com/silenceper/wechat/v2/miniprogram/config"
)

// DefaultBaseURL is the WeChat API host used when Config.BaseURL is empty.
const DefaultBaseURL = "https://api.weixin.qq.com"

// DefaultTimeout bounds every HTTP exchange when NewMiniProgram is given no
// *http.Client.
const DefaultTimeout = 10 * time.Second

// maxCodeLen bounds the length of a code accepted from a client; real codes
// are a few dozen characters.
const maxCodeLen = 512

// Names of the operations, as they appear in errors and logs.
const (
	opCode2Session   = "code2session"
	opGetPhoneNumber = "get phone number"
)

// Paths of the API endpoints this package calls (directly or through the
// library).
const (
	pathToken       = "/cgi-bin/token"
	pathStableToken = "/cgi-bin/stable_token"
)

// Config configures a MiniProgram.
type Config struct {
	// AppID is the mini program's AppID (ZUJU_WECHAT_APPID).
	AppID string
	// Secret is the mini program's AppSecret (ZUJU_WECHAT_SECRET).
	Secret string
	// BaseURL is scheme and host (and optionally a path prefix) of the
	// WeChat API (ZUJU_WECHAT_BASE_URL); empty means DefaultBaseURL.
	BaseURL string
}

// String implements fmt.Stringer without revealing the secret.
func (c Config) String() string {
	return fmt.Sprintf("wechat.Config{AppID:%s Secret:%s BaseURL:%s}", c.AppID, redacted(c.Secret), c.BaseURL)
}

// LogValue implements slog.LogValuer without revealing the secret.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("app_id", c.AppID),
		slog.String("secret", redacted(c.Secret)),
		slog.String("base_url", c.BaseURL),
	)
}

func redacted(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// Session is the result of a successful login.
type Session struct {
	// OpenID identifies the user within this mini program.
	OpenID string
	// UnionID identifies the user across the apps of the same WeChat Open
	// Platform account; empty when WeChat does not disclose it.
	UnionID string
	// SessionKey is the key for data the mini program encrypts. It is a
	// secret: never log it or send it to a client.
	SessionKey string
}

// String implements fmt.Stringer without revealing the session key.
func (s Session) String() string {
	return fmt.Sprintf("wechat.Session{OpenID:%s UnionID:%s SessionKey:%s}", s.OpenID, s.UnionID, redacted(s.SessionKey))
}

// LogValue implements slog.LogValuer without revealing the session key.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(slog.Bool("has_unionid", s.UnionID != ""))
}

// MiniProgram calls the WeChat mini program server API. It is safe for
// concurrent use. Its access token lives in an in-memory cache of its own.
type MiniProgram struct {
	appID  string
	secret string
	base   *url.URL
	client *http.Client
	logger *slog.Logger
	cache  *lockedCache
	lib    *miniprogram.MiniProgram
}

// NewMiniProgram returns a MiniProgram for cfg. httpClient carries every
// request (nil means a client with DefaultTimeout); logger receives one line
// per failed call and a debug line per successful one (nil discards them).
// It also calls QuietLibraryLogs.
func NewMiniProgram(cfg Config, httpClient *http.Client, logger *slog.Logger) (*MiniProgram, error) {
	if cfg.AppID == "" || cfg.Secret == "" {
		return nil, errors.New("wechat: AppID and Secret are required")
	}
	raw := cfg.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("wechat: parse BaseURL: %w", err)
	}
	if (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("wechat: BaseURL %q must be http(s)://host[/prefix]", raw)
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: DefaultTimeout}
	}
	if _, loop := httpClient.Transport.(*router); loop {
		return nil, errors.New("wechat: the HTTP client must not be the library's routing client")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	QuietLibraryLogs()
	if !routingInstalled() {
		return nil, errors.New("wechat: the HTTP client of silenceper/wechat was replaced after start")
	}

	c := newLockedCache()
	lib := miniprogram.NewMiniProgram(&miniconfig.Config{
		AppID:     cfg.AppID,
		AppSecret: cfg.Secret,
		Cache:     c,
		// The stable token is not invalidated when another replica fetches
		// one, so N replicas with their own in-memory caches can coexist.
		UseStableAK: true,
	})
	return &MiniProgram{
		appID:  cfg.AppID,
		secret: cfg.Secret,
		base:   base,
		client: httpClient,
		logger: logger.With(slog.String("component", "wechat")),
		cache:  c,
		lib:    lib,
	}, nil
}

// Code2Session exchanges the code from wx.login for the user's session
// (auth.code2Session). A code is valid for one use within five minutes: an
// unknown, expired or used code gives an error matching ErrInvalidCode.
// Other errors may match ErrRateLimited, ErrUserBlocked or ErrUnavailable.
func (m *MiniProgram) Code2Session(ctx context.Context, code string) (Session, error) {
	if !plausibleCode(code) {
		return Session{}, fmt.Errorf("wechat: %s: malformed code: %w", opCode2Session, ErrInvalidCode)
	}
	var res auth.ResCode2Session
	err := m.call(ctx, opCode2Session, false, []string{code}, func(ctx context.Context) error {
		var err error
		// The library puts the code into the query unescaped.
		res, err = m.lib.GetAuth().Code2SessionContext(ctx, url.QueryEscape(code))
		return err
	})
	if err != nil {
		return Session{}, err
	}
	if res.OpenID == "" || res.SessionKey == "" {
		return Session{}, fmt.Errorf("wechat: %s: answer without openid or session_key", opCode2Session)
	}
	return Session{OpenID: res.OpenID, UnionID: res.UnionID, SessionKey: res.SessionKey}, nil
}

// GetPhoneNumber returns the phone number the user agreed to share, given
// the code of a getPhoneNumber button (phonenumber.getPhoneNumber). A
// mainland China number is returned as its 11 digits; other numbers as
// "+<country code><number>". The code is single use: errors match
// ErrInvalidCode, ErrRateLimited or ErrUnavailable like Code2Session's. The
// access token is fetched and cached as needed; when WeChat rejects a cached
// token, a new one is fetched and the call is tried once more.
func (m *MiniProgram) GetPhoneNumber(ctx context.Context, code string) (string, error) {
	if !plausibleCode(code) {
		return "", fmt.Errorf("wechat: %s: malformed code: %w", opGetPhoneNumber, ErrInvalidCode)
	}
	var res *auth.GetPhoneNumberResponse
	err := m.call(ctx, opGetPhoneNumber, true, []string{code}, func(ctx context.Context) error {
		var err error
		res, err = m.lib.GetAuth().GetPhoneNumberContext(ctx, code)
		return err
	})
	if err != nil {
		return "", err
	}
	info := res.PhoneInfo
	switch {
	case info.PurePhoneNumber == "":
		return "", fmt.Errorf("wechat: %s: answer without phone number", opGetPhoneNumber)
	case info.CountryCode == "" || info.CountryCode == "86":
		return info.PurePhoneNumber, nil
	default:
		return "+" + info.CountryCode + info.PurePhoneNumber, nil
	}
}

// call runs fn, a call into the library, with a context that routes its
// requests to m.base through m.client, and turns failures into this
// package's errors. sensitive lists values (codes) that must not appear in
// an error. With retryStaleToken, a call whose access token WeChat rejects
// is run once more after dropping the cached token.
func (m *MiniProgram) call(ctx context.Context, op string, retryStaleToken bool, sensitive []string, fn func(context.Context) error) error {
	if !routingInstalled() {
		return fmt.Errorf("wechat: %s: the HTTP client of silenceper/wechat was replaced after start; refusing to send", op)
	}
	start := time.Now()
	var err error
	for attempt := 1; ; attempt++ {
		rec := &exchange{}
		rctx := context.WithValue(ctx, routeKey{}, &route{base: m.base, client: m.client, rec: rec})
		libErr := fn(rctx)
		if libErr == nil {
			m.logger.LogAttrs(ctx, slog.LevelDebug, "wechat call succeeded",
				slog.String("op", op), slog.Int64("duration_ms", time.Since(start).Milliseconds()))
			return nil
		}
		err = m.classify(ctx, op, rec.facts(), libErr, sensitive)
		var apiErr *APIError
		if retryStaleToken && attempt == 1 && errors.As(err, &apiErr) && apiErr.tokenRejected() && !isTokenEndpoint(apiErr.Endpoint) {
			m.logger.LogAttrs(ctx, slog.LevelInfo, "wechat rejected the cached access token; fetching a new one",
				slog.String("op", op), slog.Int64("errcode", apiErr.Code))
			m.dropAccessToken()
			continue
		}
		break
	}
	m.logFailure(ctx, op, err, time.Since(start))
	return err
}

// classify builds the error of a failed library call from what the router
// recorded; the library's own error text is used only as a last resort,
// scrubbed.
func (m *MiniProgram) classify(ctx context.Context, op string, f exchangeFacts, libErr error, sensitive []string) error {
	ctxErr := ctx.Err()
	switch {
	case errors.Is(ctxErr, context.Canceled):
		return fmt.Errorf("wechat: %s: %w", op, ctxErr)
	case f.err != nil:
		return fmt.Errorf("wechat: %s: %s: %w: %w", op, f.endpoint, ErrUnavailable, m.scrubErr(f.err, sensitive))
	case f.status != 0 && f.status != http.StatusOK:
		return fmt.Errorf("wechat: %s: %s answered HTTP %d: %w", op, f.endpoint, f.status, ErrUnavailable)
	case f.errCode != 0:
		return &APIError{Op: op, Endpoint: f.endpoint, Code: f.errCode, Msg: m.scrub(f.errMsg, sensitive)}
	case ctxErr != nil:
		return fmt.Errorf("wechat: %s: %w: %w", op, ErrUnavailable, ctxErr)
	default:
		return fmt.Errorf("wechat: %s: %s", op, m.scrub(libErr.Error(), sensitive))
	}
}

func (m *MiniProgram) logFailure(ctx context.Context, op string, err error, d time.Duration) {
	level := slog.LevelWarn
	if errors.Is(err, ErrInvalidCode) || errors.Is(err, context.Canceled) {
		level = slog.LevelInfo
	}
	attrs := []slog.Attr{
		slog.String("op", op),
		slog.Int64("duration_ms", d.Milliseconds()),
		slog.String("error", err.Error()),
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		attrs = append(attrs, slog.Int64("errcode", apiErr.Code), slog.String("endpoint", apiErr.Endpoint))
	}
	m.logger.LogAttrs(ctx, level, "wechat call failed", attrs...)
}

// dropAccessToken removes the cached access token, so the next call fetches
// a new one. The key is the one credential.StableAccessToken uses; a test
// proves it still matches the library.
func (m *MiniProgram) dropAccessToken() {
	_ = m.cache.Delete(fmt.Sprintf("%s_stable_access_token_%s", credential.CacheKeyMiniProgramPrefix, m.appID))
}

func isTokenEndpoint(path string) bool {
	return path == pathToken || path == pathStableToken
}

// urlPattern matches URLs in the library's error strings.
var urlPattern = regexp.MustCompile(`(?i)https?://[^\s,]+`)

// scrub removes URLs, the secret and the given sensitive values from s.
func (m *MiniProgram) scrub(s string, sensitive []string) string {
	s = urlPattern.ReplaceAllString(s, "[url]")
	for _, v := range append([]string{m.secret}, sensitive...) {
		if v == "" {
			continue
		}
		s = strings.ReplaceAll(s, v, "[redacted]")
		if e := url.QueryEscape(v); e != v {
			s = strings.ReplaceAll(s, e, "[redacted]")
		}
	}
	return s
}

// scrubErr keeps err in the chain (for errors.Is) when its text is clean,
// and replaces it by a scrubbed copy of its text otherwise.
func (m *MiniProgram) scrubErr(err error, sensitive []string) error {
	text := err.Error()
	clean := m.scrub(text, sensitive)
	if clean == text {
		return err
	}
	return scrubbedError{text: clean, cause: err}
}

// scrubbedError shows a cleaned text but still matches its cause's sentinel
// errors such as context.DeadlineExceeded.
type scrubbedError struct {
	text  string
	cause error
}

func (e scrubbedError) Error() string { return e.text }

// Is matches the sentinels in the cause's chain without exposing its text.
func (e scrubbedError) Is(target error) bool { return errors.Is(e.cause, target) }

// plausibleCode rejects empty, oversized and control-character codes before
// they reach WeChat.
func plausibleCode(code string) bool {
	if code == "" || len(code) > maxCodeLen {
		return false
	}
	for _, r := range code {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}
