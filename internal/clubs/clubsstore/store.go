// Package clubsstore is the GORM store of the clubs module, with its
// migrations for SQLite and PostgreSQL.
package clubsstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/clubs"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/search"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the module's migration trees.
func Migrations() sqldb.Migrations { return sqldb.Embedded("clubs", migrations) }

// Store keeps clubs.
type Store struct {
	db *gorm.DB
	pg bool
}

// New returns a store over db.
func New(db *sqldb.DB) *Store { return &Store{db: db.Gorm, pg: db.Dialect == sqldb.Postgres} }

var _ clubs.Store = (*Store)(nil)

type categoryRow struct {
	ID        string `gorm:"primaryKey"`
	Name      string
	Sort      int
	CreatedAt time.Time
}

func (categoryRow) TableName() string { return "club_categories" }

type clubRow struct {
	ID           string `gorm:"primaryKey"`
	Name         string
	CategoryID   string
	Description  string
	LogoURL      string
	Questions    string
	Status       string
	ReviewReason string
	OwnerID      string
	MemberCount  int
	SearchTokens string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ReviewedAt   *time.Time
	LastActiveAt time.Time
}

func (clubRow) TableName() string { return "clubs" }

// questionSep separates the applicants' questions in one column.
const questionSep = "\n"

func (r clubRow) club() clubs.Club {
	c := clubs.Club{ID: r.ID, Name: r.Name, CategoryID: r.CategoryID, Description: r.Description, LogoURL: r.LogoURL,
		Status: clubs.Status(r.Status), ReviewReason: r.ReviewReason, OwnerID: r.OwnerID, MemberCount: r.MemberCount,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), LastActiveAt: r.LastActiveAt.UTC()}
	if r.Questions != "" {
		c.Questions = strings.Split(r.Questions, questionSep)
	}
	if r.ReviewedAt != nil {
		t := r.ReviewedAt.UTC()
		c.ReviewedAt = &t
	}
	return c
}

type memberRow struct {
	ClubID   string `gorm:"primaryKey"`
	UserID   string `gorm:"primaryKey"`
	Role     string
	JoinedAt time.Time
}

func (memberRow) TableName() string { return "club_members" }

type applicationRow struct {
	ID        string `gorm:"primaryKey"`
	ClubID    string
	UserID    string
	Message   string
	Answers   string
	Status    string
	Reason    string
	DecidedBy string
	CreatedAt time.Time
	DecidedAt *time.Time
}

func (applicationRow) TableName() string { return "club_applications" }

func (r applicationRow) application() *clubs.Application {
	a := &clubs.Application{ID: r.ID, ClubID: r.ClubID, UserID: r.UserID, Message: r.Message, Status: clubs.ApplicationStatus(r.Status),
		Reason: r.Reason, DecidedBy: r.DecidedBy, CreatedAt: r.CreatedAt.UTC()}
	if r.Answers != "" {
		a.Answers = strings.Split(r.Answers, questionSep)
	}
	if r.DecidedAt != nil {
		t := r.DecidedAt.UTC()
		a.DecidedAt = &t
	}
	return a
}

// Categories lists the categories in their order.
func (s *Store) Categories(ctx context.Context) ([]clubs.Category, error) {
	var rows []categoryRow
	if err := s.db.WithContext(ctx).Order("sort, name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list club categories: %w", err)
	}
	out := make([]clubs.Category, len(rows))
	for i, r := range rows {
		out[i] = clubs.Category{ID: r.ID, Name: r.Name, Sort: r.Sort, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

// CreateCategory inserts a category (ErrNameTaken for a name in use).
func (s *Store) CreateCategory(ctx context.Context, c *clubs.Category) error {
	row := categoryRow{ID: c.ID, Name: c.Name, Sort: c.Sort, CreatedAt: c.CreatedAt.UTC()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, "club_category.create", "club_category", c.ID, nil, row)
	})
	if sqldb.IsUniqueViolation(err) {
		return clubs.ErrNameTaken.WithDetail("已有同名分类")
	}
	if err != nil {
		return fmt.Errorf("create club category: %w", err)
	}
	return nil
}

