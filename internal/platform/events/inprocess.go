package events

import (
	"context"
	"log/slog"
	"sync"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
)

// NewInProcess returns a bus that delivers within this process over
// Watermill's GoChannel. Each group holds one GoChannel subscription for
// the life of the bus; its consumers read from it in turn, and messages
// wait there while the group has no consumer.
func NewInProcess(logger *slog.Logger, opts ...Option) *Bus {
	b := newBus(logger, opts)
	gc := gochannel.NewGoChannel(gochannel.Config{Persistent: false}, watermillLogger(b.logger))
	var mu sync.Mutex
	groups := make(map[[2]string]<-chan *message.Message)
	b.pub = gc
	b.subscribe = func(_ context.Context, topic, group string) (<-chan *message.Message, bool, error) {
		mu.Lock()
		defer mu.Unlock()
		key := [2]string{topic, group}
		if ch, ok := groups[key]; ok {
			return ch, false, nil
		}
		ch, err := gc.Subscribe(b.ctx, topic)
		if err != nil {
			return nil, false, err
		}
		groups[key] = ch
		return ch, false, nil
	}
	b.closers = []func() error{gc.Close}
	return b
}
