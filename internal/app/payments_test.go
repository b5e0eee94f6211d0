package app

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/payments"
	"github.com/zuju/zuju/internal/payments/wechatpay/wechatpaytest"
)

// The whole JSAPI flow over HTTP against the fake WeChat Pay, with the
// test key as the WeChat Pay public key: order → prepay (the signed
// wx.requestPayment parameters) → a genuine-format signed and encrypted
// callback → sign-up confirmed → a staff refund that fails (listed for
// staff with the reason) → the participant cancels → refund → refund
// callback → refunded.
func TestWeChatPayJSAPIFlow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		fake := newFakeWeChatPay(t)
		a := startApp(t, b, withWeChatPay(t, fake))
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "飞盘"}).json(t)["id"])
		org := a.organizer(t, root, "13300000001")
		id := paidActivity(t, a, org.Access, typeID, time.Now().Add(72*time.Hour).UTC().Truncate(time.Second), 1, 5, 5000)
		u := a.register(t, "13300000002", "secret-pass-1")
		signupID, no := signUpPaid(t, a, u.Access, id)

		// Not bound to WeChat: no prepay.
		expect(t, a.api(t, "POST", "/orders/"+no+"/pay", u.Access, map[string]any{"channel": "wechat"}), 409, "payment.wechat_not_bound")
		bindWeChat(t, a, u.UserID, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
		other := a.register(t, "13300000003", "secret-pass-1")
		expect(t, a.api(t, "POST", "/orders/"+no+"/pay", other.Access, map[string]any{"channel": "wechat"}), 404, "order.not_found")
		expect(t, a.api(t, "GET", "/orders/"+no, other.Access, nil), 404, "order.not_found")

		r := a.api(t, "POST", "/orders/"+no+"/pay", u.Access, map[string]any{"channel": "wechat"})
		expect(t, r, 200, "")
		wx, _ := r.json(t)["wechat"].(map[string]any)
		if wx == nil || str(wx["appId"]) != wechatpaytest.AppID || !strings.HasPrefix(str(wx["package"]), "prepay_id=") || str(wx["signType"]) != "RSA" {
			t.Fatalf("requestPayment parameters: %s", r.Body)
		}
		msg := str(wx["appId"]) + "\n" + str(wx["timeStamp"]) + "\n" + str(wx["nonceStr"]) + "\n" + str(wx["package"]) + "\n"
		sig, _ := base64.StdEncoding.DecodeString(str(wx["paySign"]))
		sum := sha256.Sum256([]byte(msg))
		if err := rsa.VerifyPKCS1v15(&fake.MerchantKey.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
			t.Fatalf("paySign is not the merchant's signature: %v", err)
		}
		if o, _ := fake.Order(no); o.TotalFen != 5000 || o.OpenID != "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" {
			t.Fatalf("prepay at WeChat Pay: %+v", o)
		}

		fake.Pay(no)
		if st := notify(t, a, fake.PaymentCallback(no, wechatpaytest.CallbackOptions{}, nil)); st != 204 {
			t.Fatalf("callback answered %d", st)
		}
		eventually(t, "the sign-up is confirmed", func() bool { return str(mySignup(t, a, u.Access, id)["status"]) == "confirmed" })
		o := orderOf(t, a, u.Access, no)
		if str(o["status"]) != "paid" || str(o["channel"]) != "wechat" || o["paid_at"] == nil {
			t.Fatalf("paid order: %v", o)
		}
		if act := a.api(t, "GET", "/activities/"+id, u.Access, nil).json(t); str(act["status"]) != "formed" {
			t.Fatalf("the paid seat did not count toward formation: %v", act["status"])
		}

		// A staff refund WeChat Pay closes is failed and listed with its reason.
		r = a.api(t, "POST", "/admin/orders/"+no+"/refunds", root.Access, map[string]any{"amount_fen": 1000, "reason": "场地费差价"}, "Idempotency-Key", "ops-1")
		expect(t, r, 201, "")
		manual := str(r.json(t)["refund_no"])
		eventually(t, "the refund reaches WeChat Pay", func() bool { _, ok := fake.Refund(manual); return ok })
		fake.SettleRefund(manual, "CLOSED")
		if st := notify(t, a, fake.RefundCallback(manual, wechatpaytest.CallbackOptions{})); st != 204 {
			t.Fatalf("refund callback answered %d", st)
		}
		r = a.api(t, "GET", "/admin/orders?status=refund_failed", root.Access, nil)
		expect(t, r, 200, "")
		items, _ := r.json(t)["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("failed refunds: %s", r.Body)
		}
		rfs, _ := items[0].(map[string]any)["refunds"].([]any)
		if len(rfs) != 1 || str(rfs[0].(map[string]any)["status"]) != "failed" || str(rfs[0].(map[string]any)["failure_reason"]) == "" {
			t.Fatalf("failed refund: %v", rfs)
		}
		if o := orderOf(t, a, root.Access, no); str(o["status"]) != "paid" || o["refunded_fen"] != float64(0) {
			t.Fatalf("a failed refund changed the order: %v", o)
		}
		expect(t, a.api(t, "GET", "/admin/orders", u.Access, nil), 403, "")

		// The participant cancels three days ahead: a full refund.
		expect(t, a.api(t, "DELETE", "/activities/"+id+"/signups/me", u.Access, nil), 200, "")
		refundNo := activities.RefundNo(signupID)
		eventually(t, "the refund reaches WeChat Pay", func() bool { _, ok := fake.Refund(refundNo); return ok })
		if o := orderOf(t, a, u.Access, no); str(o["status"]) != "refunding" {
			t.Fatalf("refund in flight: %v", o)
		}
		fake.SettleRefund(refundNo, "SUCCESS")
		cb := fake.RefundCallback(refundNo, wechatpaytest.CallbackOptions{})
		for range 3 {
			if st := notify(t, a, cb); st != 204 {
				t.Fatalf("refund callback answered %d", st)
			}
		}
		o = orderOf(t, a, u.Access, no)
		if str(o["status"]) != "refunded" || o["refunded_fen"] != float64(5000) {
			t.Fatalf("refunded order: %v", o)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM outbox_events WHERE topic = ? AND payload LIKE ?", payments.TopicRefundSettled, "%"+refundNo+"%"); n != 1 {
			t.Fatalf("%d refund_settled events for one refund", n)
		}
		if fake.Calls("POST refund") != 2 {
			t.Fatalf("%d refund calls for two refunds", fake.Calls("POST refund"))
		}
	})
}

