package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/maypok86/otter/v2"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/ratelimit"
	"github.com/zuju/zuju/internal/platform/textfilter"
)

// Limits of messages.
const (
	MaxContentRunes = 1000
	MaxClientID     = 64
	MaxPage         = 100
	MaxReasonRunes  = 200
	// MaxMute is the longest a member can be muted for.
	MaxMute = 30 * 24 * time.Hour
)

// Settings tune the rooms.
type Settings struct {
	// ReadOnlyAfter is how long after its activity ends a room takes
	// messages.
	ReadOnlyAfter time.Duration
	// ReadOnlyAfterNow, when set, replaces ReadOnlyAfter, read as each
	// room opens (a system config).
	ReadOnlyAfterNow func() time.Duration
	// SendLimit is each user's message rate, over all rooms.
	SendLimit ratelimit.Limit
}

// DefaultSettings are the rooms' defaults.
func DefaultSettings() Settings {
	return Settings{ReadOnlyAfter: 3 * 24 * time.Hour, SendLimit: ratelimit.Limit{Rate: 20, Period: 10 * time.Second, Burst: 20}}
}

// Service runs rooms and their messages.
type Service struct {
	store    Store
	acts     Activities
	people   People
	filter   Filter
	limiter  Limiter
	fanout   Fanout
	presence Presence
	reports  Reports
	set      Settings
	now      func() time.Time
	newID    func() string
	log      *slog.Logger
	// senders keeps the names and avatars of people who send, for a few
	// seconds: a conversation does not look its members up per message.
	senders *otter.Cache[string, Person]
	// members keeps, for half a second, the memberships sends were
	// checked against (dropped at once when this replica changes one).
	members *otter.Cache[memberKey, membership]
}

// memberKey is a user in a room; membership what a send is checked
// against.
type (
	memberKey  struct{ room, user string }
	membership struct {
		room *Room
		m    *Member
	}
)

// memberTTL bounds how long a send may be let through on a membership
// another replica has changed since (removal must cut access within a
// second).
const memberTTL = 500 * time.Millisecond

// senderTTL is how long a sender's name and avatar are reused: a changed
// nickname shows on live messages after at most this (history shows it
// at once).
const senderTTL = 10 * time.Second

// Deps are what the service works with; Fanout and Presence may be set
// later (the hub needs the service first).
type Deps struct {
	Store      Store
	Activities Activities
	People     People
	Filter     Filter
	Limiter    Limiter
	Settings   Settings
	Now        func() time.Time
	NewID      func() string
	Logger     *slog.Logger
}

// NewService returns the service.
func NewService(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Filter == nil {
		d.Filter = textfilter.New(nil)
	}
	if d.Limiter == nil {
		d.Limiter = ratelimit.Off()
	}
	return &Service{store: d.Store, acts: d.Activities, people: d.People, filter: d.Filter, limiter: d.Limiter, set: d.Settings,
		now: d.Now, newID: d.NewID, log: d.Logger,
		senders: otter.Must(&otter.Options[string, Person]{MaximumSize: 10_000, ExpiryCalculator: otter.ExpiryWriting[string, Person](senderTTL)}),
		members: otter.Must(&otter.Options[memberKey, membership]{MaximumSize: 50_000, ExpiryCalculator: otter.ExpiryWriting[memberKey, membership](memberTTL)})}
}

// SetFanout connects the live connections.
func (s *Service) SetFanout(f Fanout) { s.fanout = f }

// SetPresence connects who is online.
func (s *Service) SetPresence(p Presence) { s.presence = p }

// SetReports connects the reports module, where reports of messages are
// filed (it needs the service first, to see messages).
func (s *Service) SetReports(r Reports) { s.reports = r }

