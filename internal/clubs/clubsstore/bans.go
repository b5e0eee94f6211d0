package clubsstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/clubs"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/outbox"
)

type banRow struct {
	ClubID      string `gorm:"primaryKey"`
	UserID      string `gorm:"primaryKey"`
	Reason      string
	BannedUntil *time.Time
	BannedBy    string
	CreatedAt   time.Time
}

func (banRow) TableName() string { return "club_bans" }

func (r banRow) ban() clubs.Ban {
	b := clubs.Ban{ClubID: r.ClubID, UserID: r.UserID, Reason: r.Reason, By: r.BannedBy, CreatedAt: r.CreatedAt.UTC()}
	if r.BannedUntil != nil {
		t := r.BannedUntil.UTC()
		b.Until = &t
	}
	return b
}

// banAudit is what the audit row shows of a ban.
type banAudit struct {
	UserID string     `json:"user_id"`
	Reason string     `json:"reason"`
	Until  *time.Time `json:"until"`
	Member bool       `json:"was_member"`
}

// inForce is the condition of a ban in force at the argument.
const inForce = "(banned_until IS NULL OR banned_until > ?)"

// Ban writes the ban (replacing an earlier one), removes the member (not
// the owner) and drops their pending application, with the audit row and
// the clubs.member_banned event.
func (s *Store) Ban(ctx context.Context, b *clubs.Ban) (bool, error) {
	at := b.CreatedAt.UTC()
	var until *time.Time
	if b.Until != nil {
		u := b.Until.UTC()
		until = &u
	}
	removed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockClub(tx, b.ClubID); err != nil {
			return err
		}
		res := tx.Exec(`INSERT INTO club_bans (club_id, user_id, reason, banned_until, banned_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (club_id, user_id) DO UPDATE SET reason = excluded.reason, banned_until = excluded.banned_until,
			banned_by = excluded.banned_by, created_at = excluded.created_at`, b.ClubID, b.UserID, b.Reason, until, b.By, at)
		if res.Error != nil {
			return res.Error
		}
		res = tx.Exec(`DELETE FROM club_members WHERE club_id = ? AND user_id = ? AND role <> ?`, b.ClubID, b.UserID, clubs.RoleOwner)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 1 {
			removed = true
			if err := tx.Exec(`UPDATE clubs SET member_count = member_count - 1, updated_at = ? WHERE id = ?`, at, b.ClubID).Error; err != nil {
				return err
			}
		}
		if err := tx.Exec(`DELETE FROM club_applications WHERE club_id = ? AND user_id = ? AND status = ?`,
			b.ClubID, b.UserID, clubs.ApplicationPending).Error; err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, "club.ban", "club", b.ClubID, nil,
			banAudit{UserID: b.UserID, Reason: b.Reason, Until: until, Member: removed}); err != nil {
			return err
		}
		name, err := clubName(tx, b.ClubID)
		if err != nil {
			return err
		}
		_, err = outbox.Add(ctx, tx, clubs.TopicMemberBanned, clubs.MemberBannedEvent{ClubID: b.ClubID, ClubName: name, UserID: b.UserID,
			Reason: b.Reason, Until: until, WasMember: removed, BannedBy: b.By, BannedAt: at})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("ban club member: %w", err)
	}
	return removed, nil
}

// Unban deletes a ban in force, with the audit row; false when there was
// none (an expired ban is simply deleted, unaudited).
func (s *Store) Unban(ctx context.Context, clubID, userID string, now time.Time) (bool, error) {
	lifted := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []banRow
		if err := tx.Where("club_id = ? AND user_id = ? AND "+inForce, clubID, userID, now.UTC()).Limit(1).Find(&rows).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM club_bans WHERE club_id = ? AND user_id = ?`, clubID, userID).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		lifted = true
		r := rows[0]
		return audit.Record(ctx, tx, "club.unban", "club", clubID,
			banAudit{UserID: userID, Reason: r.Reason, Until: r.ban().Until}, map[string]string{"user_id": userID})
	})
	if err != nil {
		return false, fmt.Errorf("lift club ban: %w", err)
	}
	return lifted, nil
}

// ActiveBan returns the user's ban from the club in force at now, or nil.
func (s *Store) ActiveBan(ctx context.Context, clubID, userID string, now time.Time) (*clubs.Ban, error) {
	var rows []banRow
	err := s.db.WithContext(ctx).Where("club_id = ? AND user_id = ? AND "+inForce, clubID, userID, now.UTC()).Limit(1).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("look up club ban: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	b := rows[0].ban()
	return &b, nil
}

// Bans lists the club's bans in force at now, newest first.
func (s *Store) Bans(ctx context.Context, clubID string, now time.Time, limit int) ([]clubs.Ban, error) {
	var rows []banRow
	err := s.db.WithContext(ctx).Where("club_id = ? AND "+inForce, clubID, now.UTC()).
		Order("created_at DESC, user_id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list club bans: %w", err)
	}
	out := make([]clubs.Ban, len(rows))
	for i := range rows {
		out[i] = rows[i].ban()
	}
	return out, nil
}

// lockClub takes the club's row lock until tx ends (a no-op update: both
// databases lock the row it touches).
func lockClub(tx *gorm.DB, clubID string) error {
	return tx.Exec(`UPDATE clubs SET id = id WHERE id = ?`, clubID).Error
}

// banned reports inside tx whether the user's ban from the club holds at at.
func banned(tx *gorm.DB, clubID, userID string, at time.Time) (bool, error) {
	var n int64
	err := tx.Model(&banRow{}).Where("club_id = ? AND user_id = ? AND "+inForce, clubID, userID, at.UTC()).Count(&n).Error
	return n > 0, err
}
