// Package chathttp exposes the chat rooms over HTTP: rooms, history,
// sending, read markers, members and moderation, and the one-time tickets
// of the WebSocket (package chatws).
package chathttp

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/chat"
	"github.com/zuju/zuju/internal/chat/chatws"
)

var bearer = []map[string][]string{{"bearer": {}}}

var tag = []string{"Chat"}

type handlers struct {
	svc  *chat.Service
	gate *chatws.Gate
}

// Register adds the chat routes.
func Register(api huma.API, svc *chat.Service, gate *chatws.Gate) {
	h := handlers{svc: svc, gate: gate}
	op := func(id, method, path, summary string, status int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: tag, Security: bearer, DefaultStatus: status}
	}
	huma.Register(api, op("list-chat-rooms", http.MethodGet, "/chat/rooms",
		"The caller's chat rooms, most recent first, with unread counts and last messages", 0), h.rooms)
	huma.Register(api, op("list-chat-messages", http.MethodGet, "/chat/rooms/{id}/messages",
		"A room's messages, newest first, before a cursor (members only)", 0), h.history)
	huma.Register(api, op("send-chat-message", http.MethodPost, "/chat/rooms/{id}/messages",
		"Send a message (201; a client_id sent before answers 200 with the message stored then)", http.StatusCreated), h.send)
	huma.Register(api, op("read-chat-room", http.MethodPost, "/chat/rooms/{id}/read",
		"Move the caller's read marker to a message", http.StatusNoContent), h.read)
	huma.Register(api, op("list-chat-members", http.MethodGet, "/chat/rooms/{id}/members",
		"A room's members with who is online (members and staff)", 0), h.members)
	huma.Register(api, op("mute-chat-member", http.MethodPut, "/chat/rooms/{id}/members/{user_id}/mute",
		"Mute a member for some minutes (the organizer and staff)", 0), h.mute)
	huma.Register(api, op("unmute-chat-member", http.MethodDelete, "/chat/rooms/{id}/members/{user_id}/mute",
		"Lift a member's mute (the organizer and staff)", 0), h.unmute)
	huma.Register(api, op("remove-chat-member", http.MethodDelete, "/chat/rooms/{id}/members/{user_id}",
		"Remove a member for good (the organizer and staff): their live connections lose the room at once", http.StatusNoContent), h.remove)
	huma.Register(api, op("delete-chat-message", http.MethodDelete, "/chat/rooms/{id}/messages/{message_id}",
		"Withdraw a message (its sender, the organizer and staff)", http.StatusNoContent), h.deleteMessage)
	huma.Register(api, op("report-chat-message", http.MethodPost, "/chat/rooms/{id}/messages/{message_id}/reports",
		"Report a message (members; once per member and message: 201, then 200)", http.StatusCreated), h.report)
	huma.Register(api, op("create-chat-ticket", http.MethodPost, "/chat/tickets",
		"A one-time ticket for GET /api/v1/chat/ws?ticket= (valid 60 s)", http.StatusCreated), h.ticket)
}

// RoomDTO is a room in the caller's list.
type RoomDTO struct {
	ID          string             `json:"id"`
	ActivityID  string             `json:"activity_id"`
	Title       string             `json:"title"`
	Unread      int64              `json:"unread"`
	LastSeq     int64              `json:"last_seq"`
	LastMessage *chatws.MessageDTO `json:"last_message,omitempty" doc:"absent before the first message"`
	ReadOnly    bool               `json:"read_only" doc:"the activity ended long enough ago: history only"`
	ReadOnlyAt  time.Time          `json:"read_only_at"`
	CreatedAt   time.Time          `json:"created_at"`
}

type roomsOut struct {
	Body struct {
		Items []RoomDTO `json:"items"`
	}
}

func (h handlers) rooms(ctx context.Context, _ *struct{}) (*roomsOut, error) {
	list, err := h.svc.Rooms(ctx)
	if err != nil {
		return nil, err
	}
	out := &roomsOut{}
	out.Body.Items = make([]RoomDTO, len(list))
	for i, r := range list {
		d := RoomDTO{ID: r.ID, ActivityID: r.ActivityID, Title: r.Title, Unread: r.Unread, LastSeq: r.LastSeq, ReadOnly: r.ReadOnly,
			ReadOnlyAt: r.ReadOnlyAt, CreatedAt: r.CreatedAt}
		if r.Last != nil {
			m := chatws.ToMessageDTO(r.Last)
			d.LastMessage = &m
		}
		out.Body.Items[i] = d
	}
	return out, nil
}

type historyIn struct {
	ID     string `path:"id" maxLength:"64"`
	Before string `query:"before" maxLength:"20" pattern:"^[0-9]*$" doc:"next_cursor of the previous page"`
	Limit  int    `query:"limit" minimum:"1" maximum:"100" default:"30"`
}

type historyOut struct {
	Body struct {
		Items      []chatws.MessageDTO `json:"items"`
		NextCursor *string             `json:"next_cursor"`
	}
}

