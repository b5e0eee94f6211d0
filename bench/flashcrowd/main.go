// Command flashcrowd measures sign-ups under a flash crowd on PostgreSQL:
// N distinct users sign up for one activity of small capacity at the same
// instant, through the full HTTP API, repeatedly. Every repetition must end
// with exactly `capacity` confirmed sign-ups, no user twice and no 5xx.
//
// In the same run, alternating repetitions, it measures a reference: a raw
// net/http handler that takes the seat with the same pgx conditional UPDATE
// (then the waitlist counter, then the insert) in one transaction, on a
// pool of the same size, at the same concurrency. It prints sign-ups/s and
// p99 of both and the ratio ours/reference.
//
//	go run ./bench/flashcrowd -users 2000 -capacity 100 -reps 20
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/zuju/zuju/bench/internal/benchkit"
	"github.com/zuju/zuju/internal/app"
	"github.com/zuju/zuju/internal/config"
)

const (
	jwtSecret = "bench-secret-0123456789abcdef0123456789"
	poolSize  = 20 // sqldb's default pool on PostgreSQL; the reference uses the same
)

type options struct {
	Users    int    `json:"users"`
	Capacity int    `json:"capacity"`
	Reps     int    `json:"reps"`
	Postgres string `json:"-"`
	Redis    string `json:"-"`
	Out      string `json:"-"`
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("flashcrowd: ")
	var o options
	flag.IntVar(&o.Users, "users", 2000, "distinct users signing up at once")
	flag.IntVar(&o.Capacity, "capacity", 100, "seats of the activity")
	flag.IntVar(&o.Reps, "reps", 20, "repetitions per target (alternating ours, reference)")
	flag.StringVar(&o.Postgres, "pg", envOr("ZUJU_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL server (a private schema is created and dropped)")
	flag.StringVar(&o.Redis, "redis", "", "optional Redis URL for the app's cache and rate limits (default in process)")
	flag.StringVar(&o.Out, "out", "", "JSON results file (default <module>/bench/out/flashcrowd.json)")
	flag.Parse()
	if o.Users < 1 || o.Users > 5000 || o.Capacity < 1 || o.Capacity > o.Users || o.Reps < 1 || o.Reps > 50 {
		log.Fatal("invalid flags: need 1 ≤ -users ≤ 5000, 1 ≤ -capacity ≤ -users, 1 ≤ -reps ≤ 50")
	}
	ok, err := run(o)
	if err != nil {
		log.Fatal(err)
	}
	if !ok {
		os.Exit(1)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// rep is one flash crowd against one target.
type rep struct {
	Target     string        `json:"target"`
	Rep        int           `json:"rep"`
	Elapsed    time.Duration `json:"elapsed_ns"`
	PerSecond  float64       `json:"signups_per_s"`
	P50        time.Duration `json:"p50_ns"`
	P99        time.Duration `json:"p99_ns"`
	Confirmed  int           `json:"confirmed"`
	Waitlisted int           `json:"waitlisted"`
	Other4xx   int           `json:"other_4xx"`
	Status5xx  int           `json:"status_5xx"`
	Errors     int           `json:"transport_errors"`
	DBConfirm  int           `json:"db_confirmed"`
	DBDupUsers int           `json:"db_duplicate_users"`
	DBCount    int           `json:"db_participant_count"`
	latencies  []time.Duration
}

func (r rep) correct(capacity int) bool {
	return r.Confirmed == capacity && r.DBConfirm == capacity && r.DBCount == capacity && r.DBDupUsers == 0 &&
		r.Status5xx == 0 && r.Errors == 0 && r.Other4xx == 0
}

type bench struct {
	o      options
	a      *app.App
	ours   *benchkit.Server
	ref    *benchkit.Server
	client *http.Client
	admin  string
	typeID string
	users  []user
}

type user struct{ id, token string }

func run(o options) (bool, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn, drop, err := benchkit.Schema(ctx, o.Postgres, "bench_fc_")
	if err != nil {
		return false, fmt.Errorf("postgres: %w", err)
	}
	defer drop()
	dir, err := os.MkdirTemp("", "zuju-bench-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)

	cfg := config.Default()
	cfg.DataDir, cfg.HTTPAddr, cfg.JWTSecret, cfg.RateLimit = dir, "127.0.0.1:0", jwtSecret, "off"
	cfg.DatabaseURL, cfg.RedisURL = dsn, o.Redis
	if err := cfg.Validate(); err != nil {
		return false, err
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	sms := &benchkit.SMS{}
	a, err := app.New(ctx, cfg, logger, app.Options{SMS: sms})
	if err != nil {
		return false, fmt.Errorf("build app: %w", err)
	}
	defer a.Close()
	b := &bench{o: o, a: a, client: &http.Client{Transport: &http.Transport{
		MaxIdleConns: 2 * o.Users, MaxIdleConnsPerHost: o.Users, IdleConnTimeout: time.Minute}, Timeout: time.Minute}}
	if b.ours, err = benchkit.Serve(a.Handler()); err != nil {
		return false, err
	}
	defer b.ours.Stop()
	pool, err := newPool(ctx, dsn)
	if err != nil {
		return false, err
	}
	defer pool.Close()
	if b.ref, err = benchkit.Serve(&reference{pool: pool}); err != nil {
		return false, err
	}
	defer b.ref.Stop()

	if err := b.setUp(ctx, sms); err != nil {
		return false, fmt.Errorf("set up: %w", err)
	}
	fmt.Printf("flash crowd: %d users at once, capacity %d, %d reps per target; PostgreSQL, pool %d; GOMAXPROCS=%d %s\n",
		o.Users, o.Capacity, o.Reps, poolSize, runtime.GOMAXPROCS(0), runtime.Version())

	// One unrecorded repetition per target opens the connections.
	for _, t := range []string{"ours", "ref"} {
		if _, err := b.crowd(ctx, t, 0); err != nil {
			return false, err
		}
	}
	var reps []rep
	for i := 1; i <= o.Reps; i++ {
		for _, t := range []string{"ours", "ref"} {
			runtime.GC()
			r, err := b.crowd(ctx, t, i)
			if err != nil {
				return false, err
			}
			mark := "ok"
			if !r.correct(o.Capacity) {
				mark = "WRONG"
			}
			fmt.Printf("rep %2d %-4s %7.0f sign-ups/s  p50 %8s  p99 %8s  confirmed %d (db %d, counter %d) waitlisted %d dup %d 5xx %d other4xx %d err %d  %s\n",
				i, t, r.PerSecond, benchkit.Ms(r.P50), benchkit.Ms(r.P99), r.Confirmed, r.DBConfirm, r.DBCount, r.Waitlisted,
				r.DBDupUsers, r.Status5xx, r.Other4xx, r.Errors, mark)
			reps = append(reps, r)
		}
	}
	return b.summarize(reps)
}

type summary struct {
	Target       string        `json:"target"`
	MedianPerSec float64       `json:"median_signups_per_s"`
	P50          time.Duration `json:"p50_ns"`
	P99          time.Duration `json:"p99_ns"`
	CorrectReps  int           `json:"correct_reps"`
}

func (b *bench) summarize(reps []rep) (bool, error) {
	all := true
	var sums []summary
	for _, t := range []string{"ours", "ref"} {
		var rates []float64
		var lat []time.Duration
		s := summary{Target: t}
		for _, r := range reps {
			if r.Target != t {
				continue
			}
			rates = append(rates, r.PerSecond)
			lat = append(lat, r.latencies...)
			if r.correct(b.o.Capacity) {
				s.CorrectReps++
			} else if t == "ours" {
				all = false
			}
		}
		slices.Sort(rates)
		s.MedianPerSec = rates[len(rates)/2]
		lat = benchkit.Sorted(lat)
		s.P50, s.P99 = benchkit.Percentile(lat, 0.50), benchkit.Percentile(lat, 0.99)
		sums = append(sums, s)
	}
	ratio := sums[0].MedianPerSec / sums[1].MedianPerSec
	fmt.Println()
	for _, s := range sums {
		fmt.Printf("%-4s median %7.0f sign-ups/s  p50 %8s  p99 %8s  correct reps %d/%d\n",
			s.Target, s.MedianPerSec, benchkit.Ms(s.P50), benchkit.Ms(s.P99), s.CorrectReps, b.o.Reps)
	}
	verdict := "meets"
	if ratio < 0.5 {
		verdict = "BELOW"
	}
	fmt.Printf("ratio ours/reference (median sign-ups/s) = %.3f — %s the 0.5 target; correctness: %s\n", ratio, verdict,
		map[bool]string{true: "every rep exactly capacity confirmed, 0 duplicates, 0 5xx", false: "FAILED"}[all])
	out, err := benchkit.WriteJSON(b.o.Out, "flashcrowd", map[string]any{
		"command": strings.TrimSpace("go run ./bench/flashcrowd " + strings.Join(os.Args[1:], " ")),
		"time":    time.Now().UTC().Format(time.RFC3339), "go": runtime.Version(), "num_cpu": runtime.NumCPU(),
		"options": b.o, "reps": reps, "summary": sums, "ratio": ratio, "correct": all,
	})
	if err != nil {
		return all, err
	}
	fmt.Println("wrote", out)
	return all, nil
}

// setUp makes the staff account, an activity type and the crowd's
// accounts (first SMS sign-in creates each one).
func (b *bench) setUp(ctx context.Context, sms *benchkit.SMS) error {
	if _, err := b.a.Users.CreateAdmin(ctx, "", "bench@zuju.local", "bench-pass-2026", "压测管理员"); err != nil {
		return err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	api := b.ours.URL + "/api/v1"
	if err := benchkit.Call(b.client, "POST", api+"/auth/login", "", map[string]string{"account": "bench@zuju.local", "password": "bench-pass-2026"}, 200, &tok); err != nil {
		return err
	}
	b.admin = tok.AccessToken
	var typ struct {
		ID string `json:"id"`
	}
	if err := benchkit.Call(b.client, "POST", api+"/admin/activity-types", b.admin, map[string]any{"name": "压测"}, 201, &typ); err != nil {
		return err
	}
	b.typeID = typ.ID

	b.users = make([]user, b.o.Users)
	errc := make(chan error, b.o.Users)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				phone := fmt.Sprintf("139%08d", i)
				if err := benchkit.Call(b.client, "POST", api+"/auth/sms-codes", "", map[string]string{"phone": phone, "purpose": "login"}, 202, nil); err != nil {
					errc <- err
					continue
				}
				var t struct {
					AccessToken string `json:"access_token"`
					User        struct {
						ID string `json:"id"`
					} `json:"user"`
				}
				if err := benchkit.Call(b.client, "POST", api+"/auth/sms-login", "", map[string]string{"phone": phone, "code": sms.Code("login", phone)}, 200, &t); err != nil {
					errc <- err
					continue
				}
				b.users[i] = user{id: t.User.ID, token: t.AccessToken}
			}
		}()
	}
	for i := range b.o.Users {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errc)
	return <-errc // nil when no error was sent
}

// activity creates and publishes a free activity with the bench capacity.
func (b *bench) activity() (string, error) {
	api := b.ours.URL + "/api/v1"
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	body := map[string]any{"title": "抢位压测", "type_id": b.typeID, "city": "上海", "address": "压测场馆",
		"lat": 31.2, "lng": 121.4, "start_at": start, "end_at": start.Add(2 * time.Hour), "signup_deadline": start.Add(-time.Hour),
		"min_participants": min(10, b.o.Capacity), "max_participants": b.o.Capacity, "price_fen": 0, "description": "flash crowd"}
	var act struct {
		ID string `json:"id"`
	}
	if err := benchkit.Call(b.client, "POST", api+"/activities", b.admin, body, 201, &act); err != nil {
		return "", err
	}
	return act.ID, benchkit.Call(b.client, "POST", api+"/activities/"+act.ID+"/publish", b.admin, nil, 200, nil)
}

// crowd releases every user at once against a fresh activity on target t
// and checks the database afterwards.
func (b *bench) crowd(ctx context.Context, t string, n int) (rep, error) {
	id, err := b.activity()
	if err != nil {
		return rep{}, err
	}
	r := rep{Target: t, Rep: n, latencies: make([]time.Duration, len(b.users))}
	statuses := make([]int, len(b.users))
	kinds := make([]string, len(b.users))
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	for i, u := range b.users {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			var req *http.Request
			if t == "ours" {
				req, _ = http.NewRequest("POST", b.ours.URL+"/api/v1/activities/"+id+"/signups", nil)
				req.Header.Set("Authorization", "Bearer "+u.token)
			} else {
				req, _ = http.NewRequest("POST", b.ref.URL+"/ref/activities/"+id+"/signups", nil)
				req.Header.Set("X-User-ID", u.id)
			}
			ready.Done()
			<-start
			t0 := time.Now()
			res, err := b.client.Do(req)
			if err != nil {
				statuses[i] = -1
				return
			}
			var body struct {
				Signup struct {
					Status string `json:"status"`
				} `json:"signup"`
			}
			_ = json.NewDecoder(res.Body).Decode(&body)
			res.Body.Close()
			r.latencies[i] = time.Since(t0)
			statuses[i], kinds[i] = res.StatusCode, body.Signup.Status
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	done.Wait()
	r.Elapsed = time.Since(t0)
	r.PerSecond = float64(len(b.users)) / r.Elapsed.Seconds()
	for i, st := range statuses {
		switch {
		case st == -1:
			r.Errors++
		case st >= 500:
			r.Status5xx++
		case st == http.StatusCreated && kinds[i] == "confirmed":
			r.Confirmed++
		case st == http.StatusCreated && kinds[i] == "waitlisted":
			r.Waitlisted++
		default:
			r.Other4xx++
		}
	}
	lat := benchkit.Sorted(r.latencies)
	r.P50, r.P99 = benchkit.Percentile(lat, 0.50), benchkit.Percentile(lat, 0.99)
	db := b.a.DB.SQL
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM signups WHERE activity_id = $1 AND status = 'confirmed'", id).Scan(&r.DBConfirm); err != nil {
		return r, err
	}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT user_id FROM signups WHERE activity_id = $1 GROUP BY user_id HAVING COUNT(*) > 1) d", id).Scan(&r.DBDupUsers); err != nil {
		return r, err
	}
	if err := db.QueryRowContext(ctx, "SELECT participant_count FROM activities WHERE id = $1", id).Scan(&r.DBCount); err != nil {
		return r, err
	}
	return r, nil
}

func newPool(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	pc.MaxConns = poolSize
	return pgxpool.NewWithConfig(ctx, pc)
}

// reference is the floor: net/http and pgx taking the seat with the same
// conditional UPDATE as the store, in one transaction with the insert.
type reference struct{ pool *pgxpool.Pool }

func (h *reference) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/") // ref/activities/{id}/signups
	userID := r.Header.Get("X-User-ID")
	if r.Method != http.MethodPost || len(parts) != 4 || userID == "" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	activityID := parts[2]
	now := time.Now().UTC()
	id := uuid.Must(uuid.NewV7()).String()
	status, position := "confirmed", 0
	err := pgx.BeginFunc(r.Context(), h.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(r.Context(), `UPDATE activities SET participant_count = participant_count + 1, updated_at = $2
			WHERE id = $1 AND status IN ('published', 'formed') AND signup_deadline > $2 AND participant_count < max_participants`, activityID, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			status = "waitlisted"
			if err := tx.QueryRow(r.Context(), `UPDATE activities SET waitlist_seq = waitlist_seq + 1
				WHERE id = $1 AND status IN ('published', 'formed') AND signup_deadline > $2 RETURNING waitlist_seq`, activityID, now).Scan(&position); err != nil {
				return err
			}
		}
		_, err = tx.Exec(r.Context(), `INSERT INTO signups (id, activity_id, user_id, status, position, check_in_code, idempotency_key, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, '', $7, $7)`, id, activityID, userID, status, position, uuid.NewString(), now)
		return err
	})
	var pe *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		http.Error(w, `{"code":"signup.closed"}`, http.StatusConflict)
		return
	case errors.As(err, &pe) && pe.Code == "23505":
		http.Error(w, `{"code":"signup.exists"}`, http.StatusConflict)
		return
	case err != nil:
		http.Error(w, `{"code":"internal"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = fmt.Fprintf(w, `{"signup":{"id":%q,"activity_id":%q,"user_id":%q,"status":%q,"position":%s}}`,
		id, activityID, userID, status, strconv.Itoa(position))
}
