package events_test

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/zuju/zuju/internal/platform/events"
	"github.com/zuju/zuju/internal/platform/events/eventstest"
	"github.com/zuju/zuju/internal/platform/testenv"
)

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func TestInProcessContract(t *testing.T) {
	eventstest.Run(t, eventstest.Backend{
		New: func(t *testing.T) *events.Bus {
			return events.NewInProcess(testLogger(t), events.WithRetryBackoff(10*time.Millisecond, 100*time.Millisecond))
		},
	})
}

func TestAMQPContract(t *testing.T) {
	url := testenv.AMQP(t)
	eventstest.Run(t, eventstest.Backend{
		New: func(t *testing.T) *events.Bus {
			bus, err := events.NewAMQP(url, testLogger(t), events.WithRetryBackoff(10*time.Millisecond, 100*time.Millisecond))
			if err != nil {
				t.Fatalf("NewAMQP: %v", err)
			}
			return bus
		},
		Shared: true,
		Teardown: func(t *testing.T, topic string, groups []string) {
			conn, err := amqp091.Dial(url)
			if err != nil {
				t.Errorf("teardown dial: %v", err)
				return
			}
			defer conn.Close()
			ch, err := conn.Channel()
			if err != nil {
				t.Errorf("teardown channel: %v", err)
				return
			}
			defer ch.Close()
			for _, g := range groups {
				if _, err := ch.QueueDelete(events.QueueName(topic, g), false, false, false); err != nil {
					t.Errorf("delete queue: %v", err)
					return
				}
			}
			if err := ch.ExchangeDelete(topic, false, false); err != nil {
				t.Errorf("delete exchange: %v", err)
			}
		},
	})
}

// Two deployments on one broker, each with its namespace, never see each
// other's events, though they use the same topics and groups.
func TestAMQPNamespacesDoNotCross(t *testing.T) {
	url := testenv.AMQP(t)
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	got := map[string]chan string{}
	buses := map[string]*events.Bus{}
	for _, ns := range []string{"nsa" + suffix + ".", "nsb" + suffix + "."} {
		bus, err := events.NewAMQP(url, testLogger(t), events.WithNamespace(ns))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = bus.Close()
			if conn, err := amqp091.Dial(url); err == nil {
				if ch, err := conn.Channel(); err == nil {
					_, _ = ch.QueueDelete(events.QueueName(ns+"shared.topic", "g"), false, false, false)
					_ = ch.ExchangeDelete(ns+"shared.topic", false, false)
				}
				_ = conn.Close()
			}
		})
		c := make(chan string, 4)
		if err := bus.Subscribe(context.Background(), "shared.topic", "g", func(_ context.Context, m events.Message) error {
			c <- m.Topic + ":" + string(m.Payload)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		got[ns], buses[ns] = c, bus
	}
	a, b := "nsa"+suffix+".", "nsb"+suffix+"."
	if _, err := buses[a].Publish(context.Background(), "shared.topic", []byte("hello"), nil); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got[a]:
		if m != "shared.topic:hello" {
			t.Fatalf("handler saw %q", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the event did not arrive in its own namespace")
	}
	select {
	case m := <-got[b]:
		t.Fatalf("another namespace received %q", m)
	case <-time.After(500 * time.Millisecond):
	}
}