func (h handlers) history(ctx context.Context, in *historyIn) (*historyOut, error) {
	var before int64
	if in.Before != "" {
		var err error
		if before, err = strconv.ParseInt(in.Before, 10, 64); err != nil {
			return nil, huma.Error422UnprocessableEntity("before 不是有效的游标")
		}
	}
	list, next, err := h.svc.History(ctx, in.ID, before, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &historyOut{}
	out.Body.Items = make([]chatws.MessageDTO, len(list))
	for i := range list {
		out.Body.Items[i] = chatws.ToMessageDTO(&list[i])
	}
	if next > 0 {
		s := strconv.FormatInt(next, 10)
		out.Body.NextCursor = &s
	}
	return out, nil
}

type sendIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		Content  string `json:"content" maxLength:"4000" doc:"1–1000 characters"`
		ClientID string `json:"client_id,omitempty" maxLength:"64" doc:"the client's id of the message: sent again, it is stored once"`
	}
}

type messageOut struct {
	Status int
	Body   chatws.MessageDTO
}

func (h handlers) send(ctx context.Context, in *sendIn) (*messageOut, error) {
	m, created, err := h.svc.Send(ctx, in.ID, in.Body.ClientID, in.Body.Content)
	if err != nil {
		return nil, err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	return &messageOut{Status: status, Body: chatws.ToMessageDTO(m)}, nil
}

type readIn struct {
	ID   string `path:"id" maxLength:"64"`
	Body struct {
		MessageID string `json:"message_id" minLength:"1" maxLength:"64"`
	}
}

func (h handlers) read(ctx context.Context, in *readIn) (*struct{}, error) {
	return nil, h.svc.MarkRead(ctx, in.ID, in.Body.MessageID)
}

// MemberDTO is a member of a room.
type MemberDTO struct {
	User       chatws.PersonDTO `json:"user"`
	Role       string           `json:"role" enum:"organizer,participant"`
	Online     bool             `json:"online"`
	MutedUntil *time.Time       `json:"muted_until"`
	JoinedAt   time.Time        `json:"joined_at"`
}

type membersIn struct {
	ID string `path:"id" maxLength:"64"`
}

type membersOut struct {
	Body struct {
		Items []MemberDTO `json:"items"`
	}
}

func toMember(m chat.MemberView) MemberDTO {
	d := MemberDTO{User: chatws.PersonDTO{ID: m.Person.ID, Nickname: m.Person.Nickname, AvatarURL: m.Person.AvatarURL},
		Role: m.Role, Online: m.Online, JoinedAt: m.JoinedAt}
	d.MutedUntil = m.MutedUntil // set only while muted
	return d
}

func (h handlers) members(ctx context.Context, in *membersIn) (*membersOut, error) {
	list, err := h.svc.Members(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := &membersOut{}
	out.Body.Items = make([]MemberDTO, len(list))
	for i := range list {
		out.Body.Items[i] = toMember(list[i])
	}
	return out, nil
}

type memberIn struct {
	ID     string `path:"id" maxLength:"64"`
	UserID string `path:"user_id" maxLength:"64"`
}

type muteIn struct {
	ID     string `path:"id" maxLength:"64"`
	UserID string `path:"user_id" maxLength:"64"`
	Body   struct {
		Minutes int `json:"minutes" minimum:"1" maximum:"43200" doc:"1 minute to 30 days"`
	}
}

type muteOut struct {
	Body struct {
		MutedUntil *time.Time `json:"muted_until"`
	}
}

func (h handlers) mute(ctx context.Context, in *muteIn) (*muteOut, error) {
	m, err := h.svc.Mute(ctx, in.ID, in.UserID, time.Duration(in.Body.Minutes)*time.Minute)
	if err != nil {
		return nil, err
	}
	out := &muteOut{}
	out.Body.MutedUntil = m.MutedUntil
	return out, nil
}

func (h handlers) unmute(ctx context.Context, in *memberIn) (*muteOut, error) {
	if _, err := h.svc.Mute(ctx, in.ID, in.UserID, 0); err != nil {
		return nil, err
	}
	return &muteOut{}, nil
}

func (h handlers) remove(ctx context.Context, in *memberIn) (*struct{}, error) {
	return nil, h.svc.Remove(ctx, in.ID, in.UserID)
}

type messageIn struct {
	ID        string `path:"id" maxLength:"64"`
	MessageID string `path:"message_id" maxLength:"64"`
}

func (h handlers) deleteMessage(ctx context.Context, in *messageIn) (*struct{}, error) {
	return nil, h.svc.DeleteMessage(ctx, in.ID, in.MessageID)
}

type reportIn struct {
	ID        string `path:"id" maxLength:"64"`
	MessageID string `path:"message_id" maxLength:"64"`
	Body      struct {
		Reason string `json:"reason" maxLength:"800" doc:"1–200 characters"`
	}
}

type reportOut struct {
	Status int
	Body   struct {
		Reported bool `json:"reported"`
	}
}

func (h handlers) report(ctx context.Context, in *reportIn) (*reportOut, error) {
	created, err := h.svc.Report(ctx, in.ID, in.MessageID, in.Body.Reason)
	if err != nil {
		return nil, err
	}
	out := &reportOut{Status: http.StatusCreated}
	if !created {
		out.Status = http.StatusOK
	}
	out.Body.Reported = true
	return out, nil
}

type ticketOut struct {
	Body struct {
		Ticket    string `json:"ticket"`
		ExpiresIn int    `json:"expires_in" doc:"seconds"`
	}
}

func (h handlers) ticket(ctx context.Context, _ *struct{}) (*ticketOut, error) {
	t, ttl, err := h.gate.Issue(ctx)
	if err != nil {
		return nil, err
	}
	out := &ticketOut{}
	out.Body.Ticket, out.Body.ExpiresIn = t, int(ttl/time.Second)
	return out, nil
}
