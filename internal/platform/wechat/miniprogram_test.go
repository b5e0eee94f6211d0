package wechat_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/zuju/zuju/internal/platform/wechat"
	"github.com/zuju/zuju/internal/platform/wechat/wechatfake"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harness is a MiniProgram talking to a fake, whose log output is checked
// for forbidden values when the test ends.
type harness struct {
	fake      *wechatfake.Server
	mp        *wechat.MiniProgram
	logs      *syncBuffer
	forbidden []string
}

func newHarness(t *testing.T, client *http.Client) *harness {
	t.Helper()
	fake := wechatfake.New(t)
	h := &harness{fake: fake, logs: &syncBuffer{}, forbidden: []string{fake.Secret()}}
	logger := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	mp, err := wechat.NewMiniProgram(wechat.Config{AppID: fake.AppID(), Secret: fake.Secret(), BaseURL: fake.URL()}, client, logger)
	if err != nil {
		t.Fatalf("NewMiniProgram: %v", err)
	}
	h.mp = mp
	t.Cleanup(func() {
		out := h.logs.String()
		for _, f := range h.forbidden {
			if f != "" && strings.Contains(out, f) {
				t.Errorf("log output contains forbidden value %q:\n%s", f, out)
			}
		}
		if strings.Contains(out, "fake_token_") {
			t.Errorf("log output contains an access token:\n%s", out)
		}
	})
	return h
}

// addCode registers a login code and marks it as forbidden in logs.
func (h *harness) addCode(code, openID, unionID string) {
	h.fake.AddCode(code, openID, unionID)
	h.forbidden = append(h.forbidden, code)
}

// checkClean fails when err's text reveals the secret or the given values.
func (h *harness) checkClean(t *testing.T, err error, values ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, v := range append([]string{h.fake.Secret(), "fake_token_", "secret="}, values...) {
		if strings.Contains(err.Error(), v) {
			t.Errorf("error %q reveals %q", err, v)
		}
	}
}

func TestCode2SessionSuccess(t *testing.T) {
	h := newHarness(t, nil)
	h.addCode("code-ok-1", "openid-1", "unionid-1")
	h.addCode("code-ok-2", "openid-2", "")

	s, err := h.mp.Code2Session(context.Background(), "code-ok-1")
	if err != nil {
		t.Fatalf("Code2Session: %v", err)
	}
	if s.OpenID != "openid-1" || s.UnionID != "unionid-1" || s.SessionKey == "" {
		t.Fatalf("session = %+v", s)
	}
	h.forbidden = append(h.forbidden, s.SessionKey)
	if strings.Contains(s.String(), s.SessionKey) || strings.Contains(fmt.Sprint(s), s.SessionKey) {
		t.Errorf("Session.String reveals the session key: %s", s)
	}

	s2, err := h.mp.Code2Session(context.Background(), "code-ok-2")
	if err != nil {
		t.Fatalf("Code2Session without unionid: %v", err)
	}
	if s2.OpenID != "openid-2" || s2.UnionID != "" {
		t.Fatalf("session = %+v", s2)
	}
	h.forbidden = append(h.forbidden, s2.SessionKey)
	if got := h.fake.Requests(wechatfake.PathCode2Session); got != 2 {
		t.Errorf("code2session requests = %d, want 2", got)
	}
}

func TestCode2SessionEscapesCode(t *testing.T) {
	h := newHarness(t, nil)
	code := "a+b&appid=other/="
	h.addCode(code, "openid-x", "")
	s, err := h.mp.Code2Session(context.Background(), code)
	if err != nil {
		t.Fatalf("Code2Session: %v", err)
	}
	if s.OpenID != "openid-x" {
		t.Fatalf("openid = %q", s.OpenID)
	}
}

func TestCode2SessionInvalidCode(t *testing.T) {
	h := newHarness(t, nil)
	_, err := h.mp.Code2Session(context.Background(), "unknown-code")
	if !errors.Is(err, wechat.ErrInvalidCode) {
		t.Fatalf("err = %v, want ErrInvalidCode", err)
	}
	var apiErr *wechat.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 40029 {
		t.Fatalf("err = %#v, want APIError 40029", err)
	}
	if errors.Is(err, wechat.ErrRateLimited) || errors.Is(err, wechat.ErrUnavailable) {
		t.Errorf("invalid code also matches another sentinel: %v", err)
	}
	h.checkClean(t, err, "unknown-code")
}

