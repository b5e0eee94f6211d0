package payments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zuju/zuju/internal/payments/wechatpay"
)

// Background settlement: reconciliation of orders whose callback never
// came, refunds carried out at the provider, and payments handed to their
// seller again until it has applied them.

// Reconciliation timing.
const (
	// fulfilGrace is how long a paid order may wait for its seller before
	// its event is sent again.
	fulfilGrace = 2 * time.Minute
	// refundGrace is how long a refund in flight may go untouched before
	// its job is queued again.
	refundGrace    = 5 * time.Minute
	reconcileBatch = 100
)

// ReconcileResult counts what one reconciliation pass did.
type ReconcileResult struct {
	Paid, Closed, Republished, Requeued int
}

// Reconcile settles orders still pending after their expiry (the provider
// says paid: applied as if its callback came; otherwise closed there and
// here), hands paid orders their seller has not applied to it again, and
// queues refunds in flight whose job got lost.
func (s *Service) Reconcile(ctx context.Context) (ReconcileResult, error) {
	var res ReconcileResult
	now := s.now()
	due, err := s.store.ExpiredPending(ctx, now, reconcileBatch)
	if err != nil {
		return res, err
	}
	var errs []error
	for i := range due {
		paid, closed, err := s.reconcileOrder(ctx, &due[i])
		if err != nil {
			errs = append(errs, fmt.Errorf("reconcile %s: %w", due[i].No, err))
		}
		if paid {
			res.Paid++
		}
		if closed {
			res.Closed++
		}
	}
	late, err := s.store.Unfulfilled(ctx, now.Add(-fulfilGrace), reconcileBatch)
	if err != nil {
		return res, errors.Join(append(errs, err)...)
	}
	for _, o := range late {
		if err := s.store.Republish(ctx, o.No); err != nil {
			errs = append(errs, err)
			continue
		}
		res.Republished++
	}
	if s.refunds != nil {
		nos, err := s.store.PendingRefunds(ctx, now.Add(-refundGrace), reconcileBatch)
		if err != nil {
			return res, errors.Join(append(errs, err)...)
		}
		for _, no := range nos {
			// One more job per refund and refund grace period at most.
			if err := s.refunds.EnqueueRefund(ctx, no, now.Unix()/int64(refundGrace/time.Second)); err != nil {
				errs = append(errs, err)
				continue
			}
			res.Requeued++
		}
	}
	return res, errors.Join(errs...)
}

// reconcileOrder settles one expired pending order.
func (s *Service) reconcileOrder(ctx context.Context, o *Order) (paid, closed bool, err error) {
	if o.Channel == ChannelWeChat && s.providers.WeChat != nil {
		t, err := s.providers.WeChat.QueryOrder(ctx, o.No)
		switch {
		case errors.Is(err, wechatpay.ErrNotFound):
			// The prepay never reached WeChat Pay: nothing to close there.
		case err != nil:
			return false, false, err
		case t.Paid():
			if rep := s.applyTrade(ctx, ChannelWeChat, t, nil); rep.Status >= 300 {
				return false, false, fmt.Errorf("apply queried payment: %s", rep.Message)
			}
			return true, false, nil
		case t.State == "USERPAYING":
			return false, false, nil // the payer is still entering a password: next pass
		case t.State != "CLOSED":
			if err := s.providers.WeChat.CloseOrder(ctx, o.No); err != nil && !errors.Is(err, wechatpay.ErrNotFound) {
				return false, false, err
			}
		}
	}
	ok, err := s.store.Close(ctx, o.No, s.now())
	return false, ok, err
}

// closeAtProvider stops a closed order from being paid at WeChat Pay too
// (best effort: its time_expire ends it anyway, and a payment that slips
// through is recorded and refunded).
func (s *Service) closeAtProvider(ctx context.Context, o *Order) {
	if o.Channel != ChannelWeChat || s.providers.WeChat == nil {
		return
	}
	if err := s.providers.WeChat.CloseOrder(ctx, o.No); err != nil && !errors.Is(err, wechatpay.ErrNotFound) {
		s.log().Warn("close order at wechat pay", "order_no", o.No, "err", err)
	}
}

