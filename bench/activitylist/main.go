// Command activitylist measures activity discovery on PostgreSQL over
// 100,000 activities. In one process, on one database, it serves
//
//   - ours: the full app with the list cache off (every request reads the
//     database), answering an authenticated, filtered GET /api/v1/activities;
//   - raw: a plain net/http + pgx handler doing the same work by hand (the
//     bearer check of benchkit.RawAuth, the same list SQL, the same batch
//     reads of organizers and tag names, the same JSON);
//   - cached: the full app as it runs in production (list cache on);
//
// drives them in alternating closed-loop rounds and prints req/s, p50/p99
// and the ratios ours/raw and cached/ours. Then it runs keyword searches
// at a fixed rate (open loop, vegeta) against the production app and
// against the uncached one, and prints their latency.
//
//	go run ./bench/activitylist -n 100000 -c 32 -d 5s -rounds 4 -rate 1000 -attack 10s
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/zuju/zuju/bench/internal/benchkit"
	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/activities/activitieshttp"
	"github.com/zuju/zuju/internal/activities/activitiesstore"
	"github.com/zuju/zuju/internal/app"
	"github.com/zuju/zuju/internal/config"
)

const (
	jwtSecret = "bench-secret-0123456789abcdef0123456789"
	listPath  = "/api/v1/activities"
	// listQuery is the filtered list every closed-loop request asks for.
	listQuery = "city=%E4%B8%8A%E6%B5%B7&status=published&limit=20" // city=上海
	// searchQuery is the keyword search of the closed loop: q=篮球&city=上海.
	searchQuery = "q=%E7%AF%AE%E7%90%83&city=%E4%B8%8A%E6%B5%B7&limit=20"
)

var (
	cities   = []string{"上海", "北京", "广州", "深圳", "杭州", "成都", "南京", "武汉", "西安", "重庆"}
	centers  = [][2]float64{{31.23, 121.47}, {39.90, 116.40}, {23.13, 113.26}, {22.54, 114.06}, {30.27, 120.15}, {30.57, 104.07}, {32.06, 118.80}, {30.59, 114.31}, {34.34, 108.94}, {29.56, 106.55}}
	kinds    = []string{"篮球", "羽毛球", "足球", "网球", "乒乓球", "徒步", "骑行", "跑步", "瑜伽", "读书会", "桌游", "剧本杀", "摄影", "观影", "咖啡", "烘焙", "露营", "登山", "飞盘", "编程"}
	prefixes = []string{"周末", "周五晚", "新手", "进阶", "城市", "夜间", "清晨", "亲子", "校园", "同城"}
	suffixes = []string{"局", "活动", "交流会", "约起", "小组", "挑战"}
)

