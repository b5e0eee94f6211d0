// Command posts measures two club-alliance reads through the whole app
// against a raw reference, in one process on one database (SQLite, or
// PostgreSQL with -pg, and the hot ranking in Redis with -redis):
//
//   - the square's hot list, GET /api/v1/posts?sort=hot: ours serves the
//     order from the ranking (in process) and loads the page's posts, the
//     caller's likes and favorites and the authors; raw is a plain
//     net/http handler running the database's hot query (the posts
//     store's SQL along the hot_score index) and the same batch reads,
//     writing the same JSON;
//   - the club directory, GET /api/v1/clubs?q=篮球&sort=members: ours is
//     the app; raw runs the clubs store's keyword query (FTS5 on SQLite,
//     the tsvector GIN index on PostgreSQL), the owners and the caller's
//     roles and favorites, and writes the same JSON.
//
// Both references check the bearer token like the app (benchkit.RawAuth).
// The answers are checked byte for byte at start; then the four targets
// run in alternating closed-loop rounds, and it prints req/s, p50/p99 and
// the ratios ours/raw.
//
//	go run ./bench/posts -posts 20000 -clubs 1000 -c 16 -d 3s -rounds 3
//	go run ./bench/posts -pg "$ZUJU_TEST_POSTGRES" -redis "$ZUJU_TEST_REDIS"
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/zuju/zuju/bench/internal/benchkit"
	"github.com/zuju/zuju/internal/app"
	"github.com/zuju/zuju/internal/config"
	"github.com/zuju/zuju/internal/platform/search"
	"github.com/zuju/zuju/internal/platform/sqldb"
	"github.com/zuju/zuju/internal/posts"
)

const (
	jwtSecret = "bench-secret-0123456789abcdef0123456789"
	hotPath   = "/api/v1/posts?sort=hot&limit=20"
	clubsPath = "/api/v1/clubs?q=%E7%AF%AE%E7%90%83&sort=members&limit=20" // q=篮球
	keyword   = "篮球"
)

var kinds = []string{"篮球", "羽毛球", "足球", "网球", "乒乓球", "徒步", "骑行", "跑步", "瑜伽", "读书", "桌游", "剧本杀", "摄影", "观影", "咖啡", "烘焙", "露营", "登山", "飞盘", "编程"}

