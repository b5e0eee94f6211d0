// Package eventstest is the contract every events.Bus transport must meet.
// The in-process bus and the RabbitMQ bus run the same suite, so modules
// see the same delivery rules in the single binary and when scaled out.
package eventstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/platform/events"
)

// Backend describes the transport under test.
type Backend struct {
	// New returns a fresh bus. The suite closes it. For the redelivery
	// tests to be quick, use a short retry backoff (events.WithRetryBackoff).
	New func(t *testing.T) *events.Bus
	// Shared reports that buses returned by New reach the same broker, as
	// separate processes would; cross-bus tests run only then.
	Shared bool
	// Teardown, when set, removes what the transport keeps for a topic and
	// its groups (queues, exchanges) after a test.
	Teardown func(t *testing.T, topic string, groups []string)
}

// wait is how long the suite waits for a delivery before failing.
const wait = 15 * time.Second

// Run runs the whole contract against b.
func Run(t *testing.T, b Backend) {
	t.Helper()
	tests := []struct {
		name   string
		fn     func(t *testing.T, b Backend)
		shared bool
	}{
		{name: "PublishReceive", fn: testPublishReceive},
		{name: "IDFromMetadata", fn: testIDFromMetadata},
		{name: "EveryGroupGetsEveryMessage", fn: testEveryGroup},
		{name: "GroupConsumersShare", fn: testGroupShares},
		{name: "HandlerErrorRedelivers", fn: testRedeliver},
		{name: "HandlerPanicRedelivers", fn: testPanic},
		{name: "GroupKeepsMessagesWithoutConsumer", fn: testKeepsWithoutConsumer},
		{name: "InvalidNames", fn: testInvalidNames},
		{name: "CloseStopsCleanly", fn: testClose},
		{name: "CloseInterruptsHandler", fn: testCloseInterrupts},
		{name: "ReplicasShareGroup", fn: testReplicasShare, shared: true},
		{name: "MessagesSurviveConsumerRestart", fn: testSurviveRestart, shared: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.shared && !b.Shared {
				t.Skip("buses of this backend share nothing")
			}
			tc.fn(t, b)
		})
	}
}

func newBus(t *testing.T, b Backend) *events.Bus {
	t.Helper()
	bus := b.New(t)
	t.Cleanup(func() {
		if err := bus.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return bus
}

// names returns a topic unique to this test and registers its teardown.
// Tests call it before creating buses so the teardown runs after they close.
func names(t *testing.T, b Backend, groups ...string) string {
	t.Helper()
	buf := make([]byte, 6)
	if _, err := rand.Read(buf); err != nil {
		t.Fatal(err)
	}
	topic := "eventstest." + hex.EncodeToString(buf)
	if b.Teardown != nil {
		t.Cleanup(func() { b.Teardown(t, topic, groups) })
	}
	return topic
}

// recorder collects what a handler received.
type recorder struct {
	mu   sync.Mutex
	msgs []events.Message
	got  chan struct{}
}

func newRecorder() *recorder { return &recorder{got: make(chan struct{}, 1000)} }

func (r *recorder) handle(_ context.Context, m events.Message) error {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
	r.got <- struct{}{}
	return nil
}

func (r *recorder) messages() []events.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.msgs)
}

func (r *recorder) ids() []string {
	var ids []string
	for _, m := range r.messages() {
		ids = append(ids, m.ID)
	}
	return ids
}

