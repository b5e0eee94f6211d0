package activitiesstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/platform/outbox"
	"github.com/zuju/zuju/internal/platform/sqldb"
)

// Lock order. Every transaction that changes an activity's sign-ups takes
// the activity's row first (sign-up does so with its seat update, check-in
// with its formed check, a status change such as a cancellation with its
// conditional update, the others through lockActivity), then sign-up rows;
// the single-statement updates of one sign-up (AttachOrder, ReopenOffer)
// hold no other lock. So no two of them ever deadlock, and on PostgreSQL
// the later one re-reads what the earlier one committed: a payment
// confirmed while the activity is being cancelled is either refunded by
// the cancellation or reported Released. Finishing an activity counts its
// no-shows in user order, so two finishes never deadlock on those rows.

// lockActivity takes the activity's row lock with a no-op update and, when
// openOnly is set, reports whether it is still published or formed.
func lockActivity(tx *gorm.DB, activityID string, openOnly bool) (bool, error) {
	q := tx.Model(&row{}).Where("id = ?", activityID)
	if openOnly {
		q = q.Where("status IN ?", open)
	}
	res := q.UpdateColumn("updated_at", gorm.Expr("updated_at"))
	if res.Error != nil {
		return false, fmt.Errorf("lock activity: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// requestRefund writes the activities.refund_requested event of a paid
// sign-up; its refund number comes from the sign-up, so a sign-up is
// refunded once however often the event is delivered.
func requestRefund(ctx context.Context, tx *gorm.DB, r signupRow, amountFen int64, reason string) error {
	_, err := outbox.Add(ctx, tx, activities.TopicRefundRequested, activities.RefundRequestedEvent{
		RefundNo: activities.RefundNo(r.ID), OrderNo: r.OrderNo, SignupID: r.ID, ActivityID: r.ActivityID,
		UserID: r.UserID, AmountFen: amountFen, Reason: reason})
	return err
}

// seatChanged writes the activities.seat_changed event of a user who took
// or gave up a seat.
func seatChanged(ctx context.Context, tx *gorm.DB, activityID, userID string) error {
	_, err := outbox.Add(ctx, tx, activities.TopicSeatChanged, activities.SeatChangedEvent{ActivityID: activityID, UserID: userID})
	return err
}

// holdReleased writes the activities.hold_released event of a hold that
// gave up its seat (none when it never got an order).
func holdReleased(ctx context.Context, tx *gorm.DB, r signupRow, reason string) error {
	if r.OrderNo == "" {
		return nil
	}
	_, err := outbox.Add(ctx, tx, activities.TopicHoldReleased, activities.HoldReleasedEvent{
		OrderNo: r.OrderNo, SignupID: r.ID, ActivityID: r.ActivityID, UserID: r.UserID, Reason: reason})
	return err
}

var pending = string(activities.SignupPendingPayment)

// AttachOrder records the order of a held seat; false when the hold is
// gone or has another order.
func (s *Store) AttachOrder(ctx context.Context, signupID, orderNo string, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&signupRow{}).
		Where("id = ? AND status = ? AND (order_no = '' OR order_no = ?)", signupID, pending, orderNo).
		Updates(map[string]any{"order_no": orderNo, "updated_at": now.UTC()})
	if res.Error != nil {
		return false, fmt.Errorf("attach order: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseHold cancels a held seat that got no order and passes the seat on.
func (s *Store) ReleaseHold(ctx context.Context, signupID string, now time.Time) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r signupRow
		if err := tx.Where("id = ?", signupID).Take(&r).Error; err != nil {
			return fmt.Errorf("load sign-up: %w", err)
		}
		if _, err := lockActivity(tx, r.ActivityID, false); err != nil {
			return err
		}
		res := tx.Model(&signupRow{}).Where("id = ? AND status = ? AND order_no = ''", signupID, pending).
			Updates(map[string]any{"status": string(activities.SignupCancelled), "idempotency_key": "",
				"cancelled_at": now.UTC(), "updated_at": now.UTC()})
		if res.Error != nil {
			return fmt.Errorf("release hold: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil // already released (expired, or the activity was cancelled)
		}
		return s.passSeat(ctx, tx, r.ActivityID, now)
	})
}

// HoldOffer turns the user's open offer into a seat held for payment until
// the offer's end.
func (s *Store) HoldOffer(ctx context.Context, activityID, userID string, amountFen int64, now time.Time) (*activities.Signup, error) {
	var out signupRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ok, err := lockActivity(tx, activityID, true)
		if err != nil {
			return err
		}
		if !ok {
			return activities.ErrNoOffer
		}
		res := tx.Model(&signupRow{}).Where("activity_id = ? AND user_id = ? AND status = ? AND offer_expires_at > ?",
			activityID, userID, string(activities.SignupOffered), now.UTC()).
			Updates(map[string]any{"status": pending, "hold_expires_at": gorm.Expr("offer_expires_at"),
				"offer_expires_at": nil, "amount_fen": amountFen, "updated_at": now.UTC()})
		if res.Error != nil {
			return fmt.Errorf("hold offer: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return activities.ErrNoOffer
		}
		if err := tx.Where("activity_id = ? AND user_id = ? AND status = ?", activityID, userID, pending).Take(&out).Error; err != nil {
			return fmt.Errorf("load sign-up: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sg := out.signup()
	return &sg, nil
}

// ReopenOffer turns a held seat without an order back into its offer.
func (s *Store) ReopenOffer(ctx context.Context, signupID string, now time.Time) error {
	err := s.db.WithContext(ctx).Model(&signupRow{}).Where("id = ? AND status = ? AND order_no = ''", signupID, pending).
		Updates(map[string]any{"status": string(activities.SignupOffered), "offer_expires_at": gorm.Expr("hold_expires_at"),
			"hold_expires_at": nil, "updated_at": now.UTC()}).Error
	if err != nil {
		return fmt.Errorf("reopen offer: %w", err)
	}
	return nil
}

// ConfirmPayment confirms a held seat once: a conditional update from
// pending_payment, on an activity still open, with at least the held
// amount paid. Anything else is told apart afterwards: the same payment
// again (AlreadyConfirmed) or a seat no longer held (Released).
func (s *Store) ConfirmPayment(ctx context.Context, p activities.Payment, now time.Time) (activities.ConfirmResult, error) {
	var res activities.ConfirmResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Model(&signupRow{})
		if p.SignupID != "" {
			q = q.Where("id = ?", p.SignupID)
		} else {
			q = q.Where("order_no = ?", p.OrderNo)
		}
		var r signupRow
		if err := q.Take(&r).Error; err != nil {
			if sqldb.IsNotFound(err) {
				return activities.ErrSignupNotFound
			}
			return fmt.Errorf("load sign-up: %w", err)
		}
		ok, err := lockActivity(tx, r.ActivityID, true)
		if err != nil {
			return err
		}
		if ok {
			set := map[string]any{"status": string(activities.SignupConfirmed), "paid_fen": p.AmountFen, "updated_at": now.UTC()}
			u := tx.Model(&signupRow{}).Where("id = ? AND status = ? AND amount_fen <= ?", r.ID, pending, p.AmountFen)
			if p.OrderNo != "" {
				u = u.Where("order_no IN ?", []string{"", p.OrderNo})
				set["order_no"] = p.OrderNo
			}
			up := u.Updates(set)
			if up.Error != nil {
				return fmt.Errorf("confirm payment: %w", up.Error)
			}
			if up.RowsAffected == 1 {
				if err := tx.Where("id = ?", r.ID).Take(&r).Error; err != nil {
					return fmt.Errorf("load sign-up: %w", err)
				}
				res = activities.ConfirmResult{Outcome: activities.Confirmed, Signup: r.signup()}
				if err := seatChanged(ctx, tx, r.ActivityID, r.UserID); err != nil {
					return err
				}
				return s.formIfReady(ctx, tx, r.ActivityID, now)
			}
		}
		if err := tx.Where("id = ?", r.ID).Take(&r).Error; err != nil {
			return fmt.Errorf("load sign-up: %w", err)
		}
		res = activities.ConfirmResult{Outcome: activities.Released, Signup: r.signup()}
		if r.PaidFen > 0 && (p.OrderNo == "" || p.OrderNo == r.OrderNo) {
			res.Outcome = activities.AlreadyConfirmed
		}
		return nil
	})
	return res, err
}

// ExpireHolds cancels held seats past their hold, each once (conditional
// update) whichever replica gets it, and passes each seat on.
func (s *Store) ExpireHolds(ctx context.Context, now time.Time, limit int) ([]activities.Signup, error) {
	var due []signupRow
	if err := s.db.WithContext(ctx).Where("status = ? AND hold_expires_at <= ?", pending, now.UTC()).
		Order("hold_expires_at, id").Limit(limit).Find(&due).Error; err != nil {
		return nil, fmt.Errorf("list expired holds: %w", err)
	}
	var out []activities.Signup
	for _, h := range due {
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if _, err := lockActivity(tx, h.ActivityID, false); err != nil {
				return err
			}
			res := tx.Model(&signupRow{}).Where("id = ? AND status = ?", h.ID, pending).
				Updates(map[string]any{"status": string(activities.SignupCancelled), "cancelled_at": now.UTC(), "updated_at": now.UTC()})
			if res.Error != nil {
				return fmt.Errorf("expire hold: %w", res.Error)
			}
			if res.RowsAffected == 0 {
				return nil // paid, cancelled or expired elsewhere meanwhile
			}
			if err := tx.Where("id = ?", h.ID).Take(&h).Error; err != nil {
				return fmt.Errorf("load sign-up: %w", err)
			}
			if err := holdReleased(ctx, tx, h, activities.ReleaseExpired); err != nil {
				return err
			}
			out = append(out, h.signup())
			return s.passSeat(ctx, tx, h.ActivityID, now)
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// settleCancelled runs inside the cancellation of an activity: held seats
// are released (their orders to be closed), waitlist places and open
// offers are cancelled, and every paid seat is refunded
// in full, each by a conditional update on what makes it refundable
// (seated, paid, not refunded yet) rather than on the status it was listed
// with, so a seat checked in meanwhile is still refunded and one cancelled
// by its holder at the same moment is refunded once.
func (s *Store) settleCancelled(ctx context.Context, tx *gorm.DB, activityID string, now time.Time) error {
	var held []signupRow
	if err := tx.Where("activity_id = ? AND status = ?", activityID, pending).Order("id").Find(&held).Error; err != nil {
		return fmt.Errorf("list held seats: %w", err)
	}
	for _, h := range held {
		res := tx.Model(&signupRow{}).Where("id = ? AND status = ?", h.ID, pending).
			Updates(map[string]any{"status": string(activities.SignupCancelled), "cancelled_at": now.UTC(), "updated_at": now.UTC()})
		if res.Error != nil {
			return fmt.Errorf("release held seat: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			if err := holdReleased(ctx, tx, h, activities.ReleaseActivityCancelled); err != nil {
				return err
			}
		}
	}
	// The waitlist and its open offers end with the activity.
	if err := tx.Model(&signupRow{}).Where("activity_id = ? AND status IN ?", activityID,
		[]string{string(activities.SignupWaitlisted), string(activities.SignupOffered)}).
		Updates(map[string]any{"status": string(activities.SignupCancelled), "cancelled_at": now.UTC(), "updated_at": now.UTC()}).Error; err != nil {
		return fmt.Errorf("cancel waitlist: %w", err)
	}
	var paid []signupRow
	if err := tx.Where("activity_id = ? AND status IN ? AND paid_fen > 0", activityID, seated).Order("id").Find(&paid).Error; err != nil {
		return fmt.Errorf("list paid seats: %w", err)
	}
	for _, p := range paid {
		res := tx.Model(&signupRow{}).Where("id = ? AND status IN ? AND paid_fen > 0 AND refund_fen = 0", p.ID, seated).
			Updates(map[string]any{"status": string(activities.SignupRefunded), "refund_fen": p.PaidFen,
				"cancelled_at": now.UTC(), "updated_at": now.UTC()})
		if res.Error != nil {
			return fmt.Errorf("refund paid seat: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			if err := requestRefund(ctx, tx, p, p.PaidFen, activities.RefundReasonActivity); err != nil {
				return err
			}
		}
	}
	return nil
}

// RefundedSince lists the refund requests of sign-ups refunded at or
// after since, newest first (the events again, for a consumer that may
// have missed them; their refund numbers make a repeat harmless).
func (s *Store) RefundedSince(ctx context.Context, since time.Time, limit int) ([]activities.RefundRequestedEvent, error) {
	type hit struct {
		ID, ActivityID, UserID, OrderNo, ActivityStatus string
		RefundFen                                       int64
	}
	var rows []hit
	err := s.db.WithContext(ctx).Table("signups").
		Select("signups.id, signups.activity_id, signups.user_id, signups.order_no, signups.refund_fen, activities.status AS activity_status").
		Joins("JOIN activities ON activities.id = signups.activity_id").
		Where("signups.status = ? AND signups.refund_fen > 0 AND signups.order_no <> '' AND signups.cancelled_at >= ?",
			activities.SignupRefunded, since.UTC()).
		Order("signups.cancelled_at DESC, signups.id").Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list refunded sign-ups: %w", err)
	}
	out := make([]activities.RefundRequestedEvent, len(rows))
	for i, r := range rows {
		reason := activities.RefundReasonSelfCancel
		if r.ActivityStatus == string(activities.StatusCancelled) {
			reason = activities.RefundReasonActivity
		}
		out[i] = activities.RefundRequestedEvent{RefundNo: activities.RefundNo(r.ID), OrderNo: r.OrderNo, SignupID: r.ID,
			ActivityID: r.ActivityID, UserID: r.UserID, AmountFen: r.RefundFen, Reason: reason}
	}
	return out, nil
}
