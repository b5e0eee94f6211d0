package wechatpay

import (
	"context"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"
)

// PrepayRequest is a JSAPI order for one payer.
type PrepayRequest struct {
	OutTradeNo  string
	Description string
	AmountFen   int64
	OpenID      string
	ExpiresAt   time.Time
}

// RequestPayment holds the parameters of wx.requestPayment, signed with
// the merchant key.
type RequestPayment struct {
	AppID     string `json:"appId"`
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

// Prepay places the order at WeChat Pay and returns what the mini program
// passes to wx.requestPayment. Placing the same out_trade_no again is safe.
func (c *Client) Prepay(ctx context.Context, r PrepayRequest) (out RequestPayment, err error) {
	defer guard("prepay", &err)
	svc := jsapi.JsapiApiService{Client: c.core}
	exp := r.ExpiresAt.In(c.location)
	resp, _, err := svc.PrepayWithRequestPayment(ctx, jsapi.PrepayRequest{
		Appid: core.String(c.cfg.AppID), Mchid: core.String(c.cfg.MchID), Description: core.String(r.Description),
		OutTradeNo: core.String(r.OutTradeNo), TimeExpire: &exp, NotifyUrl: core.String(c.cfg.NotifyURL),
		Amount: &jsapi.Amount{Total: core.Int64(r.AmountFen), Currency: core.String("CNY")},
		Payer:  &jsapi.Payer{Openid: core.String(r.OpenID)},
	})
	if err != nil {
		return RequestPayment{}, callError("prepay", err)
	}
	return RequestPayment{AppID: deref(resp.Appid), TimeStamp: deref(resp.TimeStamp), NonceStr: deref(resp.NonceStr),
		Package: deref(resp.Package), SignType: deref(resp.SignType), PaySign: deref(resp.PaySign)}, nil
}

// Trade is WeChat Pay's view of an order, from a query or a callback.
type Trade struct {
	MchID         string
	AppID         string
	OutTradeNo    string
	TransactionID string
	State         string // SUCCESS, NOTPAY, CLOSED, REFUND, USERPAYING, PAYERROR, REVOKED
	TotalFen      int64
	PayerTotalFen int64
	Currency      string
	SuccessTime   string
}

// Paid reports whether the trade was paid (REFUND: paid, then refunded in
// part or in full).
func (t Trade) Paid() bool { return t.State == "SUCCESS" || t.State == "REFUND" }

func tradeOf(t *payments.Transaction) Trade {
	out := Trade{MchID: deref(t.Mchid), AppID: deref(t.Appid), OutTradeNo: deref(t.OutTradeNo),
		TransactionID: deref(t.TransactionId), State: deref(t.TradeState), SuccessTime: deref(t.SuccessTime)}
	if a := t.Amount; a != nil {
		out.TotalFen, out.PayerTotalFen, out.Currency = deref(a.Total), deref(a.PayerTotal), deref(a.Currency)
	}
	return out
}

// QueryOrder asks WeChat Pay for an order's state (ErrNotFound when it
// never saw it).
func (c *Client) QueryOrder(ctx context.Context, outTradeNo string) (t Trade, err error) {
	defer guard("query order", &err)
	svc := jsapi.JsapiApiService{Client: c.core}
	tx, _, err := svc.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String(outTradeNo), Mchid: core.String(c.cfg.MchID)})
	if err != nil {
		return Trade{}, callError("query order", err)
	}
	return tradeOf(tx), nil
}

// CloseOrder stops an unpaid order from being paid.
func (c *Client) CloseOrder(ctx context.Context, outTradeNo string) (err error) {
	defer guard("close order", &err)
	svc := jsapi.JsapiApiService{Client: c.core}
	if _, err := svc.CloseOrder(ctx, jsapi.CloseOrderRequest{OutTradeNo: core.String(outTradeNo), Mchid: core.String(c.cfg.MchID)}); err != nil {
		return callError("close order", err)
	}
	return nil
}

// RefundRequest refunds part or all of a paid order.
type RefundRequest struct {
	OutTradeNo  string
	OutRefundNo string
	RefundFen   int64
	TotalFen    int64
	Reason      string
}

// Refund is WeChat Pay's view of a refund.
type Refund struct {
	OutRefundNo string
	OutTradeNo  string
	RefundID    string
	Status      string // SUCCESS, CLOSED, PROCESSING, ABNORMAL
	RefundFen   int64
	TotalFen    int64
}

func refundOf(r *refunddomestic.Refund) Refund {
	out := Refund{OutRefundNo: deref(r.OutRefundNo), OutTradeNo: deref(r.OutTradeNo), RefundID: deref(r.RefundId)}
	if r.Status != nil {
		out.Status = string(*r.Status)
	}
	if a := r.Amount; a != nil {
		out.RefundFen, out.TotalFen = deref(a.Refund), deref(a.Total)
	}
	return out
}

// CreateRefund asks for a refund; the same out_refund_no again is safe.
func (c *Client) CreateRefund(ctx context.Context, r RefundRequest) (out Refund, err error) {
	defer guard("refund", &err)
	svc := refunddomestic.RefundsApiService{Client: c.core}
	res, _, err := svc.Create(ctx, refunddomestic.CreateRequest{OutTradeNo: core.String(r.OutTradeNo), OutRefundNo: core.String(r.OutRefundNo),
		Reason: core.String(r.Reason), NotifyUrl: core.String(c.cfg.RefundURL),
		Amount: &refunddomestic.AmountReq{Refund: core.Int64(r.RefundFen), Total: core.Int64(r.TotalFen), Currency: core.String("CNY")}})
	if err != nil {
		return Refund{}, callError("refund", err)
	}
	return refundOf(res), nil
}

// QueryRefund asks for a refund's state.
func (c *Client) QueryRefund(ctx context.Context, outRefundNo string) (out Refund, err error) {
	defer guard("query refund", &err)
	svc := refunddomestic.RefundsApiService{Client: c.core}
	res, _, err := svc.QueryByOutRefundNo(ctx, refunddomestic.QueryByOutRefundNoRequest{OutRefundNo: core.String(outRefundNo)})
	if err != nil {
		return Refund{}, callError("query refund", err)
	}
	return refundOf(res), nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