// Forged callbacks change nothing; the same valid callback, sent ten
// times at once and ten more after, makes one transition and one fulfilment.
func TestWeChatCallbacksForgedAndRepeated(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		fake := newFakeWeChatPay(t)
		a := startApp(t, b, withWeChatPay(t, fake))
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "桌游"}).json(t)["id"])
		id := paidActivity(t, a, root.Access, typeID, time.Now().Add(72*time.Hour).UTC().Truncate(time.Second), 3, 5, 2000)
		u := a.register(t, "13300000011", "secret-pass-1")
		_, no := signUpPaid(t, a, u.Access, id)
		bindWeChat(t, a, u.UserID, "oUpF8uMuAJO_forged")
		expect(t, a.api(t, "POST", "/orders/"+no+"/pay", u.Access, map[string]any{"channel": "wechat"}), 200, "")
		fake.Pay(no)

		otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		valid := fake.PaymentCallback(no, wechatpaytest.CallbackOptions{}, nil)
		set := func(k string, v any) func(map[string]any) { return func(m map[string]any) { m[k] = v } }
		forged := map[string]wechatpaytest.Callback{
			"one byte changed":      valid.Tampered(),
			"signed by another key": fake.PaymentCallback(no, wechatpaytest.CallbackOptions{SignWith: otherKey}, nil),
			"stale timestamp":       fake.PaymentCallback(no, wechatpaytest.CallbackOptions{Timestamp: time.Now().Add(-10 * time.Minute)}, nil),
			"unknown serial":        fake.PaymentCallback(no, wechatpaytest.CallbackOptions{Serial: "PUB_KEY_ID_0000000000000000000000000000000000"}, nil),
			"wrong APIv3 key":       fake.PaymentCallback(no, wechatpaytest.CallbackOptions{APIv3Key: "another32byteAPIv3key0123456789a"}, nil),
			"signature probe":       fake.PaymentCallback(no, wechatpaytest.CallbackOptions{Signature: "WECHATPAY/SIGNTEST/" + base64.StdEncoding.EncodeToString([]byte("x"))}, nil),
			"wrong amount":          fake.PaymentCallback(no, wechatpaytest.CallbackOptions{}, set("amount", map[string]any{"total": 1, "payer_total": 1, "currency": "CNY", "payer_currency": "CNY"})),
			"wrong currency":        fake.PaymentCallback(no, wechatpaytest.CallbackOptions{}, set("amount", map[string]any{"total": 2000, "payer_total": 2000, "currency": "USD", "payer_currency": "USD"})),
			"wrong mchid":           fake.PaymentCallback(no, wechatpaytest.CallbackOptions{}, set("mchid", "1900000002")),
			"wrong appid":           fake.PaymentCallback(no, wechatpaytest.CallbackOptions{}, set("appid", "wx0000000000000000")),
			"unknown order":         fake.PaymentCallback("ZJ20261202000000"+"0000000001", wechatpaytest.CallbackOptions{}, nil),
		}
		for name, cb := range forged {
			if st := notify(t, a, cb); st < 400 {
				t.Errorf("%s: answered %d", name, st)
			}
		}
		for _, body := range []string{"", "garbage", `{"id":"x","resource":null}`, strings.Repeat("a", 70<<10)} {
			if r := call(t, "POST", a.URL+"/api/v1/payments/wechat/notify", "", body); r.Status < 400 || r.Status >= 500 {
				t.Errorf("malformed callback of %d bytes answered %d", len(body), r.Status)
			}
		}
		if o := orderOf(t, a, u.Access, no); str(o["status"]) != "pending" {
			t.Fatalf("a forged callback changed the order: %v", o)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM outbox_events WHERE topic = ?", payments.TopicOrderPaid); n != 0 {
			t.Fatalf("forged callbacks emitted %d order_paid events", n)
		}

		var wg sync.WaitGroup
		codes := make(chan int, 10)
		for range 10 {
			wg.Go(func() { codes <- notify(t, a, valid) })
		}
		wg.Wait()
		close(codes)
		for st := range codes {
			if st != 204 {
				t.Fatalf("a repeated valid callback answered %d", st)
			}
		}
		for range 10 {
			if st := notify(t, a, valid); st != 204 {
				t.Fatalf("a repeated valid callback answered %d", st)
			}
		}
		eventually(t, "the sign-up is confirmed", func() bool { return str(mySignup(t, a, u.Access, id)["status"]) == "confirmed" })
		eventually(t, "the order is fulfilled", func() bool {
			return count(t, a, "SELECT COUNT(*) FROM orders WHERE order_no = ? AND fulfilled_at IS NOT NULL", no) == 1
		})
		if n := count(t, a, "SELECT COUNT(*) FROM outbox_events WHERE topic = ?", payments.TopicOrderPaid); n != 1 {
			t.Fatalf("%d order_paid events for one payment", n)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM signups WHERE activity_id = ? AND status = 'confirmed'", id); n != 1 {
			t.Fatalf("%d confirmed sign-ups", n)
		}
		if act := a.api(t, "GET", "/activities/"+id, u.Access, nil).json(t); act["participant_count"] != float64(1) {
			t.Fatalf("participant count %v after one payment", act["participant_count"])
		}
	})
}

