package app

import (
	"strings"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/notifications"
)

// A payment and a refund each notify the payer once: in the inbox, by
// WeChat, and (the refund) by SMS.
func TestNotificationsPayments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a, wx, sms := startNotifApp(t, b)
		root := a.admin(t, "root@example.com")
		org := a.organizer(t, root, "13730000000")
		r := a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "付费活动"})
		expect(t, r, 201, "")
		act := paidActivity(t, a, org.Access, str(r.json(t)["id"]), time.Now().Add(72*time.Hour).UTC().Truncate(time.Second), 2, 5, 9900)
		u := a.register(t, "13730000001", "secret-pass-1")
		bindWeChat(t, a, u.UserID, "openid-payer")
		_, no := signUpPaid(t, a, u.Access, act)
		sandboxPaid(t, a, u.Access, no)

		eventually(t, "the payment notification", func() bool { return len(inbox(t, a, u, "", "payment_succeeded")) == 1 })
		if n := inbox(t, a, u, "", "payment_succeeded")[0]; n["title"] != "支付成功" || !strings.Contains(str(n["body"]), "99.00") ||
			!strings.Contains(str(n["body"]), no) {
			t.Fatalf("payment notification: %v", n)
		}
		eventually(t, "the payment subscribe message", func() bool { return len(subscribesTo(wx, "openid-payer")) == 1 })

		expect(t, a.api(t, "POST", "/admin/orders/"+no+"/refunds", root.Access, map[string]any{"amount_fen": 1000, "reason": "补偿"}), 201, "")
		eventually(t, "the refund notification", func() bool { return len(inbox(t, a, u, "", "refund_succeeded")) == 1 })
		if n := inbox(t, a, u, "", "refund_succeeded")[0]; !strings.Contains(str(n["body"]), "10.00") {
			t.Fatalf("refund notification: %v", n)
		}
		eventually(t, "the refund SMS", func() bool { return sms.sent(notifications.TypeRefundSucceeded) == 1 })
		eventually(t, "the refund subscribe message", func() bool { return len(subscribesTo(wx, "openid-payer")) == 2 })
		time.Sleep(300 * time.Millisecond)
		if len(inbox(t, a, u, "", "")) != 2 || len(subscribesTo(wx, "openid-payer")) != 2 || len(sms.twice()) != 0 {
			t.Fatalf("payer notified more than once: %v", inbox(t, a, u, "", ""))
		}
	})
}