// OpenRoom creates the room of a formed activity with its organizer and
// seated participants and a welcome message, once: a redelivered event
// changes nothing.
func (s *Service) OpenRoom(ctx context.Context, activityID string) (bool, error) {
	info, err := s.acts.ChatInfo(ctx, activityID)
	if err != nil || !info.Formed {
		return false, err
	}
	now := s.now().UTC()
	welcome := &Message{ID: s.newID(), SenderID: "", Kind: KindSystem, CreatedAt: now,
		Content: fmt.Sprintf("「%s」已成局！大家可以在这里商量集合时间和地点。", info.Title)}
	room, created, err := s.store.CreateRoom(ctx, NewRoom{ID: info.ID, ActivityID: info.ID, Title: info.Title, OrganizerID: info.OrganizerID,
		ParticipantIDs: info.Seated, ReadOnlyAt: info.EndAt.Add(s.readOnlyAfter()), Welcome: welcome}, now)
	if err != nil || !created {
		return false, err
	}
	members, err := s.store.Members(ctx, room.ID)
	if err != nil {
		return true, err
	}
	for _, m := range members {
		s.publish(ctx, Event{Type: EventMember, RoomID: room.ID, UserID: m.UserID, Active: true})
	}
	first, err := s.store.Messages(ctx, room.ID, 0, 0, 1)
	if err == nil && len(first) == 1 {
		s.publish(ctx, Event{Type: EventMessage, RoomID: room.ID, Message: &MessageView{Message: first[0]}})
	}
	return true, err
}

// SyncSeat lets a participant into the room of their activity when they
// hold a seat, and out when they no longer do (nothing before the room
// exists: it opens with everyone seated then).
func (s *Service) SyncSeat(ctx context.Context, activityID, userID string) error {
	room, err := s.store.RoomOfActivity(ctx, activityID)
	if errors.Is(err, ErrRoomNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	seated, err := s.acts.HoldsSeat(ctx, activityID, userID)
	if err != nil {
		return err
	}
	changed, err := s.store.SetMember(ctx, room.ID, userID, seated, s.now())
	s.forget(room.ID, userID)
	if err != nil || !changed {
		return err
	}
	s.publish(ctx, Event{Type: EventMember, RoomID: room.ID, UserID: userID, Active: seated})
	text := "%s 加入了群聊"
	if !seated {
		text = "%s 退出了群聊"
	}
	return s.system(ctx, room.ID, fmt.Sprintf(text, s.nickname(ctx, userID)))
}

// Disconnect ends a user's live connections on every replica (a banned
// account; its sessions are revoked, so it cannot connect again).
func (s *Service) Disconnect(ctx context.Context, userID string) {
	s.publish(ctx, Event{Type: EventKick, UserID: userID})
}

// Announce posts a system message to an activity's room, if it has one
// (formed, reminders, cancelled).
func (s *Service) Announce(ctx context.Context, activityID, text string) error {
	room, err := s.store.RoomOfActivity(ctx, activityID)
	if errors.Is(err, ErrRoomNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.system(ctx, room.ID, text)
}

func (s *Service) system(ctx context.Context, roomID, text string) error {
	m, _, err := s.store.Append(ctx, &Message{ID: s.newID(), RoomID: roomID, Kind: KindSystem, Content: text, CreatedAt: s.now().UTC()})
	if err != nil {
		return err
	}
	s.publish(ctx, Event{Type: EventMessage, RoomID: roomID, Message: &MessageView{Message: *m}})
	return nil
}

// publish hands an event to the live connections; a failure is logged
// (the message is stored: clients catch up when they resume).
func (s *Service) publish(ctx context.Context, e Event) {
	if s.fanout == nil {
		return
	}
	if err := s.fanout.Publish(ctx, e); err != nil {
		s.log.Warn("chat fan-out failed; clients catch up on resume", "room_id", e.RoomID, "type", e.Type, "err", err)
	}
}

// room loads a room; the room of a formed activity whose formation event
// has not been handled yet (or was lost) is opened on the spot, so the
// chat_room_id an activity shows always leads somewhere.
func (s *Service) room(ctx context.Context, roomID string) (*Room, error) {
	room, err := s.store.Room(ctx, roomID)
	if !errors.Is(err, ErrRoomNotFound) {
		return room, err
	}
	if _, oerr := s.OpenRoom(ctx, roomID); oerr != nil {
		return nil, ErrRoomNotFound
	}
	return s.store.Room(ctx, roomID)
}

// senderMembership is member for a send: a membership checked in the
// last memberTTL is used again.
func (s *Service) senderMembership(ctx context.Context, roomID string) (*Room, *Member, auth.Principal, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, nil, p, err
	}
	k := memberKey{roomID, p.UserID}
	if ms, ok := s.members.GetIfPresent(k); ok {
		return ms.room, ms.m, p, nil
	}
	room, m, p, err := s.member(ctx, roomID)
	if err == nil {
		s.members.Set(k, membership{room, m})
	}
	return room, m, p, err
}

// forget drops a cached membership this replica has just changed.
func (s *Service) forget(roomID, userID string) { s.members.Invalidate(memberKey{roomID, userID}) }

// member loads the caller's active membership of a room: ErrRoomNotFound
// for a room that does not exist, ErrNotMember for anyone not in it.
func (s *Service) member(ctx context.Context, roomID string) (*Room, *Member, auth.Principal, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, nil, p, err
	}
	room, m, err := s.store.RoomMember(ctx, roomID, p.UserID)
	if errors.Is(err, ErrRoomNotFound) {
		// Opened on first use (see room), then read again.
		if _, err = s.room(ctx, roomID); err == nil {
			room, m, err = s.store.RoomMember(ctx, roomID, p.UserID)
		}
	}
	if err != nil {
		return nil, nil, p, err
	}
	if !m.Active() {
		return nil, nil, p, ErrNotMember
	}
	return room, m, p, nil
}

