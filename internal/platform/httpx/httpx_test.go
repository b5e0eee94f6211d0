package httpx_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gin-gonic/gin"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/errs"
	"github.com/zuju/zuju/internal/platform/httpx"
	"github.com/zuju/zuju/internal/platform/reqctx"
)

// logBuffer collects the server's JSON log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// entries returns the decoded log records with the given message.
func (b *logBuffer) entries(t *testing.T, msg string) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type idOutput struct {
	Body struct {
		ID        string `json:"id"`
		RequestID string `json:"request_id"`
		ClientIP  string `json:"client_ip"`
		UserID    string `json:"user_id"`
	}
}

type kindInput struct {
	Kind int `path:"kind"`
}

type echoInput struct {
	Body struct {
		Name string `json:"name" maxLength:"5"`
	}
}

type bigOutput struct {
	Body struct {
		Items []string `json:"items"`
	}
}

// newServer builds a server with the test operations registered.
func newServer(t *testing.T, opts httpx.Options) (*httpx.Server, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := httpx.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	who := func(ctx context.Context, id string) *idOutput {
		out := &idOutput{}
		out.Body.ID = id
		info := reqctx.From(ctx)
		out.Body.RequestID, out.Body.ClientIP = info.RequestID, info.ClientIP
		if p, ok := auth.From(ctx); ok {
			out.Body.UserID = p.UserID
		}
		return out
	}
	huma.Register(s.API, huma.Operation{OperationID: "get-item", Method: http.MethodGet, Path: "/items/{id}"},
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
		}) (*idOutput, error) {
			return who(ctx, in.ID), nil
		})
	huma.Register(s.API, huma.Operation{OperationID: "kind", Method: http.MethodGet, Path: "/kinds/{kind}"},
		func(ctx context.Context, in *kindInput) (*idOutput, error) {
			return nil, errs.New(errs.Kind(in.Kind), "test.kind", "测试错误")
		})
	huma.Register(s.API, huma.Operation{OperationID: "invalid", Method: http.MethodGet, Path: "/invalid"},
		func(ctx context.Context, _ *struct{}) (*idOutput, error) {
			return nil, errs.Invalid("x.bad", "坏", errs.FieldError{Field: "name", Message: "太长"})
		})
	huma.Register(s.API, huma.Operation{OperationID: "plain", Method: http.MethodGet, Path: "/plain"},
		func(ctx context.Context, _ *struct{}) (*idOutput, error) {
			return nil, errors.New("dial postgres://zuju:hunter2@db: connection refused")
		})
	huma.Register(s.API, huma.Operation{OperationID: "limited", Method: http.MethodGet, Path: "/limited"},
		func(ctx context.Context, _ *struct{}) (*idOutput, error) {
			return nil, errs.RateLimited("x.slow_down", "慢一点", 0).WithRetryAfter(1500 * time.Millisecond)
		})
	huma.Register(s.API, huma.Operation{OperationID: "boom", Method: http.MethodGet, Path: "/boom"},
		func(ctx context.Context, _ *struct{}) (*idOutput, error) {
			panic("boom: secret detail")
		})
	huma.Register(s.API, huma.Operation{OperationID: "echo", Method: http.MethodPost, Path: "/echo"},
		func(ctx context.Context, in *echoInput) (*idOutput, error) {
			return who(ctx, in.Body.Name), nil
		})
	huma.Register(s.API, huma.Operation{OperationID: "big", Method: http.MethodGet, Path: "/big"},
		func(ctx context.Context, _ *struct{}) (*bigOutput, error) {
			out := &bigOutput{}
			for range 500 {
				out.Body.Items = append(out.Body.Items, "聚会 meetup item")
			}
			return out, nil
		})
	huma.Register(s.API, huma.Operation{OperationID: "admin-stats", Method: http.MethodGet, Path: "/admin/stats"},
		func(ctx context.Context, _ *struct{}) (*idOutput, error) {
			return who(ctx, "stats"), nil
		})
	huma.Register(s.API, huma.Operation{OperationID: "administrators", Method: http.MethodGet, Path: "/administrators"},
		func(ctx context.Context, _ *struct{}) (*idOutput, error) {
			return who(ctx, "public"), nil
		})
	ginWho := func(c *gin.Context) {
		ctx := c.Request.Context()
		p, _ := auth.From(ctx)
		c.JSON(http.StatusOK, gin.H{"client_ip": reqctx.From(ctx).ClientIP, "request_id": reqctx.From(ctx).RequestID, "user_id": p.UserID})
	}
	s.Engine.GET("/gin/who", ginWho)
	s.Engine.GET(httpx.AdminPrefix, ginWho)
	s.Engine.GET("/gin/panic", func(c *gin.Context) { panic(errors.New("gin boom")) })
	return s, logs
}