// CategoryExists reports whether a category exists.
func (s *Store) CategoryExists(ctx context.Context, id string) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&categoryRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return false, fmt.Errorf("look up club category: %w", err)
	}
	return n > 0, nil
}

// CreateClub inserts a pending club and its owner in one transaction.
func (s *Store) CreateClub(ctx context.Context, c *clubs.Club) error {
	r := clubRow{ID: c.ID, Name: c.Name, CategoryID: c.CategoryID, Description: c.Description, LogoURL: c.LogoURL,
		Questions: strings.Join(c.Questions, questionSep), Status: string(clubs.StatusPending), OwnerID: c.OwnerID, MemberCount: 1,
		SearchTokens: strings.Join(search.Tokens(c.Name, c.Description), " "),
		CreatedAt:    c.CreatedAt.UTC(), UpdatedAt: c.CreatedAt.UTC(), LastActiveAt: c.CreatedAt.UTC()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		return tx.Create(&memberRow{ClubID: c.ID, UserID: c.OwnerID, Role: string(clubs.RoleOwner), JoinedAt: c.CreatedAt.UTC()}).Error
	})
	if sqldb.IsUniqueViolation(err) {
		return clubs.ErrNameTaken
	}
	if err != nil {
		return fmt.Errorf("create club: %w", err)
	}
	c.Status, c.MemberCount, c.LastActiveAt = clubs.StatusPending, 1, r.LastActiveAt
	return nil
}

// Club loads a club.
func (s *Store) Club(ctx context.Context, id string) (*clubs.Club, error) {
	var r clubRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, clubs.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load club: %w", err)
	}
	c := r.club()
	return &c, nil
}

