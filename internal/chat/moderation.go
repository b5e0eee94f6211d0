package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/errs"
)

// Moderation of a room: its organizer and staff mute and remove members
// and delete messages; a sender withdraws their own message; any member
// reports a message.

// Errors of moderation.
var (
	ErrBadMute      = errs.Invalid("chat.invalid_mute", "禁言时长须在 1 分钟到 30 天之间")
	ErrCannotTarget = errs.Conflict("chat.cannot_moderate_organizer", "不能对活动发起人这样做")
	ErrNotInRoom    = errs.NotFound("chat.member_not_found", "该用户不在聊天室中")
	ErrReportReason = errs.Invalid("chat.report_reason", "请填写举报原因（1–200 字）")
)

// moderator loads a room for its organizer or staff.
func (s *Service) moderator(ctx context.Context, roomID string) (*Room, auth.Principal, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, p, err
	}
	room, err := s.store.Room(ctx, roomID)
	if err != nil {
		return nil, p, err
	}
	if p.IsStaff() {
		return room, p, nil
	}
	m, err := s.store.Member(ctx, roomID, p.UserID)
	if err != nil {
		return nil, p, err
	}
	switch {
	case !m.Active():
		return nil, p, ErrNotMember
	case m.Role != RoleOrganizer:
		return nil, p, ErrNotModerator
	}
	return room, p, nil
}

// target loads the member a moderator acts on.
func (s *Service) target(ctx context.Context, roomID, userID string) (*Member, error) {
	m, err := s.store.Member(ctx, roomID, userID)
	if err != nil {
		return nil, err
	}
	switch {
	case !m.Active():
		return nil, ErrNotInRoom
	case m.Role == RoleOrganizer:
		return nil, ErrCannotTarget
	}
	return m, nil
}

// Mute silences a member for d (0 lifts a mute).
func (s *Service) Mute(ctx context.Context, roomID, userID string, d time.Duration) (*Member, error) {
	if d != 0 && (d < time.Minute || d > MaxMute) {
		return nil, ErrBadMute
	}
	if _, _, err := s.moderator(ctx, roomID); err != nil {
		return nil, err
	}
	if _, err := s.target(ctx, roomID, userID); err != nil {
		return nil, err
	}
	var until time.Time
	var shown *time.Time
	if d > 0 {
		until = s.now().UTC().Add(d).Truncate(time.Second)
		shown = &until
	}
	_, err := s.store.Mute(ctx, roomID, userID, until)
	s.forget(roomID, userID)
	if err != nil {
		return nil, err
	}
	s.publish(ctx, Event{Type: EventMuted, RoomID: roomID, UserID: userID, MutedUntil: shown})
	text := "%s 已被禁言至 " + until.In(beijing).Format("01-02 15:04")
	if d == 0 {
		text = "%s 已被解除禁言"
	}
	if err := s.system(ctx, roomID, fmt.Sprintf(text, s.nickname(ctx, userID))); err != nil {
		return nil, err
	}
	return s.store.Member(ctx, roomID, userID)
}

// Remove takes a participant out of the room for good: their live
// connections stop receiving it at once.
func (s *Service) Remove(ctx context.Context, roomID, userID string) error {
	if _, _, err := s.moderator(ctx, roomID); err != nil {
		return err
	}
	if _, err := s.target(ctx, roomID, userID); err != nil {
		return err
	}
	removed, err := s.store.Remove(ctx, roomID, userID, s.now())
	s.forget(roomID, userID)
	if err != nil || !removed {
		return err
	}
	s.publish(ctx, Event{Type: EventMember, RoomID: roomID, UserID: userID, Active: false})
	return s.system(ctx, roomID, fmt.Sprintf("%s 已被移出群聊", s.nickname(ctx, userID)))
}

// DeleteMessage withdraws a message: its sender's own, or any by the
// organizer and staff.
func (s *Service) DeleteMessage(ctx context.Context, roomID, messageID string) error {
	p, err := auth.Require(ctx)
	if err != nil {
		return err
	}
	m, err := s.store.Message(ctx, roomID, messageID)
	if err != nil {
		return err
	}
	if m.SenderID == p.UserID && m.SenderID != "" {
		if _, _, _, err := s.member(ctx, roomID); err != nil {
			return err
		}
	} else if _, _, err := s.moderator(ctx, roomID); err != nil {
		return err
	}
	deleted, err := s.store.DeleteMessage(ctx, roomID, messageID, s.now())
	if err != nil || !deleted {
		return err
	}
	s.publish(ctx, Event{Type: EventDeleted, RoomID: roomID, MessageID: messageID})
	return nil
}

// Report files the caller's report of a message of their room through
// the reports module, once (created false when they reported it before).
func (s *Service) Report(ctx context.Context, roomID, messageID, reason string) (bool, error) {
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n == 0 || n > MaxReasonRunes {
		return false, ErrReportReason
	}
	if _, _, _, err := s.member(ctx, roomID); err != nil {
		return false, err
	}
	if _, err := s.store.Message(ctx, roomID, messageID); err != nil {
		return false, err
	}
	if s.reports == nil {
		return false, errors.New("chat: no reports module to file the report with")
	}
	return s.reports.ReportMessage(ctx, roomID, messageID, reason)
}

// ReportedMessage returns a message for the caller to report: one of a
// room they are an active member of, not withdrawn (ErrMessageNotFound
// for anything else, so a report cannot probe other rooms).
func (s *Service) ReportedMessage(ctx context.Context, messageID string) (*Message, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.store.MessageByID(ctx, messageID)
	if err != nil {
		return nil, err
	}
	if m.Deleted {
		return nil, ErrMessageNotFound
	}
	mem, err := s.store.Member(ctx, m.RoomID, p.UserID)
	if err != nil {
		return nil, err
	}
	if !mem.Active() {
		return nil, ErrMessageNotFound
	}
	return m, nil
}

// MemberView is a member as the room lists them.
type MemberView struct {
	Member
	Person Person
	Online bool
}

// Members lists the room's active members with their profiles and
// whether they are online (members and staff).
func (s *Service) Members(ctx context.Context, roomID string) ([]MemberView, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsStaff() {
		if _, _, _, err := s.member(ctx, roomID); err != nil {
			return nil, err
		}
	} else if _, err := s.store.Room(ctx, roomID); err != nil {
		return nil, err
	}
	list, err := s.store.Members(ctx, roomID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(list))
	for i := range list {
		ids[i] = list[i].UserID
	}
	people := map[string]Person{}
	if s.people != nil {
		if people, err = s.people.People(ctx, ids); err != nil {
			return nil, err
		}
	}
	online := map[string]bool{}
	if s.presence != nil {
		if online, err = s.presence.Online(ctx, ids); err != nil {
			s.log.Warn("chat presence unavailable", "err", err)
			online = map[string]bool{}
		}
	}
	out := make([]MemberView, len(list))
	now := s.now()
	for i, m := range list {
		if !m.MutedAt(now) {
			m.MutedUntil = nil
		}
		per, ok := people[m.UserID]
		if !ok {
			per = Person{ID: m.UserID, Nickname: "已注销用户"}
		}
		out[i] = MemberView{Member: m, Person: per, Online: online[m.UserID]}
	}
	return out, nil
}
