// Package notifications tells people what happened to them: an in-app
// inbox (unread count, mark read) and deliveries by SMS, email and WeChat
// subscribe message, each sent by a durable job per notification and
// channel: once, unless a send is cut short after the provider took it
// (then again, with the same idempotency key, which a provider that
// deduplicates by it drops). Producers are event consumers (wired in the
// composition root): each event creates each recipient's notification at
// most once, so a redelivered event never notifies twice.
package notifications

import (
	"context"
	"encoding/json"
	"time"
)

// Type is a kind of notification; preferences are kept per type.
type Type string

// Types of notifications.
const (
	TypeClubApproved        Type = "club_approved"
	TypeClubRejected        Type = "club_rejected"
	TypeClubBanned          Type = "club_banned"
	TypeApplicationApproved Type = "application_approved"
	TypeApplicationRejected Type = "application_rejected"
	TypeActivityFormed      Type = "activity_formed"
	TypeActivityCancelled   Type = "activity_cancelled"
	TypeActivityReminder    Type = "activity_reminder"
	TypePaymentSucceeded    Type = "payment_succeeded"
	TypeRefundSucceeded     Type = "refund_succeeded"
	TypeRefundFailed        Type = "refund_failed"
	TypeReportResolved      Type = "report_resolved"
	TypeContentActioned     Type = "content_actioned"
	TypeWaitlistOffered     Type = "waitlist_offered"
	TypeContentApproved     Type = "content_approved"
	TypeContentRejected     Type = "content_rejected"
	TypeAnnouncement        Type = "announcement"
)

// Types lists every type in the order apps show them.
func Types() []Type {
	return []Type{TypeActivityFormed, TypeActivityReminder, TypeActivityCancelled, TypeWaitlistOffered, TypePaymentSucceeded, TypeRefundSucceeded,
		TypeRefundFailed, TypeApplicationApproved, TypeApplicationRejected, TypeClubApproved, TypeClubRejected, TypeClubBanned,
		TypeContentApproved, TypeContentRejected, TypeReportResolved, TypeContentActioned, TypeAnnouncement}
}

// Valid reports whether t is a known type.
func (t Type) Valid() bool {
	_, ok := templates[t]
	return ok
}

// Channel is a way a notification leaves the platform; the in-app inbox
// is not a channel (it is always on).
type Channel string

// Channels.
const (
	ChannelSMS    Channel = "sms"
	ChannelEmail  Channel = "email"
	ChannelWeChat Channel = "wechat"
)

// Channels lists every delivery channel.
func Channels() []Channel { return []Channel{ChannelSMS, ChannelEmail, ChannelWeChat} }

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return c == ChannelSMS || c == ChannelEmail || c == ChannelWeChat }

// Notification is one entry of a user's inbox.
type Notification struct {
	ID     string
	UserID string
	Type   Type
	Title  string
	Body   string
	// Link is where the app opens it ("" when nowhere).
	Link string
	// Data is the producer's structured detail (a JSON object).
	Data json.RawMessage
	// SourceEventID is the event that caused it; with UserID and Type it
	// is unique.
	SourceEventID string
	CreatedAt     time.Time
	// ReadAt is nil while unread.
	ReadAt *time.Time
}

// Draft is a notification a producer asks for: the recipient, the type
// and the template's parameters.
type Draft struct {
	UserID string
	Type   Type
	// Params fill the type's template ({name} placeholders).
	Params map[string]string
	Link   string
	Data   map[string]any
}

// Preference says whether a type goes out on a channel.
type Preference struct {
	Type    Type
	Channel Channel
	Enabled bool
}

// Cursor is a position in an inbox (newest first).
type Cursor struct {
	CreatedAt time.Time
	ID        string
}

// Delivery states of a (notification, channel).
const (
	// DeliveryAttempting: a send began (recorded before it) and its end
	// was not recorded: it failed, or the process died while the provider
	// may already have taken it. The next run sends again with the same
	// idempotency key.
	DeliveryAttempting = "attempting"
	DeliverySent       = "sent"
	DeliverySkipped    = "skipped" // the user has no address on the channel
)

// IdempotencyKey is the key of a notification's delivery on a channel:
// every send of the pair carries it, so a provider that deduplicates by
// it delivers a resend once. It is also the email's Message-ID.
func IdempotencyKey(notificationID string, ch Channel) string {
	return notificationID + "." + string(ch)
}

// Attempt is a send about to begin, as recorded: State is
// DeliveryAttempting unless the pair was settled meanwhile (then nothing
// is sent); N counts the sends begun, this one included, and Key is the
// idempotency key of the first.
type Attempt struct {
	State string
	N     int
	Key   string
}

// Store keeps notifications, preferences and delivery markers.
type Store interface {
	// Create stores the notifications that do not exist yet (by source
	// event, user and type) and returns every one of the event's
	// notifications for those keys, new or old.
	Create(ctx context.Context, list []Notification) ([]Notification, error)
	// List returns a user's notifications, newest first, after a position.
	List(ctx context.Context, userID string, after *Cursor, unreadOnly bool, limit int) ([]Notification, error)
	UnreadCount(ctx context.Context, userID string) (int64, error)
	// MarkRead marks the user's notifications among ids (all of theirs
	// when ids is nil) read at now; others' ids are left alone.
	MarkRead(ctx context.Context, userID string, ids []string, now time.Time) (int64, error)
	Get(ctx context.Context, id string) (*Notification, error)
	// Preferences returns the user's stored choices (defaults are not stored).
	Preferences(ctx context.Context, userID string) ([]Preference, error)
	SetPreferences(ctx context.Context, userID string, prefs []Preference, now time.Time) error
	// Delivered returns the delivery state of a notification on a channel ("" when none).
	Delivered(ctx context.Context, notificationID string, ch Channel) (string, error)
	// BeginAttempt records, before a send, that one begins: the pair
	// becomes DeliveryAttempting (key kept from its first attempt) with
	// one more attempt; a settled pair (sent or skipped) is left as it is
	// and returned.
	BeginAttempt(ctx context.Context, notificationID string, ch Channel, key string, now time.Time) (Attempt, error)
	// MarkDelivered settles the delivery (sent or skipped); a settled
	// pair is left as it is.
	MarkDelivered(ctx context.Context, notificationID string, ch Channel, state string, now time.Time) error
}
