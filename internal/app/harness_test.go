package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/config"
	"github.com/zuju/zuju/internal/platform/clock"
	"github.com/zuju/zuju/internal/platform/dbtest"
	"github.com/zuju/zuju/internal/platform/testenv"
)

// captureSMS records the codes the service sends.
type captureSMS struct {
	mu    sync.Mutex
	codes map[string]string
}

func (c *captureSMS) SendCode(_ context.Context, phone, purpose, code string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.codes == nil {
		c.codes = map[string]string{}
	}
	c.codes[purpose+":"+phone] = code
	return nil
}

func (c *captureSMS) last(purpose, phone string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.codes[purpose+":"+phone]
}

// backend names a deployment shape under test.
type backend string

const (
	single backend = "sqlite"   // single binary: SQLite, everything in process
	scaled backend = "postgres" // PostgreSQL + Redis + RabbitMQ
)

// backends are the shapes every HTTP flow runs on.
var backends = []backend{single, scaled}

// testConfig returns a development config for the backend; scaled backends
// share db (a schema DSN) so several replicas can be built on one database.
func testConfig(t testing.TB, b backend, dataDir, db string) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = dataDir
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.JWTSecret = "test-secret-0123456789abcdef0123456789"
	cfg.ShutdownGrace = 5 * time.Second
	if b == scaled {
		cfg.DatabaseURL = db
		cfg.RedisURL = testenv.Redis(t)
		// Replicas of one test share a namespace; tests never share one.
		u, _ := url.Parse(db)
		cfg.RedisPrefix = "zt:" + u.Query().Get("search_path") + ":"
		cfg.AMQPPrefix = cfg.RedisPrefix
		cfg.AMQPURL = testenv.AMQP(t)
	}
	return cfg
}

// scaledDB returns a fresh PostgreSQL schema DSN (or skips/fails per testenv).
func scaledDB(t testing.TB) string {
	return dbtest.SchemaDSN(t, testenv.Postgres(t))
}

// testApp is one running replica reached over real TCP.
type testApp struct {
	*App
	URL string
	SMS *captureSMS
}

type appOption func(*config.Config, *Options)

// startApp builds and serves a replica for backend b.
func startApp(t testing.TB, b backend, opts ...appOption) *testApp {
	t.Helper()
	db := ""
	if b == scaled {
		db = scaledDB(t)
	}
	return startReplica(t, testConfig(t, b, t.TempDir(), db), opts...)
}

// startReplica serves an app for cfg on a random port until the test ends.
func startReplica(t testing.TB, cfg config.Config, opts ...appOption) *testApp {
	t.Helper()
	sms := &captureSMS{}
	o := Options{SMS: sms}
	for _, fn := range opts {
		fn(&cfg, &o)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewJSONHandler(&testWriter{t: t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, cfg, logger, o)
	if err != nil {
		cancel()
		t.Fatalf("build app: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		// Connections the client dialed but never used count as in flight
		// for up to 5 s during shutdown; drop them first.
		http.DefaultClient.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return &testApp{App: a, URL: "http://" + ln.Addr().String(), SMS: sms}
}

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// response is a decoded HTTP answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
	return m
}

func (r response) code(t testing.TB) string {
	t.Helper()
	c, _ := r.json(t)["code"].(string)
	return c
}

// call sends a request; body may be nil, a string (sent raw) or a value
// (sent as JSON).
func call(t testing.TB, method, url, token string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// api calls path under /api/v1 of the app.
func (a *testApp) api(t testing.TB, method, path, token string, body any, headers ...string) response {
	t.Helper()
	return call(t, method, a.URL+"/api/v1"+path, token, body, headers...)
}

// expect fails unless r has the status (and, for errors, the problem code).
func expect(t testing.TB, r response, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if code != "" {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Fatalf("content type %q, want problem+json", ct)
		}
		if got := r.code(t); got != code {
			t.Fatalf("code %q, want %q: %s", got, code, r.Body)
		}
	}
}

// tokens is a sign-in answer.
type tokens struct {
	Access, Refresh, UserID string
}

func tokensOf(t testing.TB, r response) tokens {
	t.Helper()
	m := r.json(t)
	u, _ := m["user"].(map[string]any)
	tk := tokens{Access: str(m["access_token"]), Refresh: str(m["refresh_token"]), UserID: str(u["id"])}
	if tk.Access == "" || tk.Refresh == "" || tk.UserID == "" {
		t.Fatalf("incomplete tokens: %s", r.Body)
	}
	return tk
}

func str(v any) string { s, _ := v.(string); return s }

// smsCode asks for a code and returns what the phone received.
func (a *testApp) smsCode(t testing.TB, phone, purpose, token string) string {
	t.Helper()
	expect(t, a.api(t, "POST", "/auth/sms-codes", token, map[string]any{"phone": phone, "purpose": purpose}), http.StatusAccepted, "")
	return a.SMS.last(purpose, phone)
}

// register creates an account by phone (proven by an SMS code) and
// returns its tokens.
func (a *testApp) register(t testing.TB, phone, password string) tokens {
	t.Helper()
	code := a.smsCode(t, phone, "register", "")
	r := a.api(t, "POST", "/auth/register", "", map[string]any{"phone": phone, "password": password, "nickname": "测试用户", "code": code})
	expect(t, r, http.StatusCreated, "")
	return tokensOf(t, r)
}

// admin creates a super admin and signs it in.
func (a *testApp) admin(t testing.TB, email string) tokens {
	t.Helper()
	if _, err := a.Users.CreateAdmin(context.Background(), "", email, "admin-pass-2026", "管理员"); err != nil {
		t.Fatal(err)
	}
	r := a.api(t, "POST", "/auth/login", "", map[string]any{"account": email, "password": "admin-pass-2026"})
	expect(t, r, http.StatusOK, "")
	return tokensOf(t, r)
}

// newClock returns a settable clock starting now.
func newClock() *clock.Manual { return clock.NewManual(time.Now().UTC()) }

func withClock(c *clock.Manual) appOption {
	return func(_ *config.Config, o *Options) { o.Now = c.Now }
}