type options struct {
	Posts       int           `json:"posts"`
	Clubs       int           `json:"clubs"`
	Concurrency int           `json:"concurrency"`
	Round       time.Duration `json:"round_ns"`
	Rounds      int           `json:"rounds"`
	Warmup      time.Duration `json:"warmup_ns"`
	Backend     string        `json:"backend"`
	Postgres    string        `json:"-"`
	Redis       string        `json:"-"`
	Out         string        `json:"-"`
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("posts: ")
	var o options
	flag.IntVar(&o.Posts, "posts", 20_000, "posts on the square")
	flag.IntVar(&o.Clubs, "clubs", 1000, "active clubs (one in twenty about 篮球)")
	flag.IntVar(&o.Concurrency, "c", 16, "closed-loop workers (one keep-alive connection each)")
	flag.DurationVar(&o.Round, "d", 3*time.Second, "duration of one round per target")
	flag.IntVar(&o.Rounds, "rounds", 3, "rounds per target (alternating)")
	flag.DurationVar(&o.Warmup, "warmup", time.Second, "warm-up per target")
	flag.StringVar(&o.Postgres, "pg", "", "PostgreSQL server (a private schema is created and dropped); empty means SQLite")
	flag.StringVar(&o.Redis, "redis", "", "Redis server for the hot ranking (keys under a private prefix); empty means in process")
	flag.StringVar(&o.Out, "out", "", "JSON results file (default <module>/bench/out/posts.json, posts-pg.json with -pg)")
	flag.Parse()
	if o.Posts < 100 || o.Posts > 500_000 || o.Clubs < 40 || o.Clubs > 20_000 || o.Concurrency < 1 || o.Concurrency > 256 ||
		o.Rounds < 1 || o.Rounds > 20 || o.Round <= 0 || o.Round > time.Minute || o.Warmup > time.Minute {
		log.Fatal("invalid flags: need 100 ≤ -posts ≤ 500000, 40 ≤ -clubs ≤ 20000, 1 ≤ -c ≤ 256, 1 ≤ -rounds ≤ 20, 0 < -d ≤ 1m, -warmup ≤ 1m")
	}
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

func run(o options) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, err := os.MkdirTemp("", "zuju-bench-posts-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.DataDir, cfg.HTTPAddr, cfg.JWTSecret, cfg.RateLimit = dir, "127.0.0.1:0", jwtSecret, "off"
	name := "posts"
	o.Backend = "sqlite"
	if o.Postgres != "" {
		dsn, drop, err := benchkit.Schema(ctx, o.Postgres, "bench_posts_")
		if err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		defer drop()
		cfg.DatabaseURL, o.Backend, name = dsn, "postgres", "posts-pg"
	}
	if o.Redis != "" {
		cfg.RedisURL, cfg.RedisPrefix = o.Redis, fmt.Sprintf("bench-posts-%d:", time.Now().UnixNano())
		o.Backend += "+redis"
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	sms := &benchkit.SMS{}
	a, err := app.New(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), app.Options{SMS: sms})
	if err != nil {
		return fmt.Errorf("build app: %w", err)
	}
	defer a.Close()
	ours, err := benchkit.Serve(a.Handler())
	if err != nil {
		return err
	}
	defer ours.Stop()
	pg := cfg.Postgres()
	ref := &reference{db: a.DB.SQL, pg: pg, auth: benchkit.NewRawAuth(a.DB.SQL, pg, cfg)}
	raw, err := benchkit.Serve(ref)
	if err != nil {
		return err
	}
	defer raw.Stop()

	start := time.Now()
	token, err := seed(ctx, o, a, ours.URL+"/api/v1", sms)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("%s: seeded %d posts and %d clubs in %s\n", o.Backend, o.Posts, o.Clubs, time.Since(start).Round(time.Millisecond))

	for _, path := range []string{hotPath, clubsPath} {
		a, err := get(ours.URL+path, token)
		if err != nil {
			return err
		}
		b, err := get(raw.URL+path, token)
		if err != nil {
			return err
		}
		if !bytes.Equal(a, b) {
			return fmt.Errorf("%s: the answers differ\nours: %.600s\nraw:  %.600s", path, a, b)
		}
		var page struct {
			Items []json.RawMessage `json:"items"`
		}
		_ = json.Unmarshal(a, &page)
		fmt.Printf("%s: identical answers (%d items, %d bytes)\n", path, len(page.Items), len(a))
	}

	targets := []*benchkit.Target{
		benchkit.NewTargetGzip("hot-ours", ours.URL+hotPath, token, o.Concurrency, false),
		benchkit.NewTargetGzip("hot-raw", raw.URL+hotPath, token, o.Concurrency, false),
		benchkit.NewTargetGzip("clubs-ours", ours.URL+clubsPath, token, o.Concurrency, false),
		benchkit.NewTargetGzip("clubs-raw", raw.URL+clubsPath, token, o.Concurrency, false),
	}
	for _, t := range targets {
		t.Round(o.Warmup)
	}
	var rounds []benchkit.RoundResult
	for i := range o.Rounds {
		for _, t := range targets {
			r := t.Round(o.Round)
			r.Round = i + 1
			t.Record(r)
			rounds = append(rounds, r)
			fmt.Printf("round %d %-10s %8.0f req/s  p50 %-7s p99 %-7s errors %d\n", r.Round, r.Target, r.RPS, benchkit.Ms(r.P50), benchkit.Ms(r.P99), r.Errors)
		}
	}
	sums := make([]benchkit.TargetSummary, len(targets))
	for i, t := range targets {
		sums[i] = t.Summary(o.Rounds, o.Round)
	}
	fmt.Println()
	fmt.Printf("%-10s %10s %8s %8s %10s\n", "target", "req/s", "p50", "p99", "cpu µs/req")
	for _, s := range sums {
		fmt.Printf("%-10s %10.0f %8s %8s %10.0f\n", s.Target, s.RPS, benchkit.Ms(s.P50), benchkit.Ms(s.P99), s.CPUPerReq)
	}
	ratio := func(a, b benchkit.TargetSummary) map[string]float64 {
		return map[string]float64{"rps": a.RPS / b.RPS, "p99": float64(a.P99) / float64(b.P99)}
	}
	hot, clubs := ratio(sums[0], sums[1]), ratio(sums[2], sums[3])
	fmt.Printf("\nhot list  ours/raw: req/s %.2f, p99 %.2f\n", hot["rps"], hot["p99"])
	fmt.Printf("directory ours/raw: req/s %.2f, p99 %.2f\n", clubs["rps"], clubs["p99"])
	path, err := benchkit.WriteJSON(o.Out, name, map[string]any{
		"options": o, "rounds": rounds, "summary": sums,
		"ratios":   map[string]any{"hot": hot, "directory": clubs},
		"rebuilds": a.Posts.HotRebuilds(),
	})
	if err != nil {
		return err
	}
	fmt.Println("wrote", path)
	return nil
}

func get(url, token string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %s", url, res.StatusCode, b)
	}
	return b, err
}

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

