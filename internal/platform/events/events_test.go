package events_test

import (
	"log/slog"
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
