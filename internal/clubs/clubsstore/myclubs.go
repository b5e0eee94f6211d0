package clubsstore

import (
	"context"
	"fmt"
	"time"

	"github.com/zuju/zuju/internal/clubs"
)

// LatestApplication returns the user's most recent application to the
// club, or nil (club_applications_user_idx).
func (s *Store) LatestApplication(ctx context.Context, clubID, userID string) (*clubs.Application, error) {
	var rows []applicationRow
	err := s.db.WithContext(ctx).Where("user_id = ? AND club_id = ?", userID, clubID).
		Order("created_at DESC, id DESC").Limit(1).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load own application: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return rows[0].application(), nil
}

// userClubRow is one of a user's memberships.
type userClubRow struct {
	ClubID   string
	Role     string
	JoinedAt time.Time
}

// UserClubs lists the user's memberships of clubs that are not dissolved,
// most recently joined first (then by club id), after the cursor: the page
// of memberships, then its clubs by id.
func (s *Store) UserClubs(ctx context.Context, userID string, after *clubs.Cursor, limit int) ([]clubs.Membership, error) {
	q := s.db.WithContext(ctx).Table("club_members m").Select("m.club_id AS club_id, m.role AS role, m.joined_at AS joined_at").
		Joins("JOIN clubs c ON c.id = m.club_id").
		Where("m.user_id = ? AND c.status <> ?", userID, clubs.StatusDissolved)
	if after != nil {
		at := time.Unix(0, after.Key).UTC()
		q = q.Where("(m.joined_at < ?) OR (m.joined_at = ? AND m.club_id > ?)", at, at, after.ID)
	}
	var ms []userClubRow
	if err := q.Order("m.joined_at DESC, m.club_id").Limit(limit).Scan(&ms).Error; err != nil {
		return nil, fmt.Errorf("list the user's clubs: %w", err)
	}
	if len(ms) == 0 {
		return []clubs.Membership{}, nil
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ClubID
	}
	var rows []clubRow
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load the user's clubs: %w", err)
	}
	byID := make(map[string]clubs.Club, len(rows))
	for i := range rows {
		byID[rows[i].ID] = rows[i].club()
	}
	out := make([]clubs.Membership, 0, len(ms))
	for _, m := range ms {
		if c, ok := byID[m.ClubID]; ok {
			out = append(out, clubs.Membership{Club: c,
				Member: clubs.Member{ClubID: m.ClubID, UserID: userID, Role: clubs.Role(m.Role), JoinedAt: m.JoinedAt.UTC()}})
		}
	}
	return out, nil
}
