// Command paycallback measures WeChat Pay APIv3 payment callbacks: signed
// and AES-GCM encrypted notifications sent at a fixed rate (vegeta, open
// loop) to POST /api/v1/payments/wechat/notify of the whole app, with 10%
// duplicates (exact resends of a callback sent earlier, as WeChat Pay's
// retries are; some right behind the first, some later) and 5% forgeries
// (one byte changed, signed by another key, stale timestamp, unknown key
// serial, wrong APIv3 key, WECHATPAY/SIGNTEST probe, wrong amount, wrong
// currency, wrong mchid, wrong appid; each for an order that gets no
// valid callback). It prints the rate reached, p50/p99/max latency and the
// answers by class, waits for fulfilment (outbox relay → event consumer →
// sign-up confirmed) and checks the database: 0 forged accepted (every
// forgery answered ≥ 400, its order still pending, no order_paid event for
// it) and exact transitions (orders paid = payments.order_paid events =
// orders fulfilled = sign-ups confirmed = payment_notifications rows =
// distinct valid callbacks). It exits 1 when a check fails.
//
// Everything runs in this one process on 127.0.0.1: the app (app.New and
// App.Serve, so its background workers run), a wechatpaytest fake as
// WeChat Pay (its keys written as PEM files, as a deployment holds them),
// and the load generator. The pending orders are seeded through the real
// API before the attack: users sign in by SMS, get a WeChat openid, sign
// up for paid activities (one order per sign-up), ask for the JSAPI prepay
// (POST /orders/{no}/pay) and the fake marks the order paid. The callbacks
// are built (signed, encrypted) just before each attack, so signing is not
// in the loop; WeChat Pay's SDK refuses timestamps older than 5 minutes,
// hence -d is at most 2 minutes.
//
// In the same run, alternating rounds with the app, it measures a
// reference: a raw net/http handler on its own listener that verifies the
// callback with the same SDK notify handler (wechatpay.Client
// ParseNotification, the same fake keys) and applies it with one
// conditional UPDATE … WHERE order_no = ? AND status = 'pending' on a plain
// table of its own (a separate SQLite file, or a table in the same
// PostgreSQL schema), answering 204/400/401; it gets its own orders and an
// equivalent mix of pre-built callbacks. The ratios printed are
// ours/reference for the rate answered and for p99. At a fixed rate both
// should keep up, so p99 is the figure to read; -max sends as fast as
// -workers workers can (vegeta rate 0) to compare throughput.
//
// Usage, from the repository root:
//
//	go run ./bench/paycallback                       # SQLite, 200/s for 10 s
//	go run ./bench/paycallback -rate 500 -d 20s -rounds 2
//	go run ./bench/paycallback -max -workers 32 -requests 4000
//	eval "$(scripts/services.sh)"
//	go run ./bench/paycallback -postgres "$ZUJU_TEST_POSTGRES" -redis "$ZUJU_TEST_REDIS" -amqp "$ZUJU_TEST_AMQP"
//
// With -postgres a private schema is created and dropped. Results go to
// bench/out/paycallback.json (-out to change). A round sends rate × d
// callbacks (-requests in -max mode); 90% of them need an order of their
// own, so seeding takes a while at high counts (progress is printed).
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/zuju/zuju/bench/internal/benchkit"
	"github.com/zuju/zuju/internal/app"
	"github.com/zuju/zuju/internal/config"
	"github.com/zuju/zuju/internal/payments"
	"github.com/zuju/zuju/internal/payments/wechatpay"
	"github.com/zuju/zuju/internal/payments/wechatpay/wechatpaytest"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

const (
	jwtSecret  = "bench-secret-0123456789abcdef0123456789"
	notifyPath = "/api/v1/payments/wechat/notify"
	priceFen   = 2000
	// perUser is how many paid activities each seeded user signs up for
	// (one order each): fewer accounts to create.
	perUser = 10
	// The mix: the rest are first-time valid callbacks.
	dupPercent    = 10
	forgedPercent = 5
)

type options struct {
	Rate     int           `json:"rate"`
	Duration time.Duration `json:"duration_ns"`
	Max      bool          `json:"max"`
	Workers  int           `json:"workers"`
	Requests int           `json:"requests_per_round"`
	Rounds   int           `json:"rounds"`
	// CPUProfile is where the app's attack is profiled (empty: not).
	CPUProfile string        `json:"-"`
	Settle     time.Duration `json:"settle_timeout_ns"`
	Seed       uint64        `json:"seed"`
	Backend    string        `json:"backend"`
	Postgres   string        `json:"-"`
	Redis      string        `json:"-"`
	AMQP       string        `json:"-"`
	Out        string        `json:"-"`
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("paycallback: ")
	var o options
	flag.IntVar(&o.Rate, "rate", 200, "callbacks per second (fixed rate, open loop)")
	flag.DurationVar(&o.Duration, "d", 10*time.Second, "duration of one attack per target (at most 2m: callbacks are signed before it)")
	flag.BoolVar(&o.Max, "max", false, "send as fast as -workers workers can (vegeta rate 0) instead of at -rate")
	flag.IntVar(&o.Workers, "workers", 32, "vegeta workers in -max mode")
	flag.IntVar(&o.Requests, "requests", 3000, "callbacks per round in -max mode (the attack also ends after -d)")
	flag.IntVar(&o.Rounds, "rounds", 1, "rounds per target, alternating ours, reference (each round needs fresh orders)")
	flag.DurationVar(&o.Settle, "settle", time.Minute, "how long fulfilment may take after an attack")
	flag.Uint64Var(&o.Seed, "seed", 1, "seed of the request mix")
	flag.StringVar(&o.Postgres, "postgres", "", "PostgreSQL server (a private schema is created and dropped); empty: SQLite in a temporary folder")
	flag.StringVar(&o.Redis, "redis", "", "optional Redis URL for the app's cache and rate limits (with -postgres)")
	flag.StringVar(&o.AMQP, "amqp", "", "optional RabbitMQ URL for the app's events (with -postgres)")
	flag.StringVar(&o.Out, "out", "", "JSON results file (default <module>/bench/out/paycallback.json)")
	flag.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the app's attacks (the last one with -rounds > 1) to this file")
	flag.Parse()
	o.Backend = "sqlite"
	if o.Postgres != "" {
		o.Backend = "postgres"
		if o.Redis != "" {
			o.Backend += "+redis"
		}
		if o.AMQP != "" {
			o.Backend += "+amqp"
		}
	} else if o.Redis != "" || o.AMQP != "" {
		log.Fatal("-redis and -amqp need -postgres (the single binary keeps everything in process)")
	}
	if !o.Max {
		o.Requests = int(float64(o.Rate) * o.Duration.Seconds())
	}
	switch {
	case o.Duration <= 0 || o.Duration > 2*time.Minute:
		log.Fatal("invalid flags: need 0 < -d ≤ 2m")
	case !o.Max && (o.Rate < 1 || o.Rate > 5000):
		log.Fatal("invalid flags: need 1 ≤ -rate ≤ 5000")
	case o.Max && (o.Workers < 1 || o.Workers > 512):
		log.Fatal("invalid flags: need 1 ≤ -workers ≤ 512")
	case o.Requests < 40 || o.Requests > 30000:
		log.Fatal("invalid flags: a round must send between 40 and 30000 callbacks (rate × d, or -requests with -max)")
	case o.Rounds < 1 || o.Rounds > 5 || o.Rounds*o.Requests > 60000:
		log.Fatal("invalid flags: need 1 ≤ -rounds ≤ 5 and rounds × callbacks ≤ 60000")
	case o.Settle <= 0 || o.Settle > 10*time.Minute:
		log.Fatal("invalid flags: need 0 < -settle ≤ 10m")
	}
	ok, err := run(o)
	if err != nil {
		log.Fatal(err)
	}
	if !ok {
		os.Exit(1)
	}
}

