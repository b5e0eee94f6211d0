// Command authjson measures the cost of Zuju's production HTTP stack on a
// small authenticated JSON endpoint. In one process it serves
//
//   - ours: the full app handler (gin + huma, request id, JSON access log,
//     recovery, body limit, gzip, Prometheus metrics, bearer authentication
//     with the session cache) answering GET /api/v1/me, and
//   - raw: a plain net/http handler doing the same work by hand (verify the
//     JWT, check the session through an in-process cache, run the same SQL
//     on the same *sql.DB, write the same JSON with encoding/json),
//
// drives both with the same closed-loop load generator in alternating
// rounds, and prints throughput, latency and the ratio ours/raw.
//
//	go run ./bench/authjson -c 32 -d 5s -rounds 4
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/zuju/zuju/bench/internal/benchkit"
	"github.com/zuju/zuju/internal/app"
	"github.com/zuju/zuju/internal/config"
)

const (
	jwtSecret = "bench-secret-0123456789abcdef0123456789"
	phone     = "13800138000"
	password  = "bench-pass-2026"
	nickname  = "压测"
	mePath    = "/api/v1/me"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("authjson: ")
	var o options
	flag.IntVar(&o.Concurrency, "c", 32, "concurrent workers (one keep-alive connection each)")
	flag.DurationVar(&o.Round, "d", 5*time.Second, "duration of one round per target")
	flag.IntVar(&o.Rounds, "rounds", 4, "rounds per target (run alternately ours, raw, ours, raw, ...)")
	flag.DurationVar(&o.Warmup, "warmup", 2*time.Second, "warm-up per target before the rounds")
	flag.IntVar(&o.Tags, "tags", 3, "interest tags given to the benchmark user (0-10)")
	flag.StringVar(&o.Log, "log", "json", "app logger: json (production JSON handler at info, written to io.Discard) or off (level error)")
	flag.BoolVar(&o.RawPrepared, "raw-prepared", false, "reference uses prepared statements (compare with a stack that caches statements)")
	flag.StringVar(&o.Out, "out", "", "JSON results file (default <module>/bench/out/authjson.json)")
	flag.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the measured rounds to this file")
	flag.StringVar(&o.MemProfile, "memprofile", "", "write an allocation profile (after the rounds) to this file")
	flag.Parse()
	if o.Concurrency < 1 || o.Rounds < 1 || o.Round <= 0 || o.Tags < 0 || o.Tags > 10 || (o.Log != "json" && o.Log != "off") {
		log.Fatal("invalid flags: need -c ≥ 1, -rounds ≥ 1, -d > 0, 0 ≤ -tags ≤ 10, -log json|off")
	}
	if total := 2 * (o.Warmup + time.Duration(o.Rounds)*o.Round); total > 60*time.Second {
		log.Printf("warning: load phase lasts %s", total)
	}
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

type options struct {
	Concurrency int           `json:"concurrency"`
	Round       time.Duration `json:"round_ns"`
	Rounds      int           `json:"rounds"`
	Warmup      time.Duration `json:"warmup_ns"`
	Tags        int           `json:"tags"`
	Log         string        `json:"log"`
	RawPrepared bool          `json:"raw_prepared"`
	Out         string        `json:"-"`
	CPUProfile  string        `json:"-"`
	MemProfile  string        `json:"-"`
}

func run(o options) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	dir, err := os.MkdirTemp("", "zuju-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	cfg := config.Default()
	cfg.DataDir = dir
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.JWTSecret = jwtSecret
	cfg.RateLimit = "off"
	level := slog.LevelInfo
	if o.Log == "off" {
		cfg.LogLevel = "error"
		level = slog.LevelError
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	// The production logger (cmd/zuju) is a JSON handler at the configured
	// level; here every line is formatted and then dropped.
	logger := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: level}))
	sms := &benchkit.SMS{}
	a, err := app.New(ctx, cfg, logger, app.Options{SMS: sms})
	if err != nil {
		return fmt.Errorf("build app: %w", err)
	}
	defer a.Close()

	ours, err := benchkit.Serve(a.Handler())
	if err != nil {
		return err
	}
	defer ours.Stop()
	if err := checkColumns(ctx, a.DB.SQL); err != nil {
		return err
	}
	rh, err := newRawHandler(ctx, a.DB.SQL, cfg, o.RawPrepared)
	if err != nil {
		return err
	}
	defer rh.close()
	raw, err := benchkit.Serve(rh)
	if err != nil {
		return err
	}
	defer raw.Stop()

	token, err := setUp(ctx, a, sms, ours.URL, o.Tags)
	if err != nil {
		return fmt.Errorf("set up user: %w", err)
	}
	if err := sameAnswer(ours.URL, raw.URL, token); err != nil {
		return err
	}

	targets := []*benchkit.Target{
		benchkit.NewTarget("ours", ours.URL+mePath, token, o.Concurrency),
		benchkit.NewTarget("raw", raw.URL+mePath, token, o.Concurrency),
	}
	fmt.Printf("GET %s, %d workers, %d rounds × %s per target after %s warm-up; GOMAXPROCS=%d NumCPU=%d %s\n",
		mePath, o.Concurrency, o.Rounds, o.Round, o.Warmup, runtime.GOMAXPROCS(0), runtime.NumCPU(), runtime.Version())
	for _, t := range targets {
		if o.Warmup > 0 {
			w := t.Round(o.Warmup)
			fmt.Printf("warm-up %-4s %9.0f req/s (%d errors)\n", t.Name, w.RPS, w.Errors)
		}
	}

	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer f.Close()
	}
	var rounds []benchkit.RoundResult
	for i := range o.Rounds {
		for _, t := range targets {
			runtime.GC() // every round starts from a collected heap
			r := t.Round(o.Round)
			t.Record(r)
			r.Round = i + 1
			rounds = append(rounds, r)
			fmt.Printf("round %d %-4s %9.0f req/s  p50 %7s  p99 %7s  %6.1f µs CPU/req  (%d errors)\n",
				r.Round, r.Target, r.RPS, ms(r.P50), ms(r.P99), r.CPUPerReq, r.Errors)
		}
	}
	if o.CPUProfile != "" {
		pprof.StopCPUProfile()
	}
	if o.MemProfile != "" {
		if err := writeHeapProfile(o.MemProfile); err != nil {
			return err
		}
	}

	res := results{
		Endpoint: "GET " + mePath, Command: strings.TrimSpace("go run ./bench/authjson " + strings.Join(os.Args[1:], " ")),
		Time: time.Now().UTC().Format(time.RFC3339), GoVersion: runtime.Version(),
		GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, NumCPU: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		CPU: cpuModel(), Options: o, Rounds: rounds,
	}
	for _, t := range targets {
		res.Targets = append(res.Targets, t.Summary(o.Rounds, o.Round))
	}
	res.Ratio = res.Targets[0].RPS / res.Targets[1].RPS
	for i := 0; i+1 < len(rounds); i += 2 {
		res.RoundRatios = append(res.RoundRatios, rounds[i].RPS/rounds[i+1].RPS)
	}
	res.MedianRoundRatio = median(res.RoundRatios)
	if res.Targets[0].CPUPerReq > 0 {
		res.CPURatio = res.Targets[1].CPUPerReq / res.Targets[0].CPUPerReq
	}
	fmt.Println()
	for _, s := range res.Targets {
		fmt.Printf("%-4s %9.0f req/s  p50 %7s  p99 %7s  %6.1f µs CPU/req  (%d ok, %d errors)\n",
			s.Target, s.RPS, ms(s.P50), ms(s.P99), s.CPUPerReq, s.OK, s.Errors)
	}
	verdict := "meets"
	if res.Ratio < 0.8 {
		verdict = "BELOW"
	}
	fmt.Printf("ratio ours/raw (throughput) = %.3f — %s the 0.8 target (per round: %s; median %.3f)\n",
		res.Ratio, verdict, fmtRatios(res.RoundRatios), res.MedianRoundRatio)
	fmt.Printf("CPU per request raw/ours = %.3f (process CPU, server + load generator)\n", res.CPURatio)

	out := o.Out
	if out == "" {
		root, err := benchkit.ModuleRoot()
		if err != nil {
			return err
		}
		out = filepath.Join(root, "bench", "out", "authjson.json")
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Println("wrote", out)
	return nil
}

