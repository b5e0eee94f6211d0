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
	List(ctx context.Context, f Filter) ([]Activity, error)
	// Due lists activities in status whose time (signup_deadline for
	// published ones below their minimum, end_at for formed ones) has passed.
	Due(ctx context.Context, status Status, now time.Time, limit int) ([]string, error)

	// SignUp takes a seat atomically (confirmed, or pending_payment held
	// until s.HoldExpiresAt when that is set) or, when the activity is
	// full, a waitlist place; it forms the activity (once) when confirmed
	// sign-ups reach the minimum.
	SignUp(ctx context.Context, s *Signup, now time.Time) (*Signup, error)
	// CancelSignup ends the user's active sign-up and frees its seat.
	// refund decides, on the sign-up as stored, what a paid one gets back
	// (or refuses the cancellation); a refund is requested through the
	// outbox in the same transaction.
	CancelSignup(ctx context.Context, activityID, userID string, now time.Time, refund func(Signup) (int64, error)) (*Signup, error)
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

	HoldStore
}

// Audit describes the audit row of a staff mutation (Action empty: none).
type Audit struct {
	Action, TargetType, TargetID, Note string
}

// Filter selects activities for discovery.
type Filter struct {
	City     string
	TypeID   string
	Statuses []Status
	From, To time.Time
	Price    string // "free", "paid" or ""
	Member   *bool
	ClubID   string
	// OrganizerID limits the list to one organizer (their own drafts too).
	OrganizerID string
	After       *Cursor
	Limit       int
}

// Cursor marks where a page ended (activities are ordered by start time, then id).
type Cursor struct {
	StartAt time.Time
	ID      string
}

// Payments creates and closes the orders paying for sign-ups; the payments
// module implements it. Without it paid activities take no sign-ups.
// Refunds are not requested through it but through the outbox
// (TopicRefundRequested), in the transaction that cancels the sign-up.
type Payments interface {
	// CreateOrder returns a pending order for the request. It is
	// idempotent on IdempotencyKey: a repeated request returns the same
	// order (whatever its status by then).
	CreateOrder(ctx context.Context, r OrderRequest) (Order, error)
	// CloseOrder stops a pending order from being paid; closing a closed
	// or unknown order is not an error.
	CloseOrder(ctx context.Context, orderNo string) error
}

// OrderRequest asks for the order of one paid sign-up.
type OrderRequest struct {
	SignupID   string
	ActivityID string
	UserID     string
	AmountFen  int64
	// ExpiresAt is when the seat's hold ends: the order must not be paid later.
	ExpiresAt      time.Time
	IdempotencyKey string
	Description    string
}

// Order is the payments module's answer to an OrderRequest.
type Order struct {
	No        string
	AmountFen int64
	Status    string // OrderPending, "paid", "closed", ...
	CreatedAt time.Time
	ExpiresAt time.Time
}

// OrderPending is the status of an order waiting to be paid.
const OrderPending = "pending"

// HoldStore is the part of the store behind paid sign-ups.
type HoldStore interface {
	// AttachOrder records the order of a pending_payment sign-up that has
	// none yet (or already this one); false when the hold was released.
	AttachOrder(ctx context.Context, signupID, orderNo string, now time.Time) (bool, error)
	// ReleaseHold gives up a pending_payment sign-up whose order could not
	// be created: it is cancelled (its idempotency key cleared, so a retry
	// starts over) and the seat passes on.
	ReleaseHold(ctx context.Context, signupID string, now time.Time) error
	// HoldOffer turns the user's open offer on a paid activity into a
	// pending_payment seat held until the offer's end (ErrNoOffer otherwise).
	HoldOffer(ctx context.Context, activityID, userID string, amountFen int64, now time.Time) (*Signup, error)
	// ReopenOffer turns a pending_payment seat that got no order back into
	// the offer it came from (its hold end becomes the offer's end).
	ReopenOffer(ctx context.Context, signupID string, now time.Time) error
	// ConfirmPayment confirms a still-held sign-up once and forms the
	// activity when it reaches its minimum.
	ConfirmPayment(ctx context.Context, p Payment, now time.Time) (ConfirmResult, error)
	// ExpireHolds cancels pending_payment sign-ups past their hold and
	// passes their seats on; it returns the released sign-ups.
	ExpireHolds(ctx context.Context, now time.Time, limit int) ([]Signup, error)
}
