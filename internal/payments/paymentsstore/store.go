// Package paymentsstore is the GORM store of the payments module, with its
// migrations for SQLite and PostgreSQL. Every state change is one
// conditional UPDATE, so concurrent callbacks, expiry and refund requests
// settle on one outcome on either database.
package paymentsstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/payments"
	"github.com/zuju/zuju/internal/platform/audit"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the module's migration trees.
func Migrations() sqldb.Migrations { return sqldb.Embedded("payments", migrations) }

// Store keeps orders and refunds.
type Store struct{ db *gorm.DB }

// New returns a store over db.
func New(db *sqldb.DB) *Store { return &Store{db: db.Gorm} }

type orderRow struct {
	OrderNo        string `gorm:"primaryKey"`
	Kind           string
	UserID         string
	SubjectID      string
	AmountFen      int64
	Status         string
	Channel        string
	TradeNo        string
	RefundingFen   int64
	RefundedFen    int64
	IdempotencyKey string
	Description    string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ExpiresAt      time.Time
	PaidAt         *time.Time
	ClosedAt       *time.Time
	FulfilledAt    *time.Time
	// ProviderClosedAt: the provider confirmed the order cannot be paid
	// there any more; NextCheckAt: a failed check waits until then.
	ProviderClosedAt *time.Time
	NextCheckAt      *time.Time
}

func (orderRow) TableName() string { return "orders" }

// paidEvent is the payments.order_paid event of a paid order (Late when
// it had been closed before the money came).
func (r orderRow) paidEvent() payments.OrderPaidEvent {
	var at time.Time
	if r.PaidAt != nil {
		at = r.PaidAt.UTC()
	}
	return payments.OrderPaidEvent{OrderNo: r.OrderNo, Kind: payments.Kind(r.Kind), UserID: r.UserID, SubjectID: r.SubjectID,
		AmountFen: r.AmountFen, Channel: r.Channel, PaidAt: at, Late: r.ClosedAt != nil}
}