func TestCode2SessionMalformedCodeSendsNothing(t *testing.T) {
	h := newHarness(t, nil)
	for _, code := range []string{"", "with space", "new\nline", strings.Repeat("x", 600)} {
		if _, err := h.mp.Code2Session(context.Background(), code); !errors.Is(err, wechat.ErrInvalidCode) {
			t.Errorf("Code2Session(%q) err = %v, want ErrInvalidCode", code, err)
		}
		if _, err := h.mp.GetPhoneNumber(context.Background(), code); !errors.Is(err, wechat.ErrInvalidCode) {
			t.Errorf("GetPhoneNumber(%q) err = %v, want ErrInvalidCode", code, err)
		}
	}
	if n := h.fake.TotalRequests(); n != 0 {
		t.Errorf("fake received %d requests, want 0", n)
	}
}

func TestCode2SessionReusedCode(t *testing.T) {
	h := newHarness(t, nil)
	h.addCode("once", "openid-1", "")
	if _, err := h.mp.Code2Session(context.Background(), "once"); err != nil {
		t.Fatalf("first use: %v", err)
	}
	_, err := h.mp.Code2Session(context.Background(), "once")
	if !errors.Is(err, wechat.ErrInvalidCode) {
		t.Fatalf("second use err = %v, want ErrInvalidCode", err)
	}
	var apiErr *wechat.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 40163 {
		t.Fatalf("err = %v, want errcode 40163", err)
	}
	h.checkClean(t, err, "once")
}

