// Package jobstest is the contract a jobs.Queue must meet on every
// database driver. The SQLite queue and the PostgreSQL queue run the same
// suite.
package jobstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/zuju/zuju/internal/platform/jobs"
)

// Backend describes the database under test.
type Backend struct {
	// New prepares a fresh, empty database (not migrated) for one test and
	// returns a function that builds a Queue on it. Each call of that
	// function returns a new Queue with its own connections, as a separate
	// process would have.
	New func(t *testing.T) func(cfg jobs.Config) *jobs.Queue
	// MultiProcess reports that several Queues may work the same database
	// at once; the exactly-once test runs only then.
	MultiProcess bool
}

// wait bounds every wait in the suite. River's scheduler moves scheduled
// jobs every 5s, so scheduled jobs need some seconds.
const wait = 30 * time.Second

// FastRetry is a retry policy that retries a failed job after 10ms.
type FastRetry struct{}

// NextRetry returns now plus 10ms.
func (FastRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(10 * time.Millisecond) }

// Config is the queue configuration the suite uses: fast polling and retries.
func Config() jobs.Config {
	return jobs.Config{
		Queues:       map[string]int{jobs.DefaultQueue: 4},
		PollInterval: 50 * time.Millisecond,
		RetryPolicy:  FastRetry{},
		StopTimeout:  wait,
	}
}

// Run runs the whole contract against b.
func Run(t *testing.T, b Backend) {
	t.Helper()
	tests := []struct {
		name  string
		fn    func(t *testing.T, b Backend)
		multi bool
	}{
		{name: "MigrateAndHealthy", fn: testMigrate},
		{name: "JobRuns", fn: testRuns},
		{name: "FailingJobRetried", fn: testRetry},
		{name: "ScheduledJobWaits", fn: testScheduled},
		{name: "UniqueJobRunsOnce", fn: testUnique},
		{name: "StopWaitsForRunningJob", fn: testStopWaits},
		{name: "StopDeadlineCancelsRunningJob", fn: testStopDeadline},
		{name: "PeriodicJob", fn: testPeriodic},
		{name: "RegisterAfterStartPanics", fn: testRegisterAfterStart},
		{name: "TwoQueuesWorkEachJobOnce", fn: testTwoQueues, multi: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.multi && !b.MultiProcess {
				t.Skip("this backend runs one Queue per database")
			}
			tc.fn(t, b)
		})
	}
}

// RecordArgs is the job the suite inserts.
type RecordArgs struct {
	Key string `json:"key"`
	// FailTimes makes the first FailTimes attempts fail.
	FailTimes int `json:"fail_times,omitempty"`
}

// Kind names the job kind.
func (RecordArgs) Kind() string { return "jobstest_record" }

// run is one completed run seen by a recorder.
type run struct {
	key     string
	attempt int
	at      time.Time
}

// recorder is a worker that records its runs; it is shared by all Queues
// of one test, so it counts across processes.
type recorder struct {
	river.WorkerDefaults[RecordArgs]
	mu       sync.Mutex
	runs     []run
	attempts map[string]int
	block    chan struct{} // when set, Work waits for it to be closed
	started  chan string
}

func newRecorder() *recorder {
	return &recorder{attempts: map[string]int{}, started: make(chan string, 1000)}
}

func (r *recorder) Work(ctx context.Context, job *river.Job[RecordArgs]) error {
	r.mu.Lock()
	r.attempts[job.Args.Key]++
	block := r.block
	r.mu.Unlock()
	r.started <- job.Args.Key
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if job.Attempt <= job.Args.FailTimes {
		return fmt.Errorf("attempt %d fails on purpose", job.Attempt)
	}
	r.mu.Lock()
	r.runs = append(r.runs, run{key: job.Args.Key, attempt: job.Attempt, at: time.Now()})
	r.mu.Unlock()
	return nil
}

func (r *recorder) completed() []run {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]run(nil), r.runs...)
}

