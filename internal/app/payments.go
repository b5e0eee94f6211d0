package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/payments"
	"github.com/zuju/zuju/internal/payments/membership"
	"github.com/zuju/zuju/internal/payments/paymentshttp"
	"github.com/zuju/zuju/internal/payments/paymentsstore"
	"github.com/zuju/zuju/internal/payments/wechatpay"
	"github.com/zuju/zuju/internal/platform/events"
	"github.com/zuju/zuju/internal/platform/jobs"
	"github.com/zuju/zuju/internal/users"
)

// registerPayments builds orders, the payment channels (WeChat Pay when
// configured, the sandbox in development) and memberships, and connects
// them to the activities module.
func registerPayments(ctx context.Context, a *App, opts Options) error {
	log := a.Logger.With("module", "payments")
	a.Payments = payments.NewService(paymentsstore.New(a.DB), a.Now)
	a.Payments.SetLogger(log)
	providers := payments.Providers{Sandbox: a.Config.SandboxOn(), SandboxURL: func(no string) string {
		// Relative unless the public URL is known: the page opens on
		// whatever host the app was reached at.
		return strings.TrimRight(a.Config.PublicURL, "/") + "/api/v1/payments/sandbox/" + no
	}, SandboxKey: deriveKey([]byte(a.Config.JWTSecret), "zuju sandbox pay pages")}
	if w := a.Config.WeChatPay; w.MchID != "" {
		client, err := newWeChatPay(ctx, a)
		if err != nil {
			return err
		}
		providers.WeChat, providers.Payers = client, payers{a.Users}
	}
	a.Payments.SetProviders(providers)
	a.Payments.SetRefundQueue(refundQueue{jobs: a.Jobs})
	a.Members = membership.NewService(paymentsstore.NewMemberships(a.DB), a.Payments, a.Now, func() string {
		return uuid.Must(uuid.NewV7()).String()
	})
	a.Users.SetMemberships(memberView{members: a.Members, now: a.Now})
	if opts.Members != nil {
		a.Activities.SetMembers(opts.Members)
	} else {
		a.Activities.SetMembers(a.Members)
	}
	switch {
	case opts.Payments != nil:
		a.Activities.SetPayments(opts.Payments)
	case len(a.Payments.Channels()) > 0:
		// Paid activities take sign-ups only while some channel can pay.
		a.Activities.SetPayments(signupOrders{svc: a.Payments})
	}
	paymentshttp.Register(a.HTTP.API, a.Payments, a.Members)

	jobs.RegisterFunc(a.Jobs, func(ctx context.Context, job *river.Job[refundArgs]) error {
		return runRefund(ctx, a.Payments, job)
	})
	c := paymentConsumers{payments: a.Payments, activities: a.Activities, members: a.Members, logger: log}
	jobs.RegisterFunc(a.Jobs, func(ctx context.Context, _ *river.Job[reconcileArgs]) error {
		res, err := a.Payments.Reconcile(ctx)
		if res != (payments.ReconcileResult{}) {
			log.Info("payments reconciled", "paid", res.Paid, "closed", res.Closed, "republished", res.Republished, "requeued", res.Requeued)
		}
		return errors.Join(err, c.redriveRefunds(ctx, a.Now()))
	})
	a.Jobs.Every(time.Minute, func() river.JobArgs { return reconcileArgs{} })
	a.workers = append(a.workers, worker{name: "payments events", start: func(ctx context.Context) error {
		return c.subscribe(ctx, a.Bus)
	}, stop: func(context.Context) error { return nil }})
	return nil
}

func newWeChatPay(ctx context.Context, a *App) (*wechatpay.Client, error) {
	w := a.Config.WeChatPay
	mk, pk, err := wechatpay.LoadKeys(w.MerchantKeyFile, w.PublicKeyFile)
	if err != nil {
		return nil, err
	}
	appID := w.AppID
	if appID == "" {
		appID = a.Config.WeChat.AppID
	}
	notify := w.NotifyURL
	if notify == "" {
		notify = a.Config.BaseURL() + "/api/v1/payments/wechat/notify"
	}
	c, err := wechatpay.New(ctx, wechatpay.Config{MchID: w.MchID, AppID: appID, MerchantSerial: w.MerchantSerial, MerchantKey: mk,
		PublicKeyID: w.PublicKeyID, PublicKey: pk, APIv3Key: w.APIv3Key, NotifyURL: notify, RefundURL: notify, BaseURL: w.BaseURL})
	if err != nil {
		return nil, fmt.Errorf("wechat pay: %w", err)
	}
	return c, nil
}

// payers finds the openid a user pays with.
type payers struct{ users *users.Service }

func (p payers) OpenID(ctx context.Context, userID string) (string, error) {
	return p.users.WeChatOpenID(ctx, userID)
}

// memberView shows the account its membership.
type memberView struct {
	members *membership.Service
	now     func() time.Time
}

func (m memberView) Membership(ctx context.Context, userID string) (*users.Membership, error) {
	ms, err := m.members.Of(ctx, userID)
	if err != nil || ms == nil {
		return nil, err
	}
	return &users.Membership{Active: ms.ActiveAt(m.now()), PlanID: ms.PlanID, ExpiresAt: ms.ExpiresAt}, nil
}