func TestCode2SessionRateLimited(t *testing.T) {
	h := newHarness(t, nil)
	h.addCode("code-1", "openid-1", "")
	h.fake.SetRateLimited(true)
	_, err := h.mp.Code2Session(context.Background(), "code-1")
	if !errors.Is(err, wechat.ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	h.checkClean(t, err, "code-1")

	h.fake.SetRateLimited(false)
	if _, err := h.mp.Code2Session(context.Background(), "code-1"); err != nil {
		t.Fatalf("after the limit lifted: %v", err)
	}
}

func TestCode2SessionOutage(t *testing.T) {
	h := newHarness(t, nil)
	h.addCode("code-1", "openid-1", "")
	h.fake.SetOutage(true)
	_, err := h.mp.Code2Session(context.Background(), "code-1")
	if !errors.Is(err, wechat.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("err = %v, want the HTTP status in it", err)
	}
	h.checkClean(t, err, "code-1")
	if !strings.Contains(h.logs.String(), "wechat call failed") {
		t.Errorf("failure not logged: %s", h.logs.String())
	}
}

func TestCode2SessionContextDeadline(t *testing.T) {
	h := newHarness(t, nil)
	h.addCode("code-1", "openid-1", "")
	h.fake.SetDelay(5 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := h.mp.Code2Session(ctx, "code-1")
	if !errors.Is(err, wechat.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v despite the deadline", d)
	}
	h.checkClean(t, err, "code-1")
}

func TestCode2SessionClientTimeout(t *testing.T) {
	h := newHarness(t, &http.Client{Timeout: 100 * time.Millisecond})
	h.addCode("code-1", "openid-1", "")
	h.fake.SetDelay(5 * time.Second)
	_, err := h.mp.Code2Session(context.Background(), "code-1")
	if !errors.Is(err, wechat.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	h.checkClean(t, err, "code-1")
}

func TestCode2SessionCanceled(t *testing.T) {
	h := newHarness(t, nil)
	h.addCode("code-1", "openid-1", "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := h.mp.Code2Session(ctx, "code-1")
	if !errors.Is(err, context.Canceled) || errors.Is(err, wechat.ErrUnavailable) {
		t.Fatalf("err = %v, want context.Canceled only", err)
	}
}

func TestCode2SessionServerDown(t *testing.T) {
	fake := wechatfake.New(t)
	// Nothing listens on port 1 of the loopback address.
	mp, err := wechat.NewMiniProgram(wechat.Config{AppID: fake.AppID(), Secret: fake.Secret(), BaseURL: "http://127.0.0.1:1"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = mp.Code2Session(context.Background(), "code-1")
	if !errors.Is(err, wechat.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	for _, v := range []string{fake.Secret(), "secret=", "code-1"} {
		if strings.Contains(err.Error(), v) {
			t.Errorf("error %q reveals %q", err, v)
		}
	}
}

func TestWrongSecret(t *testing.T) {
	fake := wechatfake.New(t)
	fake.AddCode("code-1", "openid-1", "")
	fake.AddPhoneCode("phone-1", "13800001234")
	wrong := "wrong-secret-value"
	mp, err := wechat.NewMiniProgram(wechat.Config{AppID: fake.AppID(), Secret: wrong, BaseURL: fake.URL()}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = mp.Code2Session(context.Background(), "code-1")
	var apiErr *wechat.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 40125 {
		t.Fatalf("err = %v, want errcode 40125", err)
	}
	_, err = mp.GetPhoneNumber(context.Background(), "phone-1")
	if !errors.As(err, &apiErr) || apiErr.Code != 40125 || apiErr.Endpoint != wechatfake.PathStableToken {
		t.Fatalf("err = %v, want errcode 40125 from the token endpoint", err)
	}
	for _, e := range []error{err} {
		if strings.Contains(e.Error(), wrong) || strings.Contains(e.Error(), fake.Secret()) {
			t.Errorf("error reveals a secret: %v", e)
		}
	}
}

func TestGetPhoneNumber(t *testing.T) {
	h := newHarness(t, nil)
	h.fake.AddPhoneCode("phone-1", "13800001234")
	h.fake.AddPhoneCode("phone-2", "13900005678")

	got, err := h.mp.GetPhoneNumber(context.Background(), "phone-1")
	if err != nil {
		t.Fatalf("GetPhoneNumber: %v", err)
	}
	if got != "13800001234" {
		t.Fatalf("phone = %q", got)
	}
	if got, err := h.mp.GetPhoneNumber(context.Background(), "phone-2"); err != nil || got != "13900005678" {
		t.Fatalf("second GetPhoneNumber = %q, %v", got, err)
	}
	if n := h.fake.Requests(wechatfake.PathStableToken); n != 1 {
		t.Errorf("stable_token requests = %d, want 1 (cached)", n)
	}
	h.forbidden = append(h.forbidden, "13800001234", "13900005678", "phone-1", "phone-2")

	_, err = h.mp.GetPhoneNumber(context.Background(), "phone-1")
	if !errors.Is(err, wechat.ErrInvalidCode) {
		t.Fatalf("reused phone code err = %v, want ErrInvalidCode", err)
	}
	h.checkClean(t, err, "phone-1")
}

func TestGetPhoneNumberRefreshesRejectedToken(t *testing.T) {
	h := newHarness(t, nil)
	h.fake.AddPhoneCode("phone-1", "13800001234")
	h.fake.AddPhoneCode("phone-2", "13900005678")
	if _, err := h.mp.GetPhoneNumber(context.Background(), "phone-1"); err != nil {
		t.Fatal(err)
	}
	h.fake.InvalidateTokens()
	got, err := h.mp.GetPhoneNumber(context.Background(), "phone-2")
	if err != nil {
		t.Fatalf("GetPhoneNumber after the token was invalidated: %v", err)
	}
	if got != "13900005678" {
		t.Fatalf("phone = %q", got)
	}
	if n := h.fake.Requests(wechatfake.PathStableToken); n != 2 {
		t.Errorf("stable_token requests = %d, want 2", n)
	}
	if n := h.fake.Requests(wechatfake.PathPhoneNumber); n != 3 {
		t.Errorf("getuserphonenumber requests = %d, want 3", n)
	}
}

func TestGetPhoneNumberRateLimitedAndOutage(t *testing.T) {
	h := newHarness(t, nil)
	h.fake.AddPhoneCode("phone-1", "13800001234")
	h.fake.SetRateLimited(true)
	if _, err := h.mp.GetPhoneNumber(context.Background(), "phone-1"); !errors.Is(err, wechat.ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	h.fake.SetRateLimited(false)
	h.fake.SetOutage(true)
	_, err := h.mp.GetPhoneNumber(context.Background(), "phone-1")
	if !errors.Is(err, wechat.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	h.checkClean(t, err, "phone-1")
}

func TestConcurrentCalls(t *testing.T) {
	h := newHarness(t, nil)
	const n = 16
	for i := range n {
		h.fake.AddPhoneCode(fmt.Sprintf("phone-%d", i), fmt.Sprintf("138%08d", i))
		h.addCode(fmt.Sprintf("login-%d", i), fmt.Sprintf("openid-%d", i), "")
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			if _, err := h.mp.GetPhoneNumber(context.Background(), fmt.Sprintf("phone-%d", i)); err != nil {
				errs <- err
			}
		})
		wg.Go(func() {
			if _, err := h.mp.Code2Session(context.Background(), fmt.Sprintf("login-%d", i)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestBaseURLPathPrefix(t *testing.T) {
	fake := wechatfake.New(t)
	fake.AddCode("code-1", "openid-1", "")
	var seen []string
	var mu sync.Mutex
	// A client whose transport strips the prefix shows the prefix was sent.
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		seen = append(seen, r.URL.Path)
		mu.Unlock()
		r2 := r.Clone(r.Context())
		r2.URL.Path = strings.TrimPrefix(r.URL.Path, "/wx")
		return http.DefaultTransport.RoundTrip(r2)
	})}
	mp, err := wechat.NewMiniProgram(wechat.Config{AppID: fake.AppID(), Secret: fake.Secret(), BaseURL: fake.URL() + "/wx/"}, client, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mp.Code2Session(context.Background(), "code-1"); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != "/wx"+wechatfake.PathCode2Session {
		t.Fatalf("paths sent = %v", seen)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestNewMiniProgramValidates(t *testing.T) {
	cases := []wechat.Config{
		{Secret: "s"},
		{AppID: "wx1"},
		{AppID: "wx1", Secret: "s", BaseURL: "ftp://example.com"},
		{AppID: "wx1", Secret: "s", BaseURL: "http://"},
		{AppID: "wx1", Secret: "s", BaseURL: "http://example.com/?x=1"},
	}
	for _, cfg := range cases {
		if _, err := wechat.NewMiniProgram(cfg, nil, nil); err == nil {
			t.Errorf("NewMiniProgram(%v) succeeded", cfg)
		} else if cfg.Secret != "" && strings.Contains(err.Error(), "secret-value") {
			t.Errorf("error reveals the secret: %v", err)
		}
	}
	if _, err := wechat.NewMiniProgram(wechat.Config{AppID: "wx1", Secret: "s"}, nil, nil); err != nil {
		t.Errorf("default BaseURL: %v", err)
	}
}

func TestConfigNeverPrintsSecret(t *testing.T) {
	cfg := wechat.Config{AppID: "wx1", Secret: "top-secret-value", BaseURL: wechat.DefaultBaseURL}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "wechat", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), cfg.String(), buf.String()} {
		if strings.Contains(s, "top-secret-value") {
			t.Errorf("secret printed: %s", s)
		}
	}
}

func TestQuietLibraryLogs(t *testing.T) {
	fake := wechatfake.New(t)
	if _, err := wechat.NewMiniProgram(wechat.Config{AppID: fake.AppID(), Secret: fake.Secret(), BaseURL: fake.URL()}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if lvl := logrus.GetLevel(); lvl > logrus.WarnLevel {
		t.Errorf("logrus level = %v, want warn or quieter", lvl)
	}
	if out := logrus.StandardLogger().Out; out != io.Discard {
		t.Errorf("logrus output = %T, want io.Discard", out)
	}
}

func TestGetPhoneNumberContextDeadline(t *testing.T) {
	h := newHarness(t, nil)
	h.fake.AddPhoneCode("phone-1", "13800001234")
	h.fake.SetDelay(5 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := h.mp.GetPhoneNumber(ctx, "phone-1")
	if !errors.Is(err, wechat.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v despite the deadline", d)
	}
	h.checkClean(t, err, "phone-1")
}