type options struct {
	N           int           `json:"activities"`
	Concurrency int           `json:"concurrency"`
	Round       time.Duration `json:"round_ns"`
	Rounds      int           `json:"rounds"`
	Warmup      time.Duration `json:"warmup_ns"`
	Rate        int           `json:"rate"`
	Attack      time.Duration `json:"attack_ns"`
	Gzip        bool          `json:"gzip"`
	Postgres    string        `json:"-"`
	Out         string        `json:"-"`
	CPUProfile  string        `json:"-"`
	Keep        bool          `json:"-"`
	Reuse       string        `json:"-"`
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("activitylist: ")
	var o options
	flag.IntVar(&o.N, "n", 100_000, "activities to seed")
	flag.IntVar(&o.Concurrency, "c", 32, "closed-loop workers (one keep-alive connection each)")
	flag.DurationVar(&o.Round, "d", 5*time.Second, "duration of one round per target")
	flag.IntVar(&o.Rounds, "rounds", 4, "rounds per target (alternating ours, raw, cached, ...)")
	flag.DurationVar(&o.Warmup, "warmup", 2*time.Second, "warm-up per target")
	flag.IntVar(&o.Rate, "rate", 1000, "keyword searches per second in the open-loop phase (0 skips it)")
	flag.DurationVar(&o.Attack, "attack", 10*time.Second, "duration of each open-loop attack")
	flag.BoolVar(&o.Gzip, "gzip", false, "clients ask for gzip (ours then compresses; the reference never does)")
	flag.StringVar(&o.Postgres, "pg", envOr("ZUJU_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL server (a private schema is created and dropped)")
	flag.BoolVar(&o.Keep, "keep", false, "keep the seeded schema (its DSN is printed) instead of dropping it")
	flag.StringVar(&o.Reuse, "reuse", "", "DSN of a schema kept by an earlier -keep run: skip seeding and measure it again")
	flag.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the closed-loop rounds to this file")
	flag.StringVar(&o.Out, "out", "", "JSON results file (default <module>/bench/out/activitylist.json)")
	flag.Parse()
	if o.N < 1000 || o.N > 1_000_000 || o.Concurrency < 1 || o.Rounds < 1 || o.Round <= 0 || o.Rate < 0 || o.Rate > 5000 || o.Attack > time.Minute {
		log.Fatal("invalid flags: need 1000 ≤ -n ≤ 1000000, -c ≥ 1, -rounds ≥ 1, -d > 0, 0 ≤ -rate ≤ 5000, -attack ≤ 1m")
	}
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func run(o options) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dsn := o.Reuse
	if dsn == "" {
		d, drop, err := benchkit.Schema(ctx, o.Postgres, "bench_al_")
		if err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		dsn = d
		if o.Keep {
			fmt.Println("keeping the schema:", dsn)
		} else {
			defer drop()
		}
	}
	dir, err := os.MkdirTemp("", "zuju-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	cfg := config.Default()
	cfg.DataDir, cfg.HTTPAddr, cfg.JWTSecret, cfg.RateLimit, cfg.DatabaseURL = dir, "127.0.0.1:0", jwtSecret, "off", dsn
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	sms := &benchkit.SMS{}
	build := func(ttl time.Duration) (*app.App, error) {
		c := cfg
		c.Activity.ListCacheTTL = ttl
		if err := c.Validate(); err != nil {
			return nil, err
		}
		return app.New(ctx, c, logger, app.Options{SMS: sms})
	}
	cachedApp, err := build(30 * time.Second)
	if err != nil {
		return fmt.Errorf("build app: %w", err)
	}
	defer cachedApp.Close()
	uncachedApp, err := build(0)
	if err != nil {
		return fmt.Errorf("build app: %w", err)
	}
	defer uncachedApp.Close()

	cached, err := benchkit.Serve(labelled("cached", cachedApp.Handler()))
	if err != nil {
		return err
	}
	defer cached.Stop()
	ours, err := benchkit.Serve(labelled("ours", uncachedApp.Handler()))
	if err != nil {
		return err
	}
	defer ours.Stop()
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return err
	}
	pc.MaxConns = 20 // sqldb's pool size on PostgreSQL
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return err
	}
	defer pool.Close()
	raw, err := benchkit.Serve(labelled("raw", &reference{pool: pool, auth: benchkit.NewRawAuth(uncachedApp.DB.SQL, true, cfg)}))
	if err != nil {
		return err
	}
	defer raw.Stop()

	var token string
	if o.Reuse != "" {
		_, token, err = login(http.DefaultClient, cached.URL+"/api/v1", sms, benchPhone)
	} else {
		token, err = seed(ctx, o, cachedApp, cached.URL, sms)
	}
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	body, err := sameAnswer(token, ours.URL, raw.URL, cached.URL)
	if err != nil {
		return err
	}
	fmt.Printf("all three answer the same %d bytes for GET %s?%s\n", len(body), listPath, listQuery)

	targets := []*benchkit.Target{
		benchkit.NewTargetGzip("ours", ours.URL+listPath+"?"+listQuery, token, o.Concurrency, o.Gzip),
		benchkit.NewTargetGzip("raw", raw.URL+listPath+"?"+listQuery, token, o.Concurrency, o.Gzip),
		benchkit.NewTargetGzip("cached", cached.URL+listPath+"?"+listQuery, token, o.Concurrency, o.Gzip),
		// One keyword search, cache off: what a search costs the database.
		benchkit.NewTargetGzip("search", ours.URL+listPath+"?"+searchQuery, token, o.Concurrency, o.Gzip),
	}
	fmt.Printf("closed loop: %d workers, %d rounds × %s per target after %s warm-up; GOMAXPROCS=%d %s\n",
		o.Concurrency, o.Rounds, o.Round, o.Warmup, runtime.GOMAXPROCS(0), runtime.Version())
	for _, t := range targets {
		w := t.Round(o.Warmup)
		fmt.Printf("warm-up %-6s %8.0f req/s (%d errors)\n", t.Name, w.RPS, w.Errors)
	}
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	var rounds []benchkit.RoundResult
	for i := range o.Rounds {
		for _, t := range targets {
			runtime.GC()
			r := t.Round(o.Round)
			t.Record(r)
			r.Round = i + 1
			rounds = append(rounds, r)
			fmt.Printf("round %d %-6s %8.0f req/s  p50 %8s  p99 %8s  (%d errors)\n", r.Round, r.Target, r.RPS, benchkit.Ms(r.P50), benchkit.Ms(r.P99), r.Errors)
		}
	}
	if o.CPUProfile != "" {
		pprof.StopCPUProfile()
	}
	var sums []benchkit.TargetSummary
	for _, t := range targets {
		sums = append(sums, t.Summary(o.Rounds, o.Round))
	}
	fmt.Println()
	for _, s := range sums {
		fmt.Printf("%-6s %8.0f req/s  p50 %8s  p99 %8s  (%d ok, %d errors)\n", s.Target, s.RPS, benchkit.Ms(s.P50), benchkit.Ms(s.P99), s.OK, s.Errors)
	}
	oursRaw := sums[0].RPS / sums[1].RPS
	p99Ratio := float64(sums[0].P99) / float64(sums[1].P99)
	cachedOurs := sums[2].RPS / sums[0].RPS
	fmt.Printf("ours/raw throughput = %.3f (target ≥ 0.85: %s); p99 ours/raw = %.2f (target ≤ 1.25: %s)\n",
		oursRaw, verdict(oursRaw >= 0.85), p99Ratio, verdict(p99Ratio <= 1.25))
	fmt.Printf("cached/ours throughput = %.2f (target ≥ 1.5: %s)\n", cachedOurs, verdict(cachedOurs >= 1.5))
	fmt.Printf("keyword search, cache off, closed loop: %.0f req/s, p99 %s\n", sums[3].RPS, benchkit.Ms(sums[3].P99))

	res := map[string]any{
		"command": strings.TrimSpace("go run ./bench/activitylist " + strings.Join(os.Args[1:], " ")),
		"time":    time.Now().UTC().Format(time.RFC3339), "go": runtime.Version(), "num_cpu": runtime.NumCPU(),
		"options": o, "targets": sums, "rounds": rounds,
		"ours_over_raw": oursRaw, "p99_ours_over_raw": p99Ratio, "cached_over_ours": cachedOurs,
	}
	if o.Rate > 0 {
		attacks := map[string]searchResult{}
		for _, t := range []struct{ name, base string }{{"production (cache on)", cached.URL}, {"cache off", ours.URL}} {
			// A short unrecorded attack first, as a server that has been up
			// for a while has met these searches before.
			attack(t.base, token, o.Rate, 2*time.Second)
			r := attack(t.base, token, o.Rate, o.Attack)
			attacks[t.name] = r
			fmt.Printf("keyword search at %d/s for %s, %s: %d requests, success %.2f%%, p50 %s, p99 %s, max %s (target p99 < 200ms: %s)\n",
				o.Rate, o.Attack, t.name, r.Requests, 100*r.Success, benchkit.Ms(r.P50), benchkit.Ms(r.P99), benchkit.Ms(r.Max),
				verdict(r.P99 < 200*time.Millisecond && r.Success == 1))
		}
		res["keyword_search"] = attacks
	}
	out, err := benchkit.WriteJSON(o.Out, "activitylist", res)
	if err != nil {
		return err
	}
	fmt.Println("wrote", out)
	return nil
}