// Concurrent refunds of one order never refund more than was paid.
func TestConcurrentRefundsNeverExceedPaid(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "徒步"}).json(t)["id"])
		id := paidActivity(t, a, root.Access, typeID, time.Now().Add(72*time.Hour).UTC().Truncate(time.Second), 1, 5, 5000)
		u := a.register(t, "13300000021", "secret-pass-1")
		_, no := signUpPaid(t, a, u.Access, id)
		expect(t, a.api(t, "POST", "/orders/"+no+"/pay", u.Access, map[string]any{"channel": "sandbox"}), 200, "")
		expect(t, a.api(t, "POST", "/payments/sandbox/"+no+"/complete", u.Access, nil), 200, "")

		var wg sync.WaitGroup
		statuses := make(chan int, 20)
		for i := range 20 {
			wg.Go(func() {
				r := a.api(t, "POST", "/admin/orders/"+no+"/refunds", root.Access, map[string]any{"amount_fen": 1000, "reason": "批量退款"},
					"Idempotency-Key", fmt.Sprintf("k%d", i))
				statuses <- r.Status
			})
		}
		wg.Wait()
		close(statuses)
		created := 0
		for st := range statuses {
			switch st {
			case 201:
				created++
			case 409:
			default:
				t.Fatalf("refund answered %d", st)
			}
		}
		if created != 5 {
			t.Fatalf("%d refunds of 1000 fen accepted on a 5000 fen order", created)
		}
		expect(t, a.api(t, "POST", "/admin/orders/"+no+"/refunds", root.Access, map[string]any{"amount_fen": 1, "reason": "再退"}), 409, "refund.exceeds_paid")
		eventually(t, "the refunds settle", func() bool {
			o := orderOf(t, a, root.Access, no)
			return str(o["status"]) == "refunded" && o["refunded_fen"] == float64(5000)
		})
		// A repeated request (same key) returns its refund, never a sixth.
		r := a.api(t, "POST", "/admin/orders/"+no+"/refunds", root.Access, map[string]any{"amount_fen": 1000, "reason": "批量退款"}, "Idempotency-Key", "k0")
		if r.Status != 201 && r.Status != 409 {
			t.Fatalf("repeated refund: %d %s", r.Status, r.Body)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM refunds WHERE order_no = ?", no); n != 5 {
			t.Fatalf("%d refunds stored", n)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM audit_logs WHERE action = 'order.refund' AND target_id = ?", no); n != 5 {
			t.Fatalf("%d audit rows for 5 refunds", n)
		}
	})
}
