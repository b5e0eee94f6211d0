package chat

import (
	"context"
	"time"

	"github.com/zuju/zuju/internal/platform/ratelimit"
	"github.com/zuju/zuju/internal/platform/textfilter"
)

// ActivityInfo is what a room needs of its activity.
type ActivityInfo struct {
	ID, Title, OrganizerID string
	// Formed: the activity formed (or finished after forming).
	Formed bool
	EndAt  time.Time
	// Seated are the confirmed and checked-in participants.
	Seated []string
}

// Activities reads the activities a room belongs to.
type Activities interface {
	ChatInfo(ctx context.Context, activityID string) (ActivityInfo, error)
	HoldsSeat(ctx context.Context, activityID, userID string) (bool, error)
}

// Person is how a member appears.
type Person struct {
	ID, Nickname, AvatarURL string
}

// People looks up members' public profiles.
type People interface {
	People(ctx context.Context, ids []string) (map[string]Person, error)
}

// Filter checks what people write.
type Filter interface {
	Check(text string) textfilter.Result
}

// Limiter throttles senders.
type Limiter interface {
	Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Result, error)
}

// Reports files reports into the platform's one queue of reports.
type Reports interface {
	// ReportMessage files the caller's report of a message with the
	// reason they wrote; created is false when they reported it before.
	ReportMessage(ctx context.Context, roomID, messageID, reason string) (created bool, err error)
}

// Fanout delivers room events to the members' live connections, on every
// replica.
type Fanout interface {
	Publish(ctx context.Context, e Event) error
}

// Presence tells who has a live connection.
type Presence interface {
	Online(ctx context.Context, userIDs []string) (map[string]bool, error)
}

// Event types carried to live connections.
const (
	EventMessage = "message" // a new message
	EventDeleted = "deleted" // a message withdrawn
	EventMember  = "member"  // someone joined (Active) or left a room
	EventMuted   = "muted"   // a member muted until MutedUntil (nil: lifted)
	EventKick    = "kick"    // the user's connections end (banned)
)

// Event is a change of a room that live connections must see.
type Event struct {
	Type       string       `json:"type"`
	RoomID     string       `json:"room_id"`
	Message    *MessageView `json:"message,omitempty"`
	MessageID  string       `json:"message_id,omitempty"`
	UserID     string       `json:"user_id,omitempty"`
	Active     bool         `json:"active,omitempty"`
	MutedUntil *time.Time   `json:"muted_until,omitempty"`
}

// MessageView is a message with its sender's profile.
type MessageView struct {
	Message
	Sender *Person
}