// setUp registers the benchmark user through the API, gives it tags from
// the demo catalog and returns its access token.
func setUp(ctx context.Context, a *app.App, sms *benchkit.SMS, base string, tags int) (string, error) {
	var reg struct {
		AccessToken string `json:"access_token"`
	}
	in := map[string]string{"phone": phone, "password": password, "nickname": nickname}
	err := benchkit.Call(http.DefaultClient, "POST", base+"/api/v1/auth/register", "", in, http.StatusCreated, &reg)
	var ae *benchkit.APIError
	if errors.As(err, &ae) && ae.Code == "auth.sms_code_required" {
		// Registering a phone needs an SMS code (purpose register).
		if err := benchkit.Call(http.DefaultClient, "POST", base+"/api/v1/auth/sms-codes", "", map[string]string{"phone": phone, "purpose": "register"},
			http.StatusAccepted, nil); err != nil {
			return "", err
		}
		if in["code"] = sms.Code("register", phone); in["code"] == "" {
			return "", errors.New("no SMS code was sent for registration")
		}
		err = benchkit.Call(http.DefaultClient, "POST", base+"/api/v1/auth/register", "", in, http.StatusCreated, &reg)
	}
	if err != nil {
		return "", err
	}
	if reg.AccessToken == "" {
		return "", errors.New("register: no access token")
	}
	if tags == 0 {
		return reg.AccessToken, nil
	}
	if err := a.SeedDemo(ctx, io.Discard); err != nil {
		return "", fmt.Errorf("seed tag catalog: %w", err)
	}
	var catalog struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := benchkit.Call(http.DefaultClient, "GET", base+"/api/v1/tags", "", nil, http.StatusOK, &catalog); err != nil {
		return "", err
	}
	if len(catalog.Items) < tags {
		return "", fmt.Errorf("catalog has %d tags, need %d", len(catalog.Items), tags)
	}
	ids := make([]string, tags)
	for i := range ids {
		ids[i] = catalog.Items[i].ID
	}
	if err := benchkit.Call(http.DefaultClient, "PUT", base+"/api/v1/me/tags", reg.AccessToken, map[string]any{"tag_ids": ids}, http.StatusOK, nil); err != nil {
		return "", err
	}
	return reg.AccessToken, nil
}

