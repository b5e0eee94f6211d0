// Package clubs is the club alliance (社团联盟): clubs in categories,
// approved by platform staff, with members in the roles owner, officer and
// member, join applications reviewed by officers, favorites and a
// directory. Club roles are checked here, in the service: an officer of
// one club has no power in another.
package clubs

import (
	"context"
	"time"

	"github.com/zuju/zuju/internal/platform/errs"
)

// Status is a club's state.
type Status string

// Club states: pending until staff approve (active) or reject it;
// dissolved by its owner or staff.
const (
	StatusPending   Status = "pending"
	StatusActive    Status = "active"
	StatusRejected  Status = "rejected"
	StatusDissolved Status = "dissolved"
)

// Role is a member's role in a club.
type Role string

// Club roles, in increasing power.
const (
	RoleMember  Role = "member"
	RoleOfficer Role = "officer"
	RoleOwner   Role = "owner"
)

// Rank orders roles (0: not a member).
func (r Role) Rank() int {
	switch r {
	case RoleMember:
		return 1
	case RoleOfficer:
		return 2
	case RoleOwner:
		return 3
	}
	return 0
}

// Category is a club category, managed by admins.
type Category struct {
	ID        string
	Name      string
	Sort      int
	CreatedAt time.Time
}

// CategoryUse is a category with the clubs filed under it.
type CategoryUse struct {
	Category
	// Clubs counts the clubs of every status filed under it (pending,
	// rejected and dissolved ones keep their category too); while it is
	// above zero the category cannot be deleted.
	Clubs int
	// ActiveClubs counts its active clubs (those of the directory).
	ActiveClubs int
}

// Club is a club.
type Club struct {
	ID           string
	Name         string
	CategoryID   string
	Description  string
	LogoURL      string
	Questions    []string // asked of applicants
	Status       Status
	ReviewReason string
	OwnerID      string
	MemberCount  int
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ReviewedAt   *time.Time
	LastActiveAt time.Time
}

// Member is someone's place in a club.
type Member struct {
	ClubID   string
	UserID   string
	Role     Role
	JoinedAt time.Time
}

// Membership is a club with someone's place in it.
type Membership struct {
	Club   Club
	Member Member
}

// ApplicationStatus is a join application's state.
type ApplicationStatus string

// Application states.
const (
	ApplicationPending  ApplicationStatus = "pending"
	ApplicationApproved ApplicationStatus = "approved"
	ApplicationRejected ApplicationStatus = "rejected"
)

// Application asks to join a club.
type Application struct {
	ID        string
	ClubID    string
	UserID    string
	Message   string
	Answers   []string
	Status    ApplicationStatus
	Reason    string
	DecidedBy string
	CreatedAt time.Time
	DecidedAt *time.Time
}

// Ban keeps someone out of a club: they were removed (or refused) and
// may not apply again until Until (nil: for good).
type Ban struct {
	ClubID    string
	UserID    string
	Reason    string
	Until     *time.Time
	By        string // who banned them
	CreatedAt time.Time
}

// Active reports whether the ban still holds at now.
func (b *Ban) Active(now time.Time) bool { return b.Until == nil || now.Before(*b.Until) }

// Sort orders the directory.
type Sort string

// Directory sorts.
const (
	SortMembers Sort = "members" // most members first
	SortRecent  Sort = "recent"  // most recently active first
)

// DirectoryFilter selects clubs of the directory.
type DirectoryFilter struct {
	Tokens     []string // keyword search tokens (platform/search)
	CategoryID string
	Sort       Sort
	// After is the cursor: the last club of the previous page.
	After *Cursor
	Limit int
}

// Cursor is a position in a directory order.
type Cursor struct {
	Key int64 // member count, or last activity in unix microseconds
	ID  string
}

