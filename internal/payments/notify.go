package payments

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/zuju/zuju/internal/payments/wechatpay"
	"github.com/zuju/zuju/internal/platform/auth"
)

// Notification handling. WeChat Pay's callbacks and the sandbox's
// completion take one path: a verified report of a trade (or of a refund)
// is checked against the order — number, amount, currency, state — and
// applied with one conditional UPDATE, so however often or concurrently it
// arrives the order changes once and emits one event.

// Reply is how a notification was answered: the HTTP status WeChat Pay
// reads (2xx stops its retries) and a short message.
type Reply struct {
	Status  int
	Message string
}

var (
	replyOK       = Reply{Status: http.StatusNoContent}
	replyRejected = Reply{Status: http.StatusUnauthorized, Message: "签名验证失败"}
	replyUnknown  = Reply{Status: http.StatusBadRequest, Message: "订单不存在"}
	replyMismatch = Reply{Status: http.StatusBadRequest, Message: "订单信息不符"}
	replyRetry    = Reply{Status: http.StatusInternalServerError, Message: "处理失败，请稍后重试"}
)

// HandleWeChatNotification verifies a WeChat Pay callback and applies it.
// Nothing of the raw callback, nor the SDK's error text that embeds it, is
// logged.
func (s *Service) HandleWeChatNotification(ctx context.Context, r *http.Request) Reply {
	wx := s.providers.WeChat
	if wx == nil {
		return Reply{Status: http.StatusNotFound, Message: "未启用微信支付"}
	}
	n, err := wx.ParseNotification(ctx, r)
	if err != nil {
		var we *wechatpay.Error
		op := "notify"
		if errors.As(err, &we) {
			op = we.Op
		}
		s.log().Warn("wechat pay notification rejected", "check", op)
		return replyRejected
	}
	notice := &Notice{ID: n.ID, EventType: n.EventType, At: s.now()}
	switch {
	case n.Trade != nil:
		return s.applyTrade(ctx, ChannelWeChat, *n.Trade, notice)
	case n.Refund != nil:
		return s.applyRefundNotice(ctx, *n.Refund, notice)
	}
	return replyMismatch
}

// applyRefundNotice applies a refund notification once.
func (s *Service) applyRefundNotice(ctx context.Context, r wechatpay.RefundResult, n *Notice) Reply {
	seen, err := s.store.NotificationSeen(ctx, n.ID)
	if err != nil {
		s.log().Error("wechat pay notification", "notification_id", n.ID, "err", err)
		return replyRetry
	}
	if seen {
		return replyOK
	}
	reply := s.applyRefundResult(ctx, r)
	if reply.Status < 300 {
		if _, err := s.store.RecordNotification(ctx, n.ID, n.EventType, r.OutTradeNo, n.At); err != nil {
			// Applied already; a retry finds the refund settled and answers success.
			s.log().Warn("record wechat pay notification", "notification_id", n.ID, "err", err)
		}
	}
	return reply
}

// applyTrade applies a provider's report of a trade (a notification, a
// query, the sandbox). Only a successful trade changes anything.
func (s *Service) applyTrade(ctx context.Context, channel string, t wechatpay.Trade, n *Notice) Reply {
	if !t.Paid() {
		return replyOK
	}
	paidAt := s.now()
	if ts, err := time.Parse(time.RFC3339, t.SuccessTime); err == nil {
		paidAt = ts
	}
	o, changed, err := s.Paid(ctx, ProviderPayment{OrderNo: t.OutTradeNo, AmountFen: t.TotalFen, Currency: t.Currency,
		Channel: channel, TradeNo: t.TransactionID, PaidAt: paidAt, Notice: n})
	switch {
	case errors.Is(err, ErrNotFound):
		s.log().Error("payment for an unknown order", "channel", channel, "order_no", t.OutTradeNo)
		return replyUnknown
	case errors.Is(err, ErrAmountMismatch), errors.Is(err, ErrTradeReused):
		s.log().Error("payment does not match its order", "channel", channel, "order_no", t.OutTradeNo,
			"amount_fen", t.TotalFen, "currency", t.Currency, "err", err)
		return replyMismatch
	case err != nil:
		s.log().Error("apply payment", "order_no", t.OutTradeNo, "err", err)
		return replyRetry
	}
	if !changed && o.TradeNo != "" && o.TradeNo != t.TransactionID {
		// Paid before by another transaction. WeChat Pay takes one payment
		// per order number, and a sandbox payment never settles an order
		// placed at WeChat Pay, so this is WeChat Pay's anomaly: staff
		// refund it at the merchant platform. Answered so that the
		// retries stop; the log says which transaction.
		s.log().Error("second payment for a paid order: refund it at the merchant platform", "channel", channel, "order_no", o.No,
			"transaction_id", t.TransactionID)
		return replyOK
	}
	if changed {
		s.log().Info("order paid", "order_no", o.No, "channel", channel, "amount_fen", o.AmountFen)
	}
	return replyOK
}