// sameAnswer checks that both targets return the same body for the token
// and that both refuse a request without it.
func sameAnswer(ours, raw, token string) error {
	get := func(base, tok string) (int, []byte, error) {
		req, _ := http.NewRequest("GET", base+mePath, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return res.StatusCode, b, err
	}
	so, bo, err := get(ours, token)
	if err != nil {
		return err
	}
	sr, br, err := get(raw, token)
	if err != nil {
		return err
	}
	if so != http.StatusOK || sr != http.StatusOK || !bytes.Equal(bo, br) {
		return fmt.Errorf("targets disagree:\n ours %d %s\n raw  %d %s", so, bo, sr, br)
	}
	for _, base := range []string{ours, raw} {
		if s, _, err := get(base, token+"x"); err != nil || s != http.StatusUnauthorized {
			return fmt.Errorf("%s accepted a tampered token (status %d, %v)", base, s, err)
		}
	}
	fmt.Printf("both targets answer %d bytes: %s", len(bo), bo)
	http.DefaultClient.CloseIdleConnections()
	return nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("allocs").WriteTo(f, 0)
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func fmtRatios(rs []float64) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%.3f", r)
	}
	return strings.Join(parts, " ")
}

// results is what the run writes to bench/out/authjson.json.
type results struct {
	Endpoint    string                   `json:"endpoint"`
	Command     string                   `json:"command"`
	Time        string                   `json:"time"`
	GoVersion   string                   `json:"go_version"`
	GOOS        string                   `json:"goos"`
	GOARCH      string                   `json:"goarch"`
	CPU         string                   `json:"cpu"`
	NumCPU      int                      `json:"num_cpu"`
	GOMAXPROCS  int                      `json:"gomaxprocs"`
	Options     options                  `json:"options"`
	Targets     []benchkit.TargetSummary `json:"targets"`
	Ratio       float64                  `json:"ratio_ours_over_raw"`
	RoundRatios []float64                `json:"round_ratios"`
	// MedianRoundRatio resists a burst of outside load in one round.
	MedianRoundRatio float64 `json:"median_round_ratio"`
	// CPURatio is raw's CPU per request over ours: the throughput ratio
	// the CPU cost alone predicts when both saturate the same CPUs.
	CPURatio float64                `json:"cpu_ratio_raw_over_ours"`
	Rounds   []benchkit.RoundResult `json:"rounds"`
}

