package moderation_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/moderation"
	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/textfilter"
	"github.com/zuju/zuju/internal/platform/wechat"
	"github.com/zuju/zuju/internal/platform/wechat/wechatfake"
)

// noWords is a Store without admin words.
type noWords struct{ moderation.Store }

func (noWords) Words(context.Context) ([]moderation.Word, error) { return nil, nil }
func (noWords) Version(context.Context) (int64, error)           { return 0, nil }

// openIDs maps accounts to openids; a missing account is an error.
type openIDs map[string]string

func (m openIDs) WeChatOpenID(_ context.Context, id string) (string, error) {
	if v, ok := m[id]; ok {
		return v, nil
	}
	return "", errors.New("no such account")
}

type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// pipeline is the moderation service over the starter words plus 傻逼 as a
// replace word, with WeChat's check against a fake WeChat server.
func pipeline(t *testing.T, timeout time.Duration) (*moderation.Service, *wechatfake.Server, *logBuffer) {
	t.Helper()
	fake := wechatfake.New(t)
	fake.SetVerdict("线上赌场", "risky")
	fake.SetVerdict("日结兼职", "review")
	logs := &logBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	mp, err := wechat.NewMiniProgram(wechat.Config{AppID: fake.AppID(), Secret: fake.Secret(), BaseURL: fake.URL()}, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	words := append(textfilter.DefaultWords(), textfilter.Word{Text: "傻逼", Action: textfilter.Replace})
	s := moderation.NewService(noWords{}, words, time.Now, func() string { return "id" }, log)
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.SetProvider(moderation.NewWeChatProvider(mp, openIDs{"u1": "o_u1", "u2": ""}), timeout)
	return s, fake, logs
}

func as(userID string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{UserID: userID, SessionID: "s"})
}

// WeChat's verdict comes after the words: risky blocks, review holds, pass
// keeps the words' verdict and masks; a text the words block is not sent.
func TestWeChatProviderAfterTheWords(t *testing.T) {
	s, fake, _ := pipeline(t, 0)
	ctx := as("u1")
	cases := []struct {
		text   string
		scene  moderation.Scene
		action textfilter.Action
		masked string
	}{
		{"周末一起爬香山", moderation.SceneForum, textfilter.None, "周末一起爬香山"},
		{"来线上赌场玩", moderation.SceneForum, textfilter.Block, ""},
		{"招日结兼职", moderation.SceneComment, textfilter.Review, ""},
		{"傻逼才不来", moderation.SceneSocial, textfilter.Replace, "**才不来"},
		{"傻逼日结兼职", moderation.SceneProfile, textfilter.Review, "**日结兼职"},
	}
	for _, c := range cases {
		r := s.CheckContext(ctx, c.text, c.scene)
		if r.Action != c.action || (c.masked != "" && r.Text != c.masked) {
			t.Errorf("%q: %v %q, want %v %q", c.text, r.Action, r.Text, c.action, c.masked)
		}
	}
	checks := fake.TextChecks()
	if len(checks) != len(cases) {
		t.Fatalf("%d texts reached WeChat, want %d", len(checks), len(cases))
	}
	for i, c := range checks {
		if c.OpenID != "o_u1" || c.Scene != int(cases[i].scene) || c.Content != cases[i].text || c.Version != 2 {
			t.Errorf("check %d: %+v", i, c)
		}
	}

	// Blocked by the words: WeChat is not asked.
	if r := s.CheckContext(ctx, "网络赌博", moderation.SceneForum); r.Action != textfilter.Block {
		t.Fatalf("words: %v", r.Action)
	}
	// Check alone never leaves the process.
	if r := s.Check("来线上赌场玩"); r.Action != textfilter.None {
		t.Fatalf("Check asked the provider: %v", r.Action)
	}
	if n := len(fake.TextChecks()); n != len(cases) {
		t.Fatalf("%d checks after a blocked text and a plain Check", n)
	}
}

// Texts WeChat cannot judge are not sent: nobody signed in, an account not
// bound to WeChat.
func TestWeChatProviderNeedsAnOpenID(t *testing.T) {
	s, fake, logs := pipeline(t, 0)
	for _, ctx := range []context.Context{context.Background(), as("u2")} {
		if r := s.CheckContext(ctx, "来线上赌场玩", moderation.SceneProfile); r.Action != textfilter.None {
			t.Fatalf("unchecked text: %v", r.Action)
		}
	}
	if n := fake.TotalRequests(); n != 0 {
		t.Fatalf("%d requests to WeChat", n)
	}
	if strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Fatalf("a skipped check warned:\n%s", logs)
	}
}

// The provider fails open: an outage, a quota, a slow server or a failed
// openid lookup leaves the words' verdict (and masking) in force, logged
// as a warning without the text; nothing is blocked for it.
func TestWeChatProviderFailsOpen(t *testing.T) {
	s, fake, logs := pipeline(t, 300*time.Millisecond)
	ctx := as("u1")
	check := func(what string) {
		t.Helper()
		if r := s.CheckContext(ctx, "来线上赌场玩", moderation.SceneForum); r.Action != textfilter.None {
			t.Errorf("%s: %v", what, r.Action)
		}
		if r := s.CheckContext(ctx, "傻逼", moderation.SceneForum); r.Action != textfilter.Replace || r.Text != "**" {
			t.Errorf("%s: the words' verdict: %v %q", what, r.Action, r.Text)
		}
		if r := s.CheckContext(ctx, "网络赌博", moderation.SceneForum); r.Action != textfilter.Block {
			t.Errorf("%s: a blocked word passed: %v", what, r.Action)
		}
	}
	fake.SetOutage(true)
	check("outage")
	fake.SetOutage(false)
	fake.SetRateLimited(true)
	check("rate limited")
	fake.SetRateLimited(false)

	fake.SetDelay(5 * time.Second)
	start := time.Now()
	check("slow")
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("slow provider held the texts %v", d)
	}
	fake.SetDelay(0)

	if r := s.CheckContext(as("gone"), "来线上赌场玩", moderation.SceneForum); r.Action != textfilter.None {
		t.Errorf("openid lookup failed: %v", r.Action)
	}
	out := logs.String()
	if n := strings.Count(out, "content check failed"); n < 7 {
		t.Errorf("%d failures logged:\n%s", n, out)
	}
	if strings.Contains(out, "线上赌场") || strings.Contains(out, "fake_token_") {
		t.Errorf("the log shows a text or a token:\n%s", out)
	}

	// Recovered: WeChat's verdict applies again.
	if r := s.CheckContext(ctx, "来线上赌场玩", moderation.SceneForum); r.Action != textfilter.Block {
		t.Fatalf("after recovery: %v", r.Action)
	}
}
