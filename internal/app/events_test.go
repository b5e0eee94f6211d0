package app

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/platform/events"
	"github.com/zuju/zuju/internal/users"
)

// A ban is published as users.banned through the outbox, on the in-process
// bus and on RabbitMQ.
func TestBanPublishesEvent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		got := make(chan events.Message, 4)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		group := "test-" + time.Now().Format("150405.000000")
		if err := a.Bus.Subscribe(ctx, users.TopicBanned, group, func(_ context.Context, m events.Message) error {
			got <- m
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		root := a.admin(t, "root@example.com")
		u := a.register(t, "13200000001", "secret-pass-1")
		expect(t, a.api(t, "POST", "/admin/users/"+u.UserID+"/ban", root.Access, map[string]any{"reason": "刷屏"}), http.StatusOK, "")
		select {
		case m := <-got:
			var ev users.AccountEvent
			if err := json.Unmarshal(m.Payload, &ev); err != nil || ev.UserID != u.UserID || ev.Reason != "刷屏" || ev.Until != nil {
				t.Fatalf("event %s: %+v %v", m.Payload, ev, err)
			}
			if m.ID == "" {
				t.Fatal("event without id")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("users.banned not delivered")
		}
	})
}
