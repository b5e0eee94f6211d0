package paymentshttp

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/payments"
)

func registerAdmin(api huma.API, h handlers) {
	tag := []string{"Admin"}
	huma.Register(api, huma.Operation{OperationID: "admin-list-orders", Method: http.MethodGet, Path: "/admin/orders",
		Summary: "Orders with their refunds, newest first (admins); status refund_failed lists orders with a failed refund", Tags: tag,
		Security: bearer}, h.adminOrders)
	huma.Register(api, huma.Operation{OperationID: "admin-refund-order", Method: http.MethodPost, Path: "/admin/orders/{order_no}/refunds",
		Summary: "Refund part or all of a paid order by hand (admins; audited). Never more than was paid in total", Tags: tag,
		Security: bearer, DefaultStatus: http.StatusCreated}, h.adminRefund)
}

// RefundDTO is a refund as staff see it.
type RefundDTO struct {
	RefundNo      string     `json:"refund_no"`
	AmountFen     int64      `json:"amount_fen"`
	Status        string     `json:"status" enum:"pending,succeeded,failed"`
	Reason        string     `json:"reason"`
	FailureReason string     `json:"failure_reason" doc:"why a failed refund failed, or what staff must verify about a refund kept in flight"`
	CreatedAt     time.Time  `json:"created_at"`
	SettledAt     *time.Time `json:"settled_at"`
}

func toRefundDTO(r *payments.Refund) RefundDTO {
	return RefundDTO{RefundNo: r.No, AmountFen: r.AmountFen, Status: string(r.Status), Reason: r.Reason,
		FailureReason: r.FailureReason, CreatedAt: r.CreatedAt, SettledAt: r.SettledAt}
}

// AdminOrderDTO is an order with its refunds.
type AdminOrderDTO struct {
	OrderDTO
	SubjectID    string      `json:"subject_id" doc:"the sign-up or membership plan paid for"`
	TradeNo      string      `json:"trade_no" doc:"the provider's transaction id"`
	RefundingFen int64       `json:"refunding_fen"`
	Refunds      []RefundDTO `json:"refunds"`
}

type adminOrdersIn struct {
	Page     int    `query:"page" minimum:"1" default:"1"`
	PageSize int    `query:"page_size" minimum:"1" maximum:"100" default:"20"`
	Status   string `query:"status" enum:"pending,paid,closed,refunding,refunded,partially_refunded,refund_failed,"`
	Kind     string `query:"kind" enum:"activity_signup,membership,"`
	UserID   string `query:"user_id" maxLength:"64"`
	OrderNo  string `query:"order_no" maxLength:"40"`
}

type adminOrdersOut struct {
	Body struct {
		Items []AdminOrderDTO `json:"items"`
		Total int64           `json:"total"`
	}
}

func (h handlers) adminOrders(ctx context.Context, in *adminOrdersIn) (*adminOrdersOut, error) {
	list, total, err := h.svc.AdminOrders(ctx, payments.AdminFilter{Status: in.Status, Kind: payments.Kind(in.Kind), UserID: in.UserID,
		OrderNo: in.OrderNo, Page: in.Page, PageSize: in.PageSize})
	if err != nil {
		return nil, err
	}
	out := &adminOrdersOut{}
	out.Body.Items = make([]AdminOrderDTO, len(list))
	for i := range list {
		o := &list[i]
		d := AdminOrderDTO{OrderDTO: ToOrderDTO(&o.Order), SubjectID: o.SubjectID, TradeNo: o.TradeNo, RefundingFen: o.RefundingFen,
			Refunds: make([]RefundDTO, len(o.Refunds))}
		for j := range o.Refunds {
			d.Refunds[j] = toRefundDTO(&o.Refunds[j])
		}
		out.Body.Items[i] = d
	}
	out.Body.Total = total
	return out, nil
}

type adminRefundIn struct {
	OrderNo        string `path:"order_no" maxLength:"40"`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"100" doc:"a retried request with the same key refunds once"`
	Body           struct {
		AmountFen int64  `json:"amount_fen" minimum:"1"`
		Reason    string `json:"reason" maxLength:"80"`
	}
}

type refundOut struct{ Body RefundDTO }

func (h handlers) adminRefund(ctx context.Context, in *adminRefundIn) (*refundOut, error) {
	rf, _, err := h.svc.AdminRefund(ctx, in.OrderNo, in.Body.AmountFen, in.Body.Reason, in.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	return &refundOut{Body: toRefundDTO(rf)}, nil
}
