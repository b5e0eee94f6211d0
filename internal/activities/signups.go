package activities

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/zuju/zuju/internal/platform/auth"
)

// Members tells whether a user holds an active paid membership (the
// membership module answers; nil means nobody is a member yet).
type Members interface {
	IsMember(ctx context.Context, userID string) (bool, error)
}

// SetMembers connects the membership check.
func (s *Service) SetMembers(m Members) { s.members = m }

// SignUp signs the caller up: a confirmed seat while there is room, a
// waitlist place when full. On a paid activity the seat is held as
// pending_payment for the payment window and the order to pay is returned
// too; when the order cannot be created the seat is released again
// (ErrPaymentUnavailable). Without a Payments port paid activities take no
// sign-ups. A retried request with the same idempotency key gets the first
// result.
func (s *Service) SignUp(ctx context.Context, activityID, idemKey string) (*Signup, *Order, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, nil, err
	}
	if idemKey != "" {
		sg, err := s.store.SignupByKey(ctx, activityID, p.UserID, idemKey)
		if err != nil {
			return nil, nil, err
		}
		if sg != nil {
			return s.withOrder(ctx, sg, nil)
		}
	}
	a, err := s.loadVisible(ctx, activityID)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case a.Private():
		return nil, nil, ErrNotFound
	case a.OrganizerID == p.UserID:
		return nil, nil, ErrOrganizerSelf
	case !s.takingSignups():
		return nil, nil, ErrSignupsPaused
	case a.PriceFen > 0 && s.payments == nil:
		return nil, nil, ErrPaidNotYet
	}
	if a.MemberOnly {
		ok, err := s.isMember(ctx, p.UserID)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			return nil, nil, ErrMembersOnly
		}
	}
	code := make([]byte, 18)
	_, _ = rand.Read(code)
	now := s.clock()
	in := &Signup{ID: uuid.Must(uuid.NewV7()).String(), ActivityID: activityID, UserID: p.UserID,
		CheckInCode: base64.RawURLEncoding.EncodeToString(code), IdempotencyKey: idemKey}
	if a.PriceFen > 0 {
		until := now.Add(s.policy.PaymentHold)
		in.HoldExpiresAt, in.AmountFen = &until, a.PriceFen
	}
	sg, err := s.store.SignUp(ctx, in, now)
	if errors.Is(err, ErrAlreadySignedUp) && idemKey != "" {
		// A concurrent retry of the same request won: answer with its result.
		if first, ferr := s.store.SignupByKey(ctx, activityID, p.UserID, idemKey); ferr == nil && first != nil {
			return s.withOrder(ctx, first, a)
		}
	}
	if err != nil || sg.Status != SignupPendingPayment {
		return sg, nil, err
	}
	o, err := s.openOrder(ctx, a, sg)
	if err != nil {
		if errors.Is(err, ErrPaymentUnavailable) {
			if rerr := s.store.ReleaseHold(ctx, sg.ID, s.clock()); rerr != nil {
				return nil, nil, errors.Join(err, rerr)
			}
		}
		return nil, nil, err
	}
	if sg.HoldExpiresAt != nil {
		s.wake(ctx, *sg.HoldExpiresAt) // an unpaid hold is released on time
	}
	return sg, o, nil
}

// openOrder asks for the order of a held seat and records it on the
// sign-up. The order's idempotency key is the sign-up's, so asking again
// (a retried request) returns the same order.
func (s *Service) openOrder(ctx context.Context, a *Activity, sg *Signup) (*Order, error) {
	req := OrderRequest{SignupID: sg.ID, ActivityID: a.ID, UserID: sg.UserID, AmountFen: sg.AmountFen,
		IdempotencyKey: OrderKey(sg.ID), Description: "活动报名：" + a.Title}
	if sg.HoldExpiresAt != nil {
		req.ExpiresAt = *sg.HoldExpiresAt
	}
	o, err := s.payments.CreateOrder(ctx, req)
	if err != nil {
		return nil, ErrPaymentUnavailable.Wrap(err)
	}
	if sg.Status != SignupPendingPayment {
		return &o, nil
	}
	ok, err := s.store.AttachOrder(ctx, sg.ID, o.No, s.clock())
	if err != nil {
		return nil, err
	}
	if !ok {
		// The hold ended meanwhile (the activity was cancelled, or the
		// request stalled past the hold): nobody may pay this order.
		s.closeOrder(ctx, o.No)
		return nil, ErrSignupClosed
	}
	sg.OrderNo = o.No
	return &o, nil
}

