// Package events carries events between modules, with Watermill underneath.
//
// A topic names a kind of event ("activity.formed"). A group names a
// consumer: every group subscribed to a topic receives each message of the
// topic once, and several subscribers using the same group share that
// group's messages (competing consumers), whether they sit in one process
// or in several replicas.
//
// Two transports implement the same contract (package eventstest):
//
//   - NewInProcess uses Watermill's GoChannel, for the single binary.
//     Messages live in memory only: they are lost when the process stops.
//   - NewAMQP uses RabbitMQ through watermill-amqp: a durable fanout
//     exchange per topic and a durable queue per topic and group (named
//     "<topic>.<group>"), persistent messages and publisher confirms, so a
//     message waits in its group's queue while no consumer runs.
//     Reconnects are handled by watermill-amqp. A group's queue exists from
//     its first Subscribe on: messages published before that are not kept
//     for it.
//
// Delivery is at least once: a handler that returns an error (or panics)
// gets the message again after a short backoff, so handlers must be
// idempotent (deduplicate on Message.ID). Messages without an ID (not
// published through a Bus) are logged and dropped.
package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
)

// IDKey is the metadata key that, when set on Publish, becomes the message
// ID instead of a new UUID (so a re-published event keeps its identity).
const IDKey = "event_id"

// Message is one event as a handler sees it.
type Message struct {
	// ID identifies the event; redeliveries carry the same ID.
	ID string
	// Topic is the topic the event was published on.
	Topic string
	// Payload is the event body, usually JSON.
	Payload []byte
	// Metadata holds the string headers given to Publish.
	Metadata map[string]string
}

// Handler processes one message. Returning an error asks for redelivery.
type Handler func(ctx context.Context, m Message) error

// ErrClosed is returned by Publish and Subscribe after Close.
var ErrClosed = errors.New("event bus closed")

// Option tunes a Bus.
type Option func(*options)

type options struct {
	minBackoff, maxBackoff time.Duration
	namespace              string
}

// WithNamespace prefixes every topic on the transport (RabbitMQ exchange
// and queue names), so several deployments can share one broker; handlers
// still see the topic without it.
func WithNamespace(ns string) Option {
	return func(o *options) { o.namespace = ns }
}

// WithRetryBackoff sets the wait before a failed message is handed back:
// min after the first failure, doubling up to max. The default is 100ms to 10s.
func WithRetryBackoff(min, max time.Duration) Option {
	return func(o *options) {
		if min > 0 {
			o.minBackoff = min
		}
		if max >= o.minBackoff {
			o.maxBackoff = max
		}
	}
}