func (r orderRow) order() *payments.Order {
	o := &payments.Order{No: r.OrderNo, Kind: payments.Kind(r.Kind), UserID: r.UserID, SubjectID: r.SubjectID,
		AmountFen: r.AmountFen, Status: payments.Status(r.Status), Channel: r.Channel, TradeNo: r.TradeNo, Description: r.Description,
		RefundedFen: r.RefundedFen, RefundingFen: r.RefundingFen, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
	if r.PaidAt != nil {
		t := r.PaidAt.UTC()
		o.PaidAt = &t
	}
	return o
}

type refundRow struct {
	RefundNo         string `gorm:"primaryKey"`
	OrderNo          string
	AmountFen        int64
	Status           string
	Reason           string
	ProviderRefundID string
	FailureReason    string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	SettledAt        *time.Time
}

func (refundRow) TableName() string { return "refunds" }

func (r refundRow) refund() *payments.Refund {
	out := &payments.Refund{No: r.RefundNo, OrderNo: r.OrderNo, AmountFen: r.AmountFen, Status: payments.RefundStatus(r.Status),
		Reason: r.Reason, FailureReason: r.FailureReason, ProviderRefundID: r.ProviderRefundID, CreatedAt: r.CreatedAt.UTC()}
	if r.SettledAt != nil {
		t := r.SettledAt.UTC()
		out.SettledAt = &t
	}
	return out
}

// CreateOrder inserts o; with an idempotency key already used by the same
// user it returns that order instead (created false).
func (s *Store) CreateOrder(ctx context.Context, o *payments.Order, idempotencyKey string) (*payments.Order, bool, error) {
	r := orderRow{OrderNo: o.No, Kind: string(o.Kind), UserID: o.UserID, SubjectID: o.SubjectID, AmountFen: o.AmountFen,
		Status: string(payments.StatusPending), IdempotencyKey: idempotencyKey, Description: o.Description,
		CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.CreatedAt.UTC(), ExpiresAt: o.ExpiresAt.UTC()}
	err := s.db.WithContext(ctx).Create(&r).Error
	if err != nil && idempotencyKey != "" && sqldb.IsUniqueViolation(err) {
		var prev orderRow
		if err := s.db.WithContext(ctx).Where("user_id = ? AND idempotency_key = ?", o.UserID, idempotencyKey).Take(&prev).Error; err != nil {
			return nil, false, fmt.Errorf("load order by idempotency key: %w", err)
		}
		return prev.order(), false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("create order: %w", err)
	}
	return r.order(), true, nil
}

// Order loads an order.
func (s *Store) Order(ctx context.Context, no string) (*payments.Order, error) {
	var r orderRow
	if err := s.loadOrder(s.db.WithContext(ctx), no, &r); err != nil {
		return nil, err
	}
	return r.order(), nil
}

// MarkPaid moves an order of exactly p's amount from pending — or closed:
// the money arrived after all and must be accounted for, so that it can be
// refunded — to paid and, in the same transaction, writes its
// payments.order_paid event (Late when it had been closed) and records the
// notification that reported it. changed is false when it was paid before
// or the notification was seen before; the order as it is comes back.
// Another amount is ErrAmountMismatch, an unknown order ErrNotFound, a
// transaction id that paid another order ErrTradeReused (nothing changes
// and the notification stays unrecorded).
func (s *Store) MarkPaid(ctx context.Context, p payments.ProviderPayment) (*payments.Order, bool, error) {
	var r orderRow
	changed := false
	at := p.PaidAt.UTC()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if n := p.Notice; n != nil {
			res := tx.Exec(`INSERT INTO payment_notifications (id, event_type, order_no, received_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (id) DO NOTHING`, n.ID, n.EventType, p.OrderNo, n.At.UTC())
			if res.Error != nil {
				return fmt.Errorf("record notification: %w", res.Error)
			}
			if res.RowsAffected == 0 {
				return s.loadOrder(tx, p.OrderNo, &r) // seen before: handled then
			}
		}
		// RETURNING hands back the paid order in the same statement. Real
		// money is always recorded; a sandbox payment only settles an
		// order its owner chose to pay in the sandbox.
		q := `UPDATE orders SET status = ?, channel = ?, trade_no = ?, paid_at = ?, updated_at = ?
			WHERE order_no = ? AND status IN (?, ?) AND amount_fen = ?`
		if p.Channel == payments.ChannelSandbox {
			q += ` AND channel = 'sandbox'`
		}
		res := tx.Raw(q+` RETURNING *`,
			payments.StatusPaid, p.Channel, p.TradeNo, at, at, p.OrderNo, payments.StatusPending, payments.StatusClosed, p.AmountFen).Scan(&r)
		if res.Error != nil {
			if sqldb.IsUniqueViolation(res.Error) {
				return payments.ErrTradeReused
			}
			return fmt.Errorf("mark order paid: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			if err := s.loadOrder(tx, p.OrderNo, &r); err != nil {
				return err
			}
			if r.AmountFen != p.AmountFen {
				return payments.ErrAmountMismatch
			}
			if p.Channel == payments.ChannelSandbox && r.Channel != payments.ChannelSandbox && r.PaidAt == nil {
				return payments.ErrChannelMismatch
			}
			return nil
		}
		changed = true
		_, err := outbox.Add(ctx, tx, payments.TopicOrderPaid, r.paidEvent())
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return r.order(), changed, nil
}

func (s *Store) loadOrder(tx *gorm.DB, no string, r *orderRow) error {
	if err := tx.Where("order_no = ?", no).Take(r).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return payments.ErrNotFound
		}
		return fmt.Errorf("load order: %w", err)
	}
	return nil
}

