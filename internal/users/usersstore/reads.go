package usersstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/sqldb"
	"github.com/zuju/zuju/internal/users"
)

// The reads on every authenticated request (session state) and on /me
// (account and tags) scan rows by hand instead of through GORM's
// reflection: about a third of the request's cost.

const userColumns = `id, phone, email, password_hash, nickname, avatar_url, bio, city, gender, roles, status,
	ban_reason, banned_until, wechat_openid, wechat_unionid, created_at, updated_at, last_login_at`

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func nullString(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

// scanner is one result row (*sql.Row or *sql.Rows).
type scanner interface{ Scan(dest ...any) error }

func scanUser(row scanner) (userRow, error) {
	var r userRow
	var phone, email, openid, unionid sql.NullString
	var bannedUntil, lastLogin sql.NullTime
	err := row.Scan(&r.ID, &phone, &email, &r.PasswordHash, &r.Nickname, &r.AvatarURL, &r.Bio, &r.City, &r.Gender,
		&r.Roles, &r.Status, &r.BanReason, &bannedUntil, &openid, &unionid, &r.CreatedAt, &r.UpdatedAt, &lastLogin)
	if err != nil {
		return r, err
	}
	r.Phone, r.Email = nullString(phone), nullString(email)
	r.WechatOpenid, r.WechatUnionid = nullString(openid), nullString(unionid)
	r.BannedUntil, r.LastLoginAt = nullTime(bannedUntil), nullTime(lastLogin)
	return r, nil
}

// userBy loads the account whose column equals arg, with its tags.
func (s *Store) userBy(ctx context.Context, column string, arg any) (*users.User, error) {
	q := sqldb.Rebind(s.pg, "SELECT "+userColumns+" FROM users WHERE "+column+" = ?")
	row, err := scanUser(s.raw.SQL.QueryRowContext(ctx, q, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, users.ErrUserNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load user: %w", err)
	}
	u := row.user()
	if u.Tags, err = s.tagsOf(ctx, u.ID); err != nil {
		return nil, err
	}
	return u, nil
}

func (s *Store) tagsOf(ctx context.Context, userID string) ([]users.Tag, error) {
	rows, err := s.raw.SQL.QueryContext(ctx, sqldb.Rebind(s.pg, `SELECT tags.id, tags.name, tags.category, tags.sort, tags.created_at
		FROM tags JOIN user_tags ON user_tags.tag_id = tags.id
		WHERE user_tags.user_id = ? ORDER BY tags.sort, tags.name`), userID)
	if err != nil {
		return nil, fmt.Errorf("user tags: %w", err)
	}
	defer rows.Close()
	out := []users.Tag{}
	for rows.Next() {
		var t users.Tag
		if err := rows.Scan(&t.ID, &t.Name, &t.Category, &t.Sort, &t.CreatedAt); err != nil {
			return nil, fmt.Errorf("user tags: %w", err)
		}
		t.CreatedAt = t.CreatedAt.UTC()
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("user tags: %w", err)
	}
	return out, nil
}

// SessionState loads a session and its account for access-token checks.
func (s *Store) SessionState(ctx context.Context, sessionID string) (*users.Session, *users.User, error) {
	var sess sessionRow
	var revoked sql.NullTime
	err := s.raw.SQL.QueryRowContext(ctx, sqldb.Rebind(s.pg, `SELECT id, user_id, created_at, last_used_at, revoked_at, user_agent, ip
		FROM sessions WHERE id = ?`), sessionID).
		Scan(&sess.ID, &sess.UserID, &sess.CreatedAt, &sess.LastUsedAt, &revoked, &sess.UserAgent, &sess.IP)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, users.ErrSessionRevoked
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load session: %w", err)
	}
	sess.RevokedAt = nullTime(revoked)
	u, err := scanUser(s.raw.SQL.QueryRowContext(ctx, sqldb.Rebind(s.pg, "SELECT "+userColumns+" FROM users WHERE id = ?"), sess.UserID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, users.ErrSessionRevoked
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load session user: %w", err)
	}
	return sess.session(), u.user(), nil
}

// batchSize bounds the ids of one IN list (SQLite and PostgreSQL both cap
// the parameters of a statement).
const batchSize = 500

// Contacts loads the display names, avatars and phones of the accounts
// with these ids in batches of batchSize, one query each (only those
// columns: lists of activities name their organizers on every page);
// unknown ids are left out and duplicates read once.
func (s *Store) Contacts(ctx context.Context, ids []string) ([]users.Contact, error) {
	return s.contacts(ctx, ids, batchSize)
}

// AccountIDs lists accounts not banned at now after an id, in id order
// (the primary key's), one query a page.
func (s *Store) AccountIDs(ctx context.Context, after string, staffOnly bool, now time.Time, limit int) ([]string, error) {
	q := s.db.WithContext(ctx).Model(&userRow{}).Where("id > ?", after).
		Where("(status <> ? OR (banned_until IS NOT NULL AND banned_until <= ?))", users.StatusBanned, now.UTC())
	if staffOnly {
		var or []string
		var args []any
		for _, r := range auth.StaffRoles() {
			or = append(or, "roles LIKE ?")
			args = append(args, "%,"+string(r)+",%")
		}
		q = q.Where("("+strings.Join(or, " OR ")+")", args...)
	}
	var ids []string
	if err := q.Order("id").Limit(limit).Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("list account ids: %w", err)
	}
	return ids, nil
}

func (s *Store) contacts(ctx context.Context, ids []string, batch int) ([]users.Contact, error) {
	uniq := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	out := make([]users.Contact, 0, len(uniq))
	for start := 0; start < len(uniq); start += batch {
		rows, err := s.raw.Query(ctx, "SELECT id, nickname, avatar_url, phone FROM users WHERE id IN ?", uniq[start:min(start+batch, len(uniq))])
		if err != nil {
			return nil, fmt.Errorf("load contacts: %w", err)
		}
		for rows.Next() {
			var c users.Contact
			var phone sql.NullString
			if err := rows.Scan(&c.ID, &c.Nickname, &c.AvatarURL, &phone); err != nil {
				rows.Close()
				return nil, fmt.Errorf("load contacts: %w", err)
			}
			c.Phone = phone.String
			out = append(out, c)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("load contacts: %w", err)
		}
	}
	return out, nil
}
