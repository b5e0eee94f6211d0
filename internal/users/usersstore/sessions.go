package usersstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/platform/sqldb"
	"github.com/zuju/zuju/internal/users"
)

type sessionRow struct {
	ID         string
	UserID     string
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  *time.Time
	UserAgent  string
	IP         string
}

func (sessionRow) TableName() string { return "sessions" }

func (r sessionRow) session() *users.Session {
	return &users.Session{ID: r.ID, UserID: r.UserID, CreatedAt: r.CreatedAt.UTC(), LastUsedAt: r.LastUsedAt.UTC(),
		RevokedAt: utc(r.RevokedAt), UserAgent: r.UserAgent, IP: r.IP}
}

type refreshRow struct {
	ID        string
	SessionID string
	UserID    string
	TokenHash string
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

func (refreshRow) TableName() string { return "refresh_tokens" }

// CreateSession stores a new session with its first refresh token.
func (s *Store) CreateSession(ctx context.Context, sess *users.Session, first *users.RefreshToken) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := sessionRow{ID: sess.ID, UserID: sess.UserID, CreatedAt: sess.CreatedAt.UTC(), LastUsedAt: sess.LastUsedAt.UTC(),
			UserAgent: sess.UserAgent, IP: sess.IP}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		rt := refreshRow{ID: first.ID, SessionID: sess.ID, UserID: sess.UserID, TokenHash: first.Hash,
			ExpiresAt: first.ExpiresAt.UTC(), CreatedAt: first.CreatedAt.UTC()}
		if err := tx.Create(&rt).Error; err != nil {
			return fmt.Errorf("create refresh token: %w", err)
		}
		return nil
	})
}

// Rotate spends the token with oldHash and stores next in its session. The
// spend is a conditional update, so of two concurrent uses exactly one wins
// and the other is reported as reuse.
func (s *Store) Rotate(ctx context.Context, oldHash string, next *users.RefreshToken, now time.Time) (users.RotateResult, error) {
	var res users.RotateResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var tok refreshRow
		if err := tx.Where("token_hash = ?", oldHash).Take(&tok).Error; err != nil {
			if sqldb.IsNotFound(err) {
				res.Outcome = users.RotateUnknown
				return nil
			}
			return fmt.Errorf("load refresh token: %w", err)
		}
		res.SessionID, res.UserID = tok.SessionID, tok.UserID
		var sess sessionRow
		if err := tx.Where("id = ?", tok.SessionID).Take(&sess).Error; err != nil {
			return fmt.Errorf("load session: %w", err)
		}
		switch {
		case sess.RevokedAt != nil:
			res.Outcome = users.RotateRevoked
			return nil
		case tok.UsedAt != nil:
			res.Outcome = users.RotateReused
			return nil
		case !now.Before(tok.ExpiresAt):
			res.Outcome = users.RotateExpired
			return nil
		}
		upd := tx.Model(&refreshRow{}).Where("id = ? AND used_at IS NULL", tok.ID).Update("used_at", now.UTC())
		if upd.Error != nil {
			return fmt.Errorf("spend refresh token: %w", upd.Error)
		}
		if upd.RowsAffected != 1 {
			res.Outcome = users.RotateReused
			return nil
		}
		rt := refreshRow{ID: next.ID, SessionID: tok.SessionID, UserID: tok.UserID, TokenHash: next.Hash,
			ExpiresAt: next.ExpiresAt.UTC(), CreatedAt: next.CreatedAt.UTC()}
		if err := tx.Create(&rt).Error; err != nil {
			return fmt.Errorf("store refresh token: %w", err)
		}
		if err := tx.Model(&sessionRow{}).Where("id = ?", tok.SessionID).Update("last_used_at", now.UTC()).Error; err != nil {
			return fmt.Errorf("touch session: %w", err)
		}
		res.Outcome = users.RotateOK
		return nil
	})
	return res, err
}