// Review approves or rejects a pending club, audited and with its
// clubs.reviewed event in the same transaction.
func (s *Store) Review(ctx context.Context, id string, approve bool, reason string, at time.Time) (bool, error) {
	to, action := clubs.StatusRejected, "club.reject"
	if approve {
		to, action = clubs.StatusActive, "club.approve"
	}
	changed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE clubs SET status = ?, review_reason = ?, reviewed_at = ?, updated_at = ? WHERE id = ? AND status = ?`,
			to, reason, at.UTC(), at.UTC(), id, clubs.StatusPending)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		changed = true
		if err := audit.Record(ctx, tx, action, "club", id, map[string]string{"status": string(clubs.StatusPending)},
			map[string]string{"status": string(to), "reason": reason}); err != nil {
			return err
		}
		var c clubRow
		if err := tx.Select("id", "name", "owner_id").Where("id = ?", id).Take(&c).Error; err != nil {
			return err
		}
		_, err := outbox.Add(ctx, tx, clubs.TopicReviewed, clubs.ReviewedEvent{ClubID: id, ClubName: c.Name, OwnerID: c.OwnerID,
			Approved: approve, Status: to, Reason: reason, ReviewedAt: at.UTC()})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("review club: %w", err)
	}
	return changed, nil
}

// Directory lists active clubs in the filter's order, after its cursor.
func (s *Store) Directory(ctx context.Context, f clubs.DirectoryFilter) ([]clubs.Club, error) {
	q := s.db.WithContext(ctx).Model(&clubRow{}).Where("status = ?", clubs.StatusActive)
	if f.CategoryID != "" {
		q = q.Where("category_id = ?", f.CategoryID)
	}
	if len(f.Tokens) > 0 {
		if s.pg {
			q = q.Where("search_vector @@ plainto_tsquery('simple', ?)", strings.Join(f.Tokens, " "))
		} else {
			quoted := make([]string, len(f.Tokens))
			for i, t := range f.Tokens {
				quoted[i] = `"` + t + `"`
			}
			q = q.Where("rowid IN (SELECT rowid FROM clubs_fts WHERE clubs_fts MATCH ?)", strings.Join(quoted, " "))
		}
	}
	key := "member_count"
	if f.Sort == clubs.SortRecent {
		key = "last_active_at"
	}
	if c := f.After; c != nil {
		var v any = c.Key
		if f.Sort == clubs.SortRecent {
			v = time.UnixMicro(c.Key).UTC()
		}
		q = q.Where("("+key+" < ?) OR ("+key+" = ? AND id > ?)", v, v, c.ID)
	}
	var rows []clubRow
	if err := q.Order(key + " DESC, id").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list clubs: %w", err)
	}
	out := make([]clubs.Club, len(rows))
	for i := range rows {
		out[i] = rows[i].club()
	}
	return out, nil
}

// Member loads a membership (nil when not a member).
func (s *Store) Member(ctx context.Context, clubID, userID string) (*clubs.Member, error) {
	var rows []memberRow
	if err := s.db.WithContext(ctx).Where("club_id = ? AND user_id = ?", clubID, userID).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load club member: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := rows[0]
	return &clubs.Member{ClubID: r.ClubID, UserID: r.UserID, Role: clubs.Role(r.Role), JoinedAt: r.JoinedAt.UTC()}, nil
}

// Apply files a pending application (ErrApplicationPending when one is
// pending already).
func (s *Store) Apply(ctx context.Context, a *clubs.Application) error {
	err := s.db.WithContext(ctx).Create(&applicationRow{ID: a.ID, ClubID: a.ClubID, UserID: a.UserID, Message: a.Message,
		Answers: strings.Join(a.Answers, questionSep), Status: string(clubs.ApplicationPending), CreatedAt: a.CreatedAt.UTC()}).Error
	if sqldb.IsUniqueViolation(err) {
		return clubs.ErrApplicationPending
	}
	if err != nil {
		return fmt.Errorf("file application: %w", err)
	}
	a.Status = clubs.ApplicationPending
	return nil
}

// Application loads an application.
func (s *Store) Application(ctx context.Context, id string) (*clubs.Application, error) {
	var r applicationRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, clubs.ErrApplicationNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load application: %w", err)
	}
	return r.application(), nil
}

// LastRejection returns when the user's latest rejected application to
// the club was decided.
func (s *Store) LastRejection(ctx context.Context, clubID, userID string) (*time.Time, error) {
	var rows []applicationRow
	err := s.db.WithContext(ctx).Where("club_id = ? AND user_id = ? AND status = ?", clubID, userID, clubs.ApplicationRejected).
		Order("decided_at DESC").Limit(1).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("look up rejections: %w", err)
	}
	if len(rows) == 0 || rows[0].DecidedAt == nil {
		return nil, nil
	}
	t := rows[0].DecidedAt.UTC()
	return &t, nil
}

// Decide ends a pending application; approved, the applicant joins in the
// same transaction (once: a member already is one). The
// clubs.application_decided event is written in that transaction too.
func (s *Store) Decide(ctx context.Context, appID string, approve bool, reason, by string, at time.Time) (bool, error) {
	to := clubs.ApplicationRejected
	if approve {
		to = clubs.ApplicationApproved
	}
	changed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r applicationRow
		if err := tx.Where("id = ?", appID).Take(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return clubs.ErrApplicationNotFound
			}
			return err
		}
		if approve {
			// Under the club's row lock a ban and an approval happen one
			// after the other: a banned applicant is never let in.
			if err := lockClub(tx, r.ClubID); err != nil {
				return err
			}
			if ban, err := banned(tx, r.ClubID, r.UserID, at); err != nil {
				return err
			} else if ban {
				return clubs.ErrBanned.WithDetail("该用户已被本社团封禁，不能通过其申请")
			}
		}
		res := tx.Exec(`UPDATE club_applications SET status = ?, reason = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = ?`,
			to, reason, by, at.UTC(), appID, clubs.ApplicationPending)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		changed = true
		if approve {
			res = tx.Exec(`INSERT INTO club_members (club_id, user_id, role, joined_at) VALUES (?, ?, ?, ?) ON CONFLICT (club_id, user_id) DO NOTHING`,
				r.ClubID, r.UserID, clubs.RoleMember, at.UTC())
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 1 {
				if err := tx.Exec(`UPDATE clubs SET member_count = member_count + 1, updated_at = ? WHERE id = ?`, at.UTC(), r.ClubID).Error; err != nil {
					return err
				}
			}
		}
		name, err := clubName(tx, r.ClubID)
		if err != nil {
			return err
		}
		_, err = outbox.Add(ctx, tx, clubs.TopicApplicationDecided, clubs.ApplicationDecidedEvent{ApplicationID: r.ID, ClubID: r.ClubID,
			ClubName: name, UserID: r.UserID, Approved: approve, Status: to, Reason: reason, DecidedBy: by, DecidedAt: at.UTC()})
		return err
	})
	if err != nil && !errors.Is(err, clubs.ErrApplicationNotFound) && !errors.Is(err, clubs.ErrBanned) {
		err = fmt.Errorf("decide application: %w", err)
	}
	return changed, err
}

// SetRole changes a member's role between member and officer.
func (s *Store) SetRole(ctx context.Context, clubID, userID string, role clubs.Role) (bool, error) {
	if role == clubs.RoleOwner {
		return false, errors.New("clubsstore: ownership changes by Handover")
	}
	res := s.db.WithContext(ctx).Exec(`UPDATE club_members SET role = ? WHERE club_id = ? AND user_id = ? AND role <> ? AND role <> ?`,
		role, clubID, userID, clubs.RoleOwner, role)
	if res.Error != nil {
		return false, fmt.Errorf("set club role: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Handover makes member to the owner and the owner from an officer, in
// one transaction; ErrNotMember when to is not a member.
func (s *Store) Handover(ctx context.Context, clubID, from, to string, at time.Time) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE club_members SET role = ? WHERE club_id = ? AND user_id = ? AND role = ?`, clubs.RoleOfficer, clubID, from, clubs.RoleOwner)
		if res.Error != nil {
			return fmt.Errorf("hand over: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return clubs.ErrNotMember.WithDetail("只有社长可以转让社团")
		}
		res = tx.Exec(`UPDATE club_members SET role = ? WHERE club_id = ? AND user_id = ? AND role <> ?`, clubs.RoleOwner, clubID, to, clubs.RoleOwner)
		if res.Error != nil {
			return fmt.Errorf("hand over: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return clubs.ErrNotMember
		}
		return tx.Exec(`UPDATE clubs SET owner_id = ?, updated_at = ? WHERE id = ?`, to, at.UTC(), clubID).Error
	})
}

