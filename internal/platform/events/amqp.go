package events

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/ThreeDotsLabs/watermill-amqp/v3/pkg/amqp"
	"github.com/ThreeDotsLabs/watermill/message"
)

// publisherChannels is the size of the publisher's AMQP channel pool.
const publisherChannels = 8

// NewAMQP connects to RabbitMQ at url and returns a bus over it. One
// connection is shared by the publisher and every subscription, and
// watermill-amqp re-establishes it (and the consumers) after a failure.
func NewAMQP(url string, logger *slog.Logger, opts ...Option) (*Bus, error) {
	b := newBus(logger, opts)
	wlog := watermillLogger(b.logger)
	conn, err := amqp.NewConnection(amqp.ConnectionConfig{AmqpURI: url, Reconnect: amqp.DefaultReconnectConfig()}, wlog)
	if err != nil {
		return nil, fmt.Errorf("connect to amqp: %w", err)
	}
	pubCfg := amqp.NewDurablePubSubConfig(url, nil)
	pubCfg.Publish.ConfirmDelivery = true
	pubCfg.Publish.ChannelPoolSize = publisherChannels
	pub, err := amqp.NewPublisherWithConnection(pubCfg, wlog, conn)
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("amqp publisher: %w", err)
	}

	var mu sync.Mutex
	subs := make(map[string]*amqp.Subscriber) // by group
	b.pub = pub
	b.subscribe = func(ctx context.Context, topic, group string) (<-chan *message.Message, bool, error) {
		mu.Lock()
		sub, ok := subs[group]
		if !ok {
			cfg := amqp.NewDurablePubSubConfig(url, func(topic string) string { return QueueName(topic, group) })
			s, err := amqp.NewSubscriberWithConnection(cfg, wlog, conn)
			if err != nil {
				mu.Unlock()
				return nil, false, fmt.Errorf("amqp subscriber: %w", err)
			}
			sub = s
			subs[group] = sub
		}
		mu.Unlock()
		ch, err := sub.Subscribe(ctx, topic)
		return ch, true, err
	}
	b.closers = []func() error{
		func() error {
			mu.Lock()
			defer mu.Unlock()
			var firstErr error
			for _, s := range subs {
				if err := s.Close(); err != nil && firstErr == nil {
					firstErr = fmt.Errorf("close amqp subscriber: %w", err)
				}
			}
			return firstErr
		},
		func() error {
			if err := pub.Close(); err != nil {
				return fmt.Errorf("close amqp publisher: %w", err)
			}
			return nil
		},
		func() error {
			if err := conn.Close(); err != nil {
				return fmt.Errorf("close amqp connection: %w", err)
			}
			return nil
		},
	}
	return b, nil
}

// QueueName is the durable RabbitMQ queue that holds topic's messages for group.
func QueueName(topic, group string) string { return topic + "." + group }
