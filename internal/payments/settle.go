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
	// refundGrace is how long a refund may be in flight before
	// reconciliation makes sure it has a job.
	refundGrace = 5 * time.Minute
	// closedWatch is how long after closing an order here WeChat Pay is
	// asked whether it was paid there anyway (its own time_expire ends it
	// long before).
	closedWatch = 25 * time.Hour
	// checkBackoff is how long an order whose check failed waits, so that
	// it never holds up the others.
	checkBackoff   = 5 * time.Minute
	reconcileBatch = 100
)

// ReconcileResult counts what one reconciliation pass did.
type ReconcileResult struct {
	Paid, Closed, Republished, Requeued int
}

// Reconcile settles orders still pending after their expiry (the provider
// says paid: applied as if its callback came; otherwise closed there and
// here), asks WeChat Pay about orders closed here that it has not
// confirmed closed (a payment that raced the close is applied, and its
// seller refunds it), hands paid orders their seller has not applied to
// it again, and makes sure every refund in flight has its job. An order
// whose check fails waits a while and does not hold up the others.
func (s *Service) Reconcile(ctx context.Context) (ReconcileResult, error) {
	var res ReconcileResult
	now := s.now()
	var errs []error
	due, err := s.store.ExpiredPending(ctx, now, reconcileBatch)
	if err != nil {
		return res, err
	}
	for i := range due {
		paid, closed, err := s.settleExpired(ctx, &due[i])
		if err != nil {
			errs = append(errs, s.deferCheck(ctx, &due[i], err))
		}
		res.Paid += count(paid)
		res.Closed += count(closed)
	}
	if s.providers.WeChat != nil {
		open, err := s.store.ClosedUnconfirmed(ctx, now.Add(-closedWatch), now, reconcileBatch)
		if err != nil {
			return res, errors.Join(append(errs, err)...)
		}
		for i := range open {
			paid, _, err := s.settleAtWeChat(ctx, &open[i])
			if err != nil {
				errs = append(errs, s.deferCheck(ctx, &open[i], err))
			}
			res.Paid += count(paid)
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
			// A refund whose job is alive keeps that job.
			if err := s.refunds.EnqueueRefund(ctx, no); err != nil {
				errs = append(errs, err)
				continue
			}
			res.Requeued++
		}
	}
	return res, errors.Join(errs...)
}

func count(b bool) int {
	if b {
		return 1
	}
	return 0
}

// deferCheck puts off the next check of an order whose check failed and
// returns the failure with its order.
func (s *Service) deferCheck(ctx context.Context, o *Order, err error) error {
	err = fmt.Errorf("reconcile %s: %w", o.No, err)
	if derr := s.store.DeferCheck(ctx, o.No, s.now().Add(checkBackoff)); derr != nil {
		return errors.Join(err, derr)
	}
	return err
}

// settleExpired settles one expired pending order: paid at its provider,
// or closed there and here.
func (s *Service) settleExpired(ctx context.Context, o *Order) (paid, closed bool, err error) {
	atWeChat := o.Channel == ChannelWeChat && s.providers.WeChat != nil
	if atWeChat {
		paid, closedThere, err := s.settleAtWeChat(ctx, o)
		if err != nil || paid || !closedThere {
			return paid, false, err // USERPAYING: next pass
		}
	}
	ok, err := s.store.Close(ctx, o.No, s.now())
	return false, ok, err
}

// Trade states of WeChat Pay that end an order unpaid.
func unpaidFinal(state string) bool {
	return state == "CLOSED" || state == "REVOKED"
}

// settleAtWeChat asks WeChat Pay about an order that is to end: paid
// there, the payment is applied (paid); otherwise the order is closed
// there and recorded so (closed). Neither while the payer is entering a
// password (USERPAYING). A payment that slips in between the query and
// the close fails the close, and the next check applies it.
func (s *Service) settleAtWeChat(ctx context.Context, o *Order) (paid, closed bool, err error) {
	wx := s.providers.WeChat
	t, err := wx.QueryOrder(ctx, o.No)
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
		return false, false, nil
	case !unpaidFinal(t.State):
		if err := wx.CloseOrder(ctx, o.No); err != nil && !errors.Is(err, wechatpay.ErrNotFound) {
			return false, false, fmt.Errorf("close at wechat pay: %w", err)
		}
	}
	if err := s.store.MarkProviderClosed(ctx, o.No, s.now()); err != nil {
		return false, false, err
	}
	return false, true, nil
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
		return RefundStep{CheckAfter: checkAfter(s.now().Sub(rf.CreatedAt))}, nil
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

// checkAfter is how long to wait before asking again about a refund in
// flight this long: a quarter of its age, between a minute and an hour.
func checkAfter(age time.Duration) time.Duration {
	return min(max(age/4, time.Minute), time.Hour)
}

// Reasons of refunds kept for staff.
const reasonRefundUnknown = "退款状态未知，金额已保留，请在微信支付商户平台核实"

// GiveUpRefund ends the tries of a refund that kept failing. Unless the
// provider confirms it never had the refund, it may still be carried out
// there: it stays in flight, its amount reserved, flagged for staff with
// the reason (reconciliation keeps asking, and the provider's word settles
// it). Only a refund the provider never saw fails, so that its amount can
// be refunded again by hand.
func (s *Service) GiveUpRefund(ctx context.Context, refundNo, reason string) error {
	rf, err := s.store.Refund(ctx, refundNo)
	if err != nil || rf.Status != RefundPending {
		return err
	}
	o, err := s.store.Order(ctx, rf.OrderNo)
	if err != nil {
		return err
	}
	if wx := s.providers.WeChat; o.Channel == ChannelWeChat && wx != nil {
		r, err := wx.QueryRefund(ctx, rf.No)
		switch {
		case errors.Is(err, wechatpay.ErrNotFound):
		case err == nil && r.Status != "PROCESSING" && r.Status != "":
			return s.settleByStatus(ctx, rf, r.Status)
		default:
			s.log().Error("refund unsettled after its tries; kept for staff", "refund_no", rf.No, "order_no", o.No)
			return s.store.FlagRefund(ctx, rf.No, reasonRefundUnknown, s.now())
		}
	}
	_, err = s.store.SettleRefund(ctx, refundNo, false, reason, s.now())
	return err
}
