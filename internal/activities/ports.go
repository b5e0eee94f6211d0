package activities

import (
	"context"
	"time"
)

// Store persists activity types and activities.
type Store interface {
	Types(ctx context.Context) ([]Type, error)
	TypeExists(ctx context.Context, id string) (bool, error)
	CreateType(ctx context.Context, t *Type, a Audit) error
	UpdateType(ctx context.Context, id string, name *string, sort *int, a Audit) (*Type, error)
	DeleteType(ctx context.Context, id string, a Audit) error

	Create(ctx context.Context, a *Activity) error
	Get(ctx context.Context, id string) (*Activity, error)
	// Update saves an edited activity if its status is still one of the
	// editable ones (ErrNotEditable otherwise).
	Update(ctx context.Context, a *Activity) error
	// SetStatus moves an activity from one status to another atomically
	// (ErrBadTransition when it is no longer in from); a non-empty audit
	// is written in the same transaction.
	SetStatus(ctx context.Context, id string, from, to Status, now time.Time, reason string, a Audit) (*Activity, error)
	// List returns up to f.Limit activities matching f in f.Sort's order,
	// after f.After.
	List(ctx context.Context, f Filter) ([]Hit, error)
	// Due lists activities in status whose time (signup_deadline for
	// published ones below their minimum, end_at for formed ones) has passed.
	Due(ctx context.Context, status Status, now time.Time, limit int) ([]string, error)

	// SignUp takes a seat atomically (confirmed) or, when the activity is
	// full, a waitlist place; it forms the activity (once) when confirmed
	// sign-ups reach the minimum.
	SignUp(ctx context.Context, s *Signup, now time.Time) (*Signup, error)
	// CancelSignup ends the user's active sign-up and frees its seat.
	CancelSignup(ctx context.Context, activityID, userID string, now time.Time) (*Signup, error)
	Signups(ctx context.Context, activityID string) ([]Signup, error)
	// AcceptOffer confirms the user's open waitlist offer (ErrNoOffer otherwise).
	AcceptOffer(ctx context.Context, activityID, userID string, now time.Time) (*Signup, error)
	// ExpireOffers ends offers past their window and passes their seats on.
	ExpireOffers(ctx context.Context, now time.Time, limit int) (int, error)
	// SignupByKey returns the user's sign-up created with an idempotency key, or nil.
	SignupByKey(ctx context.Context, activityID, userID, key string) (*Signup, error)
	// ActiveSignup returns the user's active sign-up, or nil.
	ActiveSignup(ctx context.Context, activityID, userID string) (*Signup, error)
	MySignups(ctx context.Context, userID string, limit int) ([]Signup, error)
}

// Audit describes the audit row of a staff mutation (Action empty: none).
type Audit struct {
	Action, TargetType, TargetID, Note string
}

// Filter selects activities for discovery (see discovery.go).
type Filter struct {
	City     string
	TypeID   string
	TagID    string
	Statuses []Status
	From, To time.Time
	Price    string // "free", "paid" or ""
	Member   *bool
	ClubID   string
	// Query is the keyword search text (tokenized by platform/search).
	Query string
	// Near limits the list to a circle and computes each result's distance.
	Near *Near
	Sort Sort
	// Interests are the caller's interest tags (sort recommended).
	Interests []string
	// OrganizerID limits the list to one organizer (their own drafts too).
	OrganizerID string
	After       *Cursor
	Limit       int
}

// Hit is one activity of a list page with what its sort computed.
type Hit struct {
	Activity
	// DistanceKm is the great-circle distance from Filter.Near (nil without it).
	DistanceKm *float64
	// Overlap counts the activity's tags among Filter.Interests.
	Overlap int
}

// Interests answers a user's interest tags (the users module).
type Interests interface {
	TagIDs(ctx context.Context, userID string) ([]string, error)
}

// ListCache is the shared cache that holds public list pages (in process,
// or Redis when scaled out).
type ListCache interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	Add(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error)
}