// withOrder answers a retried sign-up with its order, if it has one.
// a is the sign-up's activity when the caller has it loaded (nil: load it).
func (s *Service) withOrder(ctx context.Context, sg *Signup, a *Activity) (*Signup, *Order, error) {
	if sg.OrderNo == "" && sg.Status != SignupPendingPayment {
		return sg, nil, nil
	}
	if s.payments == nil {
		return sg, nil, nil
	}
	if a == nil {
		var err error
		if a, err = s.store.Get(ctx, sg.ActivityID); err != nil {
			return nil, nil, err
		}
	}
	o, err := s.openOrder(ctx, a, sg)
	if err != nil {
		return nil, nil, err
	}
	return sg, o, nil
}

// closeOrder closes an order right away, best effort: the
// activities.hold_released event written with the change is the durable
// path, this only stops the order from being payable sooner.
func (s *Service) closeOrder(ctx context.Context, orderNo string) {
	if s.payments != nil && orderNo != "" {
		_ = s.payments.CloseOrder(ctx, orderNo)
	}
}

// CancelMine cancels the caller's own sign-up; its seat goes back. A seat
// (confirmed) cannot be given up later than the cancel cutoff before the
// start; a paid one is refunded per the policy (SelfCancelRefund) and
// becomes refunded. Giving up a held seat closes its order; leaving the
// waitlist or an offer is always possible. A checked-in participant
// attended and cannot cancel (ErrSignupCheckedIn).
func (s *Service) CancelMine(ctx context.Context, activityID string) (*Signup, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.store.Get(ctx, activityID)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrSignupNotFound
	}
	if err != nil {
		return nil, err
	}
	now := s.clock()
	sg, err := s.store.CancelSignup(ctx, activityID, p.UserID, now, RefundReasonSelfCancel, func(sg Signup) (int64, error) {
		if sg.Status != SignupConfirmed {
			return 0, nil
		}
		return s.policy.SelfCancelRefund(sg.PaidFen, a.StartAt, now)
	})
	if err != nil {
		return nil, err
	}
	if sg.OrderNo != "" && sg.PaidFen == 0 {
		s.closeOrder(ctx, sg.OrderNo) // it was an unpaid hold
	}
	s.wake(ctx, now.Add(OfferWindow)) // a freed seat may now be on offer
	return sg, nil
}

