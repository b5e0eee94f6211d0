package app

import (
	"context"
	"errors"

	"github.com/zuju/zuju/internal/platform/wechat"
	"github.com/zuju/zuju/internal/users"
)

// wechatLogin adapts the WeChat client to the users module's port.
type wechatLogin struct{ mp *wechat.MiniProgram }

func (w wechatLogin) Code2Session(ctx context.Context, code string) (users.WeChatIdentity, error) {
	s, err := w.mp.Code2Session(ctx, code)
	switch {
	case err == nil:
		return users.WeChatIdentity{OpenID: s.OpenID, UnionID: s.UnionID}, nil
	case errors.Is(err, wechat.ErrInvalidCode), errors.Is(err, wechat.ErrUserBlocked):
		return users.WeChatIdentity{}, users.ErrWeChatCode.Wrap(err)
	default:
		return users.WeChatIdentity{}, users.ErrWeChatUnavailable.Wrap(err)
	}
}

func (w wechatLogin) PhoneNumber(ctx context.Context, code string) (string, error) {
	p, err := w.mp.GetPhoneNumber(ctx, code)
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, wechat.ErrInvalidCode):
		return "", users.ErrWeChatCode.Wrap(err)
	default:
		return "", users.ErrWeChatUnavailable.Wrap(err)
	}
}
