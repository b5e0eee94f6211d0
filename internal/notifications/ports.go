package notifications

import "context"

// Address is where a user can be reached on each channel ("" when not).
type Address struct {
	Phone, Email, WeChatOpenID string
	// Locale is the user's language ("zh" or "en"; "" means zh).
	Locale string
}

// Directory finds users' addresses.
type Directory interface {
	Address(ctx context.Context, userID string) (Address, error)
}

// Message is a rendered notification for one channel.
type Message struct {
	NotificationID string
	Type           Type
	Title, Body    string
	Link           string
	Params         map[string]string
	// IdempotencyKey is the same on every send of this notification on
	// this channel; a sender hands it to a provider that deduplicates by
	// it (email: the Message-ID).
	IdempotencyKey string
	// Attempt counts the sends begun, this one included: above 1, an
	// earlier one may have reached the provider (the process died before
	// it was recorded, or the provider's answer was lost).
	Attempt int
}

// Sender delivers a message to an address on one channel. It returns an
// error to be retried. A send is retried with the same IdempotencyKey
// until it returns nil; a provider that does not deduplicate by the key
// may then have the message more than once.
type Sender interface {
	Send(ctx context.Context, to Address, m Message) error
}

// Enqueuer schedules the durable delivery of a notification on a channel,
// once per pair (a second enqueue of the same pair is a no-op).
type Enqueuer interface {
	EnqueueDelivery(ctx context.Context, notificationID string, ch Channel) error
}
