// Package jobs runs durable background jobs, timers and periodic jobs on
// River, with the database driver chosen at construction: riversqlite for
// the single binary, riverpgxv5 on PostgreSQL. Queue hides River's
// transaction type parameter so the rest of the code needs no generics.
//
// Workers and periodic jobs are registered before Start. Insert works
// before Start as well (jobs wait in the database until a Queue runs them).
// Retries, backoff, scheduling, uniqueness and leader election for periodic
// jobs are River's.
//
// # SQLite
//
// River on SQLite (checked with riversqlite v0.49.0 and modernc.org/sqlite
// v1.61.1) wants a database/sql handle of its own, opened with the "sqlite"
// driver, limited to one open connection (NewSQLite enforces this, as River
// would otherwise fail with SQLITE_BUSY). The handle may point at the
// application's database file. Open it with WAL, a busy timeout and
// immediate write transactions so it can share the file with the
// application's own connections, for example
//
//	file:/path/zuju.db?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_txlock=immediate
//
// which is what sqldb.SQLiteDSN produces. Without a busy timeout and
// _txlock=immediate, a River write that collides with an application write
// fails at once with "database is locked" instead of waiting.
//
// # PostgreSQL
//
// NewPostgres takes a pgx pool. River's tables live in the schema named by
// Config.Schema, or, when that is empty, the first schema on the pool's
// search_path. Any number of Queues (processes) may share one schema: each
// job is worked by exactly one of them, and one elected leader runs the
// periodic jobs and maintenance.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Config tunes a Queue. The zero value is usable.
type Config struct {
	// Queues maps queue names to their maximum number of concurrent jobs in
	// this process. Default: {"default": 10}.
	Queues map[string]int
	// PollInterval is how often the database is polled for new jobs when no
	// notification arrives (SQLite always polls). Default: River's (1s).
	PollInterval time.Duration
	// RetryPolicy decides when a failed job runs again. Default: River's
	// exponential backoff.
	RetryPolicy river.ClientRetryPolicy
	// MaxAttempts is how many times a job may run before it is discarded,
	// unless its InsertOpts say otherwise. Default: River's (25).
	MaxAttempts int
	// JobTimeout bounds one run of a job (its context is cancelled after
	// it). Default: River's (1 minute); negative means no timeout.
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before River's
	// rescuer takes it for stranded (its process died mid-run) and
	// schedules it again. It must exceed JobTimeout. Default: River's (1h).
	RescueAfter time.Duration
	// Schema is the PostgreSQL schema holding River's tables. Empty: the
	// pool's search_path. Ignored on SQLite.
	Schema string
	// StopTimeout bounds how long Stop waits for running jobs when its
	// context has no deadline of its own. Default: 30s.
	StopTimeout time.Duration
}

// DefaultQueue is the queue used when Config.Queues is empty and when
// InsertOpts name no queue.
const DefaultQueue = river.QueueDefault

// riverClient is the part of *river.Client[TTx] a Queue uses; it does not
// mention TTx, so both drivers fit.
type riverClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Stopped() <-chan struct{}
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	PeriodicJobs() *river.PeriodicJobBundle
}

// backend is what differs between the SQLite and PostgreSQL queues.
type backend struct {
	name      string
	newClient func(cfg *river.Config) (riverClient, error)
	migrate   func(ctx context.Context, logger *slog.Logger, schema string) error
	ping      func(ctx context.Context) error
}

// Queue runs River jobs on one database. It is safe for concurrent use.
type Queue struct {
	be      backend
	cfg     Config
	logger  *slog.Logger
	workers *river.Workers

	mu       sync.Mutex
	periodic []*river.PeriodicJob
	inserter riverClient // insert-only client used until Start
	worker   riverClient // the working client, built by Start
	running  bool
}

func newQueue(be backend, cfg Config, logger *slog.Logger) (*Queue, error) {
	if logger == nil {
		logger = slog.Default()
	}
	if len(cfg.Queues) == 0 {
		cfg.Queues = map[string]int{DefaultQueue: 10}
	}
	for name, n := range cfg.Queues {
		if n < 1 {
			return nil, fmt.Errorf("jobs: queue %q needs at least 1 worker, got %d", name, n)
		}
	}
	if cfg.StopTimeout <= 0 {
		cfg.StopTimeout = 30 * time.Second
	}
	return &Queue{be: be, cfg: cfg, logger: logger, workers: river.NewWorkers()}, nil
}

// riverConfig builds River's configuration; working adds queues, workers
// and periodic jobs.
func (q *Queue) riverConfig(working bool) *river.Config {
	rc := &river.Config{
		Logger:      q.logger,
		MaxAttempts: q.cfg.MaxAttempts,
		Schema:      q.cfg.Schema,
	}
	if !working {
		return rc
	}
	rc.Queues = make(map[string]river.QueueConfig, len(q.cfg.Queues))
	for name, n := range q.cfg.Queues {
		rc.Queues[name] = river.QueueConfig{MaxWorkers: n}
	}
	rc.Workers = q.workers
	rc.PeriodicJobs = q.periodic
	rc.RetryPolicy = q.cfg.RetryPolicy
	rc.JobTimeout = q.cfg.JobTimeout
	rc.RescueStuckJobsAfter = q.cfg.RescueAfter
	if p := q.cfg.PollInterval; p > 0 {
		rc.FetchPollInterval = p
		// River refuses a poll interval below the fetch cooldown (100ms).
		rc.FetchCooldown = min(p, 100*time.Millisecond)
	}
	return rc
}