func (r *recorder) count(key string) int {
	n := 0
	for _, x := range r.completed() {
		if x.key == key {
			n++
		}
	}
	return n
}

// waitFor polls until cond holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", wait, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newQueue builds a migrated Queue with rec registered, stopped at cleanup.
func newQueue(t *testing.T, make func(jobs.Config) *jobs.Queue, rec *recorder) *jobs.Queue {
	t.Helper()
	q := make(Config())
	if err := q.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if rec != nil {
		jobs.Register(q, rec)
	}
	t.Cleanup(func() {
		if err := q.Stop(context.Background()); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return q
}

func start(t *testing.T, q *jobs.Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
}

func insert(t *testing.T, q *jobs.Queue, args river.JobArgs, opts *river.InsertOpts) bool {
	t.Helper()
	ok, err := q.Insert(context.Background(), args, opts)
	if err != nil {
		t.Fatalf("Insert: %v", err)
	}
	return ok
}

func testMigrate(t *testing.T, b Backend) {
	ctx := context.Background()
	q := b.New(t)(Config())
	if err := q.Healthy(ctx); err == nil {
		t.Error("Healthy before Migrate: no error, want one (no River tables)")
	}
	for i := range 2 {
		if err := q.Migrate(ctx); err != nil {
			t.Fatalf("Migrate (run %d): %v", i+1, err)
		}
	}
	if err := q.Healthy(ctx); err != nil {
		t.Fatalf("Healthy after Migrate: %v", err)
	}
	jobs.Register(q, newRecorder())
	start(t, q)
	if err := q.Healthy(ctx); err != nil {
		t.Fatalf("Healthy after Start: %v", err)
	}
	if err := q.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := q.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

func testRuns(t *testing.T, b Backend) {
	rec := newRecorder()
	q := newQueue(t, b.New(t), rec)
	start(t, q)
	if !insert(t, q, RecordArgs{Key: "welcome-email"}, nil) {
		t.Fatal("Insert reported a duplicate")
	}
	waitFor(t, "the job to run", func() bool { return rec.count("welcome-email") == 1 })
	if r := rec.completed()[0]; r.attempt != 1 {
		t.Errorf("job completed on attempt %d, want 1", r.attempt)
	}
}

func testRetry(t *testing.T, b Backend) {
	rec := newRecorder()
	q := newQueue(t, b.New(t), rec)
	start(t, q)
	insert(t, q, RecordArgs{Key: "flaky", FailTimes: 2}, nil)
	waitFor(t, "the job to succeed", func() bool { return rec.count("flaky") == 1 })
	if r := rec.completed()[0]; r.attempt != 3 {
		t.Errorf("job completed on attempt %d, want 3", r.attempt)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if n := rec.attempts["flaky"]; n != 3 {
		t.Errorf("worker ran %d times, want 3", n)
	}
}

func testScheduled(t *testing.T, b Backend) {
	rec := newRecorder()
	q := newQueue(t, b.New(t), rec)
	start(t, q)
	at := time.Now().Add(1500 * time.Millisecond)
	insert(t, q, RecordArgs{Key: "reminder"}, &river.InsertOpts{ScheduledAt: at})
	insert(t, q, RecordArgs{Key: "now"}, nil)
	waitFor(t, "the unscheduled job", func() bool { return rec.count("now") == 1 })
	if rec.count("reminder") != 0 {
		t.Fatal("scheduled job ran before its time")
	}
	waitFor(t, "the scheduled job", func() bool { return rec.count("reminder") == 1 })
	for _, r := range rec.completed() {
		if r.key == "reminder" && r.at.Before(at) {
			t.Errorf("scheduled job ran at %s, before %s", r.at.Format(time.RFC3339Nano), at.Format(time.RFC3339Nano))
		}
	}
}

func testUnique(t *testing.T, b Backend) {
	rec := newRecorder()
	q := newQueue(t, b.New(t), rec)
	opts := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
	if !insert(t, q, RecordArgs{Key: "refund:42"}, opts) {
		t.Fatal("first unique insert reported a duplicate")
	}
	if insert(t, q, RecordArgs{Key: "refund:42"}, opts) {
		t.Fatal("second unique insert was inserted, want a duplicate")
	}
	if !insert(t, q, RecordArgs{Key: "refund:43"}, opts) {
		t.Fatal("unique insert with other args reported a duplicate")
	}
	start(t, q)
	waitFor(t, "the unique jobs", func() bool { return rec.count("refund:42") == 1 && rec.count("refund:43") == 1 })
	if insert(t, q, RecordArgs{Key: "refund:42"}, opts) {
		t.Fatal("unique insert after completion was inserted, want a duplicate")
	}
	time.Sleep(500 * time.Millisecond)
	if n := rec.count("refund:42"); n != 1 {
		t.Fatalf("unique job ran %d times, want 1", n)
	}
}

func testStopWaits(t *testing.T, b Backend) {
	rec := newRecorder()
	rec.block = make(chan struct{})
	q := newQueue(t, b.New(t), rec)
	start(t, q)
	insert(t, q, RecordArgs{Key: "long"}, nil)
	select {
	case <-rec.started:
	case <-time.After(wait):
		t.Fatal("job never started")
	}
	stopped := make(chan error, 1)
	go func() { stopped <- q.Stop(context.Background()) }()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while a job was running", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(rec.block)
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Stop: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Stop did not return after the job finished")
	}
	if n := rec.count("long"); n != 1 {
		t.Fatalf("running job completed %d times before Stop returned, want 1", n)
	}
}

func testStopDeadline(t *testing.T, b Backend) {
	rec := newRecorder()
	rec.block = make(chan struct{}) // never released: only cancellation ends the job
	q := newQueue(t, b.New(t), rec)
	start(t, q)
	insert(t, q, RecordArgs{Key: "stuck"}, nil)
	select {
	case <-rec.started:
	case <-time.After(wait):
		t.Fatal("job never started")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	if err := q.Stop(ctx); err == nil {
		t.Fatal("Stop past its deadline returned nil, want an error")
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Fatalf("Stop took %s after its deadline", took)
	}
	if n := rec.count("stuck"); n != 0 {
		t.Fatalf("cancelled job completed %d times", n)
	}
}

func testPeriodic(t *testing.T, b Backend) {
	rec := newRecorder()
	q := newQueue(t, b.New(t), rec)
	q.Every(300*time.Millisecond, func() river.JobArgs { return RecordArgs{Key: "tick"} })
	start(t, q)
	waitFor(t, "two periodic runs", func() bool { return rec.count("tick") >= 2 })
}

func testRegisterAfterStart(t *testing.T, b Backend) {
	q := newQueue(t, b.New(t), newRecorder())
	start(t, q)
	defer func() {
		if recover() == nil {
			t.Error("Register after Start did not panic")
		}
	}()
	jobs.RegisterFunc(q, func(context.Context, *river.Job[otherArgs]) error { return nil })
}

type otherArgs struct{}

func (otherArgs) Kind() string { return "jobstest_other" }

func testTwoQueues(t *testing.T, b Backend) {
	open := b.New(t)
	rec := newRecorder() // shared: counts runs across both processes
	q1 := newQueue(t, open, rec)
	q2 := newQueue(t, open, rec)
	const n = 60
	for i := range n {
		q := q1
		if i%2 == 1 {
			q = q2
		}
		insert(t, q, RecordArgs{Key: fmt.Sprintf("job-%d", i)}, nil)
	}
	start(t, q1)
	start(t, q2)
	waitFor(t, "every job", func() bool { return len(rec.completed()) >= n })
	time.Sleep(time.Second) // let any duplicate show up
	var errs []error
	for i := range n {
		key := fmt.Sprintf("job-%d", i)
		if c := rec.count(key); c != 1 {
			errs = append(errs, fmt.Errorf("%s ran %d times", key, c))
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("want each job exactly once:\n%v", err)
	}
}