// Bus publishes events and runs subscriptions. It is safe for concurrent use.
type Bus struct {
	logger *slog.Logger
	pub    message.Publisher
	// subscribe opens a consumer for topic and group. owned reports that the
	// channel belongs to this consumer alone and is closed once ctx is done;
	// otherwise the channel is shared by the group's consumers.
	subscribe func(ctx context.Context, topic, group string) (msgs <-chan *message.Message, owned bool, err error)
	closers   []func() error // run in order once every consumer has stopped
	opts      options

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

func newBus(logger *slog.Logger, opts []Option) *Bus {
	if logger == nil {
		logger = slog.Default()
	}
	o := options{minBackoff: 100 * time.Millisecond, maxBackoff: 10 * time.Second}
	for _, fn := range opts {
		fn(&o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Bus{logger: logger, opts: o, ctx: ctx, cancel: cancel}
}

// watermillLogger adapts Watermill's logging to slog, demoting its chatty
// info messages (one per subscription or empty topic) to debug.
func watermillLogger(logger *slog.Logger) watermill.LoggerAdapter {
	if logger == nil {
		logger = slog.Default()
	}
	return watermill.NewSlogLoggerWithLevelMapping(logger, map[slog.Level]slog.Level{
		slog.LevelInfo: slog.LevelDebug,
	})
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$`)

func validName(kind, name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("invalid %s %q: use letters, digits, '.', '_', ':' or '-'", kind, name)
	}
	return nil
}

// Publish sends payload on topic and returns the message ID: meta[IDKey]
// when set, otherwise a new UUID. It returns once the transport has accepted
// the message (for AMQP, once the broker confirmed it).
func (b *Bus) Publish(ctx context.Context, topic string, payload []byte, meta map[string]string) (string, error) {
	if err := validName("topic", topic); err != nil {
		return "", fmt.Errorf("publish: %w", err)
	}
	b.mu.Lock()
	closed := b.closed
	if !closed {
		b.wg.Add(1) // Close waits for publishes in flight
	}
	b.mu.Unlock()
	if closed {
		return "", fmt.Errorf("publish to %q: %w", topic, ErrClosed)
	}
	defer b.wg.Done()

	id := meta[IDKey]
	if id == "" {
		id = uuid.NewString()
	}
	msg := message.NewMessage(id, payload)
	msg.Metadata = make(message.Metadata, len(meta))
	maps.Copy(msg.Metadata, meta)
	msg.SetContext(ctx)
	if err := b.pub.Publish(b.opts.namespace+topic, msg); err != nil {
		return "", fmt.Errorf("publish %s to %q: %w", id, topic, err)
	}
	return id, nil
}

// SubscribeAll subscribes group to each topic with its handler.
func (b *Bus) SubscribeAll(ctx context.Context, group string, handlers map[string]Handler) error {
	for topic, h := range handlers {
		if err := b.Subscribe(ctx, topic, group, h); err != nil {
			return err
		}
	}
	return nil
}

// Subscribe starts delivering topic's messages for group to h, in the
// background, until ctx is done or the bus is closed. It returns once the
// subscription is in place, so messages published afterwards reach it.
// Each call adds one consumer; messages of one consumer are handled one at
// a time.
func (b *Bus) Subscribe(ctx context.Context, topic, group string, h Handler) error {
	if err := validName("topic", topic); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	if err := validName("group", group); err != nil {
		return fmt.Errorf("subscribe to %q: %w", topic, err)
	}
	if h == nil {
		return fmt.Errorf("subscribe to %q as %q: nil handler", topic, group)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return fmt.Errorf("subscribe to %q as %q: %w", topic, group, ErrClosed)
	}
	cctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(b.ctx, cancel)
	msgs, owned, err := b.subscribe(cctx, b.opts.namespace+topic, group)
	if err != nil {
		stop()
		cancel()
		return fmt.Errorf("subscribe to %q as %q: %w", topic, group, err)
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		defer stop()
		defer cancel()
		b.consume(cctx, topic, group, msgs, h)
		if owned {
			// Hand back whatever the transport still pushes until it
			// closes the channel, so no message stays stuck on this consumer.
			for msg := range msgs {
				msg.Nack()
			}
		}
	}()
	return nil
}

// consume hands messages to h until ctx is done or msgs is closed. Every
// message taken is acked or nacked before it returns, so another consumer
// of the group can take over a message this one could not finish.
func (b *Bus) consume(ctx context.Context, topic, group string, msgs <-chan *message.Message, h Handler) {
	log := b.logger.With("topic", topic, "group", group)
	failures := make(map[string]int) // by message ID, for the backoff
	for {
		var msg *message.Message
		var ok bool
		select {
		case <-ctx.Done():
			return
		case msg, ok = <-msgs:
			if !ok {
				return
			}
		}
		if msg.UUID == "" {
			// Not published through a Bus (or a broken delivery from a
			// cancelled consumer): without an ID it cannot be deduplicated.
			log.Warn("dropping event without an id")
			msg.Ack()
			continue
		}
		err := b.handle(ctx, topic, msg, h)
		if err == nil {
			delete(failures, msg.UUID)
			msg.Ack()
			continue
		}
		if ctx.Err() != nil {
			// Stopping: hand the message back for another consumer.
			log.Debug("event handler interrupted by shutdown", "event_id", msg.UUID, "err", err)
			msg.Nack()
			return
		}
		if len(failures) > 1000 {
			clear(failures)
		}
		failures[msg.UUID]++
		wait := b.backoff(failures[msg.UUID])
		log.Warn("event handler failed; will redeliver", "event_id", msg.UUID, "attempt", failures[msg.UUID], "retry_in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
		msg.Nack()
	}
}

func (b *Bus) handle(ctx context.Context, topic string, msg *message.Message, h Handler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panic: %v", r)
		}
	}()
	meta := make(map[string]string, len(msg.Metadata))
	for k, v := range msg.Metadata {
		if !strings.HasPrefix(k, "_watermill") {
			meta[k] = v
		}
	}
	payload := make([]byte, len(msg.Payload))
	copy(payload, msg.Payload)
	return h(ctx, Message{ID: msg.UUID, Topic: topic, Payload: payload, Metadata: meta})
}

func (b *Bus) backoff(attempt int) time.Duration {
	d := b.opts.minBackoff
	for i := 1; i < attempt && d < b.opts.maxBackoff; i++ {
		d *= 2
	}
	return min(d, b.opts.maxBackoff)
}

// Close stops every subscription, waits for handlers and publishes in
// flight to return, and releases the transport. Calling it again does
// nothing.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()

	b.cancel()
	b.wg.Wait()
	var errs []error
	for _, c := range b.closers {
		if err := c(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close event bus: %w", err)
	}
	return nil
}
