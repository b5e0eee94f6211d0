package notifications

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zuju/zuju/internal/platform/auth"
)

// MaxPage is the largest page of an inbox.
const MaxPage = 50

// Deps are what the service works with.
type Deps struct {
	Store     Store
	Directory Directory
	// Jobs schedules deliveries; nil keeps notifications in the inbox only.
	Jobs Enqueuer
	// Senders deliver per channel; a channel without one is skipped.
	Senders map[Channel]Sender
	Logger  *slog.Logger
	Now     func() time.Time
	NewID   func() string
}

// Service runs inboxes, preferences and deliveries.
type Service struct {
	store   Store
	dir     Directory
	jobs    Enqueuer
	mu      sync.RWMutex // guards senders
	senders map[Channel]Sender
	log     *slog.Logger
	now     func() time.Time
	newID   func() string
}

// NewService returns the service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	senders := map[Channel]Sender{}
	for c, x := range d.Senders {
		senders[c] = x
	}
	return &Service{store: d.Store, dir: d.Directory, jobs: d.Jobs, senders: senders, log: d.Logger, now: d.Now, newID: d.NewID}
}

// SetSender replaces the sender of a channel (nil turns it off).
func (s *Service) SetSender(ch Channel, x Sender) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if x == nil {
		delete(s.senders, ch)
		return
	}
	s.senders[ch] = x
}

func (s *Service) sender(ch Channel) Sender {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.senders[ch]
}

