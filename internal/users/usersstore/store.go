// Package usersstore is the GORM store of the users module, with its
// migrations for SQLite and PostgreSQL.
package usersstore

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/sqldb"
	"github.com/zuju/zuju/internal/users"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the module's migration trees.
func Migrations() sqldb.Migrations { return sqldb.Embedded("users", migrations) }

// Store implements users.Store on GORM.
type Store struct {
	db  *gorm.DB
	raw *sqldb.DB // the same database, for hand-scanned hot reads
	pg  bool
}

// New returns a store over db.
func New(db *sqldb.DB) *Store {
	return &Store{db: db.Gorm, raw: db, pg: db.Dialect == sqldb.Postgres}
}

var _ users.Store = (*Store)(nil)

type userRow struct {
	ID            string
	Phone         *string
	Email         *string
	PasswordHash  string
	Nickname      string
	AvatarURL     string
	Bio           string
	City          string
	Gender        string
	Roles         string
	Status        string
	BanReason     string
	BannedUntil   *time.Time
	WechatOpenid  *string
	WechatUnionid *string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	LastLoginAt   *time.Time
}

func (userRow) TableName() string { return "users" }

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func encodeRoles(roles []auth.Role) string {
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = string(r)
	}
	return "," + strings.Join(parts, ",") + ","
}

func decodeRoles(s string) []auth.Role {
	var out []auth.Role
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, auth.Role(p))
		}
	}
	return out
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func toRow(u *users.User) userRow {
	return userRow{
		ID: u.ID, Phone: nullable(u.Phone), Email: nullable(u.Email), PasswordHash: u.PasswordHash,
		Nickname: u.Nickname, AvatarURL: u.AvatarURL, Bio: u.Bio, City: u.City, Gender: u.Gender,
		Roles: encodeRoles(u.Roles), Status: u.Status, BanReason: u.BanReason, BannedUntil: utc(u.BannedUntil),
		WechatOpenid: nullable(u.WeChatOpenID), WechatUnionid: nullable(u.WeChatUnionID),
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(), LastLoginAt: utc(u.LastLoginAt),
	}
}

func (r userRow) user() *users.User {
	return &users.User{
		ID: r.ID, Phone: deref(r.Phone), Email: deref(r.Email), PasswordHash: r.PasswordHash,
		Nickname: r.Nickname, AvatarURL: r.AvatarURL, Bio: r.Bio, City: r.City, Gender: r.Gender,
		Roles: decodeRoles(r.Roles), Status: r.Status, BanReason: r.BanReason, BannedUntil: utc(r.BannedUntil),
		WeChatOpenID: deref(r.WechatOpenid), WeChatUnionID: deref(r.WechatUnionid),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), LastLoginAt: utc(r.LastLoginAt),
	}
}

// CreateUser inserts u; a taken phone, email or openid gives ErrAccountExists.
func (s *Store) CreateUser(ctx context.Context, u *users.User) error {
	row := toRow(u)
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		if sqldb.IsUniqueViolation(err) {
			return users.ErrAccountExists
		}
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

// UserByID loads one account with its tags.
func (s *Store) UserByID(ctx context.Context, id string) (*users.User, error) {
	return s.userBy(ctx, "id", id)
}

// UserByPhone loads the account with this phone.
func (s *Store) UserByPhone(ctx context.Context, phone string) (*users.User, error) {
	return s.userBy(ctx, "phone", phone)
}

// UserByEmail loads the account with this email.
func (s *Store) UserByEmail(ctx context.Context, email string) (*users.User, error) {
	return s.userBy(ctx, "email", email)
}

// UserByOpenID loads the account with this WeChat openid.
func (s *Store) UserByOpenID(ctx context.Context, openID string) (*users.User, error) {
	return s.userBy(ctx, "wechat_openid", openID)
}

// UpdateProfile applies a profile patch.
func (s *Store) UpdateProfile(ctx context.Context, id string, p users.ProfilePatch, now time.Time) (*users.User, error) {
	set := map[string]any{"updated_at": now.UTC()}
	if p.Nickname != nil {
		set["nickname"] = *p.Nickname
	}
	if p.AvatarURL != nil {
		set["avatar_url"] = *p.AvatarURL
	}
	if p.Bio != nil {
		set["bio"] = *p.Bio
	}
	if p.City != nil {
		set["city"] = *p.City
	}
	if p.Gender != nil {
		set["gender"] = *p.Gender
	}
	res := s.db.WithContext(ctx).Model(&userRow{}).Where("id = ?", id).Updates(set)
	if res.Error != nil {
		return nil, fmt.Errorf("update profile: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, users.ErrUserNotFound
	}
	return s.UserByID(ctx, id)
}

// SetPhone binds a phone to an account.
func (s *Store) SetPhone(ctx context.Context, id, phone string, now time.Time) error {
	err := s.db.WithContext(ctx).Model(&userRow{}).Where("id = ?", id).
		Updates(map[string]any{"phone": phone, "updated_at": now.UTC()}).Error
	if sqldb.IsUniqueViolation(err) {
		return users.ErrPhoneTaken
	}
	if err != nil {
		return fmt.Errorf("set phone: %w", err)
	}
	return nil
}

// TouchLogin records the last sign-in.
func (s *Store) TouchLogin(ctx context.Context, id string, at time.Time) error {
	return s.db.WithContext(ctx).Model(&userRow{}).Where("id = ?", id).Update("last_login_at", at.UTC()).Error
}

type userTagRow struct {
	UserID string
	TagID  string
}

func (userTagRow) TableName() string { return "user_tags" }

// SetUserTags replaces a user's tags.
func (s *Store) SetUserTags(ctx context.Context, userID string, tagIDs []string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Lock the account first so concurrent replacements run one after
		// the other (on PostgreSQL both deletes would otherwise see nothing
		// of the other's inserts).
		if err := tx.Model(&userRow{}).Where("id = ?", userID).Update("updated_at", time.Now().UTC()).Error; err != nil {
			return fmt.Errorf("lock user: %w", err)
		}
		if err := tx.Where("user_id = ?", userID).Delete(&userTagRow{}).Error; err != nil {
			return fmt.Errorf("clear user tags: %w", err)
		}
		if len(tagIDs) == 0 {
			return nil
		}
		rows := make([]userTagRow, len(tagIDs))
		for i, id := range tagIDs {
			rows[i] = userTagRow{UserID: userID, TagID: id}
		}
		if err := tx.Create(&rows).Error; err != nil {
			if sqldb.IsUniqueViolation(err) || sqldb.IsForeignKeyViolation(err) {
				return users.ErrUnknownTag // a tag deleted meanwhile
			}
			return fmt.Errorf("set user tags: %w", err)
		}
		return nil
	})
}