type response struct {
	*httptest.ResponseRecorder
}

func (r response) problem(t *testing.T) httpx.Problem {
	t.Helper()
	if ct := r.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d: Content-Type %q, want application/problem+json; body %s", r.Code, ct, r.Body)
	}
	var p httpx.Problem
	if err := json.Unmarshal(r.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem body %q: %v", r.Body, err)
	}
	if p.Status != r.Code {
		t.Fatalf("problem status %d, response status %d", p.Status, r.Code)
	}
	if p.Title != http.StatusText(r.Code) || p.Code == "" || p.Detail == "" {
		t.Fatalf("incomplete problem: %+v", p)
	}
	if p.RequestID == "" || p.RequestID != r.Header().Get("X-Request-ID") {
		t.Fatalf("problem request_id %q, header %q", p.RequestID, r.Header().Get("X-Request-ID"))
	}
	return p
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body.Bytes(), &m); err != nil {
		t.Fatalf("status %d body %q: %v", r.Code, r.Body, err)
	}
	return m
}

func do(h http.Handler, method, target string, body io.Reader, header ...string) response {
	req := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{rec}
}

func TestErrorKindsMapToStatuses(t *testing.T) {
	s, _ := newServer(t, httpx.Options{})
	cases := []struct {
		kind   errs.Kind
		status int
	}{
		{errs.KindInternal, 500},
		{errs.KindInvalid, 400},
		{errs.KindUnauthorized, 401},
		{errs.KindForbidden, 403},
		{errs.KindNotFound, 404},
		{errs.KindConflict, 409},
		{errs.KindRateLimited, 429},
		{errs.KindTooLarge, 413},
		{errs.KindUnsupportedMedia, 415},
		{errs.KindUnavailable, 503},
		{errs.KindGone, 410},
		{errs.Kind(99), 500}, // unknown kinds are internal
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			r := do(s.Engine, "GET", "/api/v1/kinds/"+strconv.Itoa(int(tc.kind)), nil)
			if r.Code != tc.status {
				t.Fatalf("kind %d: status %d, want %d", tc.kind, r.Code, tc.status)
			}
			p := r.problem(t)
			if p.Code != "test.kind" || p.Detail != "测试错误" {
				t.Fatalf("problem %+v", p)
			}
			if r.Header().Get("Retry-After") != "" {
				t.Fatalf("Retry-After without a RetryAfter: %q", r.Header().Get("Retry-After"))
			}
		})
	}
}

