package payments

import (
	"context"
	"errors"
	"log/slog"

	"github.com/zuju/zuju/internal/payments/wechatpay"
	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/errs"
)

// Payment channels.
const (
	ChannelWeChat  = "wechat"
	ChannelSandbox = "sandbox"
)

// Errors of paying an order.
var (
	ErrOrderExpired       = errs.Conflict("order.expired", "订单已过期，请重新下单")
	ErrChannelUnavailable = errs.Conflict("payment.channel_unavailable", "该支付方式暂不可用")
	ErrWeChatNotBound     = errs.Conflict("payment.wechat_not_bound", "请先在微信小程序中登录，绑定微信后再支付")
	ErrProviderDown       = errs.New(errs.KindUnavailable, "payment.provider_unavailable", "支付服务暂时不可用，请稍后再试")
	errWeChatStarted      = ErrChannelMismatch.WithDetail("该订单已发起微信支付，请在微信中完成支付")
	// ErrSandboxOff answers the sandbox routes when the sandbox is disabled.
	ErrSandboxOff = errs.NotFound("not_found", "页面不存在")
)

// Providers connects the payment channels.
type Providers struct {
	// WeChat is WeChat Pay (nil: not configured) and Payers the openids
	// it charges.
	WeChat WeChatPay
	Payers Payers
	// Sandbox turns the sandbox channel on (never in production);
	// SandboxURL is the pay page of an order (its token is added) and
	// SandboxKey signs the pages' tokens.
	Sandbox    bool
	SandboxURL func(orderNo string) string
	SandboxKey []byte
}

// SetProviders connects the payment channels.
func (s *Service) SetProviders(p Providers) { s.providers = p }

// SetRefundQueue connects the background refund runner.
func (s *Service) SetRefundQueue(q RefundQueue) { s.refunds = q }

// SetLogger sets the module's logger.
func (s *Service) SetLogger(l *slog.Logger) { s.logger = l }

// Channels lists the enabled payment channels.
func (s *Service) Channels() []string {
	var out []string
	if s.providers.WeChat != nil {
		out = append(out, ChannelWeChat)
	}
	if s.providers.Sandbox {
		out = append(out, ChannelSandbox)
	}
	return out
}

// Sandbox reports whether the sandbox channel is on.
func (s *Service) Sandbox() bool { return s.providers.Sandbox }

// OrderFor returns an order to its owner or an admin (ErrNotFound to
// anyone else).
func (s *Service) OrderFor(ctx context.Context, no string) (*Order, error) {
	o, _, err := s.callersOrder(ctx, no, true)
	return o, err
}

// callersOrder loads an order of the caller (or, with admins, of anyone).
func (s *Service) callersOrder(ctx context.Context, no string, admins bool) (*Order, auth.Principal, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, p, err
	}
	o, err := s.store.Order(ctx, no)
	if err != nil {
		return nil, p, err
	}
	if o.UserID != p.UserID && !(admins && p.IsAdmin()) {
		return nil, p, ErrNotFound
	}
	return o, p, nil
}

// PayResult is what the client needs to pay: the parameters of
// wx.requestPayment, or the sandbox's pay page.
type PayResult struct {
	Order      *Order
	WeChat     *wechatpay.RequestPayment
	SandboxURL string
}

// Pay starts paying the caller's pending order through channel. Asking
// again is safe (WeChat Pay returns the same prepay for the same order).
func (s *Service) Pay(ctx context.Context, no, channel string) (*PayResult, error) {
	o, p, err := s.callersOrder(ctx, no, false)
	if err != nil {
		return nil, err
	}
	now := s.now()
	switch {
	case o.Status != StatusPending:
		return nil, ErrBadTransition.WithDetail("订单" + statusText(o.Status) + "，无需支付")
	case !now.Before(o.ExpiresAt):
		return nil, ErrOrderExpired
	case channel == ChannelWeChat && s.providers.WeChat == nil, channel == ChannelSandbox && !s.providers.Sandbox,
		channel != ChannelWeChat && channel != ChannelSandbox:
		return nil, ErrChannelUnavailable
	case o.Channel == ChannelWeChat && channel != ChannelWeChat:
		return nil, errWeChatStarted
	}
	if ok, err := s.store.SetChannel(ctx, no, channel, now); err != nil {
		return nil, err
	} else if !ok {
		if cur, err := s.store.Order(ctx, no); err == nil && cur.Status == StatusPending {
			return nil, errWeChatStarted
		}
		return nil, ErrBadTransition
	}
	o.Channel = channel
	if channel == ChannelSandbox {
		return &PayResult{Order: o, SandboxURL: s.providers.SandboxURL(no) + "?t=" + s.SandboxToken(no)}, nil
	}
	openID := ""
	if s.providers.Payers != nil {
		if openID, err = s.providers.Payers.OpenID(ctx, p.UserID); err != nil {
			return nil, err
		}
	}
	if openID == "" {
		return nil, ErrWeChatNotBound
	}
	rp, err := s.providers.WeChat.Prepay(ctx, wechatpay.PrepayRequest{OutTradeNo: no, Description: truncate(o.Description, 127),
		AmountFen: o.AmountFen, OpenID: openID, ExpiresAt: o.ExpiresAt})
	if err != nil {
		s.log().Warn("wechat pay prepay failed", "order_no", no, "err", err)
		return nil, ErrProviderDown.Wrap(err)
	}
	return &PayResult{Order: o, WeChat: &rp}, nil
}

// statusText names a status in a sentence ("订单已支付").
func statusText(st Status) string {
	switch st {
	case StatusPaid, StatusRefunding, StatusRefunded, StatusPartiallyRefunded:
		return "已支付"
	case StatusClosed:
		return "已关闭"
	}
	return "状态已变化"
}

// truncate cuts s to at most n bytes on a rune boundary (WeChat Pay's
// description holds 127 bytes).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n]
}

func (s *Service) log() *slog.Logger {
	if s.logger == nil {
		return slog.Default()
	}
	return s.logger
}

// providerError tells whether err came from a provider call that may
// succeed later.
func providerError(err error) bool {
	return errors.Is(err, wechatpay.ErrCall)
}