// Close moves a pending order to closed; false when it was not pending.
func (s *Store) Close(ctx context.Context, no string, at time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE orders SET status = ?, closed_at = ?, updated_at = ? WHERE order_no = ? AND status = ?`,
		payments.StatusClosed, at.UTC(), at.UTC(), no, payments.StatusPending)
	if res.Error != nil {
		return false, fmt.Errorf("close order: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// StartRefund records a refund and reserves its amount on the order, in
// one transaction: the reservation is a conditional UPDATE, so concurrent
// refunds never reserve more than was paid (ErrRefundTooLarge). A refund
// number already recorded returns that refund (created false); an unknown
// order is ErrNotFound.
func (s *Store) StartRefund(ctx context.Context, rf *payments.Refund, au payments.Audit) (*payments.Refund, bool, error) {
	if rf.AmountFen <= 0 {
		return nil, false, payments.ErrRefundAmount
	}
	if prev, err := s.Refund(ctx, rf.No); err == nil {
		return prev, false, nil
	} else if !errors.Is(err, payments.ErrRefundNotFound) {
		return nil, false, err
	}
	row := refundRow{RefundNo: rf.No, OrderNo: rf.OrderNo, AmountFen: rf.AmountFen, Status: string(payments.RefundPending),
		Reason: rf.Reason, CreatedAt: rf.CreatedAt.UTC(), UpdatedAt: rf.CreatedAt.UTC()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var o orderRow
		if err := s.loadOrder(tx, rf.OrderNo, &o); err != nil {
			return err
		}
		if rf.AmountFen > o.AmountFen {
			return payments.ErrRefundTooLarge // and no sum near the integer's end
		}
		res := tx.Exec(`UPDATE orders SET refunding_fen = refunding_fen + ?, status = ?, updated_at = ?
			WHERE order_no = ? AND status IN (?, ?, ?) AND refunded_fen + refunding_fen + ? <= amount_fen`,
			rf.AmountFen, payments.StatusRefunding, rf.CreatedAt.UTC(), rf.OrderNo,
			payments.StatusPaid, payments.StatusRefunding, payments.StatusPartiallyRefunded, rf.AmountFen)
		if res.Error != nil {
			return fmt.Errorf("reserve refund: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return payments.ErrRefundTooLarge
		}
		// A concurrent request with the same number fails here and rolls
		// its reservation back.
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if au.Action == "" {
			return nil
		}
		return audit.Record(ctx, tx, au.Action, au.TargetType, au.TargetID, nil, row)
	})
	if err != nil && sqldb.IsUniqueViolation(err) {
		prev, err := s.Refund(ctx, rf.No)
		return prev, false, err
	}
	if err != nil {
		if errors.Is(err, payments.ErrRefundTooLarge) || errors.Is(err, payments.ErrNotFound) {
			return nil, false, err
		}
		return nil, false, fmt.Errorf("start refund: %w", err)
	}
	return row.refund(), true, nil
}

// SettleRefund ends a refund in flight once: succeeded moves its amount
// to refunded_fen, a failure (with its reason for staff) releases it. The
// order becomes refunded, partially_refunded, still refunding (other
// refunds in flight) or, when a failure leaves nothing refunded, paid
// again. A refund failed here that the provider reports succeeded after
// all (a give-up raced its callback) is counted as refunded then: the
// money went back. False when nothing changed.
func (s *Store) SettleRefund(ctx context.Context, no string, succeeded bool, failure string, at time.Time) (bool, error) {
	status := payments.RefundFailed
	if succeeded {
		status = payments.RefundSucceeded
	}
	changed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rf refundRow
		if err := tx.Where("refund_no = ?", no).Take(&rf).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return payments.ErrRefundNotFound
			}
			return fmt.Errorf("load refund: %w", err)
		}
		from := payments.RefundPending
		if succeeded && rf.Status == string(payments.RefundFailed) {
			from = payments.RefundFailed
		}
		res := tx.Exec(`UPDATE refunds SET status = ?, failure_reason = ?, settled_at = ?, updated_at = ? WHERE refund_no = ? AND status = ?`,
			status, failure, at.UTC(), at.UTC(), no, from)
		if res.Error != nil {
			return fmt.Errorf("settle refund: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		changed = true
		refunded, released := int64(0), rf.AmountFen
		if succeeded {
			refunded = rf.AmountFen
		}
		if from == payments.RefundFailed {
			released = 0 // released when it failed
		}
		// The new status follows from the new sums, computed in SQL so
		// that concurrent settlements of one order each see the other.
		res = tx.Exec(`UPDATE orders SET refunding_fen = refunding_fen - ?, refunded_fen = refunded_fen + ?, updated_at = ?,
			status = CASE
				WHEN refunding_fen - ? > 0 THEN ?
				WHEN refunded_fen + ? >= amount_fen THEN ?
				WHEN refunded_fen + ? > 0 THEN ?
				ELSE ? END
			WHERE order_no = ?`,
			released, refunded, at.UTC(),
			released, payments.StatusRefunding,
			refunded, payments.StatusRefunded,
			refunded, payments.StatusPartiallyRefunded,
			payments.StatusPaid, rf.OrderNo)
		if res.Error != nil {
			return fmt.Errorf("settle refund on order: %w", res.Error)
		}
		var userID string
		if err := tx.Raw("SELECT user_id FROM orders WHERE order_no = ?", rf.OrderNo).Scan(&userID).Error; err != nil {
			return fmt.Errorf("load refunded order: %w", err)
		}
		_, err := outbox.Add(ctx, tx, payments.TopicRefundSettled, payments.RefundSettledEvent{RefundNo: rf.RefundNo, OrderNo: rf.OrderNo,
			UserID: userID, AmountFen: rf.AmountFen, Succeeded: succeeded, SettledAt: at.UTC()})
		return err
	})
	return changed, err
}