// Store keeps clubs; every change is atomic.
type Store interface {
	Categories(ctx context.Context) ([]Category, error)
	CreateCategory(ctx context.Context, c *Category) error
	CategoryExists(ctx context.Context, id string) (bool, error)
	// CategoryUses lists the categories in their order with their club
	// counts.
	CategoryUses(ctx context.Context) ([]CategoryUse, error)
	// UpdateCategory renames (nil: keeps the name) or reorders (nil: keeps
	// the order) a category, audited; ErrNameTaken for a name in use,
	// ErrCategoryMissing for an unknown id.
	UpdateCategory(ctx context.Context, id string, name *string, sort *int) (*Category, error)
	// DeleteCategory removes a category no club is filed under, audited;
	// ErrCategoryInUse otherwise, ErrCategoryMissing for an unknown id.
	DeleteCategory(ctx context.Context, id string) error

	// CreateClub inserts a pending club with its owner as first member.
	CreateClub(ctx context.Context, c *Club) error
	Club(ctx context.Context, id string) (*Club, error)
	// Review moves a pending club to active or rejected; false when it
	// was not pending.
	Review(ctx context.Context, id string, approve bool, reason string, at time.Time) (bool, error)
	Directory(ctx context.Context, f DirectoryFilter) ([]Club, error)

	Member(ctx context.Context, clubID, userID string) (*Member, error)
	// Decide ends a pending application; approved, the applicant becomes
	// a member in the same transaction. False when it was not pending.
	Decide(ctx context.Context, appID string, approve bool, reason, by string, at time.Time) (bool, error)
	Apply(ctx context.Context, a *Application) error
	Application(ctx context.Context, id string) (*Application, error)
	// LatestApplication returns the user's most recent application to the
	// club (nil: none).
	LatestApplication(ctx context.Context, clubID, userID string) (*Application, error)
	// LastRejection returns when the user's last application to the club
	// was rejected (nil: never).
	LastRejection(ctx context.Context, clubID, userID string) (*time.Time, error)
	// SetRole changes a member's role (not to or from owner).
	SetRole(ctx context.Context, clubID, userID string, role Role) (bool, error)
	// Handover makes another member the owner and the owner an officer.
	Handover(ctx context.Context, clubID, from, to string, at time.Time) error
	Members(ctx context.Context, clubID string, limit int) ([]Member, error)
	// RemoveMember takes a member (never the owner) out, writing
	// clubs.member_left (removed: by an officer) with the change.
	RemoveMember(ctx context.Context, clubID, userID string, removed bool, at time.Time) (bool, error)
	Applications(ctx context.Context, clubID string, status ApplicationStatus, limit int) ([]Application, error)
	SetFavorite(ctx context.Context, clubID, userID string, on bool, at time.Time) (bool, error)
	UpdateClub(ctx context.Context, c *Club, at time.Time) error
	Dissolve(ctx context.Context, id string, at time.Time) (bool, error)
	AdminClubs(ctx context.Context, status Status, page, size int) ([]Club, int64, error)
	// UserClubs lists the clubs the user is a member of (any role, not
	// dissolved ones), most recently joined first, after the cursor (Key:
	// joining time in unix nanoseconds).
	UserClubs(ctx context.Context, userID string, after *Cursor, limit int) ([]Membership, error)
	// Relations returns the user's roles in and favorites among clubs.
	Relations(ctx context.Context, userID string, clubIDs []string) (map[string]Role, map[string]bool, error)

	// Ban bans a user from a club (replacing an earlier ban), takes them
	// out of it (never the owner) and drops their pending application, in
	// one transaction with its audit row; it reports whether they were a
	// member.
	Ban(ctx context.Context, b *Ban) (bool, error)
	// Unban lifts a ban, audited; false when there was none in force.
	Unban(ctx context.Context, clubID, userID string, now time.Time) (bool, error)
	// ActiveBan returns the user's ban from the club in force at now, or nil.
	ActiveBan(ctx context.Context, clubID, userID string, now time.Time) (*Ban, error)
	// Bans lists the club's bans in force at now, newest first.
	Bans(ctx context.Context, clubID string, now time.Time, limit int) ([]Ban, error)
}

// Errors of the module.
var (
	ErrNotFound            = errs.NotFound("club.not_found", "社团不存在")
	ErrCategoryNotFound    = errs.Invalid("club.unknown_category", "社团分类不存在")
	ErrCategoryMissing     = errs.NotFound("club.category_not_found", "社团分类不存在")
	ErrCategoryInUse       = errs.Conflict("club.category_in_use", "该分类下还有社团，不能删除")
	ErrNameTaken           = errs.Conflict("club.name_taken", "已有同名社团")
	ErrNotPending          = errs.Conflict("club.not_pending", "该社团不在待审核状态")
	ErrApplicationPending  = errs.Conflict("club.application_pending", "你已提交过申请，请等待审核")
	ErrApplicationNotFound = errs.NotFound("club.application_not_found", "申请不存在")
	ErrAlreadyMember       = errs.Conflict("club.already_member", "你已是该社团成员")
	ErrNotMember           = errs.NotFound("club.member_not_found", "该用户不是社团成员")
	ErrBanned              = errs.Forbidden("club.banned", "你已被该社团封禁，不能申请加入")
	ErrBanNotFound         = errs.NotFound("club.ban_not_found", "该用户没有被封禁")
)
