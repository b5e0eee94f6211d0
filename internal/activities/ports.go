package activities

import (
	"context"
	"time"

	"github.com/zuju/zuju/internal/platform/ratelimit"
)

// Store persists activity types and activities.
type Store interface {
	DetailStore

	Types(ctx context.Context) ([]Type, error)
	TypeExists(ctx context.Context, id string) (bool, error)
	CreateType(ctx context.Context, t *Type, a Audit) error
	UpdateType(ctx context.Context, id string, name *string, sort *int, a Audit) (*Type, error)
	DeleteType(ctx context.Context, id string, a Audit) error

	Create(ctx context.Context, a *Activity) error
	Get(ctx context.Context, id string) (*Activity, error)
	// Update saves an edited activity if its status is still one of the
	// editable ones (ErrNotEditable otherwise), its capacity is not below
	// the seats taken (ErrInvalid) and, while anybody is signed up, its
	// price and member restriction are unchanged (ErrLockedAfterSignup).
	// Seats a raised capacity adds are offered to the waitlist first, one
	// offer per seat in waitlist order. A published activity whose seated
	// sign-ups reach the minimum is formed in the same transaction (once,
	// with its activities.formed event); a.Status is set to the stored
	// status. A non-empty audit is written in the same transaction.
	Update(ctx context.Context, a *Activity, au Audit) error
	// SetStatus moves an activity from one status to another atomically
	// (ErrBadTransition when it is no longer in from); a non-empty audit
	// is written in the same transaction.
	SetStatus(ctx context.Context, id string, from, to Status, now time.Time, reason string, a Audit) (*Activity, error)
	// List returns up to f.Limit activities matching f in f.Sort's order,
	// after f.After.
	List(ctx context.Context, f Filter) ([]Hit, error)
	// Due lists activities in status whose time (signup_deadline for
	// published ones with fewer seated sign-ups, confirmed or checked in,
	// than their minimum; end_at for formed ones) has passed.
	Due(ctx context.Context, status Status, now time.Time, limit int) ([]string, error)
	// Formed lists formed activities (not yet finished), soonest first.
	Formed(ctx context.Context, limit int) ([]string, error)
	// Counts counts the sign-ups made, the activities formed and those
	// cancelled automatically for missing their minimum in [from, to).
	Counts(ctx context.Context, from, to time.Time) (Counts, error)
	// ClubCalendar lists a club's non-draft activities starting in [from,
	// to); members-only ones only with membersToo.
	ClubCalendar(ctx context.Context, clubID string, from, to time.Time, limit int, membersToo bool) ([]Activity, error)

	// SignUp takes a seat atomically (confirmed, or pending_payment held
	// until s.HoldExpiresAt when that is set) or, when the activity is
	// full, a waitlist place; it forms the activity (once) when confirmed
	// sign-ups reach the minimum.
	SignUp(ctx context.Context, s *Signup, now time.Time) (*Signup, error)
	// CancelSignup ends the user's active sign-up and frees its seat; a
	// checked-in one stays (ErrSignupCheckedIn).
	// refund decides, on the sign-up as stored, what a paid one gets back
	// (or refuses the cancellation); a refund is requested through the
	// outbox in the same transaction, with reason (RefundReasonSelfCancel
	// when empty).
	CancelSignup(ctx context.Context, activityID, userID string, now time.Time, reason string, refund func(Signup) (int64, error)) (*Signup, error)
	// MembersOnlySignups lists the activities of a club that only its
	// members see, starting after now, the user holds an active sign-up for.
	MembersOnlySignups(ctx context.Context, clubID, userID string, now time.Time) ([]string, error)
	// AcceptOffer confirms the user's open waitlist offer on a published or
	// formed activity (ErrNoOffer otherwise), also after the sign-up
	// deadline while the offer's window lasts.
	AcceptOffer(ctx context.Context, activityID, userID string, now time.Time) (*Signup, error)
	// ExpireOffers ends offers past their window and passes their seats on.
	ExpireOffers(ctx context.Context, now time.Time, limit int) (int, error)
	// SignupByKey returns the user's sign-up created with an idempotency key, or nil.
	SignupByKey(ctx context.Context, activityID, userID, key string) (*Signup, error)
	// ActiveSignup returns the user's active sign-up, or nil.
	ActiveSignup(ctx context.Context, activityID, userID string) (*Signup, error)
	// MySignups lists a user's sign-ups, newest first, after the cursor
	// (nil: from the newest).
	MySignups(ctx context.Context, userID string, after *SignupCursor, limit int) ([]Signup, error)
	// ActivityBriefs loads the summaries of the activities with these ids
	// in one query; unknown ids are missing from the map.
	ActivityBriefs(ctx context.Context, ids []string) (map[string]ActivityBrief, error)

	CheckInStore
	ReminderStore
	AdminStore
	HoldStore
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
	// Exact measures distances from the exact places; without it they are
	// coarse (see PlaceGridPerDegree). Only callers who may see every
	// place on the list get exact distances.
	Exact bool
	Sort  Sort
	// Interests are the caller's interest tags (sort recommended).
	Interests []string
	// OrganizerID limits the list to one organizer (their own drafts too).
	OrganizerID string
	// MembersOnlyToo lists members-only club activities too (an
	// organizer's own list; a club's list for its members and staff).
	// Without it the list holds public activities only. A page with it is
	// never cached.
	MembersOnlyToo bool
	After          *Cursor
	Limit          int
}

