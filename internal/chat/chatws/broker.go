package chatws

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/zuju/zuju/internal/platform/serial"
)

// Broker carries room events between replicas: what one publishes, every
// subscriber (itself included) receives.
type Broker interface {
	Publish(ctx context.Context, payload []byte) error
	// Subscribe delivers every payload to fn, in arrival order, until ctx
	// ends; it returns once the subscription is live.
	Subscribe(ctx context.Context, fn func([]byte)) error
}

// LocalBroker is the broker of a single process.
type LocalBroker struct {
	mu   sync.RWMutex
	subs []func([]byte)
}

// NewLocalBroker returns an in-process broker.
func NewLocalBroker() *LocalBroker { return &LocalBroker{} }

// Publish hands payload to every subscriber at once.
func (b *LocalBroker) Publish(_ context.Context, payload []byte) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, fn := range b.subs {
		fn(payload)
	}
	return nil
}

// Subscribe adds fn until ctx ends.
func (b *LocalBroker) Subscribe(ctx context.Context, fn func([]byte)) error {
	b.mu.Lock()
	b.subs = append(b.subs, fn)
	i := len(b.subs) - 1
	b.mu.Unlock()
	context.AfterFunc(ctx, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.subs[i] = func([]byte) {}
	})
	return nil
}

// RedisBroker carries events over Redis pub/sub on one channel. Events
// published at the same time go to Redis together, in one pipeline (one
// round trip), in the order they were published.
type RedisBroker struct {
	client  *redis.Client
	channel string
	log     *slog.Logger
	queue   *serial.Queue[[]byte]
}

// maxPublishQueue bounds the events waiting for Redis; beyond it an event
// is not fanned out (clients fill the gap from the database).
const maxPublishQueue = 16_384

// NewRedisBroker returns a broker on the channel prefix+"chat:events".
func NewRedisBroker(client *redis.Client, prefix string, log *slog.Logger) *RedisBroker {
	b := &RedisBroker{client: client, channel: prefix + "chat:events", log: log}
	b.queue = serial.New(0, b.send)
	return b
}

// Publish queues payload for the channel and returns; the queue's
// goroutine sends what waits in pipelines and logs failures.
func (b *RedisBroker) Publish(_ context.Context, payload []byte) error {
	if !b.queue.Push(payload, maxPublishQueue) {
		return fmt.Errorf("chat publish: %d events wait for Redis", maxPublishQueue)
	}
	return nil
}

// send publishes the payloads in one pipeline.
func (b *RedisBroker) send(list [][]byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := b.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, payload := range list {
			p.Publish(ctx, b.channel, payload)
		}
		return nil
	})
	if err != nil {
		b.log.Warn("chat fan-out failed; clients catch up on resume", "events", len(list), "err", err)
	}
}

// Subscribe receives the channel's payloads until ctx ends. go-redis
// reconnects a dropped subscription by itself; events published while it
// was down are caught up by the clients' resume and gap filling.
func (b *RedisBroker) Subscribe(ctx context.Context, fn func([]byte)) error {
	ps := b.client.Subscribe(ctx, b.channel)
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := ps.Receive(rctx); err != nil {
		_ = ps.Close()
		return fmt.Errorf("chat subscribe: %w", err)
	}
	ch := ps.Channel(redis.WithChannelSize(4096))
	go func() {
		defer ps.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case m, ok := <-ch:
				if !ok {
					return
				}
				fn([]byte(m.Payload))
			}
		}
	}()
	return nil
}