// labelled serves h with the profiler label server=name, so that a CPU
// profile can be split by target (go tool pprof -tagfocus server=ours).
func labelled(name string, h http.Handler) http.Handler {
	labels := pprof.Labels("server", name)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pprof.Do(r.Context(), labels, func(ctx context.Context) { h.ServeHTTP(w, r.WithContext(ctx)) })
	})
}

func verdict(ok bool) string {
	if ok {
		return "meets"
	}
	return "BELOW"
}

// seed makes the accounts, types and tags through the API and the
// activities through the activities store (what Create stores: rows, tags,
// search tokens), then returns the benchmark user's access token.
func seed(ctx context.Context, o options, a *app.App, base string, sms *benchkit.SMS) (string, error) {
	c := http.DefaultClient
	api := base + "/api/v1"
	if _, err := a.Users.CreateAdmin(ctx, "", "bench@zuju.local", "bench-pass-2026", "压测管理员"); err != nil {
		return "", err
	}
	var adm struct {
		AccessToken string `json:"access_token"`
	}
	if err := benchkit.Call(c, "POST", api+"/auth/login", "", map[string]string{"account": "bench@zuju.local", "password": "bench-pass-2026"}, 200, &adm); err != nil {
		return "", err
	}
	var typeIDs, tagIDs []string
	for _, name := range []string{"运动", "文化", "户外"} {
		var t struct {
			ID string `json:"id"`
		}
		if err := benchkit.Call(c, "POST", api+"/admin/activity-types", adm.AccessToken, map[string]any{"name": name}, 201, &t); err != nil {
			return "", err
		}
		typeIDs = append(typeIDs, t.ID)
	}
	for i, name := range kinds[:10] {
		var t struct {
			ID string `json:"id"`
		}
		if err := benchkit.Call(c, "POST", api+"/admin/tags", adm.AccessToken, map[string]any{"name": name + "爱好者", "category": "兴趣", "sort": i}, 201, &t); err != nil {
			return "", err
		}
		tagIDs = append(tagIDs, t.ID)
	}
	organizers := make([]string, 200)
	for i := range organizers {
		id, _, err := login(c, api, sms, fmt.Sprintf("137%08d", i))
		if err != nil {
			return "", err
		}
		organizers[i] = id
	}
	_, token, err := login(c, api, sms, benchPhone)
	if err != nil {
		return "", err
	}

	store := activitiesstore.New(a.DB)
	start := time.Now()
	now := start.UTC().Truncate(time.Second)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for {
				i := int(next.Add(1)) - 1
				if i >= o.N {
					return
				}
				if err := store.Create(ctx, activity(rng, i, now, typeIDs, tagIDs, organizers)); err != nil {
					errc <- err
					return
				}
				if n := done.Add(1); n%20000 == 0 {
					fmt.Printf("seeded %d activities (%s)\n", n, time.Since(start).Round(time.Second))
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return "", err
	}
	if _, err := a.DB.SQL.ExecContext(ctx, "ANALYZE"); err != nil {
		return "", err
	}
	fmt.Printf("seeded %d activities in %s\n", o.N, time.Since(start).Round(time.Second))
	return token, nil
}

// benchPhone is the phone of the account the closed loop and the attacks
// authenticate as.
const benchPhone = "13800138000"

// login signs phone in by SMS code and returns its user id and access token.
func login(c *http.Client, api string, sms *benchkit.SMS, phone string) (string, string, error) {
	if err := benchkit.Call(c, "POST", api+"/auth/sms-codes", "", map[string]string{"phone": phone, "purpose": "login"}, 202, nil); err != nil {
		return "", "", err
	}
	var t struct {
		AccessToken string `json:"access_token"`
		User        struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	err := benchkit.Call(c, "POST", api+"/auth/sms-login", "", map[string]string{"phone": phone, "code": sms.Code("login", phone)}, 200, &t)
	return t.User.ID, t.AccessToken, err
}

// activity is the i-th seeded activity: spread over 10 cities and 90 days,
// mostly open for sign-up.
func activity(rng *rand.Rand, i int, now time.Time, types, tags, organizers []string) *activities.Activity {
	city := i % len(cities)
	kind := kinds[rng.IntN(len(kinds))]
	startAt := now.Add(time.Duration(1+rng.IntN(90*24)) * time.Hour)
	status := activities.StatusPublished
	switch r := rng.IntN(100); {
	case r >= 95:
		status = activities.StatusFinished
	case r >= 80:
		status = activities.StatusFormed
	}
	tagIDs := []string{tags[rng.IntN(len(tags))]}
	if t := tags[rng.IntN(len(tags))]; t != tagIDs[0] {
		tagIDs = append(tagIDs, t)
	}
	minP := 2 + rng.IntN(4)
	published := now
	return &activities.Activity{
		ID: uuid.Must(uuid.NewV7()).String(), Title: prefixes[rng.IntN(len(prefixes))] + kind + suffixes[rng.IntN(len(suffixes))],
		TypeID: types[rng.IntN(len(types))], TagIDs: tagIDs, City: cities[city],
		Address: fmt.Sprintf("%s第%d活动中心", cities[city], rng.IntN(500)),
		Lat:     centers[city][0] + (rng.Float64()-0.5)*0.3, Lng: centers[city][1] + (rng.Float64()-0.5)*0.3,
		StartAt: startAt, EndAt: startAt.Add(2 * time.Hour), SignupDeadline: startAt.Add(-2 * time.Hour),
		MinParticipants: minP, MaxParticipants: minP + 5 + rng.IntN(25), PriceFen: int64(rng.IntN(3)) * 2000,
		Status: status, Description: "一起来" + kind + "吧，新朋友老朋友都欢迎。", OrganizerID: organizers[rng.IntN(len(organizers))],
		CreatedAt: now, UpdatedAt: now, PublishedAt: &published,
	}
}

// sameAnswer checks that every target gives the same body and that each
// refuses a tampered token.
func sameAnswer(token string, bases ...string) ([]byte, error) {
	var first []byte
	for i, base := range bases {
		for _, tok := range []string{token, token + "x"} {
			req, _ := http.NewRequest("GET", base+listPath+"?"+listQuery, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				return nil, err
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if tok != token {
				if res.StatusCode != http.StatusUnauthorized {
					return nil, fmt.Errorf("%s accepted a tampered token (%d)", base, res.StatusCode)
				}
				continue
			}
			if res.StatusCode != http.StatusOK {
				return nil, fmt.Errorf("%s: %d %s", base, res.StatusCode, b)
			}
			if i == 0 {
				first = b
			} else if !bytes.Equal(first, b) {
				return nil, fmt.Errorf("targets disagree:\n%s\n%s", first, b)
			}
		}
	}
	http.DefaultClient.CloseIdleConnections()
	return first, nil
}

type searchResult struct {
	Requests uint64        `json:"requests"`
	Success  float64       `json:"success"`
	P50      time.Duration `json:"p50_ns"`
	P99      time.Duration `json:"p99_ns"`
	Max      time.Duration `json:"max_ns"`
	Codes    any           `json:"status_codes"`
}

// attack sends keyword searches (every kind in every city, in turn) at a
// fixed rate for d.
func attack(base, token string, rate int, d time.Duration) searchResult {
	var targets []vegeta.Target
	h := http.Header{"Authorization": {"Bearer " + token}}
	for _, k := range kinds {
		for _, c := range cities {
			q := url.Values{"q": {k}, "city": {c}, "limit": {"20"}}
			targets = append(targets, vegeta.Target{Method: "GET", URL: base + listPath + "?" + q.Encode(), Header: h})
		}
	}
	at := vegeta.NewAttacker(vegeta.Connections(256), vegeta.Timeout(10*time.Second), vegeta.KeepAlive(true))
	var m vegeta.Metrics
	for res := range at.Attack(vegeta.NewStaticTargeter(targets...), vegeta.Rate{Freq: rate, Per: time.Second}, d, "search") {
		m.Add(res)
	}
	m.Close()
	return searchResult{Requests: m.Requests, Success: m.Success, P50: m.Latencies.P50, P99: m.Latencies.P99, Max: m.Latencies.Max, Codes: m.StatusCodes}
}

// ---------------------------------------------------------------------------
// The reference.

// The SQL the app sends for the closed-loop list (then the organizers'
// contacts and the tag names, below).
const (
	sqlList = "SELECT id, title, type_id, tag_ids, city, address, lat, lng, start_at, end_at, signup_deadline, " +
		"min_participants, max_participants, participant_count, price_fen, member_only, status, description, cover_url, " +
		"organizer_id, club_id, cancel_reason, created_at, updated_at, published_at, cancelled_at, hot_score " +
		"FROM activities WHERE status = $1 AND city = $2 ORDER BY start_at, id LIMIT $3"
)

// reference serves the list with net/http and pgx.
type reference struct {
	pool *pgxpool.Pool
	auth *benchkit.RawAuth
}

type rowData struct {
	id, title, typeID, tagIDs, city, address, status, description, cover, organizer, club, cancelReason string
	lat, lng, hot                                                                                       float64
	start, end, deadline, created, updated                                                              time.Time
	published, cancelled                                                                                *time.Time
	minP, maxP, count                                                                                   int
	price                                                                                               int64
	memberOnly                                                                                          bool
}

func (h *reference) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != listPath || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	userID, roles, ok, err := h.auth.User(r)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	ctx := r.Context()
	rows, err := h.pool.Query(ctx, sqlList, q.Get("status"), q.Get("city"), limit+1)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (rowData, error) {
		var d rowData
		err := row.Scan(&d.id, &d.title, &d.typeID, &d.tagIDs, &d.city, &d.address, &d.lat, &d.lng, &d.start, &d.end, &d.deadline,
			&d.minP, &d.maxP, &d.count, &d.price, &d.memberOnly, &d.status, &d.description, &d.cover, &d.organizer, &d.club,
			&d.cancelReason, &d.created, &d.updated, &d.published, &d.cancelled, &d.hot)
		return d, err
	})
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var people, tags []string
	for _, d := range list {
		people = append(people, d.organizer)
		if d.tagIDs != "" {
			tags = append(tags, strings.Split(d.tagIDs, ",")...)
		}
	}
	nick, avatar, phone, err := h.people(ctx, people)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	names, err := h.tags(ctx, tags)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var out struct {
		Items      []activitieshttp.ActivityDTO `json:"items"`
		NextCursor *string                      `json:"next_cursor"`
	}
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		c := base64.RawURLEncoding.EncodeToString([]byte("t|" + strconv.FormatInt(last.start.UnixNano(), 10) + "|" + last.id))
		out.NextCursor = &c
	}
	staff := slices.ContainsFunc(roles, func(r string) bool { return r == "moderator" || r == "admin" || r == "super_admin" })
	out.Items = make([]activitieshttp.ActivityDTO, len(list))
	for i, d := range list {
		a := activitieshttp.ActivityDTO{ID: d.id, Title: d.title, TypeID: d.typeID, Tags: []activitieshttp.ActivityTagDTO{}, City: d.city,
			StartAt: d.start.UTC(), EndAt: d.end.UTC(), SignupDeadline: d.deadline.UTC(), MinParticipants: d.minP, MaxParticipants: d.maxP,
			ParticipantCount: d.count, PriceFen: d.price, MemberOnly: d.memberOnly, Status: d.status, CoverURL: d.cover,
			Organizer:    activitieshttp.ActivityPersonDTO{ID: d.organizer, Nickname: nick[d.organizer], AvatarURL: avatar[d.organizer]},
			CancelReason: d.cancelReason, CreatedAt: d.created.UTC(), LockedFields: []string{}}
		if d.tagIDs != "" {
			for _, t := range strings.Split(d.tagIDs, ",") {
				if n, ok := names[t]; ok {
					a.Tags = append(a.Tags, activitieshttp.ActivityTagDTO{ID: t, Name: n})
				}
			}
		}
		if d.club != "" {
			a.ClubID = &d.club
		}
		full := staff || d.organizer == userID
		if !full && d.memberOnly {
			a.LockedFields = append(a.LockedFields, "description") // the caller is no member
		} else {
			a.Description = &d.description
		}
		if full {
			a.Address, a.Lat, a.Lng = &d.address, &d.lat, &d.lng
			if p := phone[d.organizer]; p != "" {
				a.OrganizerContact = &p
			}
		} else {
			a.LockedFields = append(a.LockedFields, "address", "lat", "lng", "organizer_contact", "participants", "chat_room_id")
		}
		out.Items[i] = a
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(&out)
}

// people runs the users module's contacts read (the ids sorted and unique).
func (h *reference) people(ctx context.Context, ids []string) (nick, avatar, phone map[string]string, err error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	nick, avatar, phone = map[string]string{}, map[string]string{}, map[string]string{}
	if len(ids) == 0 {
		return nick, avatar, phone, nil
	}
	marks := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		marks[i], args[i] = "$"+strconv.Itoa(i+1), id
	}
	rows, err := h.pool.Query(ctx, "SELECT id, nickname, avatar_url, phone FROM users WHERE id IN ("+strings.Join(marks, ",")+")", args...)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, nickname, av string
		var ph *string
		if err := rows.Scan(&id, &nickname, &av, &ph); err != nil {
			return nil, nil, nil, err
		}
		nick[id], avatar[id] = nickname, av
		if ph != nil {
			phone[id] = *ph
		}
	}
	return nick, avatar, phone, rows.Err()
}

// tags runs the tag catalog's batch read.
func (h *reference) tags(ctx context.Context, ids []string) (map[string]string, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	marks := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		marks[i], args[i] = "$"+strconv.Itoa(i+1), id
	}
	rows, err := h.pool.Query(ctx, "SELECT id, name, category, sort, created_at FROM tags WHERE id IN ("+strings.Join(marks, ",")+")", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, name, category string
		var sort int
		var created time.Time
		if err := rows.Scan(&id, &name, &category, &sort, &created); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}
