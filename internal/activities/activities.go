// Package activities owns the meetups people find and join: activity
// types, activities and their lifecycle (draft → published → formed →
// finished, or cancelled).
package activities

import (
	"slices"
	"time"

	"github.com/zuju/zuju/internal/platform/errs"
)

// Status is an activity's lifecycle state.
type Status string

// Lifecycle states.
const (
	StatusDraft     Status = "draft"
	StatusPublished Status = "published"
	StatusFormed    Status = "formed"
	StatusFinished  Status = "finished"
	StatusCancelled Status = "cancelled"
)

// transitions is the one place that says which status may follow which.
var transitions = map[Status][]Status{
	StatusDraft:     {StatusPublished, StatusCancelled},
	StatusPublished: {StatusFormed, StatusCancelled},
	StatusFormed:    {StatusFinished, StatusCancelled},
}

// CanTransition reports whether an activity may go from one status to another.
func CanTransition(from, to Status) bool { return slices.Contains(transitions[from], to) }

// Transition checks a status change and returns a clear error when it is
// not allowed.
func Transition(from, to Status) error {
	if CanTransition(from, to) {
		return nil
	}
	return ErrBadTransition.WithDetail("活动当前状态（" + from.Label() + "）不能变为" + to.Label())
}

// Private reports whether only the activity's organizer and staff may see
// it: a draft, or a draft cancelled without ever being published.
func (a *Activity) Private() bool {
	return a.Status == StatusDraft || (a.Status == StatusCancelled && a.PublishedAt == nil)
}

// Editable reports whether the activity's details may still change.
func (s Status) Editable() bool { return s == StatusDraft || s == StatusPublished }

// Label is the status as users read it.
func (s Status) Label() string {
	switch s {
	case StatusDraft:
		return "草稿"
	case StatusPublished:
		return "报名中"
	case StatusFormed:
		return "已成局"
	case StatusFinished:
		return "已结束"
	case StatusCancelled:
		return "已取消"
	}
	return string(s)
}

// Type is an activity type of the admin-managed catalog.
type Type struct {
	ID        string
	Name      string
	Sort      int
	CreatedAt time.Time
}

// Activity is a meetup.
type Activity struct {
	ID               string
	Title            string
	TypeID           string
	TagIDs           []string
	City             string
	Address          string
	Lat, Lng         float64
	StartAt          time.Time
	EndAt            time.Time
	SignupDeadline   time.Time
	MinParticipants  int
	MaxParticipants  int
	ParticipantCount int
	PriceFen         int64
	MemberOnly       bool
	Status           Status
	Description      string
	CoverURL         string
	OrganizerID      string
	ClubID           string
	// Visibility says who sees a club's activity: everyone, or only the
	// club's members (its organizer and staff too).
	Visibility   Visibility
	CreatedAt    time.Time
	UpdatedAt    time.Time
	PublishedAt  *time.Time
	CancelledAt  *time.Time
	CancelReason string
	// HotScore ranks the hot sort (see SortHot); it grows with sign-ups.
	HotScore float64
}

// Visibility says who sees an activity.
type Visibility string

// Visibilities: an activity is public unless its club keeps it to its
// members; a members-only activity is invisible to everyone else (lists,
// search, details, the club calendar and sign-up all answer as if it did
// not exist).
const (
	VisibilityPublic  Visibility = "public"
	VisibilityMembers Visibility = "members"
)

// ClubMembersOnly reports whether only the club's members (and its
// organizer and staff) may see the activity.
func (a *Activity) ClubMembersOnly() bool { return a.Visibility == VisibilityMembers }

// Fields hidden until the caller may see an activity's details. The
// description of a member-only activity is for members and participants;
// the others are for confirmed participants, the organizer and staff.
const (
	FieldDescription  = "description"
	FieldAddress      = "address"
	FieldLat          = "lat"
	FieldLng          = "lng"
	FieldOrganizer    = "organizer_contact"
	FieldParticipants = "participants"
	FieldChatRoom     = "chat_room_id"
)

// Draft is the input of create and update (nil pointers: unchanged on update).
type Draft struct {
	Title           *string
	TypeID          *string
	TagIDs          *[]string
	City            *string
	Address         *string
	Lat, Lng        *float64
	StartAt         *time.Time
	EndAt           *time.Time
	SignupDeadline  *time.Time
	MinParticipants *int
	MaxParticipants *int
	PriceFen        *int64
	MemberOnly      *bool
	Description     *string
	CoverURL        *string
	ClubID          *string
	Visibility      *Visibility
}

// Limits of an activity's fields.
const (
	MaxCapacity    = 10000
	MaxPriceFen    = 100_000_00 // ¥100,000
	MaxTagsPerItem = 5
)