// Members lists a club's members, owner and officers first, then by
// joining time.
func (s *Store) Members(ctx context.Context, clubID string, limit int) ([]clubs.Member, error) {
	var rows []memberRow
	err := s.db.WithContext(ctx).Where("club_id = ?", clubID).
		Order("CASE role WHEN 'owner' THEN 0 WHEN 'officer' THEN 1 ELSE 2 END, joined_at, user_id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list club members: %w", err)
	}
	out := make([]clubs.Member, len(rows))
	for i, r := range rows {
		out[i] = clubs.Member{ClubID: r.ClubID, UserID: r.UserID, Role: clubs.Role(r.Role), JoinedAt: r.JoinedAt.UTC()}
	}
	return out, nil
}

// RemoveMember takes a member (never the owner) out of a club; false when
// they were not a member.
func (s *Store) RemoveMember(ctx context.Context, clubID, userID string, byOfficer bool, at time.Time) (bool, error) {
	removed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`DELETE FROM club_members WHERE club_id = ? AND user_id = ? AND role <> ?`, clubID, userID, clubs.RoleOwner)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		removed = true
		if err := tx.Exec(`UPDATE clubs SET member_count = member_count - 1, updated_at = ? WHERE id = ?`, at.UTC(), clubID).Error; err != nil {
			return err
		}
		_, err := outbox.Add(ctx, tx, clubs.TopicMemberLeft, clubs.MemberLeftEvent{ClubID: clubID, UserID: userID, Removed: byOfficer, At: at.UTC()})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("remove club member: %w", err)
	}
	return removed, nil
}

