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
}

// Sender delivers a message to an address on one channel. It returns an
// error to be retried.
type Sender interface {
	Send(ctx context.Context, to Address, m Message) error
}

// Enqueuer schedules the durable delivery of a notification on a channel,
// once per pair (a second enqueue of the same pair is a no-op).
type Enqueuer interface {
	EnqueueDelivery(ctx context.Context, notificationID string, ch Channel) error
}
