// Package paymentshttp exposes orders, payment callbacks, the sandbox
// provider and membership plans over HTTP.
package paymentshttp

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zuju/zuju/internal/payments"
	"github.com/zuju/zuju/internal/payments/membership"
	"github.com/zuju/zuju/internal/payments/wechatpay"
)

var bearer = []map[string][]string{{"bearer": {}}}

// OrderDTO is an order (API.md's Order).
type OrderDTO struct {
	OrderNo     string     `json:"order_no"`
	Kind        string     `json:"kind" enum:"activity_signup,membership"`
	UserID      string     `json:"user_id"`
	AmountFen   int64      `json:"amount_fen"`
	Status      string     `json:"status" enum:"pending,paid,closed,refunding,refunded,partially_refunded"`
	Channel     string     `json:"channel" doc:"wechat or sandbox once paying started; empty before"`
	Description string     `json:"description"`
	CreatedAt   time.Time  `json:"created_at"`
	PaidAt      *time.Time `json:"paid_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	RefundedFen int64      `json:"refunded_fen"`
}

// ToOrderDTO renders an order.
func ToOrderDTO(o *payments.Order) OrderDTO {
	return OrderDTO{OrderNo: o.No, Kind: string(o.Kind), UserID: o.UserID, AmountFen: o.AmountFen, Status: string(o.Status),
		Channel: o.Channel, Description: o.Description, CreatedAt: o.CreatedAt, PaidAt: o.PaidAt, ExpiresAt: o.ExpiresAt,
		RefundedFen: o.RefundedFen}
}

type handlers struct {
	svc     *payments.Service
	members *membership.Service
}

// Register adds the payment and membership routes.
func Register(api huma.API, svc *payments.Service, members *membership.Service) {
	h := handlers{svc: svc, members: members}
	tag := []string{"Payments"}
	huma.Register(api, huma.Operation{OperationID: "get-order", Method: http.MethodGet, Path: "/orders/{order_no}",
		Summary: "An order (its owner or an admin)", Tags: tag, Security: bearer}, h.order)
	huma.Register(api, huma.Operation{OperationID: "pay-order", Method: http.MethodPost, Path: "/orders/{order_no}/pay",
		Summary: "Start paying one's pending order: the parameters of wx.requestPayment (wechat) or the sandbox's pay page", Tags: tag,
		Security: bearer}, h.pay)
	huma.Register(api, huma.Operation{OperationID: "wechat-pay-notify", Method: http.MethodPost, Path: "/payments/wechat/notify",
		Summary: "WeChat Pay APIv3 callback (payments and refunds; signed and encrypted). 204 when handled, else {code: FAIL} and WeChat Pay retries",
		Tags:    tag, DefaultStatus: http.StatusNoContent, SkipValidateBody: true}, h.notify)
	huma.Register(api, huma.Operation{OperationID: "sandbox-pay-page", Method: http.MethodGet, Path: "/payments/sandbox/{order_no}",
		Summary: "The sandbox provider's pay page (development; 404 when the sandbox is off)", Tags: tag,
		Responses: map[string]*huma.Response{"200": {Description: "HTML page", Content: map[string]*huma.MediaType{"text/html": {}}}}}, h.sandboxPage)
	huma.Register(api, huma.Operation{OperationID: "sandbox-complete", Method: http.MethodPost, Path: "/payments/sandbox/{order_no}/complete",
		Summary: "Settle a sandbox order through the same path as a WeChat Pay callback: paid, or failed and closed (404 when the sandbox is off)",
		Tags:    tag}, h.sandboxComplete)
	registerMembership(api, h)
	registerAdmin(api, h)
}

type orderIn struct {
	OrderNo string `path:"order_no" maxLength:"40"`
}

type orderOut struct{ Body OrderDTO }

func (h handlers) order(ctx context.Context, in *orderIn) (*orderOut, error) {
	o, err := h.svc.OrderFor(ctx, in.OrderNo)
	if err != nil {
		return nil, err
	}
	return &orderOut{Body: ToOrderDTO(o)}, nil
}

type payIn struct {
	OrderNo string `path:"order_no" maxLength:"40"`
	Body    struct {
		Channel string `json:"channel" enum:"wechat,sandbox" doc:"wechat: JSAPI inside the mini program; sandbox: development only"`
	}
}

// SandboxDTO is where the sandbox order is paid.
type SandboxDTO struct {
	PayURL string `json:"pay_url"`
}

type payOut struct {
	Body struct {
		Order   OrderDTO                  `json:"order"`
		WeChat  *wechatpay.RequestPayment `json:"wechat,omitempty" doc:"pass to wx.requestPayment as is"`
		Sandbox *SandboxDTO               `json:"sandbox,omitempty"`
	}
}

func (h handlers) pay(ctx context.Context, in *payIn) (*payOut, error) {
	res, err := h.svc.Pay(ctx, in.OrderNo, in.Body.Channel)
	if err != nil {
		return nil, err
	}
	out := &payOut{}
	out.Body.Order = ToOrderDTO(res.Order)
	out.Body.WeChat = res.WeChat
	if res.SandboxURL != "" {
		out.Body.Sandbox = &SandboxDTO{PayURL: res.SandboxURL}
	}
	return out, nil
}

type notifyIn struct {
	Serial    string `header:"Wechatpay-Serial"`
	Signature string `header:"Wechatpay-Signature"`
	Timestamp string `header:"Wechatpay-Timestamp"`
	Nonce     string `header:"Wechatpay-Nonce"`
	SigType   string `header:"Wechatpay-Signature-Type"`
	RequestID string `header:"Request-ID"`
	RawBody   []byte `contentType:"application/json"`
}

type notifyFail struct {
	Code    string `json:"code" enum:"FAIL"`
	Message string `json:"message"`
}

type notifyOut struct {
	Status int
	Body   *notifyFail
}

func (h handlers) notify(ctx context.Context, in *notifyIn) (*notifyOut, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, "/", bytes.NewReader(in.RawBody))
	if err != nil {
		return nil, err
	}
	for k, v := range map[string]string{"Wechatpay-Serial": in.Serial, "Wechatpay-Signature": in.Signature,
		"Wechatpay-Timestamp": in.Timestamp, "Wechatpay-Nonce": in.Nonce, "Wechatpay-Signature-Type": in.SigType,
		"Request-ID": in.RequestID, "Content-Type": "application/json"} {
		if v != "" {
			r.Header.Set(k, v)
		}
	}
	rep := h.svc.HandleWeChatNotification(ctx, r)
	if rep.Status < 300 {
		return &notifyOut{Status: http.StatusNoContent}, nil
	}
	return &notifyOut{Status: rep.Status, Body: &notifyFail{Code: "FAIL", Message: rep.Message}}, nil
}

type sandboxCompleteIn struct {
	OrderNo string `path:"order_no" maxLength:"40"`
	Token   string `query:"t" maxLength:"64" doc:"the pay page's token (the owner signed in needs none)"`
	Body    *struct {
		Result string `json:"result,omitempty" enum:"success,fail" default:"success" doc:"success pays the order; fail fails the payment and closes it"`
	}
}

func (h handlers) sandboxComplete(ctx context.Context, in *sandboxCompleteIn) (*orderOut, error) {
	success := in.Body == nil || in.Body.Result != "fail"
	o, err := h.svc.SandboxComplete(ctx, in.OrderNo, in.Token, success)
	if err != nil {
		return nil, err
	}
	return &orderOut{Body: ToOrderDTO(o)}, nil
}