// kind is the class of a callback in the mix.
type kind int

const (
	kindValid  kind = iota // the first callback of a paid order
	kindDup                // an exact resend of a valid callback sent before
	kindForged             // must be refused and change nothing
)

var kindNames = []string{"valid", "duplicate", "forged"}

func (k kind) String() string { return kindNames[k] }

// slot is one request of a round's plan; the plan is shared by both
// targets, each filling it with its own orders.
type slot struct {
	Kind    kind
	Order   int // index into the round's valid orders (valid, dup) or forged orders
	Forgery int // forged: index into forgeries
	Gap     int // dup: requests between it and its first copy (at build time)
}

// maker builds a callback for an order as wechatpaytest does.
type maker func(no string, o wechatpaytest.CallbackOptions, edit func(map[string]any)) wechatpaytest.Callback

type forgery struct {
	name  string
	build func(mk maker, no string) wechatpaytest.Callback
}

func forgeries(otherKey *rsa.PrivateKey) []forgery {
	set := func(k string, v any) func(map[string]any) { return func(m map[string]any) { m[k] = v } }
	opt := func(o wechatpaytest.CallbackOptions) func(maker, string) wechatpaytest.Callback {
		return func(mk maker, no string) wechatpaytest.Callback { return mk(no, o, nil) }
	}
	edit := func(e func(map[string]any)) func(maker, string) wechatpaytest.Callback {
		return func(mk maker, no string) wechatpaytest.Callback { return mk(no, wechatpaytest.CallbackOptions{}, e) }
	}
	return []forgery{
		{"one byte changed", func(mk maker, no string) wechatpaytest.Callback {
			return mk(no, wechatpaytest.CallbackOptions{}, nil).Tampered()
		}},
		{"signed by another key", opt(wechatpaytest.CallbackOptions{SignWith: otherKey})},
		{"stale timestamp", opt(wechatpaytest.CallbackOptions{Timestamp: time.Now().Add(-10 * time.Minute)})},
		{"unknown serial", opt(wechatpaytest.CallbackOptions{Serial: "PUB_KEY_ID_0000000000000000000000000000000000"})},
		{"wrong APIv3 key", opt(wechatpaytest.CallbackOptions{APIv3Key: "another32byteAPIv3key0123456789a"})},
		{"signature probe", opt(wechatpaytest.CallbackOptions{Signature: "WECHATPAY/SIGNTEST/" + base64.StdEncoding.EncodeToString([]byte("x"))})},
		{"wrong amount", edit(set("amount", map[string]any{"total": 1, "payer_total": 1, "currency": "CNY", "payer_currency": "CNY"}))},
		{"wrong currency", edit(set("amount", map[string]any{"total": priceFen, "payer_total": priceFen, "currency": "USD", "payer_currency": "USD"}))},
		{"wrong mchid", edit(set("mchid", "1900000002"))},
		{"wrong appid", edit(set("appid", "wx0000000000000000"))},
	}
}

// mix splits n requests: first-time valid, duplicates, forged.
func mix(n int) (valid, dup, forged int) {
	dup, forged = n*dupPercent/100, n*forgedPercent/100
	return n - dup - forged, dup, forged
}

// plan lays out a round: the valid and forged callbacks in random order,
// then each duplicate behind a random valid one — 40% right behind it
// (as good as concurrent), 30% within 20 requests, 30% up to half a round
// later. A valid callback may get several duplicates.
func plan(n int, rng *mrand.Rand, nForgeries int) []slot {
	nValid, nDup, nForged := mix(n)
	type placed struct {
		slot
		pos float64
	}
	base := make([]placed, 0, n)
	for i := range nValid {
		base = append(base, placed{slot: slot{Kind: kindValid, Order: i}})
	}
	for i := range nForged {
		base = append(base, placed{slot: slot{Kind: kindForged, Order: i, Forgery: i % nForgeries}})
	}
	rng.Shuffle(len(base), func(i, j int) { base[i], base[j] = base[j], base[i] })
	posOf := make([]int, nValid) // valid order → position in base
	for i := range base {
		base[i].pos = float64(i)
		if base[i].Kind == kindValid {
			posOf[base[i].Order] = i
		}
	}
	all := base
	for d := range nDup {
		src := rng.IntN(nValid)
		var gap int
		switch r := rng.IntN(10); {
		case r < 4:
			gap = 0
		case r < 7:
			gap = 1 + rng.IntN(20)
		default:
			gap = 21 + rng.IntN(max(1, len(base)/2))
		}
		pos := min(float64(posOf[src]+gap), float64(len(base)-1)) + 0.5 + float64(d)/float64(4*nDup)
		all = append(all, placed{slot: slot{Kind: kindDup, Order: src, Gap: gap}, pos: pos})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].pos < all[j].pos })
	out := make([]slot, len(all))
	for i, p := range all {
		out[i] = p.slot
	}
	return out
}

