// Package chat runs the rooms that open when an activity forms: its
// organizer and seated participants talk there until a few days after it
// ends. Messages are stored in the database, numbered per room (seq) in
// commit order, so a client that reconnects asks for everything after the
// last number it saw and misses nothing.
package chat

import (
	"context"
	"time"

	"github.com/zuju/zuju/internal/platform/errs"
)

// Member roles.
const (
	RoleOrganizer   = "organizer"
	RoleParticipant = "participant"
)

// Message kinds.
const (
	KindText   = "text"
	KindSystem = "system"
)

// Room is the chat of one activity.
type Room struct {
	ID         string
	ActivityID string
	Title      string
	LastSeq    int64
	ReadOnlyAt time.Time // no messages from then on
	CreatedAt  time.Time
}

// Member is someone's place in a room.
type Member struct {
	RoomID     string
	UserID     string
	Role       string
	JoinedAt   time.Time
	LeftAt     *time.Time
	Removed    bool
	MutedUntil *time.Time
	ReadSeq    int64
}

// Message is one message of a room.
type Message struct {
	ID        string
	RoomID    string
	Seq       int64
	SenderID  string // empty for system messages
	ClientID  string
	Kind      string
	Content   string
	CreatedAt time.Time
	Deleted   bool
}

// RoomSummary is a room as its member lists it.
type RoomSummary struct {
	Room
	Unread int64
	Last   *Message
}

// NewRoom asks for the room of a formed activity.
type NewRoom struct {
	ID, ActivityID, Title string
	OrganizerID           string
	ParticipantIDs        []string
	ReadOnlyAt            time.Time
	// Welcome is the system message the room opens with.
	Welcome *Message
}

// Store keeps rooms, members and messages.
type Store interface {
	// CreateRoom creates the room of an activity once (created false and
	// the existing room when it was made before).
	CreateRoom(ctx context.Context, r NewRoom, now time.Time) (*Room, bool, error)
	RoomOfActivity(ctx context.Context, activityID string) (*Room, error)
	Room(ctx context.Context, id string) (*Room, error)
	// SetMember adds a participant (unless removed by staff or the
	// organizer) or lets them leave; false when nothing changed.
	SetMember(ctx context.Context, roomID, userID string, member bool, now time.Time) (bool, error)
	Member(ctx context.Context, roomID, userID string) (*Member, error)
	// RoomMember loads a room and a user's membership of it (nil when they
	// never were a member) in one read: ErrRoomNotFound for no room.
	RoomMember(ctx context.Context, roomID, userID string) (*Room, *Member, error)
	// Append stores a message with the room's next number; a message with
	// a client id already used by its sender returns that message
	// (created false).
	Append(ctx context.Context, m *Message) (*Message, bool, error)
	// AppendAsync is Append without waiting: done is called once with
	// the outcome, in the order messages were handed in (it must not
	// block). An error returned (ctx ended while the store was full)
	// means done is not called.
	AppendAsync(ctx context.Context, m *Message, done func(m *Message, created bool, err error)) error
	// Messages lists a room's messages numbered after after (oldest
	// first) or, with before > 0, before before (newest first).
	Messages(ctx context.Context, roomID string, after, before int64, limit int) ([]Message, error)
	// Rooms lists the rooms a user is a member of, with unread counts
	// and last messages, most recent first.
	Rooms(ctx context.Context, userID string) ([]RoomSummary, error)
	// MarkRead moves a member's read marker forward (never back).
	MarkRead(ctx context.Context, roomID, userID string, seq int64) error

	// Members lists a room's active members, organizer first.
	Members(ctx context.Context, roomID string) ([]Member, error)
	// Mute silences an active member until then (zero: lifted).
	Mute(ctx context.Context, roomID, userID string, until time.Time) (bool, error)
	// Remove takes a participant out for good.
	Remove(ctx context.Context, roomID, userID string, now time.Time) (bool, error)
	Message(ctx context.Context, roomID, id string) (*Message, error)
	// MessageByID loads a message of any room (ErrMessageNotFound).
	MessageByID(ctx context.Context, id string) (*Message, error)
	DeleteMessage(ctx context.Context, roomID, id string, now time.Time) (bool, error)
	// Report files a report of a message once per reporter into
	// chat_reports (reports filed before the reports module took them).
	Report(ctx context.Context, r Report) (bool, error)
}

// Report is a member's report of a message.
type Report struct {
	ID, RoomID, MessageID, ReporterID string
	Reason                            string
	// Snapshot is the content as it was when reported.
	Snapshot  string
	CreatedAt time.Time
}

// Errors of the module.
var (
	ErrRoomNotFound    = errs.NotFound("chat.room_not_found", "聊天室不存在")
	ErrNotMember       = errs.Forbidden("chat.not_member", "你不在这个聊天室中")
	ErrReadOnly        = errs.Conflict("chat.read_only", "活动已结束，聊天室只读")
	ErrMuted           = errs.Forbidden("chat.muted", "你已被禁言")
	ErrEmpty           = errs.Invalid("chat.empty", "消息不能为空")
	ErrTooLong         = errs.Invalid("chat.too_long", "消息最多 1000 字")
	ErrBlocked         = errs.Invalid("chat.blocked", "消息含有违规内容，未能发送")
	ErrMessageNotFound = errs.NotFound("chat.message_not_found", "消息不存在")
	ErrNotModerator    = errs.Forbidden("chat.not_moderator", "只有活动发起人和管理员可以这样做")
	ErrRateLimited     = errs.New(errs.KindRateLimited, "chat.rate_limited", "发送太频繁，请稍后再试")
	ErrBadClientID     = errs.Invalid("chat.invalid_client_id", "client_id 最多 64 个字符")
)

// Active reports whether the membership is in force.
func (m *Member) Active() bool { return m != nil && m.LeftAt == nil && !m.Removed }

// MutedAt reports whether the member is muted at now.
func (m *Member) MutedAt(now time.Time) bool { return m.MutedUntil != nil && now.Before(*m.MutedUntil) }
