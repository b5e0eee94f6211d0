package moderation

import (
	"context"
	"fmt"

	"github.com/zuju/zuju/internal/platform/textfilter"
	"github.com/zuju/zuju/internal/platform/wechat"
)

// TextChecker is WeChat's content-security text check
// (*wechat.MiniProgram).
type TextChecker interface {
	MsgSecCheck(ctx context.Context, in wechat.TextCheck) (wechat.Verdict, error)
}

// OpenIDs finds the WeChat openid of an account ("" when it has none); the
// users module answers.
type OpenIDs interface {
	WeChatOpenID(ctx context.Context, userID string) (string, error)
}

// WeChatProvider is the Provider of WeChat's msg_sec_check (version 2),
// which judges a text for the openid of its author: risky blocks the text,
// review holds it for review, pass lets it through. A text without a
// signed-in author, or by an account not bound to WeChat, is not checked
// (ErrNotChecked): WeChat only checks texts of users of the mini program.
type WeChatProvider struct {
	checker TextChecker
	openIDs OpenIDs
}

// NewWeChatProvider returns the provider over a WeChat client.
func NewWeChatProvider(c TextChecker, ids OpenIDs) *WeChatProvider {
	return &WeChatProvider{checker: c, openIDs: ids}
}

// Screen implements Provider.
func (p *WeChatProvider) Screen(ctx context.Context, s Submission) (textfilter.Action, error) {
	if s.UserID == "" {
		return textfilter.None, ErrNotChecked
	}
	openID, err := p.openIDs.WeChatOpenID(ctx, s.UserID)
	if err != nil {
		return textfilter.None, fmt.Errorf("openid of the author: %w", err)
	}
	if openID == "" {
		return textfilter.None, ErrNotChecked
	}
	v, err := p.checker.MsgSecCheck(ctx, wechat.TextCheck{Content: s.Text, OpenID: openID, Scene: wechat.Scene(s.Scene)})
	if err != nil {
		return textfilter.None, err
	}
	switch v.Suggest {
	case wechat.SuggestRisky:
		return textfilter.Block, nil
	case wechat.SuggestReview:
		return textfilter.Review, nil
	}
	return textfilter.None, nil
}
