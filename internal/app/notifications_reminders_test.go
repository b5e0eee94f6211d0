package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/notifications"
)

// The 24 h and the 2 h reminders reach each participant once each, in the
// inbox and by SMS, however often the sweep runs.
func TestNotificationsReminders(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		a := startApp(t, b, withClock(clk))
		sms := newNotifCapture(0)
		a.Notifications.SetSender(notifications.ChannelSMS, sms)
		root := a.admin(t, "root@example.com")
		_, _, ms := formedActivity(t, a, root, "1374000000")
		sweep := func() {
			for range 2 {
				if _, err := a.Activities.Sweep(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
		}
		// The activity starts 72 h from now.
		clk.Advance(48*time.Hour + time.Minute)
		sweep()
		u := signIn(t, a, "13740000001")
		eventually(t, "the 24 h reminder", func() bool { return len(inbox(t, a, u, "", "activity_reminder")) == 1 })
		if n := inbox(t, a, u, "", "activity_reminder")[0]; n["title"] != "活动即将开始" || !strings.Contains(str(n["body"]), "开始，别忘了准时参加") {
			t.Fatalf("reminder: %v", n)
		}
		clk.Advance(22 * time.Hour)
		sweep()
		u = signIn(t, a, "13740000001")
		v := signIn(t, a, "13740000002")
		eventually(t, "the 2 h reminder", func() bool {
			return len(inbox(t, a, u, "", "activity_reminder")) == 2 && len(inbox(t, a, v, "", "activity_reminder")) == 2
		})
		eventually(t, "the reminder SMS", func() bool { return sms.sent(notifications.TypeActivityReminder) == 4 })
		time.Sleep(300 * time.Millisecond)
		if sms.sent(notifications.TypeActivityReminder) != 4 || len(inbox(t, a, u, "", "activity_reminder")) != 2 || len(ms) != 2 {
			t.Fatalf("reminders: %d SMS", sms.sent(notifications.TypeActivityReminder))
		}
	})
}