// Notify creates the drafts' notifications for the event eventID, each
// (user, type) at most once however often the event is delivered, and
// schedules their deliveries on the channels each user allows. Calling
// it again for the same event schedules nothing twice, so a consumer
// that failed halfway simply runs again.
func (s *Service) Notify(ctx context.Context, eventID string, drafts []Draft) error {
	if len(drafts) == 0 {
		return nil
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	list := make([]Notification, 0, len(drafts))
	for _, d := range drafts {
		if d.UserID == "" || !d.Type.Valid() {
			continue
		}
		locale := ""
		if s.dir != nil {
			if a, err := s.dir.Address(ctx, d.UserID); err == nil {
				locale = a.Locale
			}
		}
		title, body := render(d.Type, locale, d.Params)
		data := map[string]any{}
		for k, v := range d.Params {
			data[k] = v
		}
		for k, v := range d.Data {
			data[k] = v
		}
		raw, err := json.Marshal(data)
		if err != nil {
			return fmt.Errorf("notification data: %w", err)
		}
		list = append(list, Notification{ID: s.newID(), UserID: d.UserID, Type: d.Type, Title: title, Body: body, Link: d.Link,
			Data: raw, SourceEventID: eventID, CreatedAt: now})
	}
	stored, err := s.store.Create(ctx, list)
	if err != nil {
		return err
	}
	if s.jobs == nil {
		return nil
	}
	prefs := map[string]map[Type]map[Channel]bool{}
	for _, n := range stored {
		if _, ok := prefs[n.UserID]; !ok {
			p, err := s.preferenceMap(ctx, n.UserID)
			if err != nil {
				return err
			}
			prefs[n.UserID] = p
		}
		for _, ch := range Channels() {
			if !prefs[n.UserID][n.Type][ch] {
				continue
			}
			if err := s.jobs.EnqueueDelivery(ctx, n.ID, ch); err != nil {
				return err
			}
		}
	}
	return nil
}

// Deliver sends notification id on channel ch once: a delivery already
// settled is not sent again; one the user no longer allows, or cannot
// receive (no phone, email or WeChat binding), is marked skipped. Before
// the send it records an attempt (committed), after it the delivery, so
// a run that dies in between leaves the attempt: the next run sends
// again with the same idempotency key, which a provider that
// deduplicates by it drops. A send that fails returns its error, for the
// job to retry.
func (s *Service) Deliver(ctx context.Context, id string, ch Channel) error {
	state, err := s.store.Delivered(ctx, id, ch)
	if err != nil || state == DeliverySent || state == DeliverySkipped {
		return err
	}
	n, err := s.store.Get(ctx, id)
	if err != nil {
		return err
	}
	skip := func() error { return s.store.MarkDelivered(ctx, id, ch, DeliverySkipped, s.now().UTC()) }
	prefs, err := s.preferenceMap(ctx, n.UserID)
	if err != nil {
		return err
	}
	sender := s.sender(ch)
	if !prefs[n.Type][ch] || sender == nil || s.dir == nil {
		return skip()
	}
	to, err := s.dir.Address(ctx, n.UserID)
	if err != nil {
		return err
	}
	if (ch == ChannelSMS && to.Phone == "") || (ch == ChannelEmail && to.Email == "") || (ch == ChannelWeChat && to.WeChatOpenID == "") {
		return skip()
	}
	params := map[string]string{}
	var data map[string]any
	if json.Unmarshal(n.Data, &data) == nil {
		for k, v := range data {
			if str, ok := v.(string); ok {
				params[k] = str
			}
		}
	}
	att, err := s.store.BeginAttempt(ctx, id, ch, IdempotencyKey(id, ch), s.now().UTC())
	if err != nil || att.State != DeliveryAttempting {
		return err
	}
	if att.Key == "" {
		att.Key = IdempotencyKey(id, ch)
	}
	if att.N > 1 {
		s.log.Info("sending a notification again with the same idempotency key; an earlier send may have reached the provider",
			"notification_id", id, "channel", string(ch), "attempt", att.N, "idempotency_key", att.Key)
	}
	m := Message{NotificationID: n.ID, Type: n.Type, Title: n.Title, Body: n.Body, Link: n.Link, Params: params,
		IdempotencyKey: att.Key, Attempt: att.N}
	if err := sender.Send(ctx, to, m); err != nil {
		return fmt.Errorf("send notification %s by %s: %w", id, ch, err)
	}
	return s.store.MarkDelivered(ctx, id, ch, DeliverySent, s.now().UTC())
}

// List returns the caller's notifications, newest first (unread only
// when asked), with the next cursor ("" at the end).
func (s *Service) List(ctx context.Context, cursor string, limit int, unreadOnly bool) ([]Notification, string, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > MaxPage {
		limit = 20
	}
	var after *Cursor
	if cursor != "" {
		if after, err = decodeCursor(cursor); err != nil {
			return nil, "", err
		}
	}
	list, err := s.store.List(ctx, p.UserID, after, unreadOnly, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		next = encodeCursor(Cursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	return list, next, nil
}

// UnreadCount counts the caller's unread notifications.
func (s *Service) UnreadCount(ctx context.Context) (int64, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return 0, err
	}
	return s.store.UnreadCount(ctx, p.UserID)
}

// MarkRead marks the caller's notifications among ids read, or all of
// them when all is set; ids of other people's notifications change
// nothing. It returns how many became read.
func (s *Service) MarkRead(ctx context.Context, ids []string, all bool) (int64, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return 0, err
	}
	if all {
		ids = nil
	} else if len(ids) == 0 || len(ids) > 100 {
		return 0, ErrBadIDs
	}
	return s.store.MarkRead(ctx, p.UserID, ids, s.now().UTC().Truncate(time.Microsecond))
}

// MarkOneRead marks one of the caller's notifications read;
// ErrNotFound when it is not theirs.
func (s *Service) MarkOneRead(ctx context.Context, id string) (*Notification, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	n, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if n.UserID != p.UserID {
		return nil, ErrNotFound
	}
	if n.ReadAt == nil {
		now := s.now().UTC().Truncate(time.Microsecond)
		if _, err := s.store.MarkRead(ctx, p.UserID, []string{id}, now); err != nil {
			return nil, err
		}
		n.ReadAt = &now
	}
	return n, nil
}

// Preferences returns the caller's choice for every type and channel
// (defaults where they chose nothing).
func (s *Service) Preferences(ctx context.Context) ([]Preference, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.preferenceMap(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	var out []Preference
	for _, t := range Types() {
		for _, c := range Channels() {
			out = append(out, Preference{Type: t, Channel: c, Enabled: m[t][c]})
		}
	}
	return out, nil
}

// SetPreferences stores the caller's choices (pairs not given keep theirs)
// and returns them all.
func (s *Service) SetPreferences(ctx context.Context, prefs []Preference) ([]Preference, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	for _, x := range prefs {
		if !x.Type.Valid() {
			return nil, ErrBadType
		}
		if !x.Channel.Valid() {
			return nil, ErrBadChannel
		}
	}
	if err := s.store.SetPreferences(ctx, p.UserID, prefs, s.now().UTC()); err != nil {
		return nil, err
	}
	return s.Preferences(ctx)
}

func (s *Service) preferenceMap(ctx context.Context, userID string) (map[Type]map[Channel]bool, error) {
	m := map[Type]map[Channel]bool{}
	for _, t := range Types() {
		m[t] = map[Channel]bool{}
		for _, c := range Channels() {
			m[t][c] = DefaultOn(t, c)
		}
	}
	stored, err := s.store.Preferences(ctx, userID)
	if err != nil {
		return nil, err
	}
	for _, p := range stored {
		if m[p.Type] != nil {
			m[p.Type][p.Channel] = p.Enabled
		}
	}
	return m, nil
}

func encodeCursor(c Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + ":" + c.ID))
}

func decodeCursor(s string) (*Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrBadCursor
	}
	at, id, ok := strings.Cut(string(b), ":")
	if !ok || id == "" {
		return nil, ErrBadCursor
	}
	us, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return nil, ErrBadCursor
	}
	return &Cursor{CreatedAt: time.UnixMicro(us).UTC(), ID: id}, nil
}