type tagRow struct {
	ID        string
	Name      string
	Category  string
	Sort      int
	CreatedAt time.Time
}

func (tagRow) TableName() string { return "tags" }

func (r tagRow) tag() users.Tag {
	return users.Tag{ID: r.ID, Name: r.Name, Category: r.Category, Sort: r.Sort, CreatedAt: r.CreatedAt.UTC()}
}

func tagsFrom(rows []tagRow) []users.Tag {
	out := make([]users.Tag, len(rows))
	for i, r := range rows {
		out[i] = r.tag()
	}
	return out
}

// Tags lists the catalog.
func (s *Store) Tags(ctx context.Context) ([]users.Tag, error) {
	var rows []tagRow
	if err := s.db.WithContext(ctx).Order("category, sort, name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	return tagsFrom(rows), nil
}

// TagsByIDs loads the tags with these ids.
//
// Activity lists name their tags on every page, so the rows are scanned by
// hand.
func (s *Store) TagsByIDs(ctx context.Context, ids []string) ([]users.Tag, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := s.raw.Query(ctx, "SELECT id, name, category, sort, created_at FROM tags WHERE id IN ?", ids)
	if err != nil {
		return nil, fmt.Errorf("load tags: %w", err)
	}
	defer rows.Close()
	var out []tagRow
	for rows.Next() {
		var r tagRow
		if err := rows.Scan(&r.ID, &r.Name, &r.Category, &r.Sort, &r.CreatedAt); err != nil {
			return nil, fmt.Errorf("scan tag: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load tags: %w", err)
	}
	return tagsFrom(out), nil
}

// CreateTag inserts a tag and its audit row in one transaction.
func (s *Store) CreateTag(ctx context.Context, t *users.Tag, a users.Audit) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := tagRow{ID: t.ID, Name: t.Name, Category: t.Category, Sort: t.Sort, CreatedAt: t.CreatedAt.UTC()}
		if err := tx.Create(&row).Error; err != nil {
			if sqldb.IsUniqueViolation(err) {
				return users.ErrTagExists
			}
			return fmt.Errorf("create tag: %w", err)
		}
		return audit.Record(ctx, tx, a.Action, a.TargetType, a.TargetID, nil, row.tag())
	})
}

// UpdateTag changes a tag and audits it.
func (s *Store) UpdateTag(ctx context.Context, id string, name, category *string, sort *int, a users.Audit) (*users.Tag, error) {
	var out users.Tag
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var before tagRow
		if err := tx.Where("id = ?", id).Take(&before).Error; err != nil {
			if sqldb.IsNotFound(err) {
				return users.ErrTagNotFound
			}
			return fmt.Errorf("load tag: %w", err)
		}
		after := before
		if name != nil {
			after.Name = *name
		}
		if category != nil {
			after.Category = *category
		}
		if sort != nil {
			after.Sort = *sort
		}
		err := tx.Model(&tagRow{}).Where("id = ?", id).
			Updates(map[string]any{"name": after.Name, "category": after.Category, "sort": after.Sort}).Error
		if sqldb.IsUniqueViolation(err) {
			return users.ErrTagExists
		}
		if err != nil {
			return fmt.Errorf("update tag: %w", err)
		}
		out = after.tag()
		return audit.Record(ctx, tx, a.Action, a.TargetType, a.TargetID, before.tag(), out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteTag removes a tag (and its user links) and audits it.
func (s *Store) DeleteTag(ctx context.Context, id string, a users.Audit) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var before tagRow
		if err := tx.Where("id = ?", id).Take(&before).Error; err != nil {
			if sqldb.IsNotFound(err) {
				return users.ErrTagNotFound
			}
			return fmt.Errorf("load tag: %w", err)
		}
		if err := tx.Where("tag_id = ?", id).Delete(&userTagRow{}).Error; err != nil {
			return fmt.Errorf("unlink tag: %w", err)
		}
		if err := tx.Where("id = ?", id).Delete(&tagRow{}).Error; err != nil {
			return fmt.Errorf("delete tag: %w", err)
		}
		return audit.Record(ctx, tx, a.Action, a.TargetType, a.TargetID, before.tag(), nil)
	})
}

// EnsureTags inserts catalog tags that do not exist yet (seeding).
func (s *Store) EnsureTags(ctx context.Context, tags []users.Tag) error {
	for _, t := range tags {
		row := tagRow{ID: t.ID, Name: t.Name, Category: t.Category, Sort: t.Sort, CreatedAt: t.CreatedAt.UTC()}
		err := s.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "name"}}, DoNothing: true}).Create(&row).Error
		if err != nil {
			return fmt.Errorf("seed tag %s: %w", t.Name, err)
		}
	}
	return nil
}