// Send posts the caller's message to a room. A client id the caller used
// before in the room returns that message (created false), stored once.
// The text goes through the sensitive-word filter: blocked (ErrBlocked)
// or the words masked.
func (s *Service) Send(ctx context.Context, roomID, clientID, content string) (*MessageView, bool, error) {
	type result struct {
		view    *MessageView
		created bool
		err     error
	}
	ch := make(chan result, 1)
	if err := s.SendAsync(ctx, roomID, clientID, content, func(v *MessageView, created bool, err error) {
		ch <- result{v, created, err}
	}); err != nil {
		return nil, false, err
	}
	r := <-ch
	return r.view, r.created, r.err
}

// SendAsync is Send for a connection that keeps reading while its
// messages are stored: the checks run here and their error is returned;
// the message is then stored with others sent at the same time, and done
// is called once with the outcome (after the message was published), in
// the order of the calls. done must not block.
func (s *Service) SendAsync(ctx context.Context, roomID, clientID, content string, done func(*MessageView, bool, error)) error {
	content = strings.TrimSpace(content)
	switch {
	case utf8.RuneCountInString(clientID) > MaxClientID:
		return ErrBadClientID
	case content == "":
		return ErrEmpty
	case utf8.RuneCountInString(content) > MaxContentRunes:
		return ErrTooLong
	}
	room, m, p, err := s.senderMembership(ctx, roomID)
	if err != nil {
		return err
	}
	now := s.now()
	switch {
	case !now.Before(room.ReadOnlyAt):
		return ErrReadOnly
	case m.MutedAt(now):
		return ErrMuted.WithDetail("你已被禁言至 " + m.MutedUntil.In(beijing).Format("01-02 15:04"))
	}
	res := s.filter.Check(content)
	if res.Action >= textfilter.Review {
		// Chat is live: what would wait for review elsewhere is refused.
		return ErrBlocked
	}
	if r, err := s.limiter.Allow(ctx, "chat:send:"+p.UserID, s.set.SendLimit); err != nil {
		return err
	} else if !r.Allowed {
		return ErrRateLimited.WithRetryAfter(r.RetryAfter)
	}
	// The sender is looked up first: between the commit and the publish
	// nothing should wait, or later messages of the room overtake it.
	sender, err := s.sender(ctx, p.UserID)
	if err != nil {
		return err
	}
	pub := context.WithoutCancel(ctx)
	return s.store.AppendAsync(ctx, &Message{ID: s.newID(), RoomID: roomID, SenderID: p.UserID, ClientID: clientID,
		Kind: KindText, Content: res.Text, CreatedAt: now.UTC()}, func(msg *Message, created bool, err error) {
		if err != nil {
			done(nil, false, err)
			return
		}
		view := MessageView{Message: *msg, Sender: sender}
		if created {
			s.publish(pub, Event{Type: EventMessage, RoomID: roomID, Message: &view})
		}
		done(&view, created, nil)
	})
}