// signupOrders is the activities module's Payments port on the payments service.
type signupOrders struct{ svc *payments.Service }

func (o signupOrders) CreateOrder(ctx context.Context, r activities.OrderRequest) (activities.Order, error) {
	ord, err := o.svc.CreateOrder(ctx, payments.NewOrder{Kind: payments.KindActivitySignup, UserID: r.UserID, SubjectID: r.SignupID,
		AmountFen: r.AmountFen, Description: r.Description, ExpiresAt: r.ExpiresAt, IdempotencyKey: r.IdempotencyKey})
	if err != nil {
		return activities.Order{}, err
	}
	return activities.Order{No: ord.No, AmountFen: ord.AmountFen, Status: string(ord.Status), CreatedAt: ord.CreatedAt, ExpiresAt: ord.ExpiresAt}, nil
}

func (o signupOrders) CloseOrder(ctx context.Context, no string) error {
	_, err := o.svc.CloseOrder(ctx, no)
	if errors.Is(err, payments.ErrNotFound) {
		return nil
	}
	return err
}

// refundArgs is the durable job that carries out one refund.
type refundArgs struct {
	RefundNo string `json:"refund_no"`
}

// Kind implements river.JobArgs.
func (refundArgs) Kind() string { return "payments.refund" }

// refundAttempts bounds a refund's tries; River's backoff (attempt⁴ s)
// spreads them over about a day.
const refundAttempts = 12

// liveJobStates are the states of a job still to run: a refund has at
// most one job in them.
var liveJobStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled}

// refundQueue queues refund jobs, one live job per refund.
type refundQueue struct{ jobs *jobs.Queue }

func (q refundQueue) EnqueueRefund(ctx context.Context, refundNo string) error {
	_, err := q.jobs.Insert(ctx, refundArgs{RefundNo: refundNo}, &river.InsertOpts{MaxAttempts: refundAttempts,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: liveJobStates}})
	return err
}

