package wechatpay

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
)

// MaxNotificationBytes bounds a callback body (WeChat's are about 1 KiB).
const MaxNotificationBytes = 64 << 10

// signTestPrefix marks the signature probes WeChat Pay sends to check
// that a merchant verifies signatures: they must be refused.
const signTestPrefix = "WECHATPAY/SIGNTEST/"

// Notification is a verified and decrypted callback.
type Notification struct {
	ID        string        // the notification id (repeated when WeChat retries)
	EventType string        // TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED
	Trade     *Trade        // payment callbacks
	Refund    *RefundResult // refund callbacks
}

// RefundResult is the content of a refund callback.
type RefundResult struct {
	OutTradeNo    string
	OutRefundNo   string
	RefundID      string
	TransactionID string
	Status        string // SUCCESS, CLOSED, ABNORMAL
	RefundFen     int64
	TotalFen      int64
}

type refundContent struct {
	Mchid         string `json:"mchid"`
	TransactionID string `json:"transaction_id"`
	OutTradeNo    string `json:"out_trade_no"`
	RefundID      string `json:"refund_id"`
	OutRefundNo   string `json:"out_refund_no"`
	RefundStatus  string `json:"refund_status"`
	Amount        struct {
		Total  int64 `json:"total"`
		Refund int64 `json:"refund"`
	} `json:"amount"`
}

// ParseNotification verifies a callback (the SDK checks the signature
// with the WeChat Pay public key, the key id, a ±5 min timestamp window,
// and decrypts the resource with the APIv3 key), then checks that it is
// for this merchant and app. Repeated notifications are for the caller to
// recognise by ID and by the transaction's state.
func (c *Client) ParseNotification(ctx context.Context, r *http.Request) (n Notification, err error) {
	defer func() {
		// The SDK dereferences a missing resource of a signed body.
		if recover() != nil {
			err = &Error{Kind: ErrNotification, Op: "notify: malformed"}
		}
	}()
	if r.Method != http.MethodPost {
		return Notification{}, &Error{Kind: ErrNotification, Op: "notify: method"}
	}
	if strings.HasPrefix(r.Header.Get("Wechatpay-Signature"), signTestPrefix) {
		return Notification{}, &Error{Kind: ErrNotification, Op: "notify: signature probe"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxNotificationBytes))
	if err != nil {
		return Notification{}, &Error{Kind: ErrNotification, Op: "notify: body"}
	}
	r = r.Clone(ctx)
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	var content json.RawMessage
	req, err := c.notify.ParseNotifyRequest(ctx, r, &content)
	if err != nil {
		// The SDK's error text holds the whole request: keep none of it.
		return Notification{}, &Error{Kind: ErrNotification, Op: "notify: verification"}
	}
	n = Notification{ID: req.ID, EventType: req.EventType}
	switch {
	case strings.HasPrefix(req.EventType, "TRANSACTION.") && req.Resource.OriginalType == "transaction":
		var tx payments.Transaction
		if json.Unmarshal(content, &tx) != nil {
			return Notification{}, &Error{Kind: ErrNotification, Op: "notify: content"}
		}
		t := tradeOf(&tx)
		if t.MchID != c.cfg.MchID || t.AppID != c.cfg.AppID {
			return Notification{}, &Error{Kind: ErrNotification, Op: "notify: merchant"}
		}
		n.Trade = &t
	case strings.HasPrefix(req.EventType, "REFUND.") && req.Resource.OriginalType == "refund":
		var rc refundContent
		if json.Unmarshal(content, &rc) != nil {
			return Notification{}, &Error{Kind: ErrNotification, Op: "notify: content"}
		}
		if rc.Mchid != c.cfg.MchID {
			return Notification{}, &Error{Kind: ErrNotification, Op: "notify: merchant"}
		}
		n.Refund = &RefundResult{OutTradeNo: rc.OutTradeNo, OutRefundNo: rc.OutRefundNo, RefundID: rc.RefundID,
			TransactionID: rc.TransactionID, Status: rc.RefundStatus, RefundFen: rc.Amount.Refund, TotalFen: rc.Amount.Total}
	default:
		return Notification{}, &Error{Kind: ErrNotification, Op: "notify: event type"}
	}
	return n, nil
}

// Answer writes WeChat Pay's expected reply: 204 when the notification
// was handled (retries stop), else a 4xx/5xx with {"code":"FAIL"} so
// WeChat retries later.
func Answer(w http.ResponseWriter, status int, message string) {
	if status < 300 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"code": "FAIL", "message": message})
	_, _ = w.Write(b)
}
