package paymentsstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/payments"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// SetChannel records the channel a pending order is being paid through
// (reconciliation asks that provider); false when it is not pending or
// was already placed at WeChat Pay, which keeps it: an order WeChat Pay
// knows is settled by asking WeChat Pay.
func (s *Store) SetChannel(ctx context.Context, no, channel string, at time.Time) (bool, error) {
	q := `UPDATE orders SET channel = ?, updated_at = ? WHERE order_no = ? AND status = ?`
	if channel != payments.ChannelWeChat {
		q += ` AND channel <> 'wechat'`
	}
	res := s.db.WithContext(ctx).Exec(q, channel, at.UTC(), no, payments.StatusPending)
	if res.Error != nil {
		return false, fmt.Errorf("set order channel: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// MarkFulfilled records that the seller applied an order's payment.
func (s *Store) MarkFulfilled(ctx context.Context, no string, at time.Time) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE orders SET fulfilled_at = ? WHERE order_no = ? AND fulfilled_at IS NULL AND paid_at IS NOT NULL`,
		at.UTC(), no).Error
	if err != nil {
		return fmt.Errorf("mark order fulfilled: %w", err)
	}
	return nil
}

// ExpiredPending lists pending orders whose payment window ended at or
// before now and whose next check is due, oldest first.
func (s *Store) ExpiredPending(ctx context.Context, now time.Time, limit int) ([]payments.Order, error) {
	return s.orders(ctx, s.db.Where("status = ? AND expires_at <= ? AND (next_check_at IS NULL OR next_check_at <= ?)",
		payments.StatusPending, now.UTC(), now.UTC()).Order("expires_at"), limit)
}

// ClosedUnconfirmed lists WeChat Pay orders closed here since the given
// time, unpaid, that WeChat Pay has not confirmed closed, whose next
// check is due, oldest first.
func (s *Store) ClosedUnconfirmed(ctx context.Context, since, now time.Time, limit int) ([]payments.Order, error) {
	return s.orders(ctx, s.db.Where(`status = ? AND channel = ? AND paid_at IS NULL AND provider_closed_at IS NULL AND closed_at >= ?
		AND (next_check_at IS NULL OR next_check_at <= ?)`, payments.StatusClosed, payments.ChannelWeChat, since.UTC(), now.UTC()).
		Order("closed_at"), limit)
}

// MarkProviderClosed records that the provider confirmed the order can no
// longer be paid there.
func (s *Store) MarkProviderClosed(ctx context.Context, no string, at time.Time) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE orders SET provider_closed_at = ?, next_check_at = NULL WHERE order_no = ? AND provider_closed_at IS NULL`,
		at.UTC(), no).Error
	if err != nil {
		return fmt.Errorf("mark order closed at provider: %w", err)
	}
	return nil
}

// DeferCheck puts off the next reconciliation check of an order whose
// check failed.
func (s *Store) DeferCheck(ctx context.Context, no string, until time.Time) error {
	if err := s.db.WithContext(ctx).Exec(`UPDATE orders SET next_check_at = ? WHERE order_no = ?`, until.UTC(), no).Error; err != nil {
		return fmt.Errorf("defer order check: %w", err)
	}
	return nil
}

// Unfulfilled lists paid orders, paid before the given time, that their
// seller has not applied yet.
func (s *Store) Unfulfilled(ctx context.Context, paidBefore time.Time, limit int) ([]payments.Order, error) {
	return s.orders(ctx, s.db.Where("fulfilled_at IS NULL AND paid_at IS NOT NULL AND paid_at < ?", paidBefore.UTC()).Order("paid_at"), limit)
}

func (s *Store) orders(ctx context.Context, q *gorm.DB, limit int) ([]payments.Order, error) {
	var rows []orderRow
	if err := q.WithContext(ctx).Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	out := make([]payments.Order, len(rows))
	for i := range rows {
		out[i] = *rows[i].order()
	}
	return out, nil
}

// NotificationSeen reports whether a verified notification was handled.
func (s *Store) NotificationSeen(ctx context.Context, id string) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM payment_notifications WHERE id = ?`, id).Scan(&n).Error; err != nil {
		return false, fmt.Errorf("look up notification: %w", err)
	}
	return n > 0, nil
}

// RecordNotification remembers a handled notification; false when it was
// recorded before.
func (s *Store) RecordNotification(ctx context.Context, id, eventType, orderNo string, at time.Time) (bool, error) {
	err := s.db.WithContext(ctx).Exec(`INSERT INTO payment_notifications (id, event_type, order_no, received_at) VALUES (?, ?, ?, ?)`,
		id, eventType, orderNo, at.UTC()).Error
	if sqldb.IsUniqueViolation(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("record notification: %w", err)
	}
	return true, nil
}

// Refund loads a refund.
func (s *Store) Refund(ctx context.Context, no string) (*payments.Refund, error) {
	var r refundRow
	err := s.db.WithContext(ctx).Where("refund_no = ?", no).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, payments.ErrRefundNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load refund: %w", err)
	}
	return r.refund(), nil
}

// SetProviderRefundID records the provider's id of a refund it accepted.
func (s *Store) SetProviderRefundID(ctx context.Context, no, id string, at time.Time) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE refunds SET provider_refund_id = ?, updated_at = ? WHERE refund_no = ? AND provider_refund_id = ''`,
		id, at.UTC(), no).Error
	if err != nil {
		return fmt.Errorf("record provider refund id: %w", err)
	}
	return nil
}