// AcceptOffer takes the seat offered to the caller from the waitlist,
// while the activity is published or formed; an offer made before the
// sign-up deadline can be taken after it, within its window (the seat was
// set aside when it was offered). Cancelling the activity cancels its
// offers. On a paid activity the seat becomes pending_payment, payable
// until the offer window ends (the seat stays held meanwhile); its order
// number is on the sign-up. When the order cannot be created the offer
// stays open.
func (s *Service) AcceptOffer(ctx context.Context, activityID string) (*Signup, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.loadVisible(ctx, activityID)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNoOffer // a members-only activity of a club the caller left: no offer to take
	}
	if err != nil {
		return nil, err
	}
	if a.PriceFen == 0 {
		return s.store.AcceptOffer(ctx, activityID, p.UserID, s.clock())
	}
	if s.payments == nil {
		return nil, ErrPaidNotYet
	}
	sg, err := s.store.HoldOffer(ctx, activityID, p.UserID, a.PriceFen, s.clock())
	if errors.Is(err, ErrNoOffer) {
		// A retried accept: the seat is already held for payment.
		if cur, cerr := s.store.ActiveSignup(ctx, activityID, p.UserID); cerr == nil && cur != nil && cur.Status == SignupPendingPayment {
			sg, err = cur, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.openOrder(ctx, a, sg); err != nil {
		if errors.Is(err, ErrPaymentUnavailable) {
			if rerr := s.store.ReopenOffer(ctx, sg.ID, s.clock()); rerr != nil {
				return nil, errors.Join(err, rerr)
			}
		}
		return nil, err
	}
	return sg, nil
}

// SetPayments connects the payments module; paid activities take sign-ups from then on.
func (s *Service) SetPayments(p Payments) { s.payments = p }

// SetSignupPolicy replaces the default payment window and cancellation policy.
func (s *Service) SetSignupPolicy(p SignupPolicy) { s.policy = p }

// ConfirmPayment applies a paid order to its held seat (a system call of
// the payments module's consumer; no caller is checked). It confirms the
// seat exactly once and forms the activity when it reaches its minimum.
// A repeated confirmation changes nothing (AlreadyConfirmed); a payment
// for a seat no longer held, because the hold expired or was given up or
// the activity was cancelled, changes nothing either (Released): the
// caller refunds it. A hold is honoured until it is released, even if the
// payment comes in after hold_expires_at but before the sweep ran.
func (s *Service) ConfirmPayment(ctx context.Context, p Payment) (ConfirmResult, error) {
	if p.SignupID == "" && p.OrderNo == "" {
		return ConfirmResult{}, ErrSignupNotFound
	}
	return s.store.ConfirmPayment(ctx, p, s.clock())
}

// LeftClub cancels a user's sign-ups to the members-only activities of a
// club they are no longer in (they left, or were removed or banned) that
// have not started; each seat passes on to the waitlist. Taken out by the
// club (removed true), a paid seat is refunded in full; leaving of one's
// own accord goes by the cancellation policy, and past its cutoff the seat
// stays, as a cancellation would be refused then. A checked-in sign-up
// stays. A repeat changes nothing. It returns how many were cancelled.
func (s *Service) LeftClub(ctx context.Context, clubID, userID string, removed bool) (int, error) {
	now := s.clock()
	ids, err := s.store.MembersOnlySignups(ctx, clubID, userID, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		a, err := s.store.Get(ctx, id)
		if err != nil {
			return n, err
		}
		reason := RefundReasonLeftClub
		if removed {
			reason = RefundReasonRemoved
		}
		sg, err := s.store.CancelSignup(ctx, id, userID, now, reason, func(sg Signup) (int64, error) {
			switch {
			case sg.Status != SignupConfirmed:
				return 0, nil
			case removed:
				return sg.PaidFen, nil
			}
			return s.policy.SelfCancelRefund(sg.PaidFen, a.StartAt, now)
		})
		switch {
		case errors.Is(err, ErrSignupNotFound), errors.Is(err, ErrSignupCheckedIn), errors.Is(err, ErrCancelClosed):
			continue
		case err != nil:
			return n, fmt.Errorf("cancel sign-up to %s: %w", id, err)
		}
		if sg.OrderNo != "" && sg.PaidFen == 0 {
			s.closeOrder(ctx, sg.OrderNo) // it was an unpaid hold
		}
		n++
	}
	if n > 0 {
		s.wake(ctx, now.Add(OfferWindow)) // freed seats may now be on offer
	}
	return n, nil
}

// SetSignupsOpen connects the platform's switch of new sign-ups (a system
// config): while it says false, sign-ups are refused (ErrSignupsPaused);
// sign-ups made before, cancellations and offers already made stay.
func (s *Service) SetSignupsOpen(open func() bool) { s.signupsOpen = open }

func (s *Service) takingSignups() bool { return s.signupsOpen == nil || s.signupsOpen() }
