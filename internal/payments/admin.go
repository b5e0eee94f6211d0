package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/errs"
)

// FilterRefundFailed selects, in the admin order list, the orders with a
// failed refund.
const FilterRefundFailed = "refund_failed"

// AdminFilter selects orders for staff.
type AdminFilter struct {
	Status   string // an order status, FilterRefundFailed or ""
	Kind     Kind
	UserID   string
	OrderNo  string
	Page     int
	PageSize int
}

// OrderWithRefunds is an order with its refunds, as staff see it.
type OrderWithRefunds struct {
	Order
	Refunds []Refund
}

// ErrIdempotencyReused: an idempotency key of a refund for another amount.
var ErrIdempotencyReused = errs.Conflict("idempotency.key_reused", "该幂等键已用于另一笔退款")

// ErrRefundReason asks staff for the reason of a manual refund.
var ErrRefundReason = errs.Invalid("refund.reason_required", "请填写退款原因（1–80 字）")

// AdminOrders lists orders, newest first, with their refunds (admins).
func (s *Service) AdminOrders(ctx context.Context, f AdminFilter) ([]OrderWithRefunds, int64, error) {
	if _, err := auth.RequireRole(ctx, auth.RoleAdmin, auth.RoleSuperAdmin); err != nil {
		return nil, 0, err
	}
	list, total, err := s.store.AdminOrders(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	nos := make([]string, len(list))
	for i := range list {
		nos[i] = list[i].No
	}
	refunds, err := s.store.Refunds(ctx, nos)
	if err != nil {
		return nil, 0, err
	}
	out := make([]OrderWithRefunds, len(list))
	for i := range list {
		out[i] = OrderWithRefunds{Order: list[i], Refunds: refunds[list[i].No]}
	}
	return out, total, nil
}

// AdminRefund refunds part or all of an order by hand (admins), audited
// in the refund's transaction. With an idempotency key a repeated request
// returns the first refund.
func (s *Service) AdminRefund(ctx context.Context, orderNo string, amountFen int64, reason, idemKey string) (*Refund, bool, error) {
	if _, err := auth.RequireRole(ctx, auth.RoleAdmin, auth.RoleSuperAdmin); err != nil {
		return nil, false, err
	}
	reason = strings.TrimSpace(reason)
	if n := len([]rune(reason)); n == 0 || n > 80 {
		return nil, false, ErrRefundReason
	}
	if _, err := s.store.Order(ctx, orderNo); err != nil {
		return nil, false, err
	}
	no := ""
	if idemKey != "" {
		sum := sha256.Sum256([]byte(orderNo + "\x00" + idemKey))
		no = "RM" + hex.EncodeToString(sum[:])[:30]
	}
	rf, created, err := s.refund(ctx, RefundRequest{RefundNo: no, OrderNo: orderNo, AmountFen: amountFen, Reason: reason},
		Audit{Action: "order.refund", TargetType: "order", TargetID: orderNo})
	if err == nil && !created && rf.AmountFen != amountFen {
		return nil, false, ErrIdempotencyReused
	}
	return rf, created, err
}