// readOnlyAfter is how long after its activity ends a room opened now
// takes messages.
func (s *Service) readOnlyAfter() time.Duration {
	if s.set.ReadOnlyAfterNow != nil {
		return s.set.ReadOnlyAfterNow()
	}
	return s.set.ReadOnlyAfter
}

// beijing is the zone times are shown in.
var beijing = time.FixedZone("CST", 8*3600)

// History lists a room's messages before a number (0: the newest),
// newest first, and the cursor of the next page (0: none).
func (s *Service) History(ctx context.Context, roomID string, before int64, limit int) ([]MessageView, int64, error) {
	if _, _, _, err := s.member(ctx, roomID); err != nil {
		return nil, 0, err
	}
	limit = clampPage(limit)
	if before <= 0 {
		before = math.MaxInt64
	}
	list, err := s.store.Messages(ctx, roomID, 0, before, limit+1)
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(list) > limit {
		list = list[:limit]
		next = list[limit-1].Seq
	}
	views, err := s.withSenders(ctx, list)
	return views, next, err
}

// After lists a member's room messages numbered after seq, oldest first
// (resuming a connection); ErrNotMember once they are out.
func (s *Service) After(ctx context.Context, roomID, userID string, seq int64, limit int) ([]MessageView, error) {
	m, err := s.store.Member(ctx, roomID, userID)
	if err != nil {
		return nil, err
	}
	if !m.Active() {
		return nil, ErrNotMember
	}
	list, err := s.store.Messages(ctx, roomID, seq, 0, clampPage(limit))
	if err != nil {
		return nil, err
	}
	return s.withSenders(ctx, list)
}

// Between lists a room's messages numbered after < seq < before, in
// order, for the hub (no caller: it hands them to the room's members).
func (s *Service) Between(ctx context.Context, roomID string, after, before int64) ([]MessageView, error) {
	if before-after <= 1 {
		return nil, nil
	}
	list, err := s.store.Messages(ctx, roomID, after, 0, int(min(before-after-1, MaxPage)))
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].Seq >= before {
			list = list[:i]
			break
		}
	}
	return s.withSenders(ctx, list)
}

// SeqOf returns the number of a message of a room.
func (s *Service) SeqOf(ctx context.Context, roomID, messageID string) (int64, error) {
	m, err := s.store.Message(ctx, roomID, messageID)
	if err != nil {
		return 0, err
	}
	return m.Seq, nil
}

func clampPage(limit int) int {
	if limit <= 0 || limit > MaxPage {
		return MaxPage
	}
	return limit
}

// withSenders attaches the senders' profiles.
// sender is the name and avatar shown on a user's new message.
func (s *Service) sender(ctx context.Context, userID string) (*Person, error) {
	if p, ok := s.senders.GetIfPresent(userID); ok {
		return &p, nil
	}
	views, err := s.withSenders(ctx, []Message{{SenderID: userID}})
	if err != nil {
		return nil, err
	}
	s.senders.Set(userID, *views[0].Sender)
	return views[0].Sender, nil
}

func (s *Service) withSenders(ctx context.Context, list []Message) ([]MessageView, error) {
	var ids []string
	seen := map[string]bool{}
	for _, m := range list {
		if m.SenderID != "" && !seen[m.SenderID] {
			seen[m.SenderID] = true
			ids = append(ids, m.SenderID)
		}
	}
	people := map[string]Person{}
	if len(ids) > 0 && s.people != nil {
		var err error
		if people, err = s.people.People(ctx, ids); err != nil {
			return nil, err
		}
	}
	out := make([]MessageView, len(list))
	for i, m := range list {
		out[i] = MessageView{Message: m}
		if m.SenderID != "" {
			p, ok := people[m.SenderID]
			if !ok {
				p = Person{ID: m.SenderID, Nickname: "已注销用户"}
			}
			out[i].Sender = &p
		}
	}
	return out, nil
}

func (s *Service) nickname(ctx context.Context, userID string) string {
	if s.people != nil {
		if p, err := s.people.People(ctx, []string{userID}); err == nil && p[userID].Nickname != "" {
			return p[userID].Nickname
		}
	}
	return "一位成员"
}