// item is one pre-built request.
type item struct {
	slot
	OrderNo string
	Forgery string
	CB      wechatpaytest.Callback
}

// build signs and encrypts a round's callbacks for one target.
func build(p []slot, valid, forged []string, mk maker, fs []forgery) []item {
	first := make(map[int]wechatpaytest.Callback, len(valid))
	for _, s := range p {
		if s.Kind == kindValid {
			first[s.Order] = mk(valid[s.Order], wechatpaytest.CallbackOptions{}, nil)
		}
	}
	items := make([]item, len(p))
	for i, s := range p {
		it := item{slot: s}
		switch s.Kind {
		case kindValid, kindDup:
			it.OrderNo, it.CB = valid[s.Order], first[s.Order]
		case kindForged:
			it.OrderNo, it.Forgery = forged[s.Order], fs[s.Forgery].name
			it.CB = fs[s.Forgery].build(mk, forged[s.Order])
		}
		items[i] = it
	}
	return items
}

type bench struct {
	o      options
	a      *app.App
	fake   *wechatpaytest.Server
	ours   string // base URL of the app
	ref    *benchkit.Server
	refDB  *sqldb.DB
	client *http.Client
	admin  string
	logs   *benchkit.LogCounter
	fs     []forgery

	// Orders per round, seeded before the rounds.
	oursValid, oursForged [][]string
	refValid, refForged   [][]string

	// Cumulative expectations of the app's database.
	wantPaid     map[string]bool
	forgedOrders []string
	refWantPaid  map[string]bool
	refForgedAll []string
}