// Fulfilled records that the seller applied an order's payment.
func (s *Service) Fulfilled(ctx context.Context, no string) error {
	return s.store.MarkFulfilled(ctx, no, s.now())
}

// RefundStep says what a refund attempt achieved.
type RefundStep struct {
	// Done: the refund is settled (or was already); nothing more to do.
	Done bool
	// CheckAfter: the provider is processing it; ask again after this
	// long (its callback usually settles it first).
	CheckAfter time.Duration
}

// Refund failure reasons.
const (
	reasonRejected = "微信支付拒绝退款"
	reasonNoWeChat = "微信支付未配置，无法退款"
)

// ExecuteRefund carries out a refund in flight at its order's provider.
// An error means try again later (with backoff); GiveUpRefund ends a
// refund that keeps failing.
func (s *Service) ExecuteRefund(ctx context.Context, refundNo string) (RefundStep, error) {
	rf, err := s.store.Refund(ctx, refundNo)
	if err != nil {
		return RefundStep{}, err
	}
	if rf.Status != RefundPending {
		return RefundStep{Done: true}, nil
	}
	o, err := s.store.Order(ctx, rf.OrderNo)
	if err != nil {
		return RefundStep{}, err
	}
	if o.Channel != ChannelWeChat {
		// Sandbox money goes back at once, settled like a refund callback.
		return RefundStep{Done: true}, s.settleByStatus(ctx, rf, "SUCCESS")
	}
	wx := s.providers.WeChat
	if wx == nil {
		_, err := s.store.SettleRefund(ctx, rf.No, false, reasonNoWeChat, s.now())
		return RefundStep{Done: true}, err
	}
	var r wechatpay.Refund
	if rf.ProviderRefundID == "" {
		r, err = wx.CreateRefund(ctx, wechatpay.RefundRequest{OutTradeNo: o.No, OutRefundNo: rf.No, RefundFen: rf.AmountFen,
			TotalFen: o.AmountFen, Reason: truncate(rf.Reason, 80)})
	} else {
		r, err = wx.QueryRefund(ctx, rf.No)
	}
	var we *wechatpay.Error
	if errors.As(err, &we) && we.Status >= 400 && we.Status < 500 && we.Status != 429 && rf.ProviderRefundID == "" && refundRejected(we.Code) {
		_, serr := s.store.SettleRefund(ctx, rf.No, false, reasonRejected+"（"+we.Code+"）", s.now())
		return RefundStep{Done: true}, serr
	}
	if err != nil {
		return RefundStep{}, err
	}
	if r.RefundID != "" {
		if err := s.store.SetProviderRefundID(ctx, rf.No, r.RefundID, s.now()); err != nil {
			return RefundStep{}, err
		}
	}
	if r.Status == "PROCESSING" || r.Status == "" {
		return RefundStep{CheckAfter: time.Minute}, nil
	}
	return RefundStep{Done: true}, s.settleByStatus(ctx, rf, r.Status)
}

// refundRejected tells WeChat Pay's refusals that a retry cannot fix
// (NOT_ENOUGH — the merchant's balance — and SYSTEM_ERROR can be retried).
func refundRejected(code string) bool {
	switch code {
	case "INVALID_REQUEST", "PARAM_ERROR", "TRADE_NOT_PAID", "USER_ACCOUNT_ABNORMAL", "RESOURCE_NOT_EXISTS", "NO_AUTH":
		return true
	}
	return false
}

// GiveUpRefund fails a refund that could not be carried out, with the
// reason staff see; its amount can be refunded again by hand.
func (s *Service) GiveUpRefund(ctx context.Context, refundNo, reason string) error {
	_, err := s.store.SettleRefund(ctx, refundNo, false, reason, s.now())
	return err
}