// seed creates users and clubs through the API and writes the posts, the
// caller's likes and favorites and the clubs' member counts in SQL (the
// counters and scores as the store keeps them).
func seed(ctx context.Context, o options, a *app.App, api string, sms *benchkit.SMS) (string, error) {
	c := http.DefaultClient
	if _, err := a.Users.CreateAdmin(ctx, "", "bench@zuju.local", "bench-pass-2026", "压测管理员"); err != nil {
		return "", err
	}
	var adm struct {
		AccessToken string `json:"access_token"`
	}
	if err := benchkit.Call(c, "POST", api+"/auth/login", "", map[string]string{"account": "bench@zuju.local", "password": "bench-pass-2026"}, 200, &adm); err != nil {
		return "", err
	}
	var cat struct {
		ID string `json:"id"`
	}
	if err := benchkit.Call(c, "POST", api+"/admin/club-categories", adm.AccessToken, map[string]any{"name": "兴趣"}, 201, &cat); err != nil {
		return "", err
	}
	type user struct{ id, token string }
	var people []user
	for i := range 40 {
		id, tok, err := login(c, api, sms, fmt.Sprintf("1390000%04d", i))
		if err != nil {
			return "", err
		}
		people = append(people, user{id, tok})
	}
	me := people[0]
	rng := rand.New(rand.NewPCG(1, 2))
	var clubIDs []string
	for i := range o.Clubs {
		owner := people[i%len(people)]
		kind := kinds[i%len(kinds)]
		var club struct {
			ID string `json:"id"`
		}
		body := map[string]any{"name": fmt.Sprintf("%s社%04d", kind, i), "category_id": cat.ID,
			"description": fmt.Sprintf("我们是热爱%s的同学，每周组织活动，欢迎新同学加入", kind)}
		if err := benchkit.Call(c, "POST", api+"/clubs", owner.token, body, 201, &club); err != nil {
			return "", err
		}
		if err := benchkit.Call(c, "POST", api+"/admin/clubs/"+club.ID+"/approve", adm.AccessToken, nil, 200, nil); err != nil {
			return "", err
		}
		clubIDs = append(clubIDs, club.ID)
		if err := a.DB.Gorm.WithContext(ctx).Exec("UPDATE clubs SET member_count = ? WHERE id = ?", 1+rng.IntN(300), club.ID).Error; err != nil {
			return "", err
		}
		if i%7 == 0 {
			if err := benchkit.Call(c, "PUT", api+"/clubs/"+club.ID+"/favorite", me.token, nil, 204, nil); err != nil {
				return "", err
			}
		}
	}
	now := time.Now().UTC()
	err := a.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for i := range o.Posts {
			id := uuid.Must(uuid.NewV7()).String()
			at := now.Add(-time.Duration(rng.IntN(30*24*3600)) * time.Second).Add(time.Duration(i) * time.Microsecond)
			likes, comments := rng.IntN(40), rng.IntN(10)
			kind := kinds[i%len(kinds)]
			if err := tx.Exec(`INSERT INTO posts (id, club_id, author_id, title, content, image_urls, members_only, status, review_reason,
				like_count, comment_count, pinned, featured, hot_score, created_at, updated_at)
				VALUES (?, '', ?, ?, ?, '', FALSE, 'published', '', ?, ?, ?, FALSE, ?, ?, ?)`,
				id, people[i%len(people)].id, fmt.Sprintf("周末%s约起 #%d", kind, i),
				fmt.Sprintf("<p>本周六下午两点，<strong>%s</strong>活动，新手友好，带好装备。</p>", kind),
				likes, comments, i < 2, posts.HotScore(likes, comments, at), at, at).Error; err != nil {
				return err
			}
			if i%5 == 0 {
				if err := tx.Exec(`INSERT INTO post_likes (post_id, user_id, created_at) VALUES (?, ?, ?)`, id, me.id, now).Error; err != nil {
					return err
				}
			}
			if i%9 == 0 {
				if err := tx.Exec(`INSERT INTO post_favorites (post_id, user_id, created_at) VALUES (?, ?, ?)`, id, me.id, now).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
	return me.token, err
}

// reference answers the two reads with database/sql and encoding/json.
type reference struct {
	db   *sql.DB
	pg   bool
	auth *benchkit.RawAuth
}

// query runs q with ? placeholders on either database.
func (h *reference) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return h.db.QueryContext(ctx, sqldb.Rebind(h.pg, q), args...)
}

func (h *reference) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	uid, _, ok, err := h.auth.User(r)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if !ok {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	limit := 20
	if v, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && v >= 1 && v <= 50 {
		limit = v
	}
	var body any
	switch r.URL.Path {
	case "/api/v1/posts":
		body, err = h.hot(r.Context(), uid, limit)
	case "/api/v1/clubs":
		body, err = h.clubs(r.Context(), uid, r.URL.Query().Get("q"), limit)
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
}

type personJSON struct {
	ID        string `json:"id"`
	Nickname  string `json:"nickname"`
	AvatarURL string `json:"avatar_url"`
}

type postJSON struct {
	ID           string     `json:"id"`
	ClubID       *string    `json:"club_id"`
	Author       personJSON `json:"author"`
	Title        string     `json:"title"`
	Content      string     `json:"content"`
	ImageURLs    []string   `json:"image_urls"`
	MembersOnly  bool       `json:"members_only"`
	Status       string     `json:"status"`
	ReviewReason string     `json:"review_reason,omitempty"`
	LikeCount    int        `json:"like_count"`
	CommentCount int        `json:"comment_count"`
	Liked        bool       `json:"liked"`
	Favorited    bool       `json:"favorited"`
	Pinned       bool       `json:"pinned"`
	Featured     bool       `json:"featured"`
	CreatedAt    time.Time  `json:"created_at"`
}

type pageJSON[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// in returns "(?, ?, ...)" for n values.
func in(n int) string { return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")" }

func (h *reference) ids(ctx context.Context, q string, args ...any) (map[string]bool, error) {
	rows, err := h.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

func (h *reference) people(ctx context.Context, ids []string) (map[string]personJSON, error) {
	uniq := map[string]bool{}
	var args []any
	for _, id := range ids {
		if !uniq[id] {
			uniq[id] = true
			args = append(args, id)
		}
	}
	out := map[string]personJSON{}
	if len(args) == 0 {
		return out, nil
	}
	rows, err := h.query(ctx, "SELECT id, nickname, avatar_url, phone FROM users WHERE id IN "+in(len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p personJSON
		var phone sql.NullString
		if err := rows.Scan(&p.ID, &p.Nickname, &p.AvatarURL, &phone); err != nil {
			return nil, err
		}
		out[p.ID] = p
	}
	return out, rows.Err()
}

func idArgs(first any, ids []string) []any {
	args := []any{first}
	for _, id := range ids {
		args = append(args, id)
	}
	return args
}

// hot is the database's hot list of the square (the posts store's SQL).
func (h *reference) hot(ctx context.Context, uid string, limit int) (any, error) {
	rows, err := h.query(ctx, `SELECT id, club_id, author_id, title, content, image_urls, members_only, status, review_reason,
		like_count, comment_count, pinned, featured, hot_score, created_at FROM posts
		WHERE club_id = ? AND status = ? AND members_only = ? ORDER BY pinned DESC, hot_score DESC, id LIMIT ?`, "", "published", false, limit+1)
	if err != nil {
		return nil, err
	}
	var list []postJSON
	var authors, ids []string
	var scores []float64
	for rows.Next() {
		var p postJSON
		var club, author, images string
		var score float64
		if err := rows.Scan(&p.ID, &club, &author, &p.Title, &p.Content, &images, &p.MembersOnly, &p.Status, &p.ReviewReason,
			&p.LikeCount, &p.CommentCount, &p.Pinned, &p.Featured, &score, &p.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		p.CreatedAt = p.CreatedAt.UTC()
		if club != "" {
			p.ClubID = &club
		}
		p.ImageURLs = []string{}
		if images != "" {
			p.ImageURLs = strings.Split(images, "\n")
		}
		list = append(list, p)
		authors, ids, scores = append(authors, author), append(ids, p.ID), append(scores, score)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	page := pageJSON[postJSON]{Items: []postJSON{}}
	if len(list) > limit {
		list, ids = list[:limit], ids[:limit]
		last := list[limit-1]
		pin := "0"
		if last.Pinned {
			pin = "1"
		}
		next := base64.RawURLEncoding.EncodeToString([]byte(pin + ":" + strconv.FormatFloat(scores[limit-1], 'g', -1, 64) + ":" + last.ID))
		page.NextCursor = &next
	}
	if len(ids) == 0 {
		return page, nil
	}
	liked, err := h.ids(ctx, "SELECT post_id FROM post_likes WHERE user_id = ? AND post_id IN "+in(len(ids)), idArgs(uid, ids)...)
	if err != nil {
		return nil, err
	}
	favs, err := h.ids(ctx, "SELECT post_id FROM post_favorites WHERE user_id = ? AND post_id IN "+in(len(ids)), idArgs(uid, ids)...)
	if err != nil {
		return nil, err
	}
	people, err := h.people(ctx, authors[:len(list)])
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i].Author = people[authors[i]]
		list[i].Liked, list[i].Favorited = liked[list[i].ID], favs[list[i].ID]
	}
	page.Items = list
	return page, nil
}

type clubJSON struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	CategoryID   string     `json:"category_id"`
	Description  string     `json:"description"`
	LogoURL      string     `json:"logo_url"`
	Questions    []string   `json:"questions"`
	Status       string     `json:"status"`
	ReviewReason string     `json:"review_reason,omitempty"`
	MemberCount  int        `json:"member_count"`
	Owner        personJSON `json:"owner"`
	MyRole       *string    `json:"my_role"`
	Favorited    bool       `json:"favorited"`
	CreatedAt    time.Time  `json:"created_at"`
}

// clubs is the directory by keyword, most members first (the clubs
// store's query: FTS5 on SQLite, the tsvector index on PostgreSQL).
func (h *reference) clubs(ctx context.Context, uid, q string, limit int) (any, error) {
	tokens := search.Tokens(q)
	match, expr := "rowid IN (SELECT rowid FROM clubs_fts WHERE clubs_fts MATCH ?)", strings.Join(tokens, " ")
	if h.pg {
		match = "search_vector @@ plainto_tsquery('simple', ?)"
	} else {
		quoted := make([]string, len(tokens))
		for i, t := range tokens {
			quoted[i] = `"` + t + `"`
		}
		expr = strings.Join(quoted, " ")
	}
	rows, err := h.query(ctx, `SELECT id, name, category_id, description, logo_url, questions, status, review_reason, owner_id,
		member_count, created_at FROM clubs WHERE status = ? AND `+match+`
		ORDER BY member_count DESC, id LIMIT ?`, "active", expr, limit+1)
	if err != nil {
		return nil, err
	}
	var list []clubJSON
	var owners, ids []string
	for rows.Next() {
		var c clubJSON
		var questions, owner string
		if err := rows.Scan(&c.ID, &c.Name, &c.CategoryID, &c.Description, &c.LogoURL, &questions, &c.Status, &c.ReviewReason, &owner,
			&c.MemberCount, &c.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		c.CreatedAt = c.CreatedAt.UTC()
		c.Questions = []string{}
		if questions != "" {
			c.Questions = strings.Split(questions, "\n")
		}
		list = append(list, c)
		owners, ids = append(owners, owner), append(ids, c.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	page := pageJSON[clubJSON]{Items: []clubJSON{}}
	if len(list) > limit {
		list, ids = list[:limit], ids[:limit]
		last := list[limit-1]
		next := base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(last.MemberCount) + ":" + last.ID))
		page.NextCursor = &next
	}
	if len(ids) == 0 {
		return page, nil
	}
	roles := map[string]string{}
	rrows, err := h.query(ctx, "SELECT club_id, role FROM club_members WHERE user_id = ? AND club_id IN "+in(len(ids)), idArgs(uid, ids)...)
	if err != nil {
		return nil, err
	}
	for rrows.Next() {
		var id, role string
		if err := rrows.Scan(&id, &role); err != nil {
			rrows.Close()
			return nil, err
		}
		roles[id] = role
	}
	rrows.Close()
	favs, err := h.ids(ctx, "SELECT club_id FROM club_favorites WHERE user_id = ? AND club_id IN "+in(len(ids)), idArgs(uid, ids)...)
	if err != nil {
		return nil, err
	}
	people, err := h.people(ctx, owners[:len(list)])
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i].Owner = people[owners[i]]
		if r, ok := roles[list[i].ID]; ok {
			list[i].MyRole = &r
		}
		list[i].Favorited = favs[list[i].ID]
	}
	page.Items = list
	return page, nil
}