// RoomView is a room as its member lists it.
type RoomView struct {
	RoomSummary
	Last     *MessageView
	ReadOnly bool
}

// Rooms lists the caller's rooms, most recent first, with unread counts
// and last messages.
func (s *Service) Rooms(ctx context.Context) ([]RoomView, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	return s.RoomsOf(ctx, p.UserID)
}

// RoomsOf lists a user's rooms (the hub, at connect).
func (s *Service) RoomsOf(ctx context.Context, userID string) ([]RoomView, error) {
	list, err := s.store.Rooms(ctx, userID)
	if err != nil {
		return nil, err
	}
	var lasts []Message
	for _, r := range list {
		if r.Last != nil {
			lasts = append(lasts, *r.Last)
		}
	}
	views, err := s.withSenders(ctx, lasts)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]RoomView, len(list))
	j := 0
	for i, r := range list {
		out[i] = RoomView{RoomSummary: r, ReadOnly: !now.Before(r.ReadOnlyAt)}
		if r.Last != nil {
			out[i].Last = &views[j]
			j++
		}
	}
	return out, nil
}

// IsMember reports whether the user is an active member of the room.
func (s *Service) IsMember(ctx context.Context, roomID, userID string) (bool, error) {
	m, err := s.store.Member(ctx, roomID, userID)
	return m.Active(), err
}

// MarkRead moves the caller's read marker to a message of the room.
func (s *Service) MarkRead(ctx context.Context, roomID, messageID string) error {
	_, _, p, err := s.member(ctx, roomID)
	if err != nil {
		return err
	}
	seq, err := s.SeqOf(ctx, roomID, messageID)
	if err != nil {
		return err
	}
	return s.store.MarkRead(ctx, roomID, p.UserID, seq)
}

// Reconcile brings the rooms of these activities in step with them: a
// formed activity without a room gets it, seated participants missing
// from their room join, participants who lost their seat leave. In the
// single binary an event in flight is lost when the process stops; this
// pass (periodic) makes up for it. It returns how many rooms it opened and
// memberships it changed.
func (s *Service) Reconcile(ctx context.Context, activityIDs []string) (opened, changed int, err error) {
	var errs []error
	for _, id := range activityIDs {
		o, c, err := s.reconcileRoom(ctx, id)
		opened, changed = opened+o, changed+c
		if err != nil {
			errs = append(errs, fmt.Errorf("reconcile room of %s: %w", id, err))
		}
	}
	return opened, changed, errors.Join(errs...)
}

func (s *Service) reconcileRoom(ctx context.Context, activityID string) (opened, changed int, err error) {
	room, err := s.store.RoomOfActivity(ctx, activityID)
	if errors.Is(err, ErrRoomNotFound) {
		created, err := s.OpenRoom(ctx, activityID)
		if created {
			opened = 1
		}
		return opened, 0, err
	}
	if err != nil {
		return 0, 0, err
	}
	info, err := s.acts.ChatInfo(ctx, activityID)
	if err != nil {
		return 0, 0, err
	}
	members, err := s.store.Members(ctx, room.ID)
	if err != nil {
		return 0, 0, err
	}
	seated := make(map[string]bool, len(info.Seated))
	for _, id := range info.Seated {
		seated[id] = true
	}
	in := make(map[string]bool, len(members))
	var check []string
	for _, m := range members {
		in[m.UserID] = true
		if m.Role == RoleParticipant && !seated[m.UserID] {
			check = append(check, m.UserID)
		}
	}
	for _, id := range info.Seated {
		if !in[id] && id != info.OrganizerID {
			check = append(check, id)
		}
	}
	for _, userID := range check {
		before, err := s.store.Member(ctx, room.ID, userID)
		if err != nil {
			return opened, changed, err
		}
		if err := s.SyncSeat(ctx, activityID, userID); err != nil {
			return opened, changed, err
		}
		after, err := s.store.Member(ctx, room.ID, userID)
		if err != nil {
			return opened, changed, err
		}
		if before.Active() != after.Active() {
			changed++
		}
	}
	return opened, changed, nil
}