// RevokeSession ends a session.
func (s *Store) RevokeSession(ctx context.Context, sessionID string, now time.Time) error {
	err := s.db.WithContext(ctx).Model(&sessionRow{}).Where("id = ? AND revoked_at IS NULL", sessionID).
		Update("revoked_at", now.UTC()).Error
	if err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// SessionByTokenHash finds the session of a refresh token.
func (s *Store) SessionByTokenHash(ctx context.Context, hash string) (*users.Session, error) {
	var tok refreshRow
	if err := s.db.WithContext(ctx).Where("token_hash = ?", hash).Take(&tok).Error; err != nil {
		if sqldb.IsNotFound(err) {
			return nil, users.ErrRefreshInvalid
		}
		return nil, fmt.Errorf("load refresh token: %w", err)
	}
	var sess sessionRow
	if err := s.db.WithContext(ctx).Where("id = ?", tok.SessionID).Take(&sess).Error; err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	return sess.session(), nil
}

type smsRow struct {
	ID         string
	Phone      string
	Purpose    string
	CodeHash   string
	Attempts   int
	ExpiresAt  time.Time
	ConsumedAt *time.Time
	CreatedAt  time.Time
	IP         string
}

func (smsRow) TableName() string { return "sms_codes" }

// CreateSMSCode stores a sent code (only its hash).
func (s *Store) CreateSMSCode(ctx context.Context, c *users.SMSCode) error {
	row := smsRow{ID: c.ID, Phone: c.Phone, Purpose: c.Purpose, CodeHash: c.Hash, ExpiresAt: c.ExpiresAt.UTC(),
		CreatedAt: c.CreatedAt.UTC(), IP: c.IP}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("store sms code: %w", err)
	}
	return nil
}

// LastSMSCode returns the newest code sent to phone for purpose, or nil.
func (s *Store) LastSMSCode(ctx context.Context, phone, purpose string) (*users.SMSCode, error) {
	var rows []smsRow
	err := s.db.WithContext(ctx).Where("phone = ? AND purpose = ?", phone, purpose).
		Order("created_at DESC, id DESC").Limit(1).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load sms code: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := rows[0]
	return &users.SMSCode{ID: r.ID, Phone: r.Phone, Purpose: r.Purpose, Hash: r.CodeHash, Attempts: r.Attempts,
		ExpiresAt: r.ExpiresAt.UTC(), ConsumedAt: utc(r.ConsumedAt), CreatedAt: r.CreatedAt.UTC(), IP: r.IP}, nil
}

// SpendSMSAttempt counts one guess; false when the code has no attempts left.
func (s *Store) SpendSMSAttempt(ctx context.Context, id string, max int) (bool, error) {
	res := s.db.WithContext(ctx).Model(&smsRow{}).Where("id = ? AND attempts < ? AND consumed_at IS NULL", id, max).
		Update("attempts", gorm.Expr("attempts + 1"))
	if res.Error != nil {
		return false, fmt.Errorf("spend sms attempt: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ConsumeSMSCode marks a code used; false if it already was.
func (s *Store) ConsumeSMSCode(ctx context.Context, id string, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&smsRow{}).Where("id = ? AND consumed_at IS NULL", id).Update("consumed_at", now.UTC())
	if res.Error != nil {
		return false, fmt.Errorf("consume sms code: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// PurgeExpired deletes unusable SMS codes, refresh tokens and sessions.
func (s *Store) PurgeExpired(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		steps := []struct {
			model any
			where string
			at    time.Time
		}{
			{&smsRow{}, "expires_at < ?", now.Add(-24 * time.Hour)},
			{&refreshRow{}, "expires_at < ?", now},
			{&sessionRow{}, "revoked_at < ?", now.Add(-30 * 24 * time.Hour)},
		}
		for _, st := range steps {
			res := tx.Where(st.where, st.at.UTC()).Delete(st.model)
			if res.Error != nil {
				return fmt.Errorf("purge expired: %w", res.Error)
			}
			total += res.RowsAffected
		}
		return nil
	})
	return total, err
}

// ActiveSessions lists a user's sessions that are not revoked and still
// hold an unexpired refresh token, newest first.
func (s *Store) ActiveSessions(ctx context.Context, userID string, now time.Time) ([]users.Session, error) {
	var rows []sessionRow
	err := s.db.WithContext(ctx).
		Where("user_id = ? AND revoked_at IS NULL", userID).
		Where("EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.session_id = sessions.id AND r.used_at IS NULL AND r.expires_at > ?)", now.UTC()).
		Order("last_used_at DESC").Limit(100).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	out := make([]users.Session, len(rows))
	for i, r := range rows {
		out[i] = *r.session()
	}
	return out, nil
}
