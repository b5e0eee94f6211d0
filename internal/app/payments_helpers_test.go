package app

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/config"
	"github.com/zuju/zuju/internal/payments/wechatpay/wechatpaytest"
)

// withWeChatPay configures WeChat Pay against the fake, with its keys in
// PEM files as a deployment holds them.
func withWeChatPay(t testing.TB, fake *wechatpaytest.Server) appOption {
	t.Helper()
	mk, pk, err := fake.WriteKeys(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return func(c *config.Config, _ *Options) {
		c.WeChatPay = config.WeChatPay{MchID: wechatpaytest.MchID, AppID: wechatpaytest.AppID, MerchantSerial: wechatpaytest.MerchantSerial,
			MerchantKeyFile: mk, PublicKeyID: wechatpaytest.PublicKeyID, PublicKeyFile: pk, APIv3Key: wechatpaytest.APIv3Key,
			BaseURL: fake.HTTP.URL, NotifyURL: "https://zuju.example.com/api/v1/payments/wechat/notify"}
	}
}

func newFakeWeChatPay(t testing.TB) *wechatpaytest.Server {
	fake := wechatpaytest.NewServer()
	t.Cleanup(fake.Close)
	return fake
}

// eventually waits (up to 15 s) until cond holds.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	eventuallyWithin(t, 15*time.Second, what, cond)
}

// eventuallyWithin polls cond until it holds, failing the test after d.
func eventuallyWithin(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// bindWeChat gives an account the openid it pays with (as a WeChat sign-in would).
func bindWeChat(t testing.TB, a *testApp, userID, openID string) {
	t.Helper()
	if err := a.DB.Gorm.Exec("UPDATE users SET wechat_openid = ? WHERE id = ?", openID, userID).Error; err != nil {
		t.Fatal(err)
	}
}

// notify posts a WeChat Pay callback to the app.
func notify(t testing.TB, a *testApp, cb wechatpaytest.Callback) int {
	t.Helper()
	res, err := http.DefaultClient.Do(cb.Request(a.URL + "/api/v1/payments/wechat/notify"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if testing.Verbose() && res.StatusCode >= 300 {
		b, _ := io.ReadAll(res.Body)
		t.Logf("notify answered %d: %s", res.StatusCode, b)
	}
	return res.StatusCode
}

// orderOf reads an order as its owner (or an admin).
func orderOf(t testing.TB, a *testApp, tok, no string) map[string]any {
	t.Helper()
	r := a.api(t, "GET", "/orders/"+no, tok, nil)
	expect(t, r, 200, "")
	return r.json(t)
}

// mySignup is the caller's sign-up on an activity, as /me/signups lists it.
func mySignup(t testing.TB, a *testApp, tok, activityID string) map[string]any {
	t.Helper()
	r := a.api(t, "GET", "/me/signups?limit=50", tok, nil)
	expect(t, r, 200, "")
	items, _ := r.json(t)["items"].([]any)
	for _, it := range items {
		if m, _ := it.(map[string]any); str(m["activity_id"]) == activityID {
			return m
		}
	}
	t.Fatalf("no sign-up on %s", activityID)
	return nil
}

// count runs a COUNT(*) query.
func count(t testing.TB, a *testApp, q string, args ...any) int {
	t.Helper()
	var n int64
	if err := a.DB.Gorm.WithContext(context.Background()).Raw(q, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// signUpPaid signs tok up on a paid activity and returns the sign-up and its order number.
// sandboxPaid pays the caller's order in the sandbox, as the pay page
// does.
func sandboxPaid(t testing.TB, a *testApp, tok, no string) {
	t.Helper()
	expect(t, a.api(t, "POST", "/orders/"+no+"/pay", tok, map[string]any{"channel": "sandbox"}), 200, "")
	expect(t, a.api(t, "POST", "/payments/sandbox/"+no+"/complete", tok, nil), 200, "")
}

func signUpPaid(t testing.TB, a *testApp, tok, activityID string) (signupID, orderNo string) {
	t.Helper()
	r := a.api(t, "POST", "/activities/"+activityID+"/signups", tok, nil)
	expect(t, r, 201, "")
	o, _ := r.json(t)["order"].(map[string]any)
	s, _ := r.json(t)["signup"].(map[string]any)
	if o == nil || str(s["status"]) != "pending_payment" {
		t.Fatalf("paid sign-up: %s", r.Body)
	}
	return str(s["id"]), str(o["order_no"])
}