// ---------------------------------------------------------------------------
// The reference: GET /api/v1/me on plain net/http.

// rawHandler does by hand what the stack does for GET /api/v1/me: verify
// the bearer JWT (HS256, iss, aud, exp, iat as auth.Tokens does), check the
// session through an in-process cache with the service's TTL (both by
// benchkit.RawAuth), load the user row and its
// tags with the SQL GORM sends, and write the same JSON.
type rawHandler struct {
	db   *sql.DB
	auth *benchkit.RawAuth
	// with -raw-prepared: the statements, prepared once
	user1, tags1 *sql.Stmt
}

func newRawHandler(ctx context.Context, db *sql.DB, cfg config.Config, prepared bool) (*rawHandler, error) {
	h := &rawHandler{db: db, auth: benchkit.NewRawAuth(db, false, cfg)}
	if prepared {
		for _, p := range []struct {
			stmt **sql.Stmt
			sql  string
		}{{&h.user1, sqlUser}, {&h.tags1, sqlTags}} {
			st, err := db.PrepareContext(ctx, p.sql)
			if err != nil {
				h.close()
				return nil, fmt.Errorf("prepare %q: %w", p.sql, err)
			}
			*p.stmt = st
		}
	}
	return h, nil
}

func (h *rawHandler) close() {
	for _, st := range []*sql.Stmt{h.user1, h.tags1} {
		if st != nil {
			_ = st.Close()
		}
	}
}

func (h *rawHandler) queryRow(ctx context.Context, st *sql.Stmt, query string, arg any) *sql.Row {
	if st != nil {
		return st.QueryRowContext(ctx, arg)
	}
	return h.db.QueryRowContext(ctx, query, arg)
}

const (
	sqlUser = "SELECT * FROM `users` WHERE id = ? LIMIT 1"
	sqlTags = "SELECT tags.* FROM `tags` JOIN user_tags ON user_tags.tag_id = tags.id WHERE user_tags.user_id = ? ORDER BY tags.sort, tags.name"
)

// checkColumns fails when the schema no longer has the column order the
// reference scans SELECT * results in.
func checkColumns(ctx context.Context, db *sql.DB) error {
	want := map[string][]string{
		"users": {"id", "phone", "email", "password_hash", "nickname", "avatar_url", "bio", "city", "gender", "roles",
			"status", "ban_reason", "banned_until", "wechat_openid", "wechat_unionid", "created_at", "updated_at", "last_login_at"},
		"tags": {"id", "name", "category", "sort", "created_at"},
	}
	for table, cols := range want {
		rows, err := db.QueryContext(ctx, "SELECT * FROM `"+table+"` LIMIT 0")
		if err != nil {
			return err
		}
		got, err := rows.Columns()
		rows.Close()
		if err != nil {
			return err
		}
		if !slices.Equal(got, cols) {
			return fmt.Errorf("table %s has columns %v; update the reference handler (expects %v)", table, got, cols)
		}
	}
	return nil
}