// waitCount waits until the recorders together saw n messages.
func waitCount(t *testing.T, n int, rs ...*recorder) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		total := 0
		for _, r := range rs {
			total += len(r.messages())
		}
		if total >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("received %d messages within %s, want %d", total, wait, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// settle gives a transport time to deliver duplicates that should not exist.
func settle() { time.Sleep(300 * time.Millisecond) }

func subscribe(t *testing.T, ctx context.Context, bus *events.Bus, topic, group string, h events.Handler) {
	t.Helper()
	if err := bus.Subscribe(ctx, topic, group, h); err != nil {
		t.Fatalf("Subscribe(%q, %q): %v", topic, group, err)
	}
}

func publish(t *testing.T, bus *events.Bus, topic string, payload []byte, meta map[string]string) string {
	t.Helper()
	id, err := bus.Publish(context.Background(), topic, payload, meta)
	if err != nil {
		t.Fatalf("Publish(%q): %v", topic, err)
	}
	if id == "" {
		t.Fatal("Publish returned an empty id")
	}
	return id
}

func publishN(t *testing.T, bus *events.Bus, topic string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range n {
		ids[i] = publish(t, bus, topic, fmt.Appendf(nil, `{"n":%d}`, i), nil)
	}
	return ids
}

// expectExactlyOnce checks that got holds each of want exactly once.
func expectExactlyOnce(t *testing.T, got, want []string) {
	t.Helper()
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	for _, id := range want {
		if seen[id] != 1 {
			t.Errorf("message %s received %d times, want once", id, seen[id])
		}
		delete(seen, id)
	}
	for id, n := range seen {
		t.Errorf("unexpected message %s received %d times", id, n)
	}
}

func testPublishReceive(t *testing.T, b Backend) {
	topic := names(t, b, "receiver")
	bus := newBus(t, b)
	r := newRecorder()
	subscribe(t, context.Background(), bus, topic, "receiver", r.handle)

	payload := []byte(`{"activity_id":"42","title":"周末徒步"}` + "\x00\xff")
	meta := map[string]string{"trace_id": "abc123", "source": "activities", "中文": "值"}
	id := publish(t, bus, topic, payload, meta)
	waitCount(t, 1, r)
	m := r.messages()[0]
	if m.ID != id {
		t.Errorf("ID = %q, want %q", m.ID, id)
	}
	if m.Topic != topic {
		t.Errorf("Topic = %q, want %q", m.Topic, topic)
	}
	if string(m.Payload) != string(payload) {
		t.Errorf("Payload = %q, want %q", m.Payload, payload)
	}
	if !maps.Equal(m.Metadata, meta) {
		t.Errorf("Metadata = %v, want %v", m.Metadata, meta)
	}

	id2 := publish(t, bus, topic, nil, nil)
	if id2 == id {
		t.Errorf("two publishes share the id %q", id)
	}
	waitCount(t, 2, r)
	if m := r.messages()[1]; m.ID != id2 || len(m.Payload) != 0 || len(m.Metadata) != 0 {
		t.Errorf("empty message received as %+v", m)
	}
}

func testIDFromMetadata(t *testing.T, b Backend) {
	topic := names(t, b, "receiver")
	bus := newBus(t, b)
	r := newRecorder()
	subscribe(t, context.Background(), bus, topic, "receiver", r.handle)
	meta := map[string]string{events.IDKey: "outbox-7f3a", "k": "v"}
	id := publish(t, bus, topic, []byte("x"), meta)
	if id != "outbox-7f3a" {
		t.Fatalf("Publish id = %q, want the one from metadata", id)
	}
	waitCount(t, 1, r)
	if m := r.messages()[0]; m.ID != id || !maps.Equal(m.Metadata, meta) {
		t.Fatalf("received %+v, want ID %q and metadata %v", m, id, meta)
	}
}

func testEveryGroup(t *testing.T, b Backend) {
	topic := names(t, b, "notifications", "stats")
	bus := newBus(t, b)
	ra, rb := newRecorder(), newRecorder()
	subscribe(t, context.Background(), bus, topic, "notifications", ra.handle)
	subscribe(t, context.Background(), bus, topic, "stats", rb.handle)
	ids := publishN(t, bus, topic, 5)
	waitCount(t, 5, ra)
	waitCount(t, 5, rb)
	settle()
	expectExactlyOnce(t, ra.ids(), ids)
	expectExactlyOnce(t, rb.ids(), ids)
}

// slow makes a handler take a while, so a group's other consumers get work.
func slow(r *recorder) events.Handler {
	return func(ctx context.Context, m events.Message) error {
		time.Sleep(20 * time.Millisecond)
		return r.handle(ctx, m)
	}
}

func testGroupShares(t *testing.T, b Backend) {
	topic := names(t, b, "workers")
	bus := newBus(t, b)
	r1, r2 := newRecorder(), newRecorder()
	subscribe(t, context.Background(), bus, topic, "workers", slow(r1))
	subscribe(t, context.Background(), bus, topic, "workers", slow(r2))
	ids := publishN(t, bus, topic, 20)
	waitCount(t, 20, r1, r2)
	settle()
	expectExactlyOnce(t, append(r1.ids(), r2.ids()...), ids)
	if len(r1.ids()) == 0 || len(r2.ids()) == 0 {
		t.Errorf("consumers got %d and %d messages, want both to get some", len(r1.ids()), len(r2.ids()))
	}
}

func testReplicasShare(t *testing.T, b Backend) {
	topic := names(t, b, "workers")
	publisher, replica1, replica2 := newBus(t, b), newBus(t, b), newBus(t, b)
	r1, r2 := newRecorder(), newRecorder()
	subscribe(t, context.Background(), replica1, topic, "workers", slow(r1))
	subscribe(t, context.Background(), replica2, topic, "workers", slow(r2))
	ids := publishN(t, publisher, topic, 20)
	waitCount(t, 20, r1, r2)
	settle()
	expectExactlyOnce(t, append(r1.ids(), r2.ids()...), ids)
	if len(r1.ids()) == 0 || len(r2.ids()) == 0 {
		t.Errorf("replicas got %d and %d messages, want both to get some", len(r1.ids()), len(r2.ids()))
	}
}

// flaky fails the first failures deliveries of each message.
type flaky struct {
	*recorder
	failures int
	panics   bool
	mu       sync.Mutex
	attempts map[string]int
}

func (f *flaky) handle(ctx context.Context, m events.Message) error {
	f.mu.Lock()
	f.attempts[m.ID]++
	n := f.attempts[m.ID]
	f.mu.Unlock()
	if err := f.recorder.handle(ctx, m); err != nil {
		return err
	}
	if n <= f.failures {
		if f.panics {
			panic("handler blew up")
		}
		return errors.New("temporary failure")
	}
	return nil
}

func testRedeliver(t *testing.T, b Backend) {
	topic := names(t, b, "flaky")
	bus := newBus(t, b)
	f := &flaky{recorder: newRecorder(), failures: 2, attempts: map[string]int{}}
	subscribe(t, context.Background(), bus, topic, "flaky", f.handle)
	id := publish(t, bus, topic, []byte("retry me"), map[string]string{"k": "v"})
	waitCount(t, 3, f.recorder)
	settle()
	msgs := f.messages()
	if len(msgs) != 3 {
		t.Fatalf("handler ran %d times, want 3 (two failures, one success)", len(msgs))
	}
	for _, m := range msgs {
		if m.ID != id || string(m.Payload) != "retry me" || m.Metadata["k"] != "v" || len(m.Metadata) != 1 {
			t.Errorf("redelivered message %+v differs from the original", m)
		}
	}
}

func testPanic(t *testing.T, b Backend) {
	topic := names(t, b, "panicky")
	bus := newBus(t, b)
	f := &flaky{recorder: newRecorder(), failures: 1, panics: true, attempts: map[string]int{}}
	subscribe(t, context.Background(), bus, topic, "panicky", f.handle)
	id := publish(t, bus, topic, []byte("x"), nil)
	waitCount(t, 2, f.recorder)
	settle()
	if ids := f.ids(); len(ids) != 2 || ids[0] != id || ids[1] != id {
		t.Fatalf("deliveries = %v, want %s twice", ids, id)
	}
}

func testKeepsWithoutConsumer(t *testing.T, b Backend) {
	topic := names(t, b, "later")
	bus := newBus(t, b)
	first := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	subscribe(t, ctx, bus, topic, "later", first.handle)
	id0 := publish(t, bus, topic, []byte("0"), nil)
	waitCount(t, 1, first)
	cancel()
	time.Sleep(200 * time.Millisecond) // let the consumer stop

	ids := publishN(t, bus, topic, 3)
	time.Sleep(100 * time.Millisecond)
	if n := len(first.ids()); n != 1 {
		t.Fatalf("a stopped consumer received %d messages, want 1", n)
	}
	second := newRecorder()
	subscribe(t, context.Background(), bus, topic, "later", second.handle)
	waitCount(t, 3, second)
	settle()
	expectExactlyOnce(t, second.ids(), ids)
	expectExactlyOnce(t, first.ids(), []string{id0})
}

func testSurviveRestart(t *testing.T, b Backend) {
	topic := names(t, b, "durable")
	publisher := newBus(t, b)
	consumer := b.New(t)
	first := newRecorder()
	subscribe(t, context.Background(), consumer, topic, "durable", first.handle)
	if err := consumer.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ids := publishN(t, publisher, topic, 3)
	restarted := newBus(t, b)
	second := newRecorder()
	subscribe(t, context.Background(), restarted, topic, "durable", second.handle)
	waitCount(t, 3, second)
	settle()
	expectExactlyOnce(t, second.ids(), ids)
	if n := len(first.ids()); n != 0 {
		t.Errorf("closed consumer received %d messages", n)
	}
}

func testInvalidNames(t *testing.T, b Backend) {
	bus := newBus(t, b)
	ctx := context.Background()
	noop := func(context.Context, events.Message) error { return nil }
	for _, bad := range []string{"", "has space", "slash/inside", ".leading-dot", "#"} {
		if _, err := bus.Publish(ctx, bad, nil, nil); err == nil {
			t.Errorf("Publish to topic %q: no error", bad)
		}
		if err := bus.Subscribe(ctx, bad, "g", noop); err == nil {
			t.Errorf("Subscribe to topic %q: no error", bad)
		}
		if err := bus.Subscribe(ctx, "valid.topic", bad, noop); err == nil {
			t.Errorf("Subscribe with group %q: no error", bad)
		}
	}
	if err := bus.Subscribe(ctx, "valid.topic", "g", nil); err == nil {
		t.Error("Subscribe with a nil handler: no error")
	}
}

// steadyGoroutines waits until the goroutine count stops changing and returns it.
func steadyGoroutines() int {
	n := runtime.NumGoroutine()
	for range 40 {
		time.Sleep(50 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return n
		}
		n = m
	}
	return n
}

// goroutinesSettle waits until at most limit goroutines run.
func goroutinesSettle(limit int) int {
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= limit || time.Now().After(deadline) {
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testClose(t *testing.T, b Backend) {
	topic := names(t, b, "a", "b")
	before := steadyGoroutines()
	bus := b.New(t)
	ra, rb := newRecorder(), newRecorder()
	subscribe(t, context.Background(), bus, topic, "a", ra.handle)
	subscribe(t, context.Background(), bus, topic, "b", rb.handle)
	subscribe(t, context.Background(), bus, topic, "b", rb.handle)
	publishN(t, bus, topic, 3)
	waitCount(t, 3, ra)
	waitCount(t, 3, rb)
	if err := bus.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := bus.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if after := goroutinesSettle(before); after > before {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("%d goroutines after Close, %d before:\n%s", after, before, buf)
	}
	if _, err := bus.Publish(context.Background(), topic, nil, nil); !errors.Is(err, events.ErrClosed) {
		t.Errorf("Publish after Close: %v, want ErrClosed", err)
	}
	noop := func(context.Context, events.Message) error { return nil }
	if err := bus.Subscribe(context.Background(), topic, "a", noop); !errors.Is(err, events.ErrClosed) {
		t.Errorf("Subscribe after Close: %v, want ErrClosed", err)
	}
}

func testCloseInterrupts(t *testing.T, b Backend) {
	topic := names(t, b, "stuck")
	bus := b.New(t)
	started := make(chan struct{}, 1)
	subscribe(t, context.Background(), bus, topic, "stuck", func(ctx context.Context, _ events.Message) error {
		started <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	})
	publish(t, bus, topic, []byte("x"), nil)
	select {
	case <-started:
	case <-time.After(wait):
		t.Fatal("handler never started")
	}
	done := make(chan error, 1)
	go func() { done <- bus.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Close did not return while a handler was running")
	}
}
