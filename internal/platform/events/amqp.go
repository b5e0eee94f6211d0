package events

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-amqp/v3/pkg/amqp"
	"github.com/ThreeDotsLabs/watermill/message"
	amqp091 "github.com/rabbitmq/amqp091-go"
)

// publisherChannels is the size of the publisher's AMQP channel pool.
const publisherChannels = 8

// reconnectMaxWait caps the wait between two reconnection attempts
// (watermill-amqp's default, 60 s, could leave a replica off the broker
// for a minute after it is back; an attempt costs one TCP dial).
const reconnectMaxWait = 5 * time.Second

// NewAMQP connects to RabbitMQ at url and returns a bus over it. One
// connection is shared by the publisher and every subscription, and
// watermill-amqp re-establishes it (and the consumers) after a failure,
// trying again at most reconnectMaxWait apart; meanwhile Publish fails
// at once (the outbox keeps the event for the next round).
func NewAMQP(url string, logger *slog.Logger, opts ...Option) (*Bus, error) {
	b := newBus(logger, opts)
	wlog := watermillLogger(b.logger)
	reconnect := amqp.DefaultReconnectConfig()
	reconnect.BackoffMaxInterval = reconnectMaxWait
	conn, err := amqp.NewConnection(amqp.ConnectionConfig{AmqpURI: url, Reconnect: reconnect}, wlog)
	if err != nil {
		return nil, fmt.Errorf("connect to amqp: %w", err)
	}
	pubCfg := amqp.NewDurablePubSubConfig(url, nil)
	pubCfg.Publish.ConfirmDelivery = true
	pubCfg.Publish.ChannelPoolSize = publisherChannels
	pub := &amqpPublisher{conn: conn, cfg: pubCfg, log: wlog}
	if _, err := pub.current(); err != nil {
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

// amqpPublisher publishes through a pooled watermill-amqp publisher built
// on the connection of the moment, and builds a new one once the
// connection has been re-established. The pool of watermill-amqp v3.0.2
// loses a channel whenever a publish finds it closed and cannot reopen it
// (the connection just died): after a few outages every channel is lost
// and Publish waits forever for one, deaf to its context; and closing a
// pool holding such a channel panics. A pool therefore lives no longer
// than its connection, and none is closed: its channels end with their
// connection.
type amqpPublisher struct {
	conn *amqp.ConnectionWrapper
	cfg  amqp.Config
	log  watermill.LoggerAdapter

	mu  sync.Mutex
	on  *amqp091.Connection // the connection pub's channels belong to
	pub *amqp.Publisher
}

// current returns the publisher of the current connection, building it
// when the connection is new (a publish while disconnected goes to the
// old one, which fails it at once).
func (p *amqpPublisher) current() (*amqp.Publisher, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.conn.Connection()
	if p.pub != nil && (c == p.on || !p.conn.IsConnected()) {
		return p.pub, nil
	}
	pub, err := amqp.NewPublisherWithConnection(p.cfg, p.log, p.conn)
	if err != nil {
		return nil, err
	}
	p.pub, p.on = pub, c
	return pub, nil
}

// Publish implements message.Publisher.
func (p *amqpPublisher) Publish(topic string, msgs ...*message.Message) error {
	pub, err := p.current()
	if err != nil {
		return fmt.Errorf("amqp publisher: %w", err)
	}
	return pub.Publish(topic, msgs...)
}

// Close implements message.Publisher; the channels close with the
// connection.
func (p *amqpPublisher) Close() error { return nil }
