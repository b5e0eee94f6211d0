package wechatpay_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/payments/wechatpay"
	"github.com/zuju/zuju/internal/payments/wechatpay/wechatpaytest"
)

const notifyURL = "http://127.0.0.1/api/v1/payments/wechat/notify"

func newClient(t *testing.T) (*wechatpay.Client, *wechatpaytest.Server) {
	t.Helper()
	fake := wechatpaytest.NewServer()
	t.Cleanup(fake.Close)
	c, err := wechatpay.New(context.Background(), fake.Config(notifyURL, notifyURL+"/refund"))
	if err != nil {
		t.Fatal(err)
	}
	return c, fake
}

func TestOrderLifecycleAgainstTheFake(t *testing.T) {
	ctx := context.Background()
	c, fake := newClient(t)

	pay, err := c.Prepay(ctx, wechatpay.PrepayRequest{OutTradeNo: "ZJ0001", Description: "周末篮球局", AmountFen: 2000,
		OpenID: "o-user-1", ExpiresAt: time.Now().Add(15 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if pay.AppID != wechatpaytest.AppID || pay.SignType != "RSA" || !strings.HasPrefix(pay.Package, "prepay_id=wx") {
		t.Fatalf("request payment: %+v", pay)
	}
	// paySign is the merchant's signature of appId, timeStamp, nonceStr, package.
	sum := sha256.Sum256([]byte(pay.AppID + "\n" + pay.TimeStamp + "\n" + pay.NonceStr + "\n" + pay.Package + "\n"))
	sig, _ := base64.StdEncoding.DecodeString(pay.PaySign)
	if err := rsa.VerifyPKCS1v15(&fake.MerchantKey.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("paySign does not verify: %v", err)
	}
	if o, ok := fake.Order("ZJ0001"); !ok || o.TotalFen != 2000 || o.NotifyURL != notifyURL || o.OpenID != "o-user-1" {
		t.Fatalf("fake order: %+v %v", o, ok)
	}
	tr, err := c.QueryOrder(ctx, "ZJ0001")
	if err != nil || tr.State != "NOTPAY" || tr.Paid() {
		t.Fatalf("query unpaid: %+v %v", tr, err)
	}
	if _, err := c.QueryOrder(ctx, "ZJ-unknown"); !errors.Is(err, wechatpay.ErrNotFound) {
		t.Fatalf("unknown order: %v", err)
	}

	txID := fake.Pay("ZJ0001")
	tr, err = c.QueryOrder(ctx, "ZJ0001")
	if err != nil || !tr.Paid() || tr.TransactionID != txID || tr.TotalFen != 2000 || tr.MchID != wechatpaytest.MchID {
		t.Fatalf("query paid: %+v %v", tr, err)
	}
	n, err := c.ParseNotification(ctx, fake.PaymentCallback("ZJ0001", wechatpaytest.CallbackOptions{ID: "EV-1"}, nil).Request(notifyURL))
	if err != nil {
		t.Fatal(err)
	}
	if n.ID != "EV-1" || n.EventType != "TRANSACTION.SUCCESS" || n.Trade == nil || !n.Trade.Paid() || n.Trade.TransactionID != txID ||
		n.Trade.TotalFen != 2000 || n.Trade.OutTradeNo != "ZJ0001" {
		t.Fatalf("payment notification: %+v %+v", n, n.Trade)
	}
	if err := c.CloseOrder(ctx, "ZJ0001"); !errors.Is(err, wechatpay.ErrCall) {
		t.Fatalf("closing a paid order: %v", err)
	}

	rf, err := c.CreateRefund(ctx, wechatpay.RefundRequest{OutTradeNo: "ZJ0001", OutRefundNo: "RF0001", RefundFen: 1500, TotalFen: 2000, Reason: "活动取消"})
	if err != nil || rf.Status != "PROCESSING" || rf.RefundFen != 1500 {
		t.Fatalf("refund: %+v %v", rf, err)
	}
	var apiErr *wechatpay.Error
	_, err = c.CreateRefund(ctx, wechatpay.RefundRequest{OutTradeNo: "ZJ0001", OutRefundNo: "RF0002", RefundFen: 600, TotalFen: 2000})
	if !errors.As(err, &apiErr) || apiErr.Code != "INVALID_REQUEST" || apiErr.Status != 400 {
		t.Fatalf("refund beyond the paid amount: %v", err)
	}
	fake.SettleRefund("RF0001", "SUCCESS")
	rf, err = c.QueryRefund(ctx, "RF0001")
	if err != nil || rf.Status != "SUCCESS" || rf.OutTradeNo != "ZJ0001" {
		t.Fatalf("refund query: %+v %v", rf, err)
	}
	n, err = c.ParseNotification(ctx, fake.RefundCallback("RF0001", wechatpaytest.CallbackOptions{}).Request(notifyURL+"/refund"))
	if err != nil || n.Refund == nil || n.EventType != "REFUND.SUCCESS" || n.Refund.Status != "SUCCESS" || n.Refund.RefundFen != 1500 || n.Refund.OutTradeNo != "ZJ0001" {
		t.Fatalf("refund notification: %+v %v", n, err)
	}

	if _, err := c.Prepay(ctx, wechatpay.PrepayRequest{OutTradeNo: "ZJ0002", Description: "x", AmountFen: 100, OpenID: "o", ExpiresAt: time.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseOrder(ctx, "ZJ0002"); err != nil {
		t.Fatal(err)
	}
	if o, _ := fake.Order("ZJ0002"); o.State != "CLOSED" {
		t.Fatalf("closed order: %+v", o)
	}
}

func TestForgedCallbacksAreRejected(t *testing.T) {
	ctx := context.Background()
	c, fake := newClient(t)
	if _, err := c.Prepay(ctx, wechatpay.PrepayRequest{OutTradeNo: "ZJ0100", Description: "x", AmountFen: 990, OpenID: "o", ExpiresAt: time.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	fake.Pay("ZJ0100")
	other := wechatpaytest.NewServer()
	defer other.Close()
	genuine := fake.PaymentCallback("ZJ0100", wechatpaytest.CallbackOptions{}, nil)
	cases := map[string]wechatpaytest.Callback{
		"one byte changed":   genuine.Tampered(),
		"signed by another":  fake.PaymentCallback("ZJ0100", wechatpaytest.CallbackOptions{SignWith: other.WechatKey}, nil),
		"stale timestamp":    fake.PaymentCallback("ZJ0100", wechatpaytest.CallbackOptions{Timestamp: time.Now().Add(-6 * time.Minute)}, nil),
		"future timestamp":   fake.PaymentCallback("ZJ0100", wechatpaytest.CallbackOptions{Timestamp: time.Now().Add(6 * time.Minute)}, nil),
		"unknown serial":     fake.PaymentCallback("ZJ0100", wechatpaytest.CallbackOptions{Serial: "PUB_KEY_ID_0000000000000000000000000000000000"}, nil),
		"wrong APIv3 key":    fake.PaymentCallback("ZJ0100", wechatpaytest.CallbackOptions{APIv3Key: "another32byteAPIv3key0123456789a"}, nil),
		"signature probe":    fake.PaymentCallback("ZJ0100", wechatpaytest.CallbackOptions{Signature: "WECHATPAY/SIGNTEST/" + base64.StdEncoding.EncodeToString([]byte("probe"))}, nil),
		"another merchant":   fake.PaymentCallback("ZJ0100", wechatpaytest.CallbackOptions{}, func(m map[string]any) { m["mchid"] = "1900000002" }),
		"another app":        fake.PaymentCallback("ZJ0100", wechatpaytest.CallbackOptions{}, func(m map[string]any) { m["appid"] = "wx0000000000000000" }),
		"no signature":       {Body: genuine.Body, Header: func() map[string][]string { h := genuine.Header.Clone(); h.Del("Wechatpay-Signature"); return h }()},
		"garbage signature":  fake.PaymentCallback("ZJ0100", wechatpaytest.CallbackOptions{Signature: "not base64!"}, nil),
		"empty body, signed": {Body: nil, Header: genuine.Header},
	}
	for name, cb := range cases {
		_, err := c.ParseNotification(ctx, cb.Request(notifyURL))
		if !errors.Is(err, wechatpay.ErrNotification) {
			t.Errorf("%s: accepted or wrong error: %v", name, err)
			continue
		}
		// Never the callback's content in the error (it is logged).
		if msg := err.Error(); strings.Contains(msg, "ciphertext") || strings.Contains(msg, "Wechatpay") || strings.Contains(msg, "ZJ0100") || len(msg) > 80 {
			t.Errorf("%s: the error leaks the request: %q", name, msg)
		}
	}
	if _, err := c.ParseNotification(ctx, genuine.Request(notifyURL)); err != nil {
		t.Fatalf("the genuine callback: %v", err)
	}
}

func TestAnswersSignedByAnotherKeyAreRefused(t *testing.T) {
	fake := wechatpaytest.NewServer()
	defer fake.Close()
	impostor := wechatpaytest.NewServer()
	defer impostor.Close()
	cfg := fake.Config(notifyURL, notifyURL)
	cfg.PublicKey = &impostor.WechatKey.PublicKey
	c, err := wechatpay.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Prepay(context.Background(), wechatpay.PrepayRequest{OutTradeNo: "ZJ0200", Description: "x", AmountFen: 1, OpenID: "o", ExpiresAt: time.Now().Add(time.Minute)})
	if !errors.Is(err, wechatpay.ErrCall) {
		t.Fatalf("an answer signed by another key was accepted: %v", err)
	}
}

func TestConfigIsChecked(t *testing.T) {
	fake := wechatpaytest.NewServer()
	defer fake.Close()
	for name, edit := range map[string]func(*wechatpay.Config){
		"short APIv3 key": func(c *wechatpay.Config) { c.APIv3Key = "0123456789abcdef" },
		"no mchid":        func(c *wechatpay.Config) { c.MchID = "" },
		"no public key":   func(c *wechatpay.Config) { c.PublicKey = nil },
		"bad base URL":    func(c *wechatpay.Config) { c.BaseURL = "ftp://x" },
	} {
		cfg := fake.Config(notifyURL, notifyURL)
		edit(&cfg)
		if _, err := wechatpay.New(context.Background(), cfg); !errors.Is(err, wechatpay.ErrConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