func run(o options) (bool, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, err := os.MkdirTemp("", "zuju-bench-pay-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)

	fake := wechatpaytest.NewServer()
	defer fake.Close()
	mk, pk, err := fake.WriteKeys(dir)
	if err != nil {
		return false, err
	}
	cfg := config.Default()
	cfg.DataDir, cfg.HTTPAddr, cfg.JWTSecret, cfg.RateLimit = dir, "127.0.0.1:0", jwtSecret, "off"
	cfg.ShutdownGrace = 5 * time.Second
	// The holds must outlast seeding and every round (a released hold
	// closes its order); 2 h is the longest the config takes.
	cfg.Activity.PaymentHold = 2 * time.Hour
	cfg.WeChatPay = config.WeChatPay{MchID: wechatpaytest.MchID, AppID: wechatpaytest.AppID, MerchantSerial: wechatpaytest.MerchantSerial,
		MerchantKeyFile: mk, PublicKeyID: wechatpaytest.PublicKeyID, PublicKeyFile: pk, APIv3Key: wechatpaytest.APIv3Key,
		BaseURL: fake.HTTP.URL, NotifyURL: "https://zuju.example.com" + notifyPath}
	if o.Postgres != "" {
		dsn, drop, err := benchkit.Schema(ctx, o.Postgres, "bench_pc_")
		if err != nil {
			return false, fmt.Errorf("postgres: %w", err)
		}
		defer drop()
		cfg.DatabaseURL, cfg.RedisURL, cfg.AMQPURL = dsn, o.Redis, o.AMQP
		u, _ := url.Parse(dsn)
		cfg.RedisPrefix = "zb:" + u.Query().Get("search_path") + ":"
		cfg.AMQPPrefix = cfg.RedisPrefix
	}
	if err := cfg.Validate(); err != nil {
		return false, err
	}
	logs := &benchkit.LogCounter{}
	sms := &benchkit.SMS{}
	a, err := app.New(ctx, cfg, slog.New(logs), app.Options{SMS: sms})
	if err != nil {
		return false, fmt.Errorf("build app: %w", err)
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return false, err
	}
	sctx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.Serve(sctx, ln) }()
	defer func() {
		stop()
		if err := <-served; err != nil {
			log.Printf("serve: %v", err)
		}
	}()

	b := &bench{o: o, a: a, fake: fake, ours: "http://" + ln.Addr().String(), logs: logs,
		wantPaid: map[string]bool{}, refWantPaid: map[string]bool{},
		client: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}}}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return false, err
	}
	b.fs = forgeries(otherKey)

	// The reference: its own database handle and table, the same SDK check.
	if a.DB.Dialect == sqldb.Postgres {
		b.refDB, err = sqldb.OpenPostgres(ctx, cfg.DatabaseURL, sqldb.Options{})
	} else {
		b.refDB, err = sqldb.OpenSQLite(ctx, filepath.Join(dir, "reference.db"), sqldb.Options{})
	}
	if err != nil {
		return false, fmt.Errorf("reference database: %w", err)
	}
	defer b.refDB.Close()
	wx, err := wechatpay.New(ctx, fake.Config("https://zuju.example.com"+notifyPath, "https://zuju.example.com"+notifyPath))
	if err != nil {
		return false, err
	}
	if b.ref, err = benchkit.Serve(&reference{db: b.refDB, wx: wx, pg: b.refDB.Dialect == sqldb.Postgres}); err != nil {
		return false, err
	}
	defer b.ref.Stop()

	nValid, _, nForged := mix(o.Requests)
	perRound := nValid + nForged
	mode := fmt.Sprintf("%d/s for %s", o.Rate, o.Duration)
	if o.Max {
		mode = fmt.Sprintf("as fast as %d workers can (≤ %s)", o.Workers, o.Duration)
	}
	fmt.Printf("paycallback: %d callbacks per round (%d%% valid, %d%% duplicates, %d%% forged) %s, %d round(s) per target; %s; GOMAXPROCS=%d %s\n",
		o.Requests, 100-dupPercent-forgedPercent, dupPercent, forgedPercent, mode, o.Rounds, o.Backend, runtime.GOMAXPROCS(0), runtime.Version())
	t0 := time.Now()
	orders, err := b.seed(ctx, sms, o.Rounds*perRound)
	if err != nil {
		return false, fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("seeded %d pending orders through the API in %s (%.0f orders/s)\n", len(orders), time.Since(t0).Round(100*time.Millisecond),
		float64(len(orders))/time.Since(t0).Seconds())
	refOrders, err := b.seedReference(ctx, o.Rounds*perRound)
	if err != nil {
		return false, fmt.Errorf("seed reference: %w", err)
	}
	for r := range o.Rounds {
		ours, ref := orders[r*perRound:(r+1)*perRound], refOrders[r*perRound:(r+1)*perRound]
		b.oursValid, b.oursForged = append(b.oursValid, ours[:nValid]), append(b.oursForged, ours[nValid:])
		b.refValid, b.refForged = append(b.refValid, ref[:nValid]), append(b.refForged, ref[nValid:])
	}

	rng := mrand.New(mrand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	var rounds []*roundResult
	all := true
	for r := range o.Rounds {
		p := plan(o.Requests, rng, len(b.fs))
		for _, t := range []string{"ours", "ref"} {
			runtime.GC()
			res, err := b.round(ctx, t, r+1, p)
			if err != nil {
				return false, err
			}
			rounds = append(rounds, res)
			all = all && res.OK
			res.print()
		}
	}
	return b.summarize(rounds, all, len(orders), time.Since(t0))
}

// seed makes n pending WeChat Pay orders through the API: SMS sign-ins,
// an openid for each account, sign-ups for paid activities, the JSAPI
// prepay; the fake then marks each order paid on its side.
func (b *bench) seed(ctx context.Context, sms *benchkit.SMS, n int) ([]string, error) {
	api := b.ours + "/api/v1"
	if _, err := b.a.Users.CreateAdmin(ctx, "", "bench@zuju.local", "bench-pass-2026", "压测管理员"); err != nil {
		return nil, err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := benchkit.Call(b.client, "POST", api+"/auth/login", "", map[string]string{"account": "bench@zuju.local", "password": "bench-pass-2026"}, 200, &tok); err != nil {
		return nil, err
	}
	b.admin = tok.AccessToken
	var typ struct {
		ID string `json:"id"`
	}
	if err := benchkit.Call(b.client, "POST", api+"/admin/activity-types", b.admin, map[string]any{"name": "支付回调压测"}, 201, &typ); err != nil {
		return nil, err
	}
	acts := min(perUser, n)
	users := (n + acts - 1) / acts
	activityIDs := make([]string, acts)
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	for i := range acts {
		body := map[string]any{"title": fmt.Sprintf("付费活动 %d", i+1), "type_id": typ.ID, "city": "上海", "address": "压测场馆",
			"lat": 31.2, "lng": 121.4, "start_at": start, "end_at": start.Add(2 * time.Hour), "signup_deadline": start.Add(-time.Hour),
			"min_participants": 1, "max_participants": users, "price_fen": priceFen, "description": "payment callbacks"}
		var act struct {
			ID string `json:"id"`
		}
		if err := benchkit.Call(b.client, "POST", api+"/activities", b.admin, body, 201, &act); err != nil {
			return nil, err
		}
		if err := benchkit.Call(b.client, "POST", api+"/activities/"+act.ID+"/publish", b.admin, nil, 200, nil); err != nil {
			return nil, err
		}
		activityIDs[i] = act.ID
	}

	tokens := make([]string, users)
	err := parallel(users, 8, "accounts", func(i int) error {
		phone := fmt.Sprintf("137%08d", i)
		if err := benchkit.Call(b.client, "POST", api+"/auth/sms-codes", "", map[string]string{"phone": phone, "purpose": "login"}, 202, nil); err != nil {
			return err
		}
		var t struct {
			AccessToken string `json:"access_token"`
			User        struct {
				ID string `json:"id"`
			} `json:"user"`
		}
		if err := benchkit.Call(b.client, "POST", api+"/auth/sms-login", "", map[string]string{"phone": phone, "code": sms.Code("login", phone)}, 200, &t); err != nil {
			return err
		}
		// The openid a WeChat sign-in would have bound (as the app tests do).
		if _, err := b.a.DB.SQL.ExecContext(ctx, sqldb.Rebind(b.pg(), "UPDATE users SET wechat_openid = ? WHERE id = ?"),
			fmt.Sprintf("oBench%026d", i), t.User.ID); err != nil {
			return err
		}
		tokens[i] = t.AccessToken
		return nil
	})
	if err != nil {
		return nil, err
	}

	orders := make([]string, n)
	err = parallel(n, 8, "orders", func(i int) error {
		tok, id := tokens[i/acts], activityIDs[i%acts]
		var s struct {
			Signup struct {
				Status string `json:"status"`
			} `json:"signup"`
			Order *struct {
				No string `json:"order_no"`
			} `json:"order"`
		}
		if err := benchkit.Call(b.client, "POST", api+"/activities/"+id+"/signups", tok, nil, 201, &s); err != nil {
			return err
		}
		if s.Order == nil || s.Signup.Status != "pending_payment" {
			return fmt.Errorf("sign-up %d: status %q, no order", i, s.Signup.Status)
		}
		if err := benchkit.Call(b.client, "POST", api+"/orders/"+s.Order.No+"/pay", tok, map[string]string{"channel": "wechat"}, 200, nil); err != nil {
			return err
		}
		if b.fake.Pay(s.Order.No) == "" {
			return fmt.Errorf("the fake does not know order %s", s.Order.No)
		}
		orders[i] = s.Order.No
		return nil
	})
	return orders, err
}

// parallel runs fn(0..n-1) on w goroutines, printing progress; the first
// error stops it.
func parallel(n, w int, what string, fn func(i int) error) error {
	var next, done atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	step := int64(max(1, n/10))
	for range w {
		wg.Go(func() {
			for failed.Load() == nil {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				if err := fn(int(i)); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				if d := done.Add(1); d%step == 0 && n >= 100 {
					fmt.Printf("  %s: %d/%d\n", what, d, n)
				}
			}
		})
	}
	wg.Wait()
	if e := failed.Load(); e != nil {
		return *e
	}
	return nil
}

func (b *bench) pg() bool { return b.a.DB.Dialect == sqldb.Postgres }

// seedReference creates the reference's orders table with n pending orders.
func (b *bench) seedReference(ctx context.Context, n int) ([]string, error) {
	ts := "TIMESTAMP"
	if b.refDB.Dialect == sqldb.Postgres {
		ts = "TIMESTAMPTZ"
	}
	db := b.refDB.SQL
	for _, q := range []string{
		`CREATE TABLE bench_ref_orders (order_no TEXT PRIMARY KEY, amount_fen BIGINT NOT NULL, status TEXT NOT NULL,
			trade_no TEXT NOT NULL DEFAULT '', paid_at ` + ts + `, updated_at ` + ts + ` NOT NULL)`,
		`CREATE UNIQUE INDEX bench_ref_orders_trade ON bench_ref_orders (trade_no) WHERE trade_no <> ''`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("reference table: %w", err)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	ins := sqldb.Rebind(b.refDB.Dialect == sqldb.Postgres, `INSERT INTO bench_ref_orders (order_no, amount_fen, status, updated_at) VALUES (?, ?, 'pending', ?)`)
	now := time.Now().UTC()
	nos := make([]string, n)
	for i := range n {
		nos[i] = fmt.Sprintf("ZJREF%012d", i)
		if _, err := tx.ExecContext(ctx, ins, nos[i], priceFen, now); err != nil {
			return nil, err
		}
	}
	return nos, tx.Commit()
}

// refMaker builds callbacks for the reference's orders, which the fake
// does not know: the transaction gets the order's amount and its own
// transaction id before the forgery's edit.
func (b *bench) refMaker(no string, o wechatpaytest.CallbackOptions, edit func(map[string]any)) wechatpaytest.Callback {
	return b.fake.PaymentCallback(no, o, func(m map[string]any) {
		m["transaction_id"] = "4201" + strings.TrimPrefix(no, "ZJREF")
		m["amount"] = map[string]any{"total": priceFen, "payer_total": priceFen, "currency": "CNY", "payer_currency": "CNY"}
		if edit != nil {
			edit(m)
		}
	})
}

// classStats is what one class of callbacks got.
type classStats struct {
	Sent  int            `json:"sent"`
	Codes map[string]int `json:"codes"`
	P50   time.Duration  `json:"p50_ns"`
	P99   time.Duration  `json:"p99_ns"`
	lat   []time.Duration
}

type check struct {
	Name string `json:"name"`
	Want int    `json:"want"`
	Got  int    `json:"got"`
	OK   bool   `json:"ok"`
}

type roundResult struct {
	Target string `json:"target"`
	Round  int    `json:"round"`
	// Sent counts requests made; Answered those with an HTTP answer.
	Sent      int                       `json:"sent"`
	Answered  int                       `json:"answered"`
	Errors    int                       `json:"transport_errors"`
	Elapsed   time.Duration             `json:"elapsed_ns"` // attack plus the wait for the last answers
	Rate      float64                   `json:"sent_per_s"`
	RPS       float64                   `json:"answered_per_s"`
	P50       time.Duration             `json:"p50_ns"`
	P90       time.Duration             `json:"p90_ns"`
	P99       time.Duration             `json:"p99_ns"`
	Max       time.Duration             `json:"max_ns"`
	Classes   map[string]*classStats    `json:"classes"`
	Forgery   map[string]map[string]int `json:"forged_codes"`
	Settle    time.Duration             `json:"settle_ns,omitempty"`
	Checks    []check                   `json:"checks"`
	OK        bool                      `json:"ok"`
	latencies []time.Duration
}

func (r *roundResult) print() {
	c := r.Classes
	mark := "ok"
	var bad []string
	for _, ch := range r.Checks {
		if !ch.OK {
			bad = append(bad, fmt.Sprintf("%s: got %d want %d", ch.Name, ch.Got, ch.Want))
		}
	}
	if len(bad) > 0 {
		mark = "WRONG (" + strings.Join(bad, "; ") + ")"
	}
	settle := ""
	if r.Target == "ours" {
		settle = "  fulfilled in " + r.Settle.Round(10*time.Millisecond).String()
	}
	fmt.Printf("round %d %-4s sent %6.1f/s answered %6.1f/s  p50 %7s p99 %7s max %7s  valid %s dup %s forged %s  err %d%s  %s\n",
		r.Round, r.Target, r.Rate, r.RPS, benchkit.Ms(r.P50), benchkit.Ms(r.P99), benchkit.Ms(r.Max),
		codes(c["valid"].Codes), codes(c["duplicate"].Codes), codes(c["forged"].Codes), r.Errors, settle, mark)
}

func codes(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s×%d", k, m[k]))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// round builds one target's callbacks for plan p, sends them and checks
// the outcome.
func (b *bench) round(ctx context.Context, target string, n int, p []slot) (*roundResult, error) {
	var items []item
	var base string
	if target == "ours" {
		items = build(p, b.oursValid[n-1], b.oursForged[n-1], b.fake.PaymentCallback, b.fs)
		base = b.ours + notifyPath
	} else {
		items = build(p, b.refValid[n-1], b.refForged[n-1], b.refMaker, b.fs)
		base = b.ref.URL + notifyPath
	}
	if target == "ours" && b.o.CPUProfile != "" {
		f, err := os.Create(b.o.CPUProfile)
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer f.Close()
	}
	results := b.attack(base, items, target)
	if target == "ours" && b.o.CPUProfile != "" {
		pprof.StopCPUProfile()
	}
	r := evaluate(target, n, items, results)
	if target == "ours" {
		for _, it := range items {
			if it.Kind == kindForged {
				b.forgedOrders = append(b.forgedOrders, it.OrderNo)
			}
		}
		for i := range results {
			if it, ok := results[i].item(items); ok && it.Kind != kindForged {
				b.wantPaid[it.OrderNo] = true
			}
		}
		if err := b.checkOurs(ctx, r); err != nil {
			return nil, err
		}
	} else {
		for _, it := range items {
			if it.Kind == kindForged {
				b.refForgedAll = append(b.refForgedAll, it.OrderNo)
			}
		}
		for i := range results {
			if it, ok := results[i].item(items); ok && it.Kind != kindForged {
				b.refWantPaid[it.OrderNo] = true
			}
		}
		if err := b.checkReference(ctx, r); err != nil {
			return nil, err
		}
	}
	r.OK = true
	for _, c := range r.Checks {
		r.OK = r.OK && c.OK
	}
	return r, nil
}

// sent is a vegeta result with the index of its pre-built request.
type sent struct {
	*vegeta.Result
	index int
}

func (s sent) item(items []item) (item, bool) {
	if s.index < 0 || s.index >= len(items) {
		return item{}, false
	}
	return items[s.index], true
}

// attack sends items in order (each request carries its index in the
// query string, which both servers ignore).
func (b *bench) attack(base string, items []item, name string) []sent {
	var next atomic.Int64
	tr := func(t *vegeta.Target) error {
		i := next.Add(1) - 1
		if i >= int64(len(items)) {
			return vegeta.ErrNoTargets
		}
		it := items[i]
		t.Method, t.URL, t.Body, t.Header = http.MethodPost, base+"?i="+strconv.FormatInt(i, 10), it.CB.Body, it.CB.Header
		return nil
	}
	opts := []func(*vegeta.Attacker){vegeta.Timeout(10 * time.Second), vegeta.KeepAlive(true), vegeta.MaxBody(4 << 10)}
	pace := vegeta.Rate{Freq: b.o.Rate, Per: time.Second}
	if b.o.Max {
		opts = append(opts, vegeta.Workers(uint64(b.o.Workers)), vegeta.MaxWorkers(uint64(b.o.Workers)))
		pace = vegeta.Rate{Freq: 0}
	}
	at := vegeta.NewAttacker(opts...)
	out := make([]sent, 0, len(items))
	for res := range at.Attack(vegeta.Targeter(tr), pace, b.o.Duration, name) {
		if res.URL == "" && res.Error == vegeta.ErrNoTargets.Error() {
			continue
		}
		s := sent{Result: res, index: -1}
		if u, err := url.Parse(res.URL); err == nil {
			if i, err := strconv.Atoi(u.Query().Get("i")); err == nil {
				s.index = i
			}
		}
		out = append(out, s)
	}
	return out
}

func evaluate(target string, n int, items []item, results []sent) *roundResult {
	r := &roundResult{Target: target, Round: n, Classes: map[string]*classStats{}, Forgery: map[string]map[string]int{}}
	for _, k := range kindNames {
		r.Classes[k] = &classStats{Codes: map[string]int{}}
	}
	var first, last time.Time
	for _, s := range results {
		r.Sent++
		if first.IsZero() || s.Timestamp.Before(first) {
			first = s.Timestamp
		}
		if s.End().After(last) {
			last = s.End()
		}
		code := "error"
		if s.Code != 0 {
			r.Answered++
			code = strconv.Itoa(int(s.Code))
			r.latencies = append(r.latencies, s.Latency)
		} else {
			r.Errors++
		}
		it, ok := s.item(items)
		if !ok {
			continue
		}
		c := r.Classes[it.Kind.String()]
		c.Sent++
		c.Codes[code]++
		if s.Code != 0 {
			c.lat = append(c.lat, s.Latency)
		}
		if it.Kind == kindForged {
			if r.Forgery[it.Forgery] == nil {
				r.Forgery[it.Forgery] = map[string]int{}
			}
			r.Forgery[it.Forgery][code]++
		}
	}
	r.Elapsed = last.Sub(first)
	if r.Elapsed > 0 {
		r.RPS = float64(r.Answered) / r.Elapsed.Seconds()
	}
	// The sending rate: requests over the span between the first and the
	// last request sent.
	var lastSent time.Time
	for _, s := range results {
		if s.Timestamp.After(lastSent) {
			lastSent = s.Timestamp
		}
	}
	if span := lastSent.Sub(first); span > 0 && r.Sent > 1 {
		r.Rate = float64(r.Sent-1) / span.Seconds()
	}
	lat := benchkit.Sorted(r.latencies)
	r.latencies = lat
	r.P50, r.P90, r.P99 = benchkit.Percentile(lat, 0.50), benchkit.Percentile(lat, 0.90), benchkit.Percentile(lat, 0.99)
	if len(lat) > 0 {
		r.Max = lat[len(lat)-1]
	}
	for _, c := range r.Classes {
		l := benchkit.Sorted(c.lat)
		c.P50, c.P99 = benchkit.Percentile(l, 0.50), benchkit.Percentile(l, 0.99)
	}
	// The answers.
	v, d, f := r.Classes["valid"], r.Classes["duplicate"], r.Classes["forged"]
	refused := 0
	for code, k := range f.Codes {
		if c, err := strconv.Atoi(code); err == nil && c >= 400 && c < 500 {
			refused += k
		}
	}
	r.Checks = append(r.Checks,
		check{Name: "every request answered", Want: r.Sent, Got: r.Answered},
		check{Name: "valid callbacks answered 204", Want: v.Sent, Got: v.Codes["204"]},
		check{Name: "duplicates answered 204", Want: d.Sent, Got: d.Codes["204"]},
		check{Name: "forged callbacks answered 4xx", Want: f.Sent, Got: refused},
	)
	for i := range r.Checks {
		r.Checks[i].OK = r.Checks[i].Want == r.Checks[i].Got
	}
	return r
}

// checkOurs waits for fulfilment, then checks the app's database against
// every round so far.
func (b *bench) checkOurs(ctx context.Context, r *roundResult) error {
	db, pg := b.a.DB.SQL, b.pg()
	want := len(b.wantPaid)
	count := func(q string, args ...any) (int, error) {
		var n int
		err := db.QueryRowContext(ctx, sqldb.Rebind(pg, q), args...).Scan(&n)
		return n, err
	}
	t0 := time.Now()
	deadline := t0.Add(b.o.Settle)
	for {
		n, err := count(`SELECT COUNT(*) FROM orders WHERE fulfilled_at IS NOT NULL`)
		if err != nil {
			return err
		}
		if n >= want || time.Now().After(deadline) {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	r.Settle = time.Since(t0)
	// Late stragglers (more transitions than expected) would show now.
	time.Sleep(200 * time.Millisecond)

	status := map[string]string{}
	rows, err := db.QueryContext(ctx, `SELECT order_no, status FROM orders`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var no, st string
		if err := rows.Scan(&no, &st); err != nil {
			rows.Close()
			return err
		}
		status[no] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	paid, paidRight := 0, 0
	for no, st := range status {
		if st == string(payments.StatusPaid) {
			paid++
			if b.wantPaid[no] {
				paidRight++
			}
		}
	}
	forgedPending := 0
	forged := map[string]bool{}
	for _, no := range b.forgedOrders {
		forged[no] = true
		if status[no] == string(payments.StatusPending) {
			forgedPending++
		}
	}
	events := map[string]int{}
	total := 0
	rows, err = db.QueryContext(ctx, sqldb.Rebind(pg, `SELECT payload FROM outbox_events WHERE topic = ?`), payments.TopicOrderPaid)
	if err != nil {
		return err
	}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return err
		}
		var e payments.OrderPaidEvent
		if err := json.Unmarshal([]byte(p), &e); err != nil {
			rows.Close()
			return fmt.Errorf("order_paid payload: %w", err)
		}
		events[e.OrderNo]++
		total++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	onceRight, forgedEvents := 0, 0
	for no, k := range events {
		if k == 1 && b.wantPaid[no] {
			onceRight++
		}
		if forged[no] {
			forgedEvents += k
		}
	}
	fulfilled, err := count(`SELECT COUNT(*) FROM orders WHERE fulfilled_at IS NOT NULL`)
	if err != nil {
		return err
	}
	confirmed, err := count(`SELECT COUNT(*) FROM signups WHERE status = 'confirmed'`)
	if err != nil {
		return err
	}
	notes, err := count(`SELECT COUNT(*) FROM payment_notifications`)
	if err != nil {
		return err
	}
	add := func(name string, want, got int, ok bool) {
		r.Checks = append(r.Checks, check{Name: name, Want: want, Got: got, OK: ok})
	}
	add("forged orders still pending", len(b.forgedOrders), forgedPending, forgedPending == len(b.forgedOrders))
	add("order_paid events for forged orders", 0, forgedEvents, forgedEvents == 0)
	add("orders paid (exactly those with a valid callback)", want, paid, paid == want && paidRight == want)
	add("payments.order_paid events (one per paid order)", want, total, total == want && onceRight == want)
	add("orders fulfilled", want, fulfilled, fulfilled == want)
	add("sign-ups confirmed", want, confirmed, confirmed == want)
	add("payment_notifications rows", want, notes, notes == want)
	return nil
}

// checkReference checks the reference's table against every round so far.
func (b *bench) checkReference(ctx context.Context, r *roundResult) error {
	rows, err := b.refDB.SQL.QueryContext(ctx, `SELECT order_no, status FROM bench_ref_orders`)
	if err != nil {
		return err
	}
	status := map[string]string{}
	for rows.Next() {
		var no, st string
		if err := rows.Scan(&no, &st); err != nil {
			rows.Close()
			return err
		}
		status[no] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	paid, paidRight := 0, 0
	for no, st := range status {
		if st == "paid" {
			paid++
			if b.refWantPaid[no] {
				paidRight++
			}
		}
	}
	forgedPending := 0
	for _, no := range b.refForgedAll {
		if status[no] == "pending" {
			forgedPending++
		}
	}
	want := len(b.refWantPaid)
	r.Checks = append(r.Checks,
		check{Name: "forged orders still pending", Want: len(b.refForgedAll), Got: forgedPending, OK: forgedPending == len(b.refForgedAll)},
		check{Name: "orders paid (exactly those with a valid callback)", Want: want, Got: paid, OK: paid == want && paidRight == want})
	return nil
}

// reference is the floor: the same SDK verification, one conditional
// UPDATE, 204/400/401.
type reference struct {
	db *sqldb.DB
	wx *wechatpay.Client
	pg bool
}

func (h *reference) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != notifyPath {
		http.NotFound(w, r)
		return
	}
	n, err := h.wx.ParseNotification(r.Context(), r)
	if err != nil {
		wechatpay.Answer(w, http.StatusUnauthorized, "签名验证失败")
		return
	}
	t := n.Trade
	if t == nil || !t.Paid() {
		wechatpay.Answer(w, http.StatusNoContent, "")
		return
	}
	if t.Currency != "" && t.Currency != "CNY" {
		wechatpay.Answer(w, http.StatusBadRequest, "订单信息不符")
		return
	}
	now := time.Now().UTC()
	res, err := h.db.SQL.ExecContext(r.Context(), sqldb.Rebind(h.pg,
		`UPDATE bench_ref_orders SET status = 'paid', trade_no = ?, paid_at = ?, updated_at = ? WHERE order_no = ? AND status = 'pending' AND amount_fen = ?`),
		t.TransactionID, now, now, t.OutTradeNo, t.TotalFen)
	if err != nil {
		wechatpay.Answer(w, http.StatusInternalServerError, "处理失败，请稍后重试")
		return
	}
	if k, _ := res.RowsAffected(); k == 1 {
		wechatpay.Answer(w, http.StatusNoContent, "")
		return
	}
	// Not applied: a repeat of the payment that was (204), or a mismatch.
	var st, trade string
	err = h.db.SQL.QueryRowContext(r.Context(), sqldb.Rebind(h.pg, `SELECT status, trade_no FROM bench_ref_orders WHERE order_no = ?`), t.OutTradeNo).Scan(&st, &trade)
	switch {
	case err == nil && st == "paid" && trade == t.TransactionID:
		wechatpay.Answer(w, http.StatusNoContent, "")
	case err == nil || errors.Is(err, sql.ErrNoRows):
		wechatpay.Answer(w, http.StatusBadRequest, "订单信息不符")
	default:
		wechatpay.Answer(w, http.StatusInternalServerError, "处理失败，请稍后重试")
	}
}

type summary struct {
	Target        string        `json:"target"`
	Rounds        int           `json:"rounds"`
	Sent          int           `json:"sent"`
	Rate          float64       `json:"sent_per_s"`
	RPS           float64       `json:"answered_per_s"`
	P50           time.Duration `json:"p50_ns"`
	P99           time.Duration `json:"p99_ns"`
	Max           time.Duration `json:"max_ns"`
	P50ms         float64       `json:"p50_ms"`
	P99ms         float64       `json:"p99_ms"`
	ValidP99      time.Duration `json:"valid_p99_ns"`
	DupP99        time.Duration `json:"duplicate_p99_ns"`
	ForgedP99     time.Duration `json:"forged_p99_ns"`
	CorrectRounds int           `json:"correct_rounds"`
}

func (b *bench) summarize(rounds []*roundResult, all bool, seeded int, took time.Duration) (bool, error) {
	var sums []summary
	for _, t := range []string{"ours", "ref"} {
		s := summary{Target: t}
		var lat []time.Duration
		cls := map[string][]time.Duration{}
		var rate, rps float64
		for _, r := range rounds {
			if r.Target != t {
				continue
			}
			s.Rounds++
			s.Sent += r.Sent
			rate += r.Rate
			rps += r.RPS
			lat = append(lat, r.latencies...)
			for k, c := range r.Classes {
				cls[k] = append(cls[k], c.lat...)
			}
			if r.OK {
				s.CorrectRounds++
			}
		}
		s.Rate, s.RPS = rate/float64(s.Rounds), rps/float64(s.Rounds)
		lat = benchkit.Sorted(lat)
		s.P50, s.P99 = benchkit.Percentile(lat, 0.50), benchkit.Percentile(lat, 0.99)
		if len(lat) > 0 {
			s.Max = lat[len(lat)-1]
		}
		s.P50ms, s.P99ms = float64(s.P50)/1e6, float64(s.P99)/1e6
		s.ValidP99 = benchkit.Percentile(benchkit.Sorted(cls["valid"]), 0.99)
		s.DupP99 = benchkit.Percentile(benchkit.Sorted(cls["duplicate"]), 0.99)
		s.ForgedP99 = benchkit.Percentile(benchkit.Sorted(cls["forged"]), 0.99)
		sums = append(sums, s)
	}
	rpsRatio := sums[0].RPS / sums[1].RPS
	p99Ratio := float64(sums[0].P99) / float64(sums[1].P99)
	fmt.Println()
	for _, s := range sums {
		fmt.Printf("%-4s %7.1f answered/s (sent %7.1f/s)  p50 %7s  p99 %7s  max %7s  p99 by class: valid %s dup %s forged %s  correct rounds %d/%d\n",
			s.Target, s.RPS, s.Rate, benchkit.Ms(s.P50), benchkit.Ms(s.P99), benchkit.Ms(s.Max),
			benchkit.Ms(s.ValidP99), benchkit.Ms(s.DupP99), benchkit.Ms(s.ForgedP99), s.CorrectRounds, s.Rounds)
	}
	fmt.Printf("ratio ours/reference: answered/s %.3f, p99 %.2f\n", rpsRatio, p99Ratio)

	// The acceptance figures of the app, over all its rounds.
	forged, refused := 0, 0
	byForgery := map[string]map[string]int{}
	for _, r := range rounds {
		if r.Target != "ours" {
			continue
		}
		f := r.Classes["forged"]
		forged += f.Sent
		for code, k := range f.Codes {
			if c, err := strconv.Atoi(code); err == nil && c >= 400 {
				refused += k
			}
		}
		for name, m := range r.Forgery {
			if byForgery[name] == nil {
				byForgery[name] = map[string]int{}
			}
			for code, k := range m {
				byForgery[name][code] += k
			}
		}
	}
	var last *roundResult
	for _, r := range rounds {
		if r.Target == "ours" {
			last = r
		}
	}
	got := map[string]int{}
	for _, c := range last.Checks {
		got[c.Name] = c.Got
	}
	fmt.Printf("forged accepted: %d of %d (answered ≥400: %d; orders still pending: %d/%d; order_paid events for them: %d)\n",
		forged-refused+(len(b.forgedOrders)-got["forged orders still pending"])+got["order_paid events for forged orders"], forged, refused,
		got["forged orders still pending"], len(b.forgedOrders), got["order_paid events for forged orders"])
	names := make([]string, 0, len(byForgery))
	for n := range byForgery {
		names = append(names, n)
	}
	slices.Sort(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, n+" "+codes(byForgery[n]))
	}
	fmt.Printf("  forgeries: %s\n", strings.Join(parts, ", "))
	fmt.Printf("exact transitions: %d distinct valid callbacks → %d orders paid, %d order_paid events, %d fulfilled, %d sign-ups confirmed, %d payment_notifications rows\n",
		len(b.wantPaid), got["orders paid (exactly those with a valid callback)"], got["payments.order_paid events (one per paid order)"],
		got["orders fulfilled"], got["sign-ups confirmed"], got["payment_notifications rows"])
	if logs := b.logs.Top(); logs != "" {
		fmt.Printf("app warnings/errors logged: %s\n", logs)
	}
	verdict := "ok"
	if !all {
		verdict = "FAILED"
		for _, r := range rounds {
			for _, c := range r.Checks {
				if !c.OK {
					fmt.Printf("  FAILED round %d %s: %s: got %d, want %d\n", r.Round, r.Target, c.Name, c.Got, c.Want)
				}
			}
		}
	}
	fmt.Printf("correctness: %s (%d orders seeded; %s in all)\n", verdict, seeded, took.Round(time.Second))
	out, err := benchkit.WriteJSON(b.o.Out, "paycallback", map[string]any{
		"command": benchkit.Command("paycallback"),
		"time":    time.Now().UTC().Format(time.RFC3339), "go": runtime.Version(), "num_cpu": runtime.NumCPU(),
		"gomaxprocs": runtime.GOMAXPROCS(0), "options": b.o, "orders_seeded": seeded, "rounds": rounds, "summary": sums,
		"ratio_answered_per_s": rpsRatio, "ratio_p99": p99Ratio, "forged_sent": forged, "forged_refused": refused,
		"forged_codes": byForgery, "app_logs": b.logs.Snapshot(), "correct": all,
	})
	if err != nil {
		return all, err
	}
	fmt.Println("wrote", out)
	return all, nil
}