// runRefund works one refund job: done, checked again later while the
// provider processes it, retried on errors; at the last attempt given up
// (failed if the provider never had it, otherwise kept for staff).
func runRefund(ctx context.Context, svc *payments.Service, job *river.Job[refundArgs]) error {
	step, err := svc.ExecuteRefund(ctx, job.Args.RefundNo)
	switch {
	case errors.Is(err, payments.ErrRefundNotFound):
		return river.JobCancel(err)
	case err != nil && job.Attempt >= job.MaxAttempts:
		reason := "多次尝试退款均失败：" + err.Error()
		if gerr := svc.GiveUpRefund(ctx, job.Args.RefundNo, truncateRunes(reason, 200)); gerr != nil {
			return errors.Join(err, gerr)
		}
		return river.JobCancel(err)
	case err != nil:
		return err
	case step.CheckAfter > 0:
		return river.JobSnooze(step.CheckAfter)
	}
	return nil
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// reconcileArgs is the periodic reconciliation of orders and refunds.
type reconcileArgs struct{}

// Kind implements river.JobArgs.
func (reconcileArgs) Kind() string { return "payments.reconcile" }

// Refund reasons of the payments consumers.
const (
	reasonLatePayment    = "名额已释放，支付款项自动全额退回"
	reasonLateMembership = "订单已关闭，支付款项自动全额退回"
)

// paymentConsumers apply the events between payments and its sellers.
type paymentConsumers struct {
	payments   *payments.Service
	activities *activities.Service
	members    *membership.Service
	logger     *slog.Logger
}

func (c paymentConsumers) subscribe(ctx context.Context, bus *events.Bus) error {
	return bus.SubscribeAll(ctx, "payments", map[string]events.Handler{
		payments.TopicOrderPaid:         c.orderPaid,
		activities.TopicRefundRequested: c.refundRequested,
		activities.TopicHoldReleased:    c.holdReleased,
		payments.TopicRefundSettled:     c.refundSettled,
	})
}

// decode reads an event's payload; a payload that cannot be read is
// logged and dropped (redelivery would not fix it).
func decode[T any](c paymentConsumers, m events.Message) (T, bool) {
	var v T
	if err := json.Unmarshal(m.Payload, &v); err != nil {
		c.logger.Error("unreadable event dropped", "topic", m.Topic, "event_id", m.ID, "err", err)
		return v, false
	}
	return v, true
}

// orderPaid fulfils a paid order: confirms the sign-up (refunding a
// payment whose seat was released) or starts the membership.
func (c paymentConsumers) orderPaid(ctx context.Context, m events.Message) error {
	e, ok := decode[payments.OrderPaidEvent](c, m)
	if !ok {
		return nil
	}
	switch e.Kind {
	case payments.KindActivitySignup:
		res, err := c.activities.ConfirmPayment(ctx, activities.Payment{SignupID: e.SubjectID, OrderNo: e.OrderNo, AmountFen: e.AmountFen, PaidAt: e.PaidAt})
		switch {
		case errors.Is(err, activities.ErrSignupNotFound):
			c.logger.Error("payment for an unknown sign-up: refunding", "order_no", e.OrderNo)
			res.Outcome = activities.Released
		case err != nil:
			return err
		}
		if res.Outcome == activities.Released {
			if err := c.lateRefund(ctx, e.OrderNo, e.AmountFen, reasonLatePayment); err != nil {
				return err
			}
		}
	case payments.KindMembership:
		if e.Late {
			// Paid after the order was closed: the buyer was told it had
			// ended, so the money goes back rather than buying days.
			if err := c.lateRefund(ctx, e.OrderNo, e.AmountFen, reasonLateMembership); err != nil {
				return err
			}
			break
		}
		if _, _, err := c.members.Apply(ctx, e.OrderNo, e.UserID, e.SubjectID, e.PaidAt); err != nil {
			return err
		}
	}
	return c.payments.Fulfilled(ctx, e.OrderNo)
}

// lateRefund refunds, once per order, a payment that came for a seat no
// longer held or for a closed membership order.
func (c paymentConsumers) lateRefund(ctx context.Context, orderNo string, amountFen int64, reason string) error {
	_, created, err := c.payments.Refund(ctx, payments.RefundRequest{RefundNo: activities.LateRefundNo(orderNo), OrderNo: orderNo,
		AmountFen: amountFen, Reason: reason})
	if errors.Is(err, payments.ErrRefundTooLarge) {
		c.logger.Warn("late payment already refunded by other means", "order_no", orderNo)
		return nil
	}
	if created {
		c.logger.Info("late payment refunded", "order_no", orderNo, "amount_fen", amountFen)
	}
	return err
}

// refundRequested starts the refund of a cancelled paid sign-up.
func (c paymentConsumers) refundRequested(ctx context.Context, m events.Message) error {
	e, ok := decode[activities.RefundRequestedEvent](c, m)
	if !ok || e.AmountFen <= 0 {
		return nil
	}
	_, _, err := c.payments.Refund(ctx, payments.RefundRequest{RefundNo: e.RefundNo, OrderNo: e.OrderNo, AmountFen: e.AmountFen, Reason: e.Reason})
	if errors.Is(err, payments.ErrRefundTooLarge) || errors.Is(err, payments.ErrNotFound) {
		c.logger.Error("refund request cannot be met; staff must check the order", "order_no", e.OrderNo, "refund_no", e.RefundNo, "err", err)
		return nil
	}
	return err
}

// refundRedriveWindow is how far back the reconciliation checks that
// every refunded sign-up's refund request reached the payments module.
const refundRedriveWindow = 2 * time.Hour

// redriveRefunds makes sure every recent sign-up refund was requested:
// in the single binary an event in flight is lost when the process
// stops. Requests already made return their refund and change nothing.
func (c paymentConsumers) redriveRefunds(ctx context.Context, now time.Time) error {
	list, err := c.activities.RefundsRequestedSince(ctx, now.Add(-refundRedriveWindow), 1000)
	if err != nil {
		return err
	}
	nos := make([]string, len(list))
	for i := range list {
		nos[i] = list[i].RefundNo
	}
	known, err := c.payments.KnownRefunds(ctx, nos)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range list {
		if known[e.RefundNo] {
			continue
		}
		_, created, err := c.payments.Refund(ctx, payments.RefundRequest{RefundNo: e.RefundNo, OrderNo: e.OrderNo, AmountFen: e.AmountFen, Reason: e.Reason})
		switch {
		case errors.Is(err, payments.ErrRefundTooLarge), errors.Is(err, payments.ErrNotFound):
			// Refunded by other means, or never an order here: the consumer logged it.
		case err != nil:
			errs = append(errs, err)
		case created:
			c.logger.Warn("refund request was missing; requested now", "refund_no", e.RefundNo, "order_no", e.OrderNo)
		}
	}
	return errors.Join(errs...)
}

// refundSettled takes a membership order refunded in full off the
// membership.
func (c paymentConsumers) refundSettled(ctx context.Context, m events.Message) error {
	e, ok := decode[payments.RefundSettledEvent](c, m)
	if !ok || !e.Succeeded {
		return nil
	}
	o, err := c.payments.Order(ctx, e.OrderNo)
	if err != nil {
		return err
	}
	if o.Kind != payments.KindMembership || o.Status != payments.StatusRefunded {
		return nil
	}
	if _, revoked, err := c.members.Revoke(ctx, o.No); err != nil || !revoked {
		return err
	}
	c.logger.Info("membership shortened for a refunded order", "order_no", o.No, "user_id", o.UserID)
	return nil
}

// holdReleased closes the order of a released hold; a payment that came
// in meanwhile is refunded.
func (c paymentConsumers) holdReleased(ctx context.Context, m events.Message) error {
	e, ok := decode[activities.HoldReleasedEvent](c, m)
	if !ok || e.OrderNo == "" {
		return nil
	}
	o, err := c.payments.CloseOrder(ctx, e.OrderNo)
	if errors.Is(err, payments.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.PaidAt != nil {
		return c.lateRefund(ctx, o.No, o.AmountFen, reasonLatePayment)
	}
	return nil
}