// Applications lists a club's applications of a status, oldest first.
func (s *Store) Applications(ctx context.Context, clubID string, status clubs.ApplicationStatus, limit int) ([]clubs.Application, error) {
	var rows []applicationRow
	q := s.db.WithContext(ctx).Where("club_id = ?", clubID)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	if err := q.Order("created_at, id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	out := make([]clubs.Application, len(rows))
	for i := range rows {
		out[i] = *rows[i].application()
	}
	return out, nil
}

// SetFavorite marks or unmarks a club as the user's favorite; false when
// nothing changed.
func (s *Store) SetFavorite(ctx context.Context, clubID, userID string, on bool, at time.Time) (bool, error) {
	var res *gorm.DB
	if on {
		res = s.db.WithContext(ctx).Exec(`INSERT INTO club_favorites (club_id, user_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT (club_id, user_id) DO NOTHING`, clubID, userID, at.UTC())
	} else {
		res = s.db.WithContext(ctx).Exec(`DELETE FROM club_favorites WHERE club_id = ? AND user_id = ?`, clubID, userID)
	}
	if res.Error != nil {
		return false, fmt.Errorf("set favorite: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Relations returns, for these clubs, the user's role (absent: none) and
// which they favorited.
func (s *Store) Relations(ctx context.Context, userID string, clubIDs []string) (map[string]clubs.Role, map[string]bool, error) {
	roles, favs := map[string]clubs.Role{}, map[string]bool{}
	if userID == "" || len(clubIDs) == 0 {
		return roles, favs, nil
	}
	var ms []memberRow
	if err := s.db.WithContext(ctx).Where("user_id = ? AND club_id IN ?", userID, clubIDs).Find(&ms).Error; err != nil {
		return nil, nil, fmt.Errorf("load club roles: %w", err)
	}
	for _, m := range ms {
		roles[m.ClubID] = clubs.Role(m.Role)
	}
	var ids []string
	if err := s.db.WithContext(ctx).Table("club_favorites").Where("user_id = ? AND club_id IN ?", userID, clubIDs).Pluck("club_id", &ids).Error; err != nil {
		return nil, nil, fmt.Errorf("load favorites: %w", err)
	}
	for _, id := range ids {
		favs[id] = true
	}
	return roles, favs, nil
}

// UpdateClub writes a club's editable fields.
func (s *Store) UpdateClub(ctx context.Context, c *clubs.Club, at time.Time) error {
	err := s.db.WithContext(ctx).Model(&clubRow{}).Where("id = ?", c.ID).Updates(map[string]any{
		"name": c.Name, "category_id": c.CategoryID, "description": c.Description, "logo_url": c.LogoURL,
		"questions": strings.Join(c.Questions, questionSep), "search_tokens": strings.Join(search.Tokens(c.Name, c.Description), " "),
		"updated_at": at.UTC()}).Error
	if sqldb.IsUniqueViolation(err) {
		return clubs.ErrNameTaken
	}
	if err != nil {
		return fmt.Errorf("update club: %w", err)
	}
	return nil
}

// Dissolve ends a pending or active club, audited; false when it was not.
func (s *Store) Dissolve(ctx context.Context, id string, at time.Time) (bool, error) {
	changed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE clubs SET status = ?, updated_at = ? WHERE id = ? AND status IN (?, ?)`,
			clubs.StatusDissolved, at.UTC(), id, clubs.StatusPending, clubs.StatusActive)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		changed = true
		if err := tx.Exec(`DELETE FROM club_applications WHERE club_id = ? AND status = ?`, id, clubs.ApplicationPending).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, "club.dissolve", "club", id, nil, map[string]string{"status": string(clubs.StatusDissolved)})
	})
	if err != nil {
		return false, fmt.Errorf("dissolve club: %w", err)
	}
	return changed, nil
}

// AdminClubs lists clubs of a status ("" any), newest first, with the
// total.
func (s *Store) AdminClubs(ctx context.Context, status clubs.Status, page, size int) ([]clubs.Club, int64, error) {
	q := s.db.WithContext(ctx).Model(&clubRow{})
	if status != "" {
		q = q.Where("status = ?", status)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count clubs: %w", err)
	}
	var rows []clubRow
	if err := q.Order("created_at DESC, id").Offset((page - 1) * size).Limit(size).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list clubs: %w", err)
	}
	out := make([]clubs.Club, len(rows))
	for i := range rows {
		out[i] = rows[i].club()
	}
	return out, total, nil
}

// clubName reads a club's name inside tx (for event payloads).
func clubName(tx *gorm.DB, id string) (string, error) {
	var names []string
	if err := tx.Model(&clubRow{}).Where("id = ?", id).Limit(1).Pluck("name", &names).Error; err != nil {
		return "", err
	}
	if len(names) == 0 {
		return "", clubs.ErrNotFound
	}
	return names[0], nil
}