// Hit is one activity of a list page with what its sort computed.
type Hit struct {
	Activity
	// DistanceKm is the great-circle distance from Filter.Near (nil
	// without it), coarse unless Filter.Exact.
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

// DetailStore holds the reads and writes of an activity's details view.
type DetailStore interface {
	// Seated lists the user ids of the confirmed and checked-in sign-ups,
	// in sign-up order, at most limit.
	Seated(ctx context.Context, activityID string, limit int) ([]string, error)
	// SetCover sets the cover image of a draft or published activity
	// (ErrNotEditable otherwise); a non-empty audit is written with it.
	SetCover(ctx context.Context, id, url string, now time.Time, a Audit) (*Activity, error)
}

// Person is what activities shows of an account: nickname and avatar to
// everyone who sees the person, the phone only as an organizer's contact.
type Person struct {
	ID, Nickname, AvatarURL, Phone string
}

// People looks accounts up by id, in one batch (the users module answers);
// unknown ids are missing from the map.
type People interface {
	People(ctx context.Context, ids []string) (map[string]Person, error)
}

// TagCatalog names interest tags by id (the users module owns the
// catalog); unknown ids are missing from the map.
type TagCatalog interface {
	TagNames(ctx context.Context, ids []string) (map[string]string, error)
}

// FileStore keeps uploaded files and returns their public URL.
type FileStore interface {
	Put(ctx context.Context, key, contentType string, data []byte) (string, error)
}

// Limiter throttles by key (in process or Redis).
type Limiter interface {
	Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Result, error)
}

// CheckInStore persists check-ins and the participants table of organizers.
type CheckInStore interface {
	// SignupByID loads one sign-up (ErrSignupNotFound).
	SignupByID(ctx context.Context, id string) (*Signup, error)
	// CheckIn moves a confirmed sign-up of a formed activity to checked_in
	// with one conditional update: ErrAlreadyCheckedIn (with the sign-up)
	// when it was scanned before, ErrCheckInNotConfirmed or
	// ErrCheckInClosed when it may not be checked in any more.
	CheckIn(ctx context.Context, signupID string, now time.Time) (*Signup, error)
	// Roster lists an activity's sign-ups (in the order of Signups) with
	// each user's no-show count; a non-empty audit records the read of
	// personal data in the same transaction.
	Roster(ctx context.Context, activityID string, a Audit) ([]Participant, error)
}

// ReminderStore records the reminders sent before activities start.
type ReminderStore interface {
	// DueReminders lists published and formed activities starting in
	// (after, by] that have not had the kind's reminder yet.
	DueReminders(ctx context.Context, kind ReminderKind, after, by time.Time, limit int) ([]string, error)
	// Remind marks the kind's reminder of one activity as sent and writes
	// the activities.reminder event in the same transaction, once: false
	// when it was already sent or the activity no longer qualifies.
	Remind(ctx context.Context, id string, kind ReminderKind, after, by, now time.Time) (bool, error)
}

// AdminStore serves the admin console's activity table.
type AdminStore interface {
	// AdminList returns one page of activities of every status and the total.
	AdminList(ctx context.Context, f AdminFilter) ([]Activity, int64, error)
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
	// RefundedSince lists again the refund requests of sign-ups refunded
	// at or after since, newest first.
	RefundedSince(ctx context.Context, since time.Time, limit int) ([]RefundRequestedEvent, error)
}
