package benchkit

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/zuju/zuju/internal/config"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// RawAuth does by hand what the stack's bearer authentication does: verify
// the JWT (HS256, iss, aud, exp, iat, 5 s leeway as auth.Tokens does) and
// check the session through an in-process cache with the service's 15 s
// TTL; on a miss it runs the session and user queries of
// usersstore.SessionState.
type RawAuth struct {
	db       *sql.DB
	pg       bool
	secret   []byte
	parser   *jwt.Parser
	ttl      time.Duration
	sessions sync.Map // session id → rawSession
}

type rawSession struct {
	ok    bool
	until time.Time
}

type rawClaims struct {
	jwt.RegisteredClaims
	SessionID string   `json:"sid"`
	Roles     []string `json:"roles"`
}

// NewRawAuth returns the reference authentication for cfg's tokens on db
// (pg: PostgreSQL placeholders).
func NewRawAuth(db *sql.DB, pg bool, cfg config.Config) *RawAuth {
	return &RawAuth{db: db, pg: pg, secret: []byte(cfg.JWTSecret), ttl: 15 * time.Second,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithIssuer(cfg.Auth.Issuer),
			jwt.WithAudience(cfg.Auth.Audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(5*time.Second),
		)}
}

// User returns the authenticated user id and roles of r, or ok false.
func (h *RawAuth) User(r *http.Request) (id string, roles []string, ok bool, err error) {
	token, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !found || token == "" {
		return "", nil, false, nil
	}
	var c rawClaims
	if _, err := h.parser.ParseWithClaims(strings.TrimSpace(token), &c, func(*jwt.Token) (any, error) { return h.secret, nil }); err != nil || c.Subject == "" || c.SessionID == "" {
		return "", nil, false, nil
	}
	valid, err := h.session(r.Context(), c.Subject, c.SessionID)
	return c.Subject, c.Roles, valid, err
}

func (h *RawAuth) q(s string) string { return sqldb.Rebind(h.pg, s) }

func (h *RawAuth) session(ctx context.Context, userID, sid string) (bool, error) {
	now := time.Now()
	if v, ok := h.sessions.Load(sid); ok {
		if s := v.(rawSession); now.Before(s.until) {
			return s.ok, nil
		}
	}
	var sessUser, status string
	var revoked, bannedUntil sql.NullTime
	var ignore any
	ok := false
	err := h.db.QueryRowContext(ctx, h.q(`SELECT id, user_id, created_at, last_used_at, revoked_at, user_agent, ip FROM sessions WHERE id = ?`), sid).
		Scan(&ignore, &sessUser, &ignore, &ignore, &revoked, &ignore, &ignore)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return false, err
	default:
		err := h.db.QueryRowContext(ctx, h.q(`SELECT status, banned_until FROM users WHERE id = ?`), sessUser).Scan(&status, &bannedUntil)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return false, err
		default:
			banned := status == "banned" && (!bannedUntil.Valid || now.Before(bannedUntil.Time))
			ok = !revoked.Valid && sessUser == userID && !banned
		}
	}
	h.sessions.Store(sid, rawSession{ok: ok, until: now.Add(h.ttl)})
	return ok, nil
}
