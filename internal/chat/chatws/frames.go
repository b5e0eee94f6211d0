package chatws

import (
	"encoding/json"
	"time"

	"github.com/zuju/zuju/internal/chat"
)

// Frames are JSON text messages (API.md, "Chat").

// PersonDTO is a sender as clients see them.
type PersonDTO struct {
	ID        string `json:"id"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
}

// MessageDTO is a message as clients see it.
type MessageDTO struct {
	ID        string     `json:"id"`
	RoomID    string     `json:"room_id"`
	Seq       int64      `json:"seq" doc:"the message's number in its room: later messages have higher numbers"`
	Sender    *PersonDTO `json:"sender,omitempty" doc:"absent for system messages"`
	Content   string     `json:"content" doc:"empty once deleted"`
	Kind      string     `json:"kind" enum:"text,system"`
	ClientID  string     `json:"client_id,omitempty"`
	Deleted   bool       `json:"deleted"`
	CreatedAt time.Time  `json:"created_at"`
}

// ToMessageDTO converts a message.
func ToMessageDTO(m *chat.MessageView) MessageDTO {
	d := MessageDTO{ID: m.ID, RoomID: m.RoomID, Seq: m.Seq, Content: m.Content, Kind: m.Kind, ClientID: m.ClientID,
		Deleted: m.Deleted, CreatedAt: m.CreatedAt}
	if m.Sender != nil {
		d.Sender = &PersonDTO{ID: m.Sender.ID, Nickname: m.Sender.Nickname, AvatarURL: m.Sender.AvatarURL}
	}
	return d
}

// outFrame is a server → client frame.
type outFrame struct {
	Type       string      `json:"type"`
	Message    *MessageDTO `json:"message,omitempty"`
	ClientID   string      `json:"client_id,omitempty"`
	Code       string      `json:"code,omitempty"`
	Detail     string      `json:"detail,omitempty"`
	Event      string      `json:"event,omitempty"`
	RoomID     string      `json:"room_id,omitempty"`
	MessageID  string      `json:"message_id,omitempty"`
	UserID     string      `json:"user_id,omitempty"`
	MutedUntil *time.Time  `json:"muted_until,omitempty"`
	Rooms      []readyRoom `json:"rooms,omitempty"`
}

// readyRoom is a room in the ready frame.
type readyRoom struct {
	ID      string `json:"id"`
	LastSeq int64  `json:"last_seq"`
	Unread  int64  `json:"unread"`
}

// System frame events.
const (
	eventReady   = "ready"   // the connection is live: its rooms
	eventJoined  = "joined"  // the user joined a room
	eventRemoved = "removed" // the user is no longer in a room
	eventDeleted = "deleted" // a message was withdrawn
	eventMuted   = "muted"   // a member was muted (muted_until) or unmuted
	eventResumed = "resumed" // a resume caught up
)

// inFrame is a client → server frame.
type inFrame struct {
	Type      string `json:"type"`
	RoomID    string `json:"room_id"`
	Content   string `json:"content"`
	ClientID  string `json:"client_id"`
	MessageID string `json:"message_id"`
	// AfterSeq resumes after a message number (instead of message_id).
	AfterSeq *int64 `json:"after_seq"`
}

func encode(f outFrame) []byte {
	b, err := json.Marshal(f)
	if err != nil {
		panic(err) // plain data: cannot fail
	}
	return b
}

func errorFrame(code, detail, clientID string) []byte {
	return encode(outFrame{Type: "error", Code: code, Detail: detail, ClientID: clientID})
}