func TestProblemDocuments(t *testing.T) {
	s, logs := newServer(t, httpx.Options{})

	t.Run("invalid with fields", func(t *testing.T) {
		r := do(s.Engine, "GET", "/api/v1/invalid", nil)
		if r.Code != 400 {
			t.Fatalf("status %d", r.Code)
		}
		p := r.problem(t)
		if p.Code != "x.bad" || p.Detail != "坏" || p.Title != "Bad Request" {
			t.Fatalf("%+v", p)
		}
		if len(p.Errors) != 1 || p.Errors[0].Location != "body.name" || p.Errors[0].Message != "太长" {
			t.Fatalf("errors %+v", p.Errors)
		}
		raw := r.json(t)
		for _, k := range []string{"title", "status", "detail", "code", "request_id", "errors"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("field %q missing in %s", k, r.Body)
			}
		}
	})

	t.Run("plain error is internal and hides its cause", func(t *testing.T) {
		r := do(s.Engine, "GET", "/api/v1/plain", nil)
		if r.Code != 500 {
			t.Fatalf("status %d", r.Code)
		}
		p := r.problem(t)
		if p.Code != "internal" || p.Detail != errs.ErrInternal.Detail || len(p.Errors) != 0 {
			t.Fatalf("%+v", p)
		}
		if body := r.Body.String(); strings.Contains(body, "hunter2") || strings.Contains(body, "connection refused") {
			t.Fatalf("cause leaked to the client: %s", body)
		}
		// The cause is in the access log, with the request id.
		var found bool
		for _, e := range logs.entries(t, "http request") {
			if e["request_id"] == p.RequestID {
				found = true
				if e["status"] != float64(500) || e["level"] != "ERROR" || !strings.Contains(e["err"].(string), "connection refused") {
					t.Errorf("access log entry %v", e)
				}
			}
		}
		if !found {
			t.Errorf("no access log entry for %s:\n%s", p.RequestID, logs)
		}
	})

	t.Run("rate limited with Retry-After", func(t *testing.T) {
		r := do(s.Engine, "GET", "/api/v1/limited", nil)
		if r.Code != 429 {
			t.Fatalf("status %d", r.Code)
		}
		p := r.problem(t)
		if p.Code != "x.slow_down" {
			t.Fatalf("%+v", p)
		}
		if got := r.Header().Get("Retry-After"); got != "2" {
			t.Fatalf("Retry-After %q, want 2 (1.5 s rounded up)", got)
		}
	})

	t.Run("validation failure", func(t *testing.T) {
		r := do(s.Engine, "POST", "/api/v1/echo", strings.NewReader(`{"name":"secret-too-long"}`), "Content-Type", "application/json")
		if r.Code != 422 {
			t.Fatalf("status %d: %s", r.Code, r.Body)
		}
		p := r.problem(t)
		if p.Code != "request.invalid" || len(p.Errors) == 0 || p.Errors[0].Location != "body.name" {
			t.Fatalf("%+v", p)
		}
		if !strings.Contains(p.Detail, "name") {
			t.Errorf("detail does not name the field: %q", p.Detail)
		}
		if strings.Contains(r.Body.String(), "secret-too-long") {
			t.Errorf("input echoed back: %s", r.Body)
		}
	})

	t.Run("malformed body", func(t *testing.T) {
		r := do(s.Engine, "POST", "/api/v1/echo", strings.NewReader(`{"name":`), "Content-Type", "application/json")
		if r.Code != 400 && r.Code != 422 {
			t.Fatalf("status %d: %s", r.Code, r.Body)
		}
		if p := r.problem(t); p.Code != "request.malformed" {
			t.Fatalf("%+v", p)
		}
	})

	t.Run("unknown route", func(t *testing.T) {
		r := do(s.Engine, "GET", "/api/v1/nothing-here", nil)
		if r.Code != 404 {
			t.Fatalf("status %d", r.Code)
		}
		if p := r.problem(t); p.Code != "not_found" {
			t.Fatalf("%+v", p)
		}
	})

	t.Run("wrong method", func(t *testing.T) {
		r := do(s.Engine, "DELETE", "/api/v1/items/1", nil)
		if r.Code != 405 {
			t.Fatalf("status %d", r.Code)
		}
		if p := r.problem(t); p.Code != "method_not_allowed" {
			t.Fatalf("%+v", p)
		}
	})

	t.Run("success is plain JSON", func(t *testing.T) {
		r := do(s.Engine, "GET", "/api/v1/items/7", nil)
		if r.Code != 200 || !strings.HasPrefix(r.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("status %d, Content-Type %q", r.Code, r.Header().Get("Content-Type"))
		}
		if m := r.json(t); m["id"] != "7" || m["request_id"] != r.Header().Get("X-Request-ID") {
			t.Fatalf("body %v", m)
		}
	})
}

func TestPanicsBecomeProblemsAndTheServerKeepsServing(t *testing.T) {
	s, logs := newServer(t, httpx.Options{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for _, path := range []string{"/api/v1/boom", "/gin/panic"} {
		for range 2 {
			res, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 500 || res.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%s: %d %q %s", path, res.StatusCode, res.Header.Get("Content-Type"), body)
			}
			var p httpx.Problem
			if err := json.Unmarshal(body, &p); err != nil || p.Code != "internal" || p.RequestID != res.Header.Get("X-Request-ID") {
				t.Fatalf("%s: problem %s (%v)", path, body, err)
			}
			if strings.Contains(string(body), "boom") {
				t.Fatalf("panic value leaked: %s", body)
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("%s: no nosniff", path)
			}
		}
	}
	res, err := http.Get(srv.URL + "/api/v1/items/after")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("after panics: %v %v", res, err)
	}
	res.Body.Close()
	if n := len(logs.entries(t, "panic")); n != 4 {
		t.Errorf("%d panic log entries, want 4", n)
	}
	// Panics are counted as 500s of their route.
	m := do(s.Engine, "GET", "/metrics", nil).Body.String()
	if !strings.Contains(m, `zuju_http_requests_total{method="GET",route="/api/v1/boom",status="500"} 2`) {
		t.Errorf("panicking requests not counted:\n%s", grepLines(m, "zuju_http_requests_total"))
	}
}

