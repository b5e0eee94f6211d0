package usersstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/sqldb"
	"github.com/zuju/zuju/internal/users"
)

// ListUsers returns one page of accounts matching f, newest first.
func (s *Store) ListUsers(ctx context.Context, f users.UserFilter) ([]users.User, int64, error) {
	q := s.db.WithContext(ctx).Model(&userRow{})
	if f.Query != "" {
		// Contact data matches only exactly, so search cannot be used to
		// read a phone number digit by digit; nicknames match by substring.
		like := "%" + strings.ToLower(sqldb.EscapeLike(f.Query)) + "%"
		phone, _ := users.NormalizePhone(f.Query)
		email := strings.ToLower(strings.TrimSpace(f.Query))
		q = q.Where("(LOWER(nickname) LIKE ? ESCAPE '\\' OR phone = ? OR email = ? OR id = ?)", like, phone, email, f.Query)
	}
	if f.Role != "" {
		q = q.Where("roles LIKE ? ESCAPE '\\'", "%,"+sqldb.EscapeLike(f.Role)+",%")
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count users: %w", err)
	}
	var rows []userRow
	if err := q.Order("created_at DESC, id DESC").Offset((f.Page - 1) * f.PageSize).Limit(f.PageSize).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list users: %w", err)
	}
	out := make([]users.User, len(rows))
	for i, r := range rows {
		out[i] = *r.user()
	}
	return out, total, nil
}

// AuditRead records a staff read of personal data.
func (s *Store) AuditRead(ctx context.Context, a users.Audit) error {
	return audit.Record(ctx, s.db, a.Action, a.TargetType, a.TargetID, nil, nil)
}

type auditView struct {
	Status      string     `json:"status"`
	Roles       []string   `json:"roles"`
	BanReason   string     `json:"ban_reason,omitempty"`
	BannedUntil *time.Time `json:"banned_until,omitempty"`
	Note        string     `json:"note,omitempty"`
}

func view(r userRow, note string) auditView {
	v := auditView{Status: r.Status, BanReason: r.BanReason, BannedUntil: r.BannedUntil, Note: note}
	for _, role := range decodeRoles(r.Roles) {
		v.Roles = append(v.Roles, string(role))
	}
	return v
}

// change runs a staff mutation of one account in a transaction with its
// audit row (and event), and returns the account after and the ids of the
// sessions that were live; with revoke set, those sessions end.
func (s *Store) change(ctx context.Context, id string, a users.Audit, revoke bool, now time.Time, set map[string]any) (*users.User, []string, error) {
	var sessions []string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var before userRow
		if err := tx.Where("id = ?", id).Take(&before).Error; err != nil {
			if sqldb.IsNotFound(err) {
				return users.ErrUserNotFound
			}
			return fmt.Errorf("load user: %w", err)
		}
		set["updated_at"] = now.UTC()
		if err := tx.Model(&userRow{}).Where("id = ?", id).Updates(set).Error; err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		q := tx.Model(&sessionRow{}).Where("user_id = ? AND revoked_at IS NULL", id)
		if err := q.Pluck("id", &sessions).Error; err != nil {
			return fmt.Errorf("list sessions: %w", err)
		}
		if revoke && len(sessions) > 0 {
			if err := tx.Model(&sessionRow{}).Where("id IN ?", sessions).Update("revoked_at", now.UTC()).Error; err != nil {
				return fmt.Errorf("revoke sessions: %w", err)
			}
		}
		var after userRow
		if err := tx.Where("id = ?", id).Take(&after).Error; err != nil {
			return fmt.Errorf("reload user: %w", err)
		}
		if err := audit.Record(ctx, tx, a.Action, a.TargetType, a.TargetID, view(before, ""), view(after, a.Note)); err != nil {
			return err
		}
		if a.Topic == "" {
			return nil
		}
		ev := users.AccountEvent{UserID: id, Reason: after.BanReason, Until: utc(after.BannedUntil)}
		for _, r := range decodeRoles(after.Roles) {
			ev.Roles = append(ev.Roles, string(r))
		}
		_, err := outbox.Add(ctx, tx, a.Topic, ev)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	u, err := s.UserByID(ctx, id)
	return u, sessions, err
}

// Ban bans an account and revokes all its sessions, with the audit row, in
// one transaction.
func (s *Store) Ban(ctx context.Context, id, reason string, until *time.Time, now time.Time, a users.Audit) (*users.User, []string, error) {
	return s.change(ctx, id, a, true, now, map[string]any{
		"status": users.StatusBanned, "ban_reason": reason, "banned_until": utc(until),
	})
}

// Unban lifts a ban.
func (s *Store) Unban(ctx context.Context, id string, now time.Time, a users.Audit) (*users.User, []string, error) {
	return s.change(ctx, id, a, false, now, map[string]any{
		"status": users.StatusActive, "ban_reason": "", "banned_until": nil,
	})
}

// PromoteAdmin gives an existing account a new password and roles and ends
// all its sessions, in one transaction with its audit row.
func (s *Store) PromoteAdmin(ctx context.Context, id, hash string, roles []auth.Role, now time.Time, a users.Audit) (*users.User, []string, error) {
	return s.change(ctx, id, a, true, now, map[string]any{"password_hash": hash, "roles": encodeRoles(roles)})
}

// SetRoles replaces an account's roles.
func (s *Store) SetRoles(ctx context.Context, id string, roles []auth.Role, now time.Time, a users.Audit) (*users.User, []string, error) {
	return s.change(ctx, id, a, false, now, map[string]any{"roles": encodeRoles(roles)})
}
