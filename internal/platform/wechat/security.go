package wechat

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/silenceper/wechat/v2/miniprogram/security"
)

// Content security (内容安全): the text check of the mini program,
// security.msgSecCheck version 2.

const opMsgSecCheck = "msg_sec_check"

// PathMsgSecCheck is the API path of the text check.
const PathMsgSecCheck = "/wxa/msg_sec_check"

// MaxCheckRunes is the longest content one msg_sec_check call takes;
// MsgSecCheck checks longer texts in pieces of this size.
const MaxCheckRunes = 2500

// Scene is what a checked text is (WeChat's scene values).
type Scene uint8

// Scenes of msg_sec_check.
const (
	SceneProfile Scene = 1 // 资料: nickname, bio, names
	SceneComment Scene = 2 // 评论
	SceneForum   Scene = 3 // 论坛: posts
	SceneSocial  Scene = 4 // 社交日志: chat and activity texts
)

// Suggest is WeChat's verdict on a text.
type Suggest string

// Verdicts of msg_sec_check.
const (
	SuggestPass   Suggest = "pass"
	SuggestReview Suggest = "review"
	SuggestRisky  Suggest = "risky"
)

// worse reports whether a is a more severe verdict than b.
func (a Suggest) worse(b Suggest) bool {
	rank := func(s Suggest) int {
		switch s {
		case SuggestRisky:
			return 2
		case SuggestReview:
			return 1
		}
		return 0
	}
	return rank(a) > rank(b)
}

// TextCheck is one text to check.
type TextCheck struct {
	// Content is the text (UTF-8).
	Content string
	// OpenID is the author's openid in this mini program; WeChat requires
	// one of a user who used the mini program in the last two hours.
	OpenID string
	// Scene is what the text is.
	Scene Scene
}

// Verdict is WeChat's answer on a text.
type Verdict struct {
	Suggest Suggest
	// Label is WeChat's label of what was found (100 normal, 10001 ad,
	// 20001 politics, 20002 porn, 20003 abuse, 20006 crime, 20008 fraud,
	// 20012 vulgar, 20013 copyright, 21000 other).
	Label int
	// TraceID identifies the check at WeChat.
	TraceID string
}

// ErrBadCheck means the text check was asked without content, openid or a
// known scene; nothing was sent.
var ErrBadCheck = errors.New("content, openid and scene are required")

// MsgSecCheck asks WeChat whether a text is acceptable
// (security.msgSecCheck, version 2). A text longer than MaxCheckRunes is
// checked in pieces and the most severe verdict wins. Errors are like
// GetPhoneNumber's (ErrRateLimited, ErrUnavailable, *APIError); an answer
// without a known suggest is an error too, so a caller never mistakes a
// malformed answer for a pass.
func (m *MiniProgram) MsgSecCheck(ctx context.Context, in TextCheck) (Verdict, error) {
	if in.Content == "" || in.OpenID == "" || in.Scene < SceneProfile || in.Scene > SceneSocial {
		return Verdict{}, fmt.Errorf("wechat: %s: %w", opMsgSecCheck, ErrBadCheck)
	}
	var worst Verdict
	for i, piece := range pieces(in.Content, MaxCheckRunes) {
		v, err := m.msgSecCheck(ctx, in, piece)
		if err != nil {
			return Verdict{}, err
		}
		if i == 0 || v.Suggest.worse(worst.Suggest) {
			worst = v
		}
	}
	return worst, nil
}

func (m *MiniProgram) msgSecCheck(ctx context.Context, in TextCheck, content string) (Verdict, error) {
	var res security.MsgCheckResponse
	err := m.call(ctx, opMsgSecCheck, true, nil, func(ctx context.Context) error {
		var err error
		res, err = m.lib.GetSecurity().MsgCheckContext(ctx, &security.MsgCheckRequest{
			OpenID: in.OpenID, Scene: security.MsgScene(in.Scene), Content: content,
		})
		return err
	})
	if err != nil {
		return Verdict{}, err
	}
	v := Verdict{Suggest: Suggest(res.Result.Suggest), Label: int(res.Result.Label), TraceID: res.TraceID}
	switch v.Suggest {
	case SuggestPass, SuggestReview, SuggestRisky:
		return v, nil
	}
	err = fmt.Errorf("wechat: %s: answer with suggest %q", opMsgSecCheck, v.Suggest)
	m.logFailure(ctx, opMsgSecCheck, err, 0)
	return Verdict{}, err
}

// pieces cuts s into parts of at most n runes.
func pieces(s string, n int) []string {
	var out []string
	for utf8.RuneCountInString(s) > n {
		cut, i := 0, 0
		for j := range s {
			if i == n {
				cut = j
				break
			}
			i++
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}
