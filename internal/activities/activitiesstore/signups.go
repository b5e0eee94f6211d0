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

type signupRow struct {
	ID             string
	ActivityID     string
	UserID         string
	Status         string
	Position       int
	CheckInCode    string
	IdempotencyKey string
	OfferExpiresAt *time.Time
	HoldExpiresAt  *time.Time
	OrderNo        string
	AmountFen      int64
	PaidFen        int64
	RefundFen      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	CancelledAt    *time.Time
	CheckedInAt    *time.Time
}

func (signupRow) TableName() string { return "signups" }

func (r signupRow) signup() activities.Signup {
	return activities.Signup{ID: r.ID, ActivityID: r.ActivityID, UserID: r.UserID, Status: activities.SignupStatus(r.Status),
		Position: r.Position, CheckInCode: r.CheckInCode, IdempotencyKey: r.IdempotencyKey, OfferExpiresAt: utc(r.OfferExpiresAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		CancelledAt: utc(r.CancelledAt), CheckedInAt: utc(r.CheckedInAt), HoldExpiresAt: utc(r.HoldExpiresAt), OrderNo: r.OrderNo,
		AmountFen: r.AmountFen, PaidFen: r.PaidFen, RefundFen: r.RefundFen}
}

var activeSignup = []string{string(activities.SignupPendingPayment), string(activities.SignupConfirmed),
	string(activities.SignupWaitlisted), string(activities.SignupOffered), string(activities.SignupCheckedIn)}

// seated are the sign-ups that count toward formation.
var seated = []string{string(activities.SignupConfirmed), string(activities.SignupCheckedIn)}

var open = []string{string(activities.StatusPublished), string(activities.StatusFormed)}

// SignUp takes a seat with one conditional update of the activity's
// counter: the database decides, so concurrent requests on any number of
// replicas can never oversell. When the counter is full it takes a
// waitlist position from the activity's sequence instead. The insert that
// follows is covered by a unique index on active sign-ups, so a second
// sign-up of the same user rolls the seat back.
func (s *Store) SignUp(ctx context.Context, in *activities.Signup, now time.Time) (*activities.Signup, error) {
	r := signupRow{ID: in.ID, ActivityID: in.ActivityID, UserID: in.UserID, CheckInCode: in.CheckInCode,
		IdempotencyKey: in.IdempotencyKey, CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		seat := tx.Model(&row{}).
			Where("id = ? AND status IN ? AND signup_deadline > ? AND participant_count < max_participants", in.ActivityID, open, now.UTC()).
			Updates(map[string]any{"participant_count": gorm.Expr("participant_count + 1"), "updated_at": now.UTC(), "hot_score": hotBump(now)})
		if seat.Error != nil {
			return fmt.Errorf("take seat: %w", seat.Error)
		}
		switch {
		case seat.RowsAffected == 1 && in.HoldExpiresAt != nil:
			// A paid seat: held until paid or the hold ends.
			r.Status, r.HoldExpiresAt, r.AmountFen = string(activities.SignupPendingPayment), utc(in.HoldExpiresAt), in.AmountFen
		case seat.RowsAffected == 1:
			r.Status = string(activities.SignupConfirmed)
		default:
			var pos []int
			err := tx.Raw("UPDATE activities SET waitlist_seq = waitlist_seq + 1 WHERE id = ? AND status IN ? AND signup_deadline > ? RETURNING waitlist_seq",
				in.ActivityID, open, now.UTC()).Scan(&pos).Error
			if err != nil {
				return fmt.Errorf("take waitlist place: %w", err)
			}
			if len(pos) == 0 {
				return activities.ErrSignupClosed
			}
			r.Status, r.Position = string(activities.SignupWaitlisted), pos[0]
		}
		if err := tx.Create(&r).Error; err != nil {
			if sqldb.IsUniqueViolation(err) {
				return activities.ErrAlreadySignedUp
			}
			return fmt.Errorf("store sign-up: %w", err)
		}
		if r.Status == string(activities.SignupConfirmed) {
			if err := seatChanged(ctx, tx, in.ActivityID, in.UserID); err != nil {
				return err
			}
			return s.formIfReady(ctx, tx, in.ActivityID, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := r.signup()
	return &out, nil
}

// formIfReady turns a published activity that reached its minimum into a
// formed one, exactly once (conditional update), and writes the
// activities.formed event in the same transaction.
func (s *Store) formIfReady(ctx context.Context, tx *gorm.DB, activityID string, now time.Time) error {
	res := tx.Model(&row{}).Where("id = ? AND status = ?", activityID, string(activities.StatusPublished)).
		Where("(SELECT COUNT(*) FROM signups WHERE signups.activity_id = activities.id AND signups.status IN ?) >= min_participants", seated).
		Updates(map[string]any{"status": string(activities.StatusFormed), "formed_at": now.UTC(), "updated_at": now.UTC()})
	if res.Error != nil {
		return fmt.Errorf("form activity: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil
	}
	var a row
	if err := tx.Where("id = ?", activityID).Take(&a).Error; err != nil {
		return fmt.Errorf("load formed activity: %w", err)
	}
	ids, err := userIDs(tx, activityID, []string{string(activities.SignupConfirmed)}, 0)
	if err != nil {
		return fmt.Errorf("list participants: %w", err)
	}
	_, err = outbox.Add(ctx, tx, activities.TopicFormed, activities.FormedEvent{ActivityID: activityID, OrganizerID: a.OrganizerID, ParticipantIDs: ids})
	return err
}

// MembersOnlySignups lists the members-only activities of a club, starting
// after now and not cancelled, the user holds an active sign-up for.
func (s *Store) MembersOnlySignups(ctx context.Context, clubID, userID string, now time.Time) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Raw(`SELECT a.id FROM activities a JOIN signups g ON g.activity_id = a.id
		WHERE a.club_id = ? AND a.visibility = ? AND a.start_at > ? AND a.status IN ? AND g.user_id = ? AND g.status IN ?
		ORDER BY a.start_at, a.id`, clubID, string(activities.VisibilityMembers), now.UTC(),
		[]string{string(activities.StatusPublished), string(activities.StatusFormed)}, userID, activeSignup).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("list members-only sign-ups: %w", err)
	}
	return ids, nil
}

// CancelSignup ends the user's active sign-up; a seat it held (confirmed,
// offered or pending payment) passes on. A checked-in sign-up is not
// cancelled (ErrSignupCheckedIn). A paid seat is refunded by what
// refund decides (status refunded, with an activities.refund_requested
// event); a pending hold's order is to be closed (activities.hold_released).
// The conditional update makes concurrent cancellations of one sign-up
// cancel (and refund) it once.
func (s *Store) CancelSignup(ctx context.Context, activityID, userID string, now time.Time, reason string, refund func(activities.Signup) (int64, error)) (*activities.Signup, error) {
	if reason == "" {
		reason = activities.RefundReasonSelfCancel
	}
	var out signupRow
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockActivity(tx, activityID, false); err != nil {
			return err
		}
		if err := tx.Where("activity_id = ? AND user_id = ? AND status IN ?", activityID, userID, activeSignup).Take(&out).Error; err != nil {
			if sqldb.IsNotFound(err) {
				return activities.ErrSignupNotFound
			}
			return fmt.Errorf("load sign-up: %w", err)
		}
		if out.Status == string(activities.SignupCheckedIn) {
			return activities.ErrSignupCheckedIn // attended: neither seat nor payment goes back
		}
		var back int64
		if refund != nil {
			var err error
			if back, err = refund(out.signup()); err != nil {
				return err
			}
		}
		was, to := out.Status, string(activities.SignupCancelled)
		if back > 0 {
			to = string(activities.SignupRefunded)
		}
		res := tx.Model(&signupRow{}).Where("id = ? AND status = ?", out.ID, was).
			Updates(map[string]any{"status": to, "refund_fen": back, "updated_at": now.UTC(), "cancelled_at": now.UTC()})
		if res.Error != nil {
			return fmt.Errorf("cancel sign-up: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return activities.ErrSignupNotFound
		}
		out.Status, out.RefundFen, out.UpdatedAt = to, back, now.UTC()
		t := now.UTC()
		out.CancelledAt = &t
		if back > 0 {
			if err := requestRefund(ctx, tx, out, back, reason); err != nil {
				return err
			}
		}
		if was == string(activities.SignupPendingPayment) {
			if err := holdReleased(ctx, tx, out, activities.ReleaseCancelled); err != nil {
				return err
			}
		}
		if was == string(activities.SignupConfirmed) {
			if err := seatChanged(ctx, tx, activityID, out.UserID); err != nil {
				return err
			}
		}
		switch was {
		case string(activities.SignupConfirmed), string(activities.SignupOffered), string(activities.SignupPendingPayment):
			return s.passSeat(ctx, tx, activityID, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sg := out.signup()
	return &sg, nil
}

func signups(rows []signupRow) []activities.Signup {
	out := make([]activities.Signup, len(rows))
	for i, r := range rows {
		out[i] = r.signup()
	}
	return out
}

// ActiveSignup returns the user's active sign-up for an activity, or nil.
func (s *Store) ActiveSignup(ctx context.Context, activityID, userID string) (*activities.Signup, error) {
	var rows []signupRow
	if err := s.db.WithContext(ctx).Where("activity_id = ? AND user_id = ? AND status IN ?", activityID, userID, activeSignup).
		Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load sign-up: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	sg := rows[0].signup()
	return &sg, nil
}

// SignupByKey returns the sign-up a user created with an idempotency key, or nil.
func (s *Store) SignupByKey(ctx context.Context, activityID, userID, key string) (*activities.Signup, error) {
	var rows []signupRow
	if err := s.db.WithContext(ctx).Where("user_id = ? AND idempotency_key = ? AND activity_id = ?", userID, key, activityID).
		Order("created_at DESC").Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load sign-up by key: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	sg := rows[0].signup()
	return &sg, nil
}

// passSeat hands a freed seat to the first person on the waitlist as an
// offer open for OfferWindow (the seat stays held meanwhile), or gives it
// back to the counter when nobody waits or sign-up has closed.
func (s *Store) passSeat(ctx context.Context, tx *gorm.DB, activityID string, now time.Time) error {
	offered, err := offerNext(ctx, tx, activityID, now)
	if err != nil || offered {
		return err
	}
	if err := tx.Model(&row{}).Where("id = ? AND participant_count > 0", activityID).
		Updates(map[string]any{"participant_count": gorm.Expr("participant_count - 1"), "updated_at": now.UTC()}).Error; err != nil {
		return fmt.Errorf("free seat: %w", err)
	}
	return nil
}

// offerNext offers a seat (already counted) to the first person on the
// waitlist while the activity is open and before its deadline, with the
// activities.waitlist_offered event in the same transaction; false when
// nobody got it.
func offerNext(ctx context.Context, tx *gorm.DB, activityID string, now time.Time) (bool, error) {
	var next []signupRow
	err := tx.Raw(`SELECT s.* FROM signups s JOIN activities a ON a.id = s.activity_id
		WHERE s.activity_id = ? AND s.status = ? AND a.status IN ? AND a.signup_deadline > ?
		ORDER BY s.position, s.id LIMIT 1`, activityID, string(activities.SignupWaitlisted), open, now.UTC()).Scan(&next).Error
	if err != nil {
		return false, fmt.Errorf("next on waitlist: %w", err)
	}
	if len(next) == 0 {
		return false, nil
	}
	until := now.Add(activities.OfferWindow).UTC()
	res := tx.Model(&signupRow{}).Where("id = ? AND status = ?", next[0].ID, string(activities.SignupWaitlisted)).
		Updates(map[string]any{"status": string(activities.SignupOffered), "offer_expires_at": until, "updated_at": now.UTC()})
	if res.Error != nil {
		return false, fmt.Errorf("offer seat: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	_, err = outbox.Add(ctx, tx, activities.TopicWaitlistOffered, activities.WaitlistOfferedEvent{
		ActivityID: activityID, SignupID: next[0].ID, UserID: next[0].UserID, OfferExpiresAt: until})
	return err == nil, err
}

// offerFreeSeats runs in an edit, under the activity's row lock: seats a
// raised capacity added go to the waitlist first, one offer per seat in
// waitlist order while people wait (and sign-up is open); the rest stay
// open to newcomers.
func (s *Store) offerFreeSeats(ctx context.Context, tx *gorm.DB, activityID string, now time.Time) error {
	for range activities.MaxCapacity {
		seat := tx.Model(&row{}).
			Where("id = ? AND participant_count < max_participants AND status IN ? AND signup_deadline > ?", activityID, open, now.UTC()).
			Where("EXISTS (SELECT 1 FROM signups WHERE signups.activity_id = activities.id AND signups.status = ?)", string(activities.SignupWaitlisted)).
			Updates(map[string]any{"participant_count": gorm.Expr("participant_count + 1"), "updated_at": now.UTC()})
		if seat.Error != nil {
			return fmt.Errorf("take seat for the waitlist: %w", seat.Error)
		}
		if seat.RowsAffected == 0 {
			return nil
		}
		offered, err := offerNext(ctx, tx, activityID, now)
		if err != nil {
			return err
		}
		if !offered {
			return fmt.Errorf("offer new seat of activity %s: nobody on the waitlist took it", activityID)
		}
	}
	return nil
}

// AcceptOffer turns the user's open offer into a confirmed seat while the
// activity is published or formed. It takes the activity's row first (the
// lock order of holds.go). An offer made before the sign-up deadline may
// be accepted after it, within its window: the seat was the user's since
// the offer.
func (s *Store) AcceptOffer(ctx context.Context, activityID, userID string, now time.Time) (*activities.Signup, error) {
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
			Updates(map[string]any{"status": string(activities.SignupConfirmed), "offer_expires_at": nil, "updated_at": now.UTC()})
		if res.Error != nil {
			return fmt.Errorf("accept offer: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return activities.ErrNoOffer
		}
		if err := tx.Where("activity_id = ? AND user_id = ? AND status = ?", activityID, userID, string(activities.SignupConfirmed)).Take(&out).Error; err != nil {
			return fmt.Errorf("load sign-up: %w", err)
		}
		if err := seatChanged(ctx, tx, activityID, userID); err != nil {
			return err
		}
		return s.formIfReady(ctx, tx, activityID, now)
	})
	if err != nil {
		return nil, err
	}
	sg := out.signup()
	return &sg, nil
}

// ExpireOffers ends offers past their window and passes each seat on. Each
// offer expires once (conditional update), whichever replica gets it, in a
// transaction that takes the activity's row first (the lock order of
// holds.go).
func (s *Store) ExpireOffers(ctx context.Context, now time.Time, limit int) (int, error) {
	var due []signupRow
	if err := s.db.WithContext(ctx).Where("status = ? AND offer_expires_at <= ?", string(activities.SignupOffered), now.UTC()).
		Order("offer_expires_at, id").Limit(limit).Find(&due).Error; err != nil {
		return 0, fmt.Errorf("list expired offers: %w", err)
	}
	n := 0
	for _, o := range due {
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if _, err := lockActivity(tx, o.ActivityID, false); err != nil {
				return err
			}
			res := tx.Model(&signupRow{}).Where("id = ? AND status = ?", o.ID, string(activities.SignupOffered)).
				Updates(map[string]any{"status": string(activities.SignupCancelled), "cancelled_at": now.UTC(), "updated_at": now.UTC()})
			if res.Error != nil {
				return fmt.Errorf("expire offer: %w", res.Error)
			}
			if res.RowsAffected == 0 {
				return nil
			}
			n++
			return s.passSeat(ctx, tx, o.ActivityID, now)
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
