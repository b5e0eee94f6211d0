package notifications_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zuju/zuju/internal/notifications"
	"github.com/zuju/zuju/internal/notifications/notificationsstore"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// keyedProvider is an SMS provider that keeps what it accepted by
// idempotency key (as a provider that deduplicates by it would) and
// counts every send it took.
type keyedProvider struct {
	mu    sync.Mutex
	sends []notifications.Message
	byKey map[string]int
}

func (p *keyedProvider) Send(_ context.Context, _ notifications.Address, m notifications.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sends = append(p.sends, m)
	p.byKey[m.IdempotencyKey]++
	return nil
}

// diesAfterSend is the store of a process that dies once right after a
// provider took a send, before the delivery is written.
type diesAfterSend struct {
	notifications.Store
	mu   sync.Mutex
	died bool
}

var errDied = errors.New("process died")

func (s *diesAfterSend) MarkDelivered(ctx context.Context, id string, ch notifications.Channel, state string, now time.Time) error {
	s.mu.Lock()
	died := s.died
	s.died = true
	s.mu.Unlock()
	if !died && state == notifications.DeliverySent {
		return errDied
	}
	return s.Store.MarkDelivered(ctx, id, ch, state, now)
}

type phoneBook struct{}

func (phoneBook) Address(context.Context, string) (notifications.Address, error) {
	return notifications.Address{Phone: "13800001234"}, nil
}

// A delivery whose run ends after the provider took the send and before
// the delivery was written is sent again by the next run with the same
// idempotency key: the attempt recorded before the first send says so.
// A provider deduplicating by the key keeps one; the row ends sent after
// two attempts, and a third run sends nothing.
func TestDeliveryCutAfterTheSendResendsWithTheSameKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		store := &diesAfterSend{Store: notificationsstore.New(db)}
		sms := &keyedProvider{byKey: map[string]int{}}
		svc := notifications.NewService(notifications.Deps{Store: store, Directory: phoneBook{},
			Senders: map[notifications.Channel]notifications.Sender{notifications.ChannelSMS: sms},
			NewID:   func() string { return uuid.Must(uuid.NewV7()).String() }})
		if err := svc.Notify(ctx, "event-1", []notifications.Draft{{UserID: "u1", Type: notifications.TypeActivityFormed,
			Params: map[string]string{"title": "羽毛球"}}}); err != nil {
			t.Fatal(err)
		}
		list, err := store.List(ctx, "u1", nil, false, 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("inbox: %v %v", list, err)
		}
		id := list[0].ID
		if err := svc.Deliver(ctx, id, notifications.ChannelSMS); !errors.Is(err, errDied) {
			t.Fatalf("first run: %v, want it cut short", err)
		}
		if st, _ := store.Delivered(ctx, id, notifications.ChannelSMS); st != notifications.DeliveryAttempting {
			t.Fatalf("after the cut: state %q, want attempting", st)
		}
		for range 2 {
			if err := svc.Deliver(ctx, id, notifications.ChannelSMS); err != nil {
				t.Fatal(err)
			}
		}
		key := notifications.IdempotencyKey(id, notifications.ChannelSMS)
		if len(sms.sends) != 2 || sms.byKey[key] != 2 || len(sms.byKey) != 1 {
			t.Fatalf("sends %d, by key %v: want two sends of one key %s", len(sms.sends), sms.byKey, key)
		}
		if sms.sends[0].Attempt != 1 || sms.sends[1].Attempt != 2 {
			t.Fatalf("attempts %d, %d", sms.sends[0].Attempt, sms.sends[1].Attempt)
		}
		var row struct {
			State          string
			Attempts       int
			IdempotencyKey string
		}
		if err := db.Gorm.Table("notification_deliveries").Where("notification_id = ?", id).Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		if row.State != notifications.DeliverySent || row.Attempts != 2 || row.IdempotencyKey != key {
			t.Fatalf("delivery row %+v", row)
		}
	}, notificationsstore.Migrations())
}
