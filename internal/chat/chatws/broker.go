package chatws

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
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

// RedisBroker carries events over Redis pub/sub on one channel.
type RedisBroker struct {
	client  *redis.Client
	channel string
	log     *slog.Logger
}

// NewRedisBroker returns a broker on the channel prefix+"chat:events".
func NewRedisBroker(client *redis.Client, prefix string, log *slog.Logger) *RedisBroker {
	return &RedisBroker{client: client, channel: prefix + "chat:events", log: log}
}

// Publish publishes payload on the channel.
func (b *RedisBroker) Publish(ctx context.Context, payload []byte) error {
	if err := b.client.Publish(ctx, b.channel, payload).Err(); err != nil {
		return fmt.Errorf("chat publish: %w", err)
	}
	return nil
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
