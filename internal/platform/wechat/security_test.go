package wechat_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/platform/wechat"
	"github.com/zuju/zuju/internal/platform/wechat/wechatfake"
)

// The text check sends version 2 with content, scene and openid, and reads
// the three verdicts.
func TestMsgSecCheckVerdicts(t *testing.T) {
	h := newHarness(t, nil)
	h.fake.SetVerdict("赌场", "risky")
	h.fake.SetVerdict("兼职", "review")
	ctx := context.Background()
	for text, want := range map[string]wechat.Suggest{
		"周末一起去爬山":   wechat.SuggestPass,
		"线上赌场日进斗金":  wechat.SuggestRisky,
		"招聘兼职，日结工资": wechat.SuggestReview,
	} {
		v, err := h.mp.MsgSecCheck(ctx, wechat.TextCheck{Content: text, OpenID: "o_user_1", Scene: wechat.SceneProfile})
		if err != nil || v.Suggest != want || v.TraceID == "" {
			t.Errorf("%q: %+v %v, want %s", text, v, err, want)
		}
	}
	checks := h.fake.TextChecks()
	if len(checks) != 3 {
		t.Fatalf("%d checks reached the fake", len(checks))
	}
	for _, c := range checks {
		if c.Version != 2 || c.OpenID != "o_user_1" || c.Scene != int(wechat.SceneProfile) || c.Content == "" {
			t.Errorf("request %+v", c)
		}
	}
	// One access token served all three.
	if n := h.fake.Requests(wechatfake.PathStableToken); n != 1 {
		t.Errorf("%d token requests", n)
	}
}

// A text longer than one call takes is checked in pieces; the worst verdict
// wins wherever it stands.
func TestMsgSecCheckLongText(t *testing.T) {
	h := newHarness(t, nil)
	h.fake.SetVerdict("赌场", "risky")
	text := strings.Repeat("好", wechat.MaxCheckRunes) + strings.Repeat("好", 10) + "赌场"
	v, err := h.mp.MsgSecCheck(context.Background(), wechat.TextCheck{Content: text, OpenID: "o1", Scene: wechat.SceneForum})
	if err != nil || v.Suggest != wechat.SuggestRisky {
		t.Fatalf("%+v %v", v, err)
	}
	checks := h.fake.TextChecks()
	if len(checks) != 2 || len([]rune(checks[0].Content)) != wechat.MaxCheckRunes || checks[1].Content != strings.Repeat("好", 10)+"赌场" {
		t.Fatalf("pieces: %d", len(checks))
	}
}

// Failures are errors, never a pass: an outage, a rate limit, a rejected
// token fetched again, a malformed request (nothing sent), a deadline.
func TestMsgSecCheckFailures(t *testing.T) {
	h := newHarness(t, &http.Client{Timeout: 2 * time.Second})
	ctx := context.Background()
	in := wechat.TextCheck{Content: "你好", OpenID: "o1", Scene: wechat.SceneComment}

	h.fake.SetOutage(true)
	if _, err := h.mp.MsgSecCheck(ctx, in); !errors.Is(err, wechat.ErrUnavailable) {
		t.Fatalf("outage: %v", err)
	}
	h.fake.SetOutage(false)

	h.fake.SetRateLimited(true)
	if _, err := h.mp.MsgSecCheck(ctx, in); !errors.Is(err, wechat.ErrRateLimited) {
		t.Fatalf("rate limited: %v", err)
	}
	h.fake.SetRateLimited(false)

	if v, err := h.mp.MsgSecCheck(ctx, in); err != nil || v.Suggest != wechat.SuggestPass {
		t.Fatalf("after recovery: %+v %v", v, err)
	}
	h.fake.InvalidateTokens()
	if v, err := h.mp.MsgSecCheck(ctx, in); err != nil || v.Suggest != wechat.SuggestPass {
		t.Fatalf("stale token: %+v %v", v, err)
	}

	before := h.fake.TotalRequests()
	for _, bad := range []wechat.TextCheck{{OpenID: "o1", Scene: 1}, {Content: "x", Scene: 1}, {Content: "x", OpenID: "o1", Scene: 9}} {
		if _, err := h.mp.MsgSecCheck(ctx, bad); !errors.Is(err, wechat.ErrBadCheck) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if h.fake.TotalRequests() != before {
		t.Error("a malformed check was sent")
	}

	h.fake.SetDelay(time.Second)
	dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err := h.mp.MsgSecCheck(dctx, in)
	if !errors.Is(err, wechat.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline: %v", err)
	}
	h.checkClean(t, err)
}