// Migrate applies River's own migrations for this driver. It is safe to run
// on every start and from several processes.
func (q *Queue) Migrate(ctx context.Context) error {
	if err := q.be.migrate(ctx, q.logger, q.cfg.Schema); err != nil {
		return fmt.Errorf("migrate river on %s: %w", q.be.name, err)
	}
	return nil
}

// Register adds the worker for job kind T. It must be called before Start;
// like river.AddWorker it panics on a second worker for the same kind, and
// it panics after Start.
func Register[T river.JobArgs](q *Queue, w river.Worker[T]) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.worker != nil {
		panic("jobs: Register after Start")
	}
	river.AddWorker(q.workers, w)
}

// RegisterFunc adds fn as the worker for job kind T (see Register).
func RegisterFunc[T river.JobArgs](q *Queue, fn func(ctx context.Context, job *river.Job[T]) error) {
	Register(q, river.WorkFunc(fn))
}

// AddPeriodic adds a periodic job. Added after Start, it is scheduled at once.
func (q *Queue) AddPeriodic(job *river.PeriodicJob) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.worker != nil {
		q.worker.PeriodicJobs().Add(job)
		return
	}
	q.periodic = append(q.periodic, job)
}

// Every inserts the job built by newArgs every interval. Only the elected
// leader among the Queues sharing a database inserts it, so it runs once
// per interval however many processes there are.
func (q *Queue) Every(interval time.Duration, newArgs func() river.JobArgs) {
	q.AddPeriodic(river.NewPeriodicJob(
		river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return newArgs(), nil },
		nil,
	))
}

// Insert adds a job. It reports false when the job's unique options matched
// an existing job, in which case nothing was inserted.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (bool, error) {
	c, err := q.client()
	if err != nil {
		return false, fmt.Errorf("insert job %s: %w", args.Kind(), err)
	}
	res, err := c.Insert(ctx, args, opts)
	if err != nil {
		return false, fmt.Errorf("insert job %s: %w", args.Kind(), err)
	}
	return !res.UniqueSkippedAsDuplicate, nil
}

// client returns the working client once started, otherwise an insert-only
// one (built on first use).
func (q *Queue) client() (riverClient, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.worker != nil {
		return q.worker, nil
	}
	if q.inserter == nil {
		c, err := q.be.newClient(q.riverConfig(false))
		if err != nil {
			return nil, fmt.Errorf("river client: %w", err)
		}
		q.inserter = c
	}
	return q.inserter, nil
}

// Start begins working jobs in the background. Registration is closed from
// here on. Starting a running Queue does nothing; a stopped one resumes.
func (q *Queue) Start(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.running {
		return nil
	}
	if q.worker == nil {
		c, err := q.be.newClient(q.riverConfig(true))
		if err != nil {
			return fmt.Errorf("start jobs on %s: %w", q.be.name, err)
		}
		q.worker = c
	}
	// River ties the client's life to this context; Stop ends it instead.
	if err := q.worker.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start jobs on %s: %w", q.be.name, err)
	}
	q.running = true
	return nil
}

// Stop stops fetching jobs and waits for running ones to finish. When ctx
// (or, without a deadline, Config.StopTimeout) runs out first, the running
// jobs' contexts are cancelled and Stop waits a little more for them to
// return. Stopping a Queue that is not running does nothing.
func (q *Queue) Stop(ctx context.Context) error {
	q.mu.Lock()
	c, running := q.worker, q.running
	q.running = false
	q.mu.Unlock()
	if !running {
		return nil
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, q.cfg.StopTimeout)
		defer cancel()
	}
	err := c.Stop(ctx)
	if err == nil {
		return nil
	}
	q.logger.Warn("jobs still running at stop deadline; cancelling them", "err", err)
	hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if herr := c.StopAndCancel(hard); herr != nil {
		return fmt.Errorf("stop jobs on %s: %w", q.be.name, errors.Join(err, herr))
	}
	return fmt.Errorf("stop jobs on %s: running jobs cancelled: %w", q.be.name, err)
}

// Healthy reports whether the database answers, River's tables are there,
// and (after Start) the Queue is still running.
func (q *Queue) Healthy(ctx context.Context) error {
	if err := q.be.ping(ctx); err != nil {
		return fmt.Errorf("jobs %s: ping: %w", q.be.name, err)
	}
	q.mu.Lock()
	worker, running := q.worker, q.running
	q.mu.Unlock()
	if running {
		select {
		case <-worker.Stopped():
			return fmt.Errorf("jobs %s: stopped unexpectedly", q.be.name)
		default:
		}
	}
	c, err := q.client()
	if err != nil {
		return fmt.Errorf("jobs %s: %w", q.be.name, err)
	}
	if _, err := c.JobList(ctx, river.NewJobListParams().First(1)); err != nil {
		return fmt.Errorf("jobs %s: list jobs: %w", q.be.name, err)
	}
	return nil
}