// validate checks a complete activity and returns the first problem.
func (a *Activity) validate(now time.Time) *errs.Error {
	switch {
	case a.Title == "":
		return ErrInvalid.WithDetail("请填写活动标题（1–60 字）")
	case a.TypeID == "":
		return ErrInvalid.WithDetail("请选择活动类型")
	case a.City == "":
		return ErrInvalid.WithDetail("请填写城市")
	case a.Lat < -90 || a.Lat > 90 || a.Lng < -180 || a.Lng > 180:
		return ErrInvalid.WithDetail("经纬度超出范围")
	case !a.EndAt.After(a.StartAt):
		return ErrInvalid.WithDetail("结束时间必须晚于开始时间")
	case a.SignupDeadline.After(a.StartAt):
		return ErrInvalid.WithDetail("报名截止时间不能晚于开始时间")
	case a.MinParticipants < 1 || a.MaxParticipants < 1 || a.MaxParticipants > MaxCapacity:
		return ErrInvalid.WithDetail("人数需在 1 到 10000 之间")
	case a.MinParticipants > a.MaxParticipants:
		return ErrInvalid.WithDetail("成局人数不能多于人数上限")
	case a.PriceFen < 0 || a.PriceFen > MaxPriceFen:
		return ErrInvalid.WithDetail("价格需在 0 到 100000 元之间")
	case len(a.TagIDs) > MaxTagsPerItem:
		return ErrInvalid.WithDetail("最多选择 5 个标签")
	case a.Visibility != VisibilityPublic && a.Visibility != VisibilityMembers:
		return ErrBadVisibility
	case a.Visibility == VisibilityMembers && a.ClubID == "":
		return ErrBadVisibility.WithDetail("仅社团成员可见的活动需要属于一个社团")
	}
	return nil
}

// SignupStatus is the state of one person's sign-up.
type SignupStatus string

// Sign-up states.
const (
	SignupPendingPayment SignupStatus = "pending_payment"
	SignupConfirmed      SignupStatus = "confirmed"
	SignupWaitlisted     SignupStatus = "waitlisted"
	SignupOffered        SignupStatus = "offered"
	SignupCancelled      SignupStatus = "cancelled"
	SignupRefunded       SignupStatus = "refunded"
	SignupCheckedIn      SignupStatus = "checked_in"
	SignupNoShow         SignupStatus = "no_show"
)

// Signup is one person's place (or waitlist entry) in an activity.
type Signup struct {
	ID          string
	ActivityID  string
	UserID      string
	Status      SignupStatus
	Position    int // waitlist position (0 when not waitlisted)
	CheckInCode string
	// IdempotencyKey is the client's key of the request that created it.
	IdempotencyKey string
	// OfferExpiresAt ends an open waitlist offer.
	OfferExpiresAt *time.Time
	// HoldExpiresAt ends the payment window of a pending_payment seat.
	HoldExpiresAt *time.Time
	// OrderNo is the order paying for a paid sign-up ("" for free ones).
	OrderNo string
	// AmountFen is the price held for payment (fen).
	AmountFen int64
	// PaidFen is what was paid (fen); non-zero once a payment confirmed it.
	PaidFen int64
	// RefundFen is what was refunded on cancellation (fen).
	RefundFen   int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CancelledAt *time.Time
	// CheckedInAt is when the organizer scanned the sign-up's code.
	CheckedInAt *time.Time
}

// FormedEvent is the payload of activities.formed.
type FormedEvent struct {
	ActivityID     string   `json:"activity_id"`
	OrganizerID    string   `json:"organizer_id"`
	ParticipantIDs []string `json:"participant_ids"`
}

// TopicFormed is published once when an activity reaches its minimum.
const TopicFormed = "activities.formed"

// CancelledEvent is the payload of activities.cancelled. Refunds of paid
// sign-ups are requested separately, one activities.refund_requested each.
type CancelledEvent struct {
	ActivityID     string   `json:"activity_id"`
	Reason         string   `json:"reason"`
	Automatic      bool     `json:"automatic"`
	ParticipantIDs []string `json:"participant_ids"`
}

// TopicCancelled is published once when an activity is cancelled.
const TopicCancelled = "activities.cancelled"

// TopicSeatChanged is published when someone takes or gives up a seat
// (a confirmed sign-up: signed up, offer accepted, payment confirmed, or
// cancelled). It says whose seat changed, not how: a consumer reads the
// seat as it is now, so redelivery and reordering are harmless.
const TopicSeatChanged = "activities.seat_changed"

// SeatChangedEvent is the payload of activities.seat_changed.
type SeatChangedEvent struct {
	ActivityID string `json:"activity_id"`
	UserID     string `json:"user_id"`
}

// TopicWaitlistOffered is published once per offer, when a freed or added
// seat is offered to the next person on the waitlist; it is addressed to
// that person, who has until OfferExpiresAt to take it.
const TopicWaitlistOffered = "activities.waitlist_offered"

// WaitlistOfferedEvent is the payload of activities.waitlist_offered.
type WaitlistOfferedEvent struct {
	ActivityID     string    `json:"activity_id"`
	SignupID       string    `json:"signup_id"`
	UserID         string    `json:"user_id"`
	OfferExpiresAt time.Time `json:"offer_expires_at"`
}

// AutoCancelReason is shown when an activity did not reach its minimum in time.
const AutoCancelReason = "报名截止时未达到成局人数，活动自动取消"

// OfferWindow is how long a freed seat is held for the next person on the waitlist.
const OfferWindow = 2 * time.Hour