func TestRequestID(t *testing.T) {
	s, _ := newServer(t, httpx.Options{})
	generated := regexp.MustCompile(`^[0-9a-f]{24}$`)
	cases := []struct {
		name, sent string
		honoured   bool
	}{
		{"absent", "", false},
		{"valid", "req-ABC.123_x", true},
		{"minimum length", "abcdefgh", true},
		{"maximum length", strings.Repeat("a", 64), true},
		{"too short", "abc1234", false},
		{"too long", strings.Repeat("a", 65), false},
		{"spaces", "bad request id", false},
		{"markup", "<script>alert(1)</script>", false},
		{"log injection", "abcdefgh\nlevel=ERROR", false},
		{"non-ASCII", "请求编号请求编号", false},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/api/v1/items/1", "/gin/who"} {
				req := httptest.NewRequest("GET", path, nil)
				if tc.sent != "" {
					req.Header["X-Request-Id"] = []string{tc.sent}
				}
				rec := httptest.NewRecorder()
				s.Engine.ServeHTTP(rec, req)
				r := response{rec}
				got := r.Header().Get("X-Request-ID")
				if tc.honoured && got != tc.sent {
					t.Fatalf("%s: sent %q, got %q", path, tc.sent, got)
				}
				if !tc.honoured && !generated.MatchString(got) {
					t.Fatalf("%s: sent %q, got %q; want a generated id", path, tc.sent, got)
				}
				if !tc.honoured {
					if seen[got] {
						t.Fatalf("generated id %q repeated", got)
					}
					seen[got] = true
				}
				if m := r.json(t); m["request_id"] != got {
					t.Fatalf("%s: handler saw %v, header %q", path, m["request_id"], got)
				}
			}
		})
	}
}

func TestNosniffEverywhere(t *testing.T) {
	s, _ := newServer(t, httpx.Options{})
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/api/v1/items/1", "/api/v1/plain", "/nope", "/gin/who", "/openapi.json"} {
		r := do(s.Engine, "GET", path, nil)
		if r.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s (%d): no nosniff", path, r.Code)
		}
		if r.Header().Get("X-Request-ID") == "" {
			t.Errorf("%s (%d): no X-Request-ID", path, r.Code)
		}
	}
}

func TestCORS(t *testing.T) {
	const allowed, other = "https://app.zuju.example", "https://evil.example"
	s, _ := newServer(t, httpx.Options{CORSOrigins: []string{allowed}})
	preflight := func(origin, method string) response {
		return do(s.Engine, "OPTIONS", "/api/v1/echo", nil,
			"Origin", origin, "Access-Control-Request-Method", method,
			"Access-Control-Request-Headers", "Authorization, Content-Type")
	}

	r := preflight(allowed, "POST")
	if r.Code != http.StatusNoContent || r.Header().Get("Access-Control-Allow-Origin") != allowed {
		t.Fatalf("allowed preflight: %d %v", r.Code, r.Header())
	}
	if h := strings.ToLower(r.Header().Get("Access-Control-Allow-Headers")); !strings.Contains(h, "authorization") || !strings.Contains(h, "content-type") {
		t.Errorf("Allow-Headers %q", h)
	}
	if !strings.Contains(r.Header().Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("Allow-Methods %q", r.Header().Get("Access-Control-Allow-Methods"))
	}
	if r.Header().Get("Access-Control-Allow-Credentials") == "true" {
		t.Error("credentials allowed")
	}

	r = preflight(other, "POST")
	if r.Code < 400 || r.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight from another origin allowed: %d %v", r.Code, r.Header())
	}

	// Actual requests: the allowed origin may read X-Request-ID and Retry-After.
	r = do(s.Engine, "GET", "/api/v1/items/1", nil, "Origin", allowed)
	if r.Code != 200 || r.Header().Get("Access-Control-Allow-Origin") != allowed {
		t.Fatalf("simple request: %d %v", r.Code, r.Header())
	}
	exposed := strings.ToLower(r.Header().Get("Access-Control-Expose-Headers"))
	if !strings.Contains(exposed, "x-request-id") || !strings.Contains(exposed, "retry-after") {
		t.Errorf("Expose-Headers %q", exposed)
	}
	r = do(s.Engine, "GET", "/api/v1/items/1", nil, "Origin", other)
	if r.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("other origin got Allow-Origin: %v", r.Header())
	}

	// Without configured origins there are no CORS headers at all.
	plain, _ := newServer(t, httpx.Options{})
	r = do(plain.Engine, "OPTIONS", "/api/v1/echo", nil, "Origin", allowed, "Access-Control-Request-Method", "POST")
	if r.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("CORS without configuration: %v", r.Header())
	}

	// "*" allows every origin.
	all, _ := newServer(t, httpx.Options{CORSOrigins: []string{"*"}})
	r = do(all.Engine, "OPTIONS", "/api/v1/echo", nil, "Origin", other, "Access-Control-Request-Method", "POST")
	if r.Code != http.StatusNoContent || r.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("wildcard preflight: %d %v", r.Code, r.Header())
	}
}

