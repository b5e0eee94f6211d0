package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/config"
)

// syncBuffer is a buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// Acceptance 1: with no config and no other server the binary serves the
// API; /healthz is 200, /docs renders, `zuju admin create` makes a super
// admin who can log in; shutdown lets in-flight requests finish.
func TestServeFromScratch(t *testing.T) {
	vars := map[string]string{"ZUJU_DATA_DIR": t.TempDir(), "ZUJU_HTTP_ADDR": "127.0.0.1:0"}
	var out, errOut syncBuffer
	if code := run(context.Background(), []string{"admin", "create", "--email", "boss@example.com", "--password", "boss-pass-2026"}, env(vars), &out, &errOut); code != 0 {
		t.Fatalf("admin create: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "super admin ready") {
		t.Fatalf("admin create output: %s", out.String())
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out = syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve"}, env(vars), &out, &errOut) }()
	base := waitForURL(t, &out, done)

	get := func(path string) (int, string, http.Header) {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res.Header
	}
	if code, _, _ := get("/healthz"); code != 200 {
		t.Fatalf("/healthz %d", code)
	}
	if code, body, _ := get("/readyz"); code != 200 || !strings.Contains(body, "ready") {
		t.Fatalf("/readyz %d %s", code, body)
	}
	if code, body, h := get("/docs"); code != 200 || !strings.Contains(h.Get("Content-Type"), "text/html") || !strings.Contains(body, "openapi") {
		t.Fatalf("/docs %d %s", code, h.Get("Content-Type"))
	}
	if code, body, _ := get("/openapi.json"); code != 200 || !strings.Contains(body, `"/api/v1/auth/login"`) {
		t.Fatalf("/openapi.json %d", code)
	}
	if code, body, _ := get("/metrics"); code != 200 || !strings.Contains(body, "zuju_http_requests_total") {
		t.Fatalf("/metrics %d", code)
	}
	for _, s := range []string{"ZUJU_DATABASE_URL", "ZUJU_JWT_SECRET", "/admin/", "/docs"} {
		if !strings.Contains(out.String(), s) {
			t.Fatalf("startup output lacks %q:\n%s", s, out.String())
		}
	}
	if regexp.MustCompile(`ZUJU_JWT_SECRET\s+[0-9a-f]{16}`).MatchString(out.String()) {
		t.Fatal("JWT secret printed in clear")
	}

	res, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(`{"account":"boss@example.com","password":"boss-pass-2026"}`))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		User        struct {
			Roles []string `json:"roles"`
		} `json:"user"`
	}
	_ = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(strings.Join(tok.User.Roles, ","), "super_admin") {
		t.Fatalf("admin login: %d %v", res.StatusCode, tok.User.Roles)
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/admin/users", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	res, err = http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("admin users: %v %v", err, res)
	}
	res.Body.Close()

	// SMS login in development: the code appears in the server log only.
	res, err = http.Post(base+"/api/v1/auth/sms-codes", "application/json", strings.NewReader(`{"phone":"13912345678","purpose":"login"}`))
	if err != nil || res.StatusCode != 202 {
		t.Fatalf("sms code: %v %v", err, res)
	}
	res.Body.Close()
	m := regexp.MustCompile(`"dev_code":"(\d{6})"`).FindStringSubmatch(errOut.String())
	if m == nil || strings.Contains(errOut.String(), "13912345678") {
		t.Fatalf("dev code not logged, or phone logged in clear")
	}
	res, err = http.Post(base+"/api/v1/auth/sms-login", "application/json", strings.NewReader(`{"phone":"13912345678","code":"`+m[1]+`"}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("sms login: %v %v", err, res)
	}
	res.Body.Close()

	// Graceful shutdown: a request whose body is still arriving when the
	// stop signal comes is answered completely.
	pr, pw := io.Pipe()
	inflight := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", base+"/api/v1/auth/login", pr)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			inflight <- -1
			return
		}
		res.Body.Close()
		inflight <- res.StatusCode
	}()
	_, _ = pw.Write([]byte(`{"account":"boss@example.com",`))
	time.Sleep(200 * time.Millisecond)
	cancel()
	time.Sleep(200 * time.Millisecond)
	_, _ = pw.Write([]byte(`"password":"boss-pass-2026"}`))
	_ = pw.Close()
	if code := <-inflight; code != 200 {
		t.Fatalf("in-flight request got %d during shutdown", code)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exit %d: %s", code, errOut.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(errOut.String(), `"msg":"stopped"`) {
		t.Fatalf("no clean stop in log")
	}
}

func waitForURL(t *testing.T, out *syncBuffer, done chan int) string {
	t.Helper()
	re := regexp.MustCompile(`H5 app:\s+(http://[^\s/]+)/`)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d", code)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatal("server did not start")
	return ""
}

func TestConfigValidationAndProductionRules(t *testing.T) {
	var out, errOut syncBuffer
	code := run(context.Background(), []string{"serve"}, env(map[string]string{"ZUJU_ENV": "production", "ZUJU_RATELIMIT": "off", "ZUJU_DATA_DIR": t.TempDir()}), &out, &errOut)
	if code == 0 {
		t.Fatal("production without secrets started")
	}
	for _, s := range []string{"ZUJU_JWT_SECRET is required", "ZUJU_RATELIMIT=off is refused", "ZUJU_SMS_PROVIDER=log"} {
		if !strings.Contains(errOut.String(), s) {
			t.Fatalf("missing %q in: %s", s, errOut.String())
		}
	}
	errOut = syncBuffer{}
	code = run(context.Background(), []string{"config"}, env(map[string]string{"ZUJU_HTTP_ADDR": "nonsense", "ZUJU_DATABASE_URL": "mysql://x"}), &out, &errOut)
	if code == 0 || !strings.Contains(errOut.String(), "ZUJU_HTTP_ADDR") || !strings.Contains(errOut.String(), "ZUJU_DATABASE_URL") {
		t.Fatalf("bad config accepted: %d %s", code, errOut.String())
	}
	if code := run(context.Background(), []string{"version"}, env(nil), &out, &errOut); code != 0 {
		t.Fatal("version failed")
	}
	if code := run(context.Background(), []string{"bogus"}, env(nil), &out, &errOut); code != 2 {
		t.Fatal("unknown command accepted")
	}
}

// Every setting is documented in the README's configuration table.
func TestREADMEDocumentsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	for _, f := range config.Fields(&cfg) {
		if !strings.Contains(string(readme), "`"+f.Env+"`") {
			t.Errorf("README.md does not document %s (run `zuju config --markdown`)", f.Env)
		}
	}
}

// A database seeded with demo accounts never runs in production.
func TestProductionRefusesDemoData(t *testing.T) {
	dir := t.TempDir()
	var out, errOut syncBuffer
	if code := run(context.Background(), []string{"seed", "--demo"}, env(map[string]string{"ZUJU_DATA_DIR": dir}), &out, &errOut); code != 0 {
		t.Fatalf("seed: %d %s", code, errOut.String())
	}
	prod := map[string]string{"ZUJU_DATA_DIR": dir, "ZUJU_ENV": "production", "ZUJU_SMS_PROVIDER": "tencent",
		"ZUJU_SMS_TENCENT_SECRET_ID": "id", "ZUJU_SMS_TENCENT_SECRET_KEY": "key", "ZUJU_SMS_TENCENT_SDK_APP_ID": "1400000000",
		"ZUJU_SMS_TENCENT_SIGN_NAME": "组局", "ZUJU_SMS_TENCENT_TEMPLATE_LOGIN": "1",
		"ZUJU_JWT_SECRET": "prod-secret-0123456789abcdef0123456789", "ZUJU_HTTP_ADDR": "127.0.0.1:0"}
	errOut = syncBuffer{}
	if code := run(context.Background(), []string{"serve"}, env(prod), &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "demo accounts") {
		t.Fatalf("production started on demo data: %d %s", code, errOut.String())
	}
}