// FlagRefund keeps a refund in flight (its amount reserved) while staff
// check it, with the reason shown to them.
func (s *Store) FlagRefund(ctx context.Context, no, reason string, at time.Time) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE refunds SET failure_reason = ?, updated_at = ? WHERE refund_no = ? AND status = ?`,
		reason, at.UTC(), no, payments.RefundPending).Error
	if err != nil {
		return fmt.Errorf("flag refund: %w", err)
	}
	return nil
}

// PendingRefunds lists refunds still in flight that were created before
// the given time, oldest first.
func (s *Store) PendingRefunds(ctx context.Context, before time.Time, limit int) ([]string, error) {
	var nos []string
	err := s.db.WithContext(ctx).Model(&refundRow{}).Where("status = ? AND created_at < ?", payments.RefundPending, before.UTC()).
		Order("created_at").Limit(limit).Pluck("refund_no", &nos).Error
	if err != nil {
		return nil, fmt.Errorf("list pending refunds: %w", err)
	}
	return nos, nil
}

// Refunds returns the refunds of these orders, oldest first, by order.
func (s *Store) Refunds(ctx context.Context, orderNos []string) (map[string][]payments.Refund, error) {
	out := make(map[string][]payments.Refund, len(orderNos))
	if len(orderNos) == 0 {
		return out, nil
	}
	var rows []refundRow
	if err := s.db.WithContext(ctx).Where("order_no IN ?", orderNos).Order("created_at, refund_no").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list refunds: %w", err)
	}
	for _, r := range rows {
		out[r.OrderNo] = append(out[r.OrderNo], *r.refund())
	}
	return out, nil
}

// AdminOrders returns one page of orders, newest first, and the total.
// Status "refund_failed" selects orders with a failed refund or one
// flagged for staff.
func (s *Store) AdminOrders(ctx context.Context, f payments.AdminFilter) ([]payments.Order, int64, error) {
	q := s.db.WithContext(ctx).Model(&orderRow{})
	switch f.Status {
	case "":
	case payments.FilterRefundFailed:
		q = q.Where("order_no IN (SELECT order_no FROM refunds WHERE status = ? OR (status = ? AND failure_reason <> ''))",
			payments.RefundFailed, payments.RefundPending)
	default:
		q = q.Where("status = ?", f.Status)
	}
	if f.UserID != "" {
		q = q.Where("user_id = ?", f.UserID)
	}
	if f.OrderNo != "" {
		q = q.Where("order_no = ?", f.OrderNo)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count orders: %w", err)
	}
	list, err := s.orders(ctx, q.Order("created_at DESC, order_no DESC").Offset((f.Page-1)*f.PageSize), f.PageSize)
	return list, total, err
}

// Republish writes a paid order's payments.order_paid event again, for a
// seller that has not applied it (consumers deduplicate by order).
func (s *Store) Republish(ctx context.Context, no string) error {
	var r orderRow
	if err := s.db.WithContext(ctx).Where("order_no = ? AND paid_at IS NOT NULL", no).Take(&r).Error; err != nil {
		return fmt.Errorf("load paid order: %w", err)
	}
	if _, err := outbox.Add(ctx, s.db, payments.TopicOrderPaid, r.paidEvent()); err != nil {
		return fmt.Errorf("republish order_paid: %w", err)
	}
	return nil
}

// KnownRefunds returns which of these refund numbers are recorded.
func (s *Store) KnownRefunds(ctx context.Context, nos []string) (map[string]bool, error) {
	out := make(map[string]bool, len(nos))
	if len(nos) == 0 {
		return out, nil
	}
	var found []string
	if err := s.db.WithContext(ctx).Model(&refundRow{}).Where("refund_no IN ?", nos).Pluck("refund_no", &found).Error; err != nil {
		return nil, fmt.Errorf("look up refunds: %w", err)
	}
	for _, no := range found {
		out[no] = true
	}
	return out, nil
}