func TestBodyLimit(t *testing.T) {
	s, _ := newServer(t, httpx.Options{MaxBodyBytes: 1024, UploadMaxBytes: 4096})

	small := `{"name":"ok"}`
	r := do(s.Engine, "POST", "/api/v1/echo", strings.NewReader(small), "Content-Type", "application/json")
	if r.Code != 200 {
		t.Fatalf("small body: %d %s", r.Code, r.Body)
	}

	// Declared too large: refused before the handler reads anything.
	big := `{"name":"` + strings.Repeat("x", 5000) + `"}`
	for _, path := range []string{"/api/v1/echo", "/gin/who", "/nope"} {
		req := httptest.NewRequest("POST", path, strings.NewReader(big))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.Engine.ServeHTTP(rec, req)
		r := response{rec}
		if r.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("%s: status %d, want 413", path, r.Code)
		}
		if p := r.problem(t); p.Code != "request.too_large" {
			t.Fatalf("%s: %+v", path, p)
		}
	}

	// No Content-Length (chunked): reading stops at the limit.
	req := httptest.NewRequest("POST", "/api/v1/echo", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.Engine.ServeHTTP(rec, req)
	if r := (response{rec}); r.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked oversized body: %d %s", r.Code, r.Body)
	} else if p := r.problem(t); p.Code != "request.too_large" {
		t.Fatalf("chunked: %+v", p)
	}
}

