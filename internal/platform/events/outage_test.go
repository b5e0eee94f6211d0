package events_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/platform/events"
	"github.com/zuju/zuju/internal/platform/testenv"
)

// The broker goes away and comes back twelve times while four goroutines
// publish: publishes fail while it is away (the caller keeps the event),
// after each return every publisher gets through again within 20 s,
// every event published successfully is handled, and the bus closes.
// (watermill-amqp's channel pool alone loses channels at each outage: a
// few outages on, Publish waits forever, and Close panics.)
func TestAMQPRecoversFromRepeatedOutagesUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("cuts the broker off several times")
	}
	proxy, via := testenv.ProxyURL(t, testenv.AMQP(t))
	ns := "outage" + strconv.FormatInt(time.Now().UnixNano(), 36) + "."
	bus, err := events.NewAMQP(via, testLogger(t), events.WithNamespace(ns))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		closed := make(chan error, 1)
		go func() { closed <- bus.Close() }()
		select {
		case err := <-closed:
			if err != nil {
				t.Errorf("close: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Close still waits for publishes 10 s on")
		}
	})
	var mu sync.Mutex
	handled := map[string]bool{}
	if err := bus.Subscribe(context.Background(), "outage.topic", "g", func(_ context.Context, m events.Message) error {
		mu.Lock()
		handled[m.ID] = true
		mu.Unlock()
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	var published sync.Map
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var lastOK sync.Map
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				id, err := bus.Publish(ctx, "outage.topic", []byte("x"), map[string]string{events.IDKey: fmt.Sprintf("w%d-%d", w, i)})
				cancel()
				if err == nil {
					published.Store(id, true)
					lastOK.Store(w, time.Now())
				} else {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	allPublishing := func(since time.Time) bool {
		for w := range 4 {
			v, ok := lastOK.Load(w)
			if !ok || !v.(time.Time).After(since) {
				return false
			}
		}
		return true
	}
	for round := range 12 {
		time.Sleep(time.Duration(300+50*round) * time.Millisecond)
		proxy.Cut()
		time.Sleep(time.Duration(200+50*round) * time.Millisecond)
		proxy.Restore(t)
		back := time.Now()
		deadline := back.Add(20 * time.Second)
		for !allPublishing(back) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: publishing did not resume within 20 s of the broker's return", round)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	close(stop)
	wg.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for {
		missing := 0
		published.Range(func(k, _ any) bool {
			mu.Lock()
			if !handled[k.(string)] {
				missing++
			}
			mu.Unlock()
			return true
		})
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d published events never handled", missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