// Refund failure reasons shown to staff.
const (
	reasonRefundClosed   = "退款已关闭"
	reasonRefundAbnormal = "退款异常（用户银行卡作废或冻结），需人工处理"
)

// applyRefundResult applies a provider's report of a refund.
func (s *Service) applyRefundResult(ctx context.Context, r wechatpay.RefundResult) Reply {
	rf, err := s.store.Refund(ctx, r.OutRefundNo)
	switch {
	case errors.Is(err, ErrRefundNotFound):
		s.log().Error("refund report for an unknown refund", "refund_no", r.OutRefundNo)
		return replyUnknown
	case err != nil:
		s.log().Error("load refund", "refund_no", r.OutRefundNo, "err", err)
		return replyRetry
	case rf.OrderNo != r.OutTradeNo || rf.AmountFen != r.RefundFen:
		s.log().Error("refund report does not match the refund", "refund_no", r.OutRefundNo)
		return replyMismatch
	}
	if err := s.settleByStatus(ctx, rf, r.Status); err != nil {
		s.log().Error("settle refund", "refund_no", rf.No, "err", err)
		return replyRetry
	}
	return replyOK
}

// settleByStatus settles a refund from the provider's status (SUCCESS,
// CLOSED, ABNORMAL); PROCESSING leaves it in flight.
func (s *Service) settleByStatus(ctx context.Context, rf *Refund, status string) error {
	var err error
	switch status {
	case "SUCCESS":
		_, err = s.store.SettleRefund(ctx, rf.No, true, "", s.now())
	case "CLOSED":
		_, err = s.store.SettleRefund(ctx, rf.No, false, reasonRefundClosed, s.now())
	case "ABNORMAL":
		_, err = s.store.SettleRefund(ctx, rf.No, false, reasonRefundAbnormal, s.now())
	}
	return err
}

// SandboxComplete settles a sandbox order as WeChat Pay's callback would:
// paid, or (success false) its payment failed and the order is closed.
// The caller is the order's owner or holds the token of its pay page
// (SandboxToken), and the owner chose to pay it in the sandbox. It is
// ErrSandboxOff unless the sandbox is on.
func (s *Service) SandboxComplete(ctx context.Context, no, token string, success bool) (*Order, error) {
	o, err := s.SandboxOrder(ctx, no, token)
	if err != nil {
		return nil, err
	}
	switch {
	case o.Channel != ChannelSandbox:
		return nil, ErrChannelMismatch.WithDetail("该订单未选择沙箱支付")
	case !success:
		return s.CloseOrder(ctx, no)
	}
	t := wechatpay.Trade{OutTradeNo: no, TransactionID: "SANDBOX" + no, State: "SUCCESS", TotalFen: o.AmountFen,
		Currency: "CNY", SuccessTime: s.now().Format(time.RFC3339)}
	if rep := s.applyTrade(ctx, ChannelSandbox, t, nil); rep.Status >= 300 {
		return nil, ErrBadTransition.WithDetail(rep.Message)
	}
	return s.store.Order(ctx, no)
}

// SandboxOrder returns a sandbox order to its owner or to the holder of
// its pay page's token (ErrNotFound to anyone else; ErrSandboxOff unless
// the sandbox is on).
func (s *Service) SandboxOrder(ctx context.Context, no, token string) (*Order, error) {
	if !s.providers.Sandbox {
		return nil, ErrSandboxOff
	}
	o, err := s.store.Order(ctx, no)
	if err != nil {
		return nil, err
	}
	p, _ := auth.From(ctx)
	if o.UserID != p.UserID && !hmac.Equal([]byte(token), []byte(s.SandboxToken(no))) {
		return nil, ErrNotFound
	}
	return o, nil
}

// SandboxToken is the token of an order's sandbox pay page: who opens the
// page the owner was sent to may pay there.
func (s *Service) SandboxToken(no string) string {
	m := hmac.New(sha256.New, s.providers.SandboxKey)
	m.Write([]byte("sandbox pay page\x00" + no))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}