func TestGzip(t *testing.T) {
	s, _ := newServer(t, httpx.Options{})
	h := s.Handler()

	r := do(h, "GET", "/api/v1/big", nil, "Accept-Encoding", "gzip")
	if r.Code != 200 || r.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("large JSON not compressed: %d %v", r.Code, r.Header())
	}
	if !strings.Contains(r.Header().Get("Vary"), "Accept-Encoding") {
		t.Errorf("Vary %q", r.Header().Get("Vary"))
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Items []string }
	if err := json.Unmarshal(plain, &out); err != nil || len(out.Items) != 500 {
		t.Fatalf("decompressed body: %d items, %v", len(out.Items), err)
	}
	if r.Body.Len() >= len(plain) {
		t.Errorf("compressed %d bytes >= plain %d", r.Body.Len(), len(plain))
	}

	// Not asked for, not given.
	r = do(h, "GET", "/api/v1/big", nil)
	if r.Header().Get("Content-Encoding") != "" {
		t.Fatalf("compressed without Accept-Encoding")
	}
	if _, ok := r.json(t)["items"]; !ok {
		t.Fatalf("plain body %s", r.Body.String()[:100])
	}
	// Small responses stay plain.
	r = do(h, "GET", "/healthz", nil, "Accept-Encoding", "gzip")
	if r.Header().Get("Content-Encoding") != "" || r.json(t)["status"] != "ok" {
		t.Fatalf("small response: %v %s", r.Header(), r.Body)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	s, logs := newServer(t, httpx.Options{})
	r := do(s.Engine, "GET", "/healthz", nil)
	if r.Code != 200 || r.json(t)["status"] != "ok" {
		t.Fatalf("healthz %d %s", r.Code, r.Body)
	}

	r = do(s.Engine, "GET", "/readyz", nil)
	if r.Code != 200 || r.json(t)["status"] != "ready" {
		t.Fatalf("readyz without checks: %d %s", r.Code, r.Body)
	}

	var cacheDown bool
	var mu sync.Mutex
	s.AddReadiness("database", func(ctx context.Context) error {
		if _, ok := ctx.Deadline(); !ok {
			return errors.New("check without a deadline")
		}
		return nil
	})
	s.AddReadiness("cache", func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if cacheDown {
			return errors.New("cache connection refused")
		}
		return nil
	})
	type ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	get := func() (int, ready) {
		r := do(s.Engine, "GET", "/readyz", nil)
		var out ready
		if err := json.Unmarshal(r.Body.Bytes(), &out); err != nil {
			t.Fatalf("readyz body %s", r.Body)
		}
		return r.Code, out
	}
	code, body := get()
	if code != 200 || body.Status != "ready" || body.Checks["database"] != "up" || body.Checks["cache"] != "up" {
		t.Fatalf("all up: %d %+v", code, body)
	}
	mu.Lock()
	cacheDown = true
	mu.Unlock()
	code, body = get()
	if code != 503 || body.Status != "not_ready" || body.Checks["database"] != "up" || body.Checks["cache"] != "down" {
		t.Fatalf("cache down: %d %+v", code, body)
	}
	if strings.Contains(do(s.Engine, "GET", "/readyz", nil).Body.String(), "refused") {
		t.Error("check error sent to the client")
	}
	if !strings.Contains(logs.String(), "cache connection refused") {
		t.Error("failed check not logged")
	}
	mu.Lock()
	cacheDown = false
	mu.Unlock()
	if code, _ := get(); code != 200 {
		t.Fatalf("recovered: %d", code)
	}
	// Re-registering a name replaces the check.
	s.AddReadiness("cache", func(context.Context) error { return errors.New("down") })
	if code, body := get(); code != 503 || len(body.Checks) != 2 {
		t.Fatalf("replaced check: %d %+v", code, body)
	}
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestMetricsUseRouteTemplates(t *testing.T) {
	s, logs := newServer(t, httpx.Options{})
	for _, id := range []string{"a1", "b2", "c3"} {
		do(s.Engine, "GET", "/api/v1/items/"+id, nil)
	}
	do(s.Engine, "GET", "/api/v1/plain", nil)
	do(s.Engine, "GET", "/no/such/path/42", nil)
	do(s.Engine, "GET", "/gin/who", nil)

	r := do(s.Engine, "GET", "/metrics", nil)
	if r.Code != 200 {
		t.Fatalf("metrics %d", r.Code)
	}
	m := r.Body.String()
	for _, want := range []string{
		`zuju_http_requests_total{method="GET",route="/api/v1/items/:id",status="200"} 3`,
		`zuju_http_requests_total{method="GET",route="/api/v1/plain",status="500"} 1`,
		`zuju_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`zuju_http_requests_total{method="GET",route="/gin/who",status="200"} 1`,
		`zuju_http_request_duration_seconds_count{method="GET",route="/api/v1/items/:id"} 3`,
		"go_goroutines",
		"process_",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s:\n%s", want, grepLines(m, "zuju_http_requests_total"))
		}
	}
	for _, raw := range []string{"a1", "/no/such/path"} {
		if strings.Contains(m, raw) {
			t.Errorf("raw path %q in metrics labels", raw)
		}
	}

	// The access log records the template and the raw path.
	var found bool
	for _, e := range logs.entries(t, "http request") {
		if e["path"] == "/api/v1/items/b2" {
			found = true
			if e["route"] != "/api/v1/items/:id" || e["method"] != "GET" || e["status"] != float64(200) || e["level"] != "INFO" {
				t.Errorf("access log %v", e)
			}
			for _, k := range []string{"request_id", "duration_ms", "bytes", "ip"} {
				if _, ok := e[k]; !ok {
					t.Errorf("access log lacks %s: %v", k, e)
				}
			}
		}
	}
	if !found {
		t.Errorf("no access log entry:\n%s", logs)
	}

	// Modules can add collectors to the registry.
	if s.Registry() == nil {
		t.Fatal("no registry")
	}
}

// fakeAuth resolves a few fixed tokens.
func fakeAuth(ctx context.Context, token string) (auth.Principal, error) {
	switch token {
	case "user-token":
		return auth.Principal{UserID: "u-user", SessionID: "s1", Roles: []auth.Role{auth.RoleUser}}, nil
	case "organizer-token":
		return auth.Principal{UserID: "u-org", SessionID: "s2", Roles: []auth.Role{auth.RoleUser, auth.RoleOrganizer}}, nil
	case "mod-token":
		return auth.Principal{UserID: "u-mod", SessionID: "s3", Roles: []auth.Role{auth.RoleUser, auth.RoleModerator}}, nil
	case "broken-token":
		return auth.Principal{}, errors.New("session store: dial tcp: connection refused")
	default:
		return auth.Principal{}, errs.Unauthorized("auth.token_invalid", "登录已失效，请重新登录")
	}
}

func TestAuthentication(t *testing.T) {
	s, _ := newServer(t, httpx.Options{Authenticate: fakeAuth})
	cases := []struct {
		name, path, header string
		status             int
		code, user         string
	}{
		{"public anonymous", "/api/v1/items/1", "", 200, "", ""},
		{"public anonymous gin", "/gin/who", "", 200, "", ""},
		{"public signed in", "/api/v1/items/1", "Bearer user-token", 200, "", "u-user"},
		{"public signed in gin", "/gin/who", "Bearer user-token", 200, "", "u-user"},
		{"token is trimmed", "/api/v1/items/1", "Bearer  user-token ", 200, "", "u-user"},
		{"bad token", "/api/v1/items/1", "Bearer forged", 401, "auth.token_invalid", ""},
		{"bad token on a public gin route", "/healthz", "Bearer forged", 401, "auth.token_invalid", ""},
		{"other scheme", "/api/v1/items/1", "Basic dXNlcjpwdw==", 401, "auth.unauthenticated", ""},
		{"empty bearer", "/api/v1/items/1", "Bearer ", 401, "auth.unauthenticated", ""},
		{"authenticator failure", "/api/v1/items/1", "Bearer broken-token", 500, "internal", ""},
		{"admin anonymous", "/api/v1/admin/stats", "", 401, "auth.unauthenticated", ""},
		{"admin root anonymous", "/api/v1/admin", "", 401, "auth.unauthenticated", ""},
		{"admin unknown path anonymous", "/api/v1/admin/not-a-route", "", 401, "auth.unauthenticated", ""},
		{"admin bad token", "/api/v1/admin/stats", "Bearer forged", 401, "auth.token_invalid", ""},
		{"admin plain user", "/api/v1/admin/stats", "Bearer user-token", 403, "auth.forbidden", ""},
		{"admin organizer", "/api/v1/admin", "Bearer organizer-token", 403, "auth.forbidden", ""},
		{"admin moderator", "/api/v1/admin/stats", "Bearer mod-token", 200, "", "u-mod"},
		{"admin root moderator", "/api/v1/admin", "Bearer mod-token", 200, "", "u-mod"},
		{"prefix look-alike is public", "/api/v1/administrators", "", 200, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.header != "" {
				hdr = []string{"Authorization", tc.header}
			}
			r := do(s.Engine, "GET", tc.path, nil, hdr...)
			if r.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Code, tc.status, r.Body)
			}
			wantChallenge := tc.status == 401
			if got := r.Header().Get("WWW-Authenticate"); (got != "") != wantChallenge || (wantChallenge && !strings.HasPrefix(got, "Bearer")) {
				t.Fatalf("WWW-Authenticate %q", got)
			}
			if tc.code != "" {
				p := r.problem(t)
				if p.Code != tc.code {
					t.Fatalf("code %q, want %q", p.Code, tc.code)
				}
				if strings.Contains(r.Body.String(), "connection refused") {
					t.Fatalf("cause leaked: %s", r.Body)
				}
				return
			}
			if tc.path == "/healthz" {
				return
			}
			if m := r.json(t); (m["user_id"] == nil && tc.user != "") || (m["user_id"] != nil && m["user_id"] != tc.user) {
				t.Fatalf("handler saw user %v, want %q", m["user_id"], tc.user)
			}
		})
	}
}

func TestAdminAPIClosedWithoutAuthenticator(t *testing.T) {
	s, _ := newServer(t, httpx.Options{})
	for _, hdr := range [][]string{nil, {"Authorization", "Bearer anything"}} {
		r := do(s.Engine, "GET", "/api/v1/admin/stats", nil, hdr...)
		if r.Code != 401 {
			t.Fatalf("admin without an authenticator (%v): %d %s", hdr, r.Code, r.Body)
		}
		if p := r.problem(t); p.Code != "auth.unauthenticated" {
			t.Fatalf("%+v", p)
		}
	}
	if r := do(s.Engine, "GET", "/api/v1/items/1", nil); r.Code != 200 {
		t.Fatalf("public route: %d", r.Code)
	}
}

func TestTrustedProxies(t *testing.T) {
	const clientIP = "203.0.113.7"
	cases := []struct {
		name    string
		trusted []string
		peer    string
		xff     string
		want    string
	}{
		{"trusted proxy CIDR", []string{"10.0.0.0/8"}, "10.1.2.3:4444", clientIP, clientIP},
		{"trusted proxy IP, chain", []string{"10.0.0.1"}, "10.0.0.1:4444", "198.51.100.1, " + clientIP, clientIP},
		{"untrusted peer", []string{"10.0.0.0/8"}, "192.0.2.10:4444", clientIP, "192.0.2.10"},
		{"no proxies configured", nil, "10.1.2.3:4444", clientIP, "10.1.2.3"},
		{"trusted peer without header", []string{"10.0.0.0/8"}, "10.1.2.3:4444", "", "10.1.2.3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newServer(t, httpx.Options{TrustedProxies: tc.trusted})
			for _, path := range []string{"/gin/who", "/api/v1/items/1"} {
				req := httptest.NewRequest("GET", path, nil)
				req.RemoteAddr = tc.peer
				if tc.xff != "" {
					req.Header.Set("X-Forwarded-For", tc.xff)
				}
				rec := httptest.NewRecorder()
				s.Engine.ServeHTTP(rec, req)
				if got := (response{rec}).json(t)["client_ip"]; got != tc.want {
					t.Fatalf("%s: client ip %v, want %s", path, got, tc.want)
				}
			}
		})
	}
	if _, err := httpx.New(httpx.Options{TrustedProxies: []string{"not-an-ip"}}); err == nil {
		t.Fatal("invalid trusted proxy accepted")
	}
}

func TestOpenAPIDocument(t *testing.T) {
	s, _ := newServer(t, httpx.Options{Title: "Zuju API", Version: "test"})
	doc := s.OpenAPI()
	if doc.Info.Title != "Zuju API" || doc.Info.Version != "test" {
		t.Fatalf("info %+v", doc.Info)
	}
	if doc.Paths["/api/v1/items/{id}"] == nil || doc.Paths["/items/{id}"] != nil {
		t.Fatalf("operations not under %s", httpx.APIPrefix)
	}
	if doc.Components.SecuritySchemes["bearer"] == nil {
		t.Fatal("no bearer security scheme")
	}
	r := do(s.Engine, "GET", "/openapi.json", nil)
	if r.Code != 200 || !strings.Contains(r.Body.String(), `"/api/v1/items/{id}"`) {
		t.Fatalf("/openapi.json: %d", r.Code)
	}
}

func TestServeGracefulShutdown(t *testing.T) {
	s, _ := newServer(t, httpx.Options{})
	started := make(chan struct{})
	var finished atomic.Bool
	s.Engine.GET("/slow", func(c *gin.Context) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		finished.Store(true)
		c.String(http.StatusOK, "finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- httpx.Serve(ctx, srv, ln, 5*time.Second) }()

	type result struct {
		code int
		body string
		err  error
	}
	resc := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			resc <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		resc <- result{res.StatusCode, string(b), err}
	}()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("slow request never reached the handler")
	}
	cancel()

	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
		if !finished.Load() {
			t.Fatal("Serve returned before the in-flight request finished")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after shutdown")
	}
	r := <-resc
	if r.err != nil || r.code != 200 || r.body != "finished" {
		t.Fatalf("in-flight request: %d %q %v", r.code, r.body, r.err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("listener still accepts connections after shutdown")
	}
}

func TestServeGraceExpires(t *testing.T) {
	s, _ := newServer(t, httpx.Options{})
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	s.Engine.GET("/stuck", func(c *gin.Context) {
		close(started)
		<-release
		c.Status(http.StatusOK)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := &http.Server{Handler: s.Engine, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- httpx.Serve(ctx, srv, ln, 100*time.Millisecond) }()
	go func() {
		if res, err := http.Get("http://" + ln.Addr().String() + "/stuck"); err == nil {
			res.Body.Close()
		}
	}()
	<-started
	cancel()
	select {
	case err := <-done:
		if err == nil || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Serve after an expired grace period: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve waited past its grace period")
	}
}

func TestServeReportsListenerErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	err = httpx.Serve(context.Background(), &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: time.Second}, ln, time.Second)
	if err == nil {
		t.Fatal("Serve on a closed listener returned nil")
	}
}

// Text no database keeps (not UTF-8, or NUL) is refused in the path, the
// query, text headers and JSON bodies with one problem code.
func TestInvalidTextIsRefused(t *testing.T) {
	s, _ := newServer(t, httpx.Options{})
	json := "application/json"
	for _, c := range []struct {
		name, method, target, body string
		header                     []string
	}{
		{"path not utf-8", "GET", "/api/v1/items/%FF%FE", "", nil},
		{"path with NUL", "GET", "/api/v1/items/a%00b", "", nil},
		{"gin route", "GET", "/gin/who?x=%00", "", nil},
		{"unknown route", "GET", "/nope/%FF", "", nil},
		{"query value", "GET", "/api/v1/items/x?q=%C3%28", "", nil},
		{"query name", "GET", "/api/v1/items/x?%00=1", "", nil},
		{"text header", "GET", "/api/v1/items/x", "", []string{"Idempotency-Key", "k\xff"}},
		{"body not utf-8", "POST", "/api/v1/echo", "{\"name\":\"\xff\"}", []string{"Content-Type", json}},
		{"body with NUL", "POST", "/api/v1/echo", `{"name":"a\u0000"}`, []string{"Content-Type", json}},
		{"body key with NUL", "POST", "/api/v1/echo", `{"name":"a","\u0000":1}`, []string{"Content-Type", json}},
		{"body without content type", "POST", "/api/v1/echo", `{"name":"\u0000"}`, nil},
		{"body with charset", "POST", "/api/v1/echo", `{"name":"\u0000"}`, []string{"Content-Type", json + "; charset=utf-8"}},
	} {
		r := do(s.Engine, c.method, c.target, strings.NewReader(c.body), c.header...)
		if r.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400: %s", c.name, r.Code, r.Body)
			continue
		}
		if p := r.problem(t); p.Code != "request.invalid_text" {
			t.Errorf("%s: code %q", c.name, p.Code)
		}
	}
	// Valid text passes, non-ASCII text everywhere (the app's tests send
	// an escaped backslash before u0000 too).
	for _, c := range []struct{ method, target, body string }{
		{"GET", "/api/v1/items/%E7%BB%84%E5%B1%80?q=%E7%AF%AE%E7%90%83", ""},
		{"POST", "/api/v1/echo", `{"name":"组局"}`},
	} {
		r := do(s.Engine, c.method, c.target, strings.NewReader(c.body), "Content-Type", json)
		if r.Code != http.StatusOK {
			t.Errorf("%s %s: status %d: %s", c.method, c.target, r.Code, r.Body)
		}
	}
	// Malformed JSON is still reported as such.
	r := do(s.Engine, "POST", "/api/v1/echo", strings.NewReader(`{"name":"\u0000`), "Content-Type", json)
	if p := r.problem(t); r.Code != http.StatusBadRequest || p.Code != "request.malformed" {
		t.Errorf("truncated body with \\u0000: %d %+v", r.Code, p)
	}
}