func (h *rawHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != mePath {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	ctx := r.Context()
	userID, _, valid, err := h.auth.User(r)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if !valid {
		unauthorized(w)
		return
	}
	u, err := h.user(ctx, userID)
	if errors.Is(err, sql.ErrNoRows) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	tags, err := h.tags(ctx, u.id)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	out := meJSON{
		ID: u.id, PhoneBound: u.phone.Valid, WeChatBound: u.openid.Valid,
		Nickname: u.nickname, AvatarURL: u.avatar, Bio: u.bio, City: u.city, Gender: u.gender,
		Roles: splitRoles(u.roles), Tags: tags, CreatedAt: u.created.UTC(),
	}
	if u.phone.Valid {
		m := maskPhone(u.phone.String)
		out.Phone = &m
	}
	if u.email.Valid {
		m := maskEmail(u.email.String)
		out.Email = &m
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(&out)
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="zuju"`)
	w.WriteHeader(http.StatusUnauthorized)
}

// userRow holds the columns of users in table order (SELECT *).
type userRow struct {
	id, hash, nickname, avatar, bio, city, gender, roles, status, banReason string
	phone, email, openid, unionid                                           sql.NullString
	bannedUntil, lastLogin                                                  sql.NullTime
	created, updated                                                        time.Time
}

func (h *rawHandler) user(ctx context.Context, id string) (*userRow, error) {
	var u userRow
	err := h.queryRow(ctx, h.user1, sqlUser, id).Scan(&u.id, &u.phone, &u.email, &u.hash, &u.nickname, &u.avatar,
		&u.bio, &u.city, &u.gender, &u.roles, &u.status, &u.banReason, &u.bannedUntil, &u.openid, &u.unionid,
		&u.created, &u.updated, &u.lastLogin)
	if err != nil {
		return nil, err
	}
	return &u, nil
}

func (h *rawHandler) tags(ctx context.Context, userID string) ([]tagJSON, error) {
	var rows *sql.Rows
	var err error
	if h.tags1 != nil {
		rows, err = h.tags1.QueryContext(ctx, userID)
	} else {
		rows, err = h.db.QueryContext(ctx, sqlTags, userID)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []tagJSON{}
	for rows.Next() {
		var t tagJSON
		var created time.Time
		if err := rows.Scan(&t.ID, &t.Name, &t.Category, &t.Sort, &created); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func splitRoles(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func maskPhone(p string) string {
	if len(p) < 7 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + "****" + p[len(p)-4:]
}

func maskEmail(e string) string {
	at := strings.IndexByte(e, '@')
	if at <= 0 {
		return ""
	}
	return e[:1] + "***" + e[at:]
}

// meJSON has the shape of usershttp.UserDTO.
type meJSON struct {
	ID          string     `json:"id"`
	Phone       *string    `json:"phone"`
	Email       *string    `json:"email"`
	PhoneBound  bool       `json:"phone_bound"`
	WeChatBound bool       `json:"wechat_bound"`
	Nickname    string     `json:"nickname"`
	AvatarURL   string     `json:"avatar_url"`
	Bio         string     `json:"bio"`
	City        string     `json:"city"`
	Gender      string     `json:"gender"`
	Roles       []string   `json:"roles"`
	Tags        []tagJSON  `json:"tags"`
	Membership  membership `json:"membership"`
	CreatedAt   time.Time  `json:"created_at"`
}

type tagJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Category string `json:"category"`
	Sort     int    `json:"sort"`
}

type membership struct {
	Active    bool       `json:"active"`
	PlanID    *string    `json:"plan_id"`
	ExpiresAt *time.Time `json:"expires_at"`
}
