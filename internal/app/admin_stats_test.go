package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/payments"
	"github.com/zuju/zuju/internal/payments/paymentsstore"
	"github.com/zuju/zuju/internal/platform/clock"
)

// statsDay is one row of GET /admin/stats/daily.
type statsDay struct {
	Date          string  `json:"date"`
	NewUsers      int64   `json:"new_users"`
	ActiveUsers   int64   `json:"active_users"`
	Signups       int64   `json:"signups"`
	Formations    int64   `json:"formations"`
	NotFormed     int64   `json:"not_formed"`
	FormationRate float64 `json:"formation_rate"`
	RevenueFen    int64   `json:"revenue_fen"`
	RefundsFen    int64   `json:"refunds_fen"`
}

type statsOverview struct {
	Timezone      string   `json:"timezone"`
	Since         string   `json:"since"`
	Users         int64    `json:"users"`
	Signups       int64    `json:"signups"`
	Formations    int64    `json:"formations"`
	NotFormed     int64    `json:"not_formed"`
	FormationRate float64  `json:"formation_rate"`
	RevenueFen    int64    `json:"revenue_fen"`
	RefundsFen    int64    `json:"refunds_fen"`
	NetRevenueFen int64    `json:"net_revenue_fen"`
	Today         statsDay `json:"today"`
}

func dailyStats(t *testing.T, a *testApp, tok, query string) []statsDay {
	t.Helper()
	r := a.api(t, "GET", "/admin/stats/daily"+query, tok, nil)
	expect(t, r, 200, "")
	var out struct {
		Items    []statsDay `json:"items"`
		Timezone string     `json:"timezone"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatal(err)
	}
	if out.Timezone != "Asia/Shanghai" {
		t.Fatalf("timezone %q", out.Timezone)
	}
	return out.Items
}

func overviewStats(t *testing.T, a *testApp, tok string) statsOverview {
	t.Helper()
	r := a.api(t, "GET", "/admin/stats/overview", tok, nil)
	expect(t, r, 200, "")
	var o statsOverview
	if err := json.Unmarshal(r.Body, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

func sameDays(t *testing.T, what string, got, want []statsDay) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d days, want %d: %+v", what, len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s, day %d:\n  got  %+v\n  want %+v", what, i, got[i], want[i])
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// Acceptance 5: the statistics of a seeded week match it exactly. Days are
// dates in Asia/Shanghai: an account made at 23:59 counts on that day, one
// made at 00:01 on the next, and a sign-up made at 23:59:30 and paid at
// 00:00:30 puts the sign-up on one day, the payment and the formation on
// the next. Days that are over for two days are kept and read from then
// on; the days before are counted on every read; days without anything
// are zeros.
func TestStatsMatchSeededDataset(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		cst := time.FixedZone("CST", 8*3600)
		day := func(d, hh, mm, ss int) time.Time { return time.Date(2031, 3, 9+d, hh, mm, ss, 0, cst) }
		clk := clock.NewManual(day(1, 9, 0, 0))
		at := func(d, hh, mm, ss int) {
			t.Helper()
			to := day(d, hh, mm, ss)
			if to.Before(clk.Now()) {
				t.Fatalf("clock back to %s", to)
			}
			clk.Advance(to.Sub(clk.Now()))
		}
		a := startApp(t, b, withClock(clk))
		ctx := context.Background()
		login := func(account, password string) tokens {
			t.Helper()
			r := a.api(t, "POST", "/auth/login", "", map[string]any{"account": account, "password": password})
			expect(t, r, http.StatusOK, "")
			return tokensOf(t, r)
		}
		rootIn := func() tokens { return login("root@example.com", "admin-pass-2026") }
		userIn := func(phone string) tokens { return login(phone, "secret-pass-1") }
		signUp := func(tok, activityID string) map[string]any {
			t.Helper()
			r := a.api(t, "POST", "/activities/"+activityID+"/signups", tok, nil)
			expect(t, r, 201, "")
			return r.json(t)
		}
		// A paid seat is confirmed when the activities module takes the
		// payment's event; the clock stays until it has.
		paySeat := func(tok, no, activityID string) {
			t.Helper()
			sandboxPaid(t, a, tok, no)
			eventually(t, "the paid seat is confirmed", func() bool { return str(mySignup(t, a, tok, activityID)["status"]) == "confirmed" })
		}
		sweep := func() {
			t.Helper()
			if _, err := a.Activities.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
		}

		// Day 1 (2031-03-10): five accounts, one sign-up.
		root := a.admin(t, "root@example.com")
		at(1, 9, 5, 0)
		org := a.organizer(t, root, "13800000000")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "运动"}).json(t)["id"])
		activity := func(title string, start time.Time, min, max int, priceFen int64) string {
			t.Helper()
			body := activityBody(typeID, start.UTC())
			body["title"], body["min_participants"], body["max_participants"], body["price_fen"] = title, min, max, priceFen
			r := a.api(t, "POST", "/activities", org.Access, body)
			expect(t, r, 201, "")
			id := str(r.json(t)["id"])
			expect(t, a.api(t, "POST", "/activities/"+id+"/publish", org.Access, nil), 200, "")
			return id
		}
		// Each activity's sign-up deadline is an hour before its start.
		actA := activity("成局的羽毛球", day(3, 20, 0, 0), 2, 5, 0)
		actB := activity("人数不够的徒步", day(3, 12, 0, 0), 3, 5, 0)
		actC := activity("付费的剧本杀", day(5, 20, 0, 0), 2, 5, 5000)
		actE := activity("主办方取消的聚会", day(5, 20, 0, 0), 2, 5, 0)
		at(1, 10, 0, 0)
		u1 := a.register(t, "13800000001", "secret-pass-1")
		signUp(u1.Access, actA)
		at(1, 10, 5, 0)
		a.register(t, "13800000002", "secret-pass-1")
		at(1, 23, 59, 0)
		a.register(t, "13800000003", "secret-pass-1")

		// Day 2: two accounts, six active, five sign-ups (one paid, one
		// whose payment failed), one formation.
		at(2, 0, 1, 0)
		u4 := a.register(t, "13800000004", "secret-pass-1")
		_, noU4 := signUpPaid(t, a, u4.Access, actC)
		paySeat(u4.Access, noU4, actC)
		at(2, 9, 0, 0)
		if got := str(signUp(userIn("13800000002").Access, actA)["signup"].(map[string]any)["status"]); got != "confirmed" {
			t.Fatalf("second sign-up on A: %s", got)
		}
		if r := a.api(t, "GET", "/activities/"+actA, "", nil); str(r.json(t)["status"]) != "formed" {
			t.Fatalf("A did not form: %s", r.Body)
		}
		at(2, 9, 30, 0)
		u1 = userIn("13800000001")
		signUp(u1.Access, actB)
		at(2, 10, 0, 0)
		org = userIn("13800000000")
		expect(t, a.api(t, "POST", "/activities/"+actE+"/cancel", org.Access, map[string]any{"reason": "场地取消"}), 200, "")
		at(2, 12, 0, 0)
		u5 := a.register(t, "13800000005", "secret-pass-1")
		_, noU5 := signUpPaid(t, a, u5.Access, actC)
		expect(t, a.api(t, "POST", "/orders/"+noU5+"/pay", u5.Access, map[string]any{"channel": "sandbox"}), 200, "")
		if r := a.api(t, "POST", "/payments/sandbox/"+noU5+"/complete", u5.Access, map[string]any{"result": "fail"}); str(r.json(t)["status"]) != "closed" {
			t.Fatalf("failed payment: %s", r.Body)
		}
		at(2, 23, 59, 30)
		u3 := userIn("13800000003")
		_, noU3 := signUpPaid(t, a, u3.Access, actC)

		// Day 3: one account, two active, C formed by a payment just after
		// midnight, a membership bought, B not formed, one refund through
		// and one failed.
		at(3, 0, 0, 30)
		paySeat(u3.Access, noU3, actC)
		if r := a.api(t, "GET", "/activities/"+actC, "", nil); str(r.json(t)["status"]) != "formed" {
			t.Fatalf("C did not form: %s", r.Body)
		}
		at(3, 9, 55, 0)
		root = rootIn()
		r := a.api(t, "POST", "/admin/membership-plans", root.Access, map[string]any{"name": "月卡", "duration_days": 30, "price_fen": 1990})
		expect(t, r, 201, "")
		plan := str(r.json(t)["id"])
		at(3, 10, 0, 0)
		u6 := a.register(t, "13800000006", "secret-pass-1")
		r = a.api(t, "POST", "/membership/orders", u6.Access, map[string]any{"plan_id": plan})
		expect(t, r, 201, "")
		sandboxPaid(t, a, u6.Access, str(r.json(t)["order_no"]))
		at(3, 11, 0, 30)
		sweep()
		if r := a.api(t, "GET", "/activities/"+actB, "", nil); str(r.json(t)["status"]) != "cancelled" {
			t.Fatalf("B was not cancelled at its deadline: %s", r.Body)
		}
		at(3, 15, 0, 0)
		root = rootIn()
		expect(t, a.api(t, "POST", "/admin/orders/"+noU4+"/refunds", root.Access, map[string]any{"amount_fen": 1000, "reason": "补偿"}), 201, "")
		eventually(t, "the refund settles", func() bool { return orderOf(t, a, root.Access, noU4)["refunded_fen"] == float64(1000) })
		pay := paymentsstore.New(a.DB)
		if _, _, err := pay.StartRefund(ctx, &payments.Refund{No: "RFSTATSFAIL", OrderNo: noU3, AmountFen: 500, Reason: "补偿", CreatedAt: clk.Now()}, payments.Audit{}); err != nil {
			t.Fatal(err)
		}
		if ok, err := pay.SettleRefund(ctx, "RFSTATSFAIL", false, "银行卡已注销", clk.Now()); err != nil || !ok {
			t.Fatalf("failed refund: %v %v", ok, err)
		}

		// Day 4: nothing. Day 5: one renewed session, one paid sign-up.
		at(5, 10, 0, 0)
		sweep() // releases the hold of the failed payment if the background sweep has not yet
		rr := a.api(t, "POST", "/auth/refresh", "", map[string]any{"refresh_token": u1.Refresh})
		expect(t, rr, 200, "")
		u1 = tokensOf(t, rr)
		_, noU1 := signUpPaid(t, a, u1.Access, actC)
		paySeat(u1.Access, noU1, actC)

		// Day 6, today: the root signs in to read.
		at(6, 10, 0, 0)
		root = rootIn()
		want := []statsDay{
			{Date: "2031-03-09"},
			{Date: "2031-03-10", NewUsers: 5, ActiveUsers: 5, Signups: 1},
			{Date: "2031-03-11", NewUsers: 2, ActiveUsers: 6, Signups: 5, Formations: 1, FormationRate: 1, RevenueFen: 5000},
			{Date: "2031-03-12", NewUsers: 1, ActiveUsers: 2, Formations: 1, NotFormed: 1, FormationRate: 0.5, RevenueFen: 6990, RefundsFen: 1000},
			{Date: "2031-03-13"},
			{Date: "2031-03-14", ActiveUsers: 1, Signups: 1, RevenueFen: 5000},
			{Date: "2031-03-15", ActiveUsers: 1},
		}
		rangeQ := "?from=2031-03-09&to=2031-03-15"
		sameDays(t, "first read", dailyStats(t, a, root.Access, rangeQ), want)
		// The days over for two days (10th to 12th) are kept now; the 9th
		// is before the first account and needs no row.
		if n := count(t, a, "SELECT COUNT(*) FROM stats_days WHERE zone = 'Asia/Shanghai'"); n != 3 {
			t.Fatalf("%d days kept, want 3", n)
		}
		sameDays(t, "read again", dailyStats(t, a, root.Access, rangeQ), want)
		sameDays(t, "one day", dailyStats(t, a, root.Access, "?from=2031-03-12&to=2031-03-12"), want[3:4])
		sameDays(t, "default range", dailyStats(t, a, root.Access, "")[30-7:], want)

		o := overviewStats(t, a, root.Access)
		wantO := statsOverview{Timezone: "Asia/Shanghai", Since: "2031-03-10", Users: 8, Signups: 7, Formations: 2, NotFormed: 1,
			FormationRate: 0.6667, RevenueFen: 16990, RefundsFen: 1000, NetRevenueFen: 15990, Today: want[6]}
		if o != wantO {
			t.Fatalf("overview:\n  got  %+v\n  want %+v", o, wantO)
		}

		// Kept days are read from their rows, not counted again: an
		// account written straight into the table on the 11th is not seen
		// there, one on the 14th (still counted live) is.
		for i, at := range []time.Time{day(2, 12, 0, 0), day(5, 12, 0, 0)} {
			if err := a.DB.Gorm.Exec("INSERT INTO users (id, nickname, created_at, updated_at) VALUES (?, ?, ?, ?)",
				fmt.Sprintf("stats-direct-%d", i), "直接写入", at.UTC(), at.UTC()).Error; err != nil {
				t.Fatal(err)
			}
		}
		want[5].NewUsers = 1
		sameDays(t, "after direct writes", dailyStats(t, a, root.Access, rangeQ), want)

		// Three days later the roll-up keeps the 13th to the 15th; the
		// series is the same read from kept rows only.
		at(9, 10, 0, 0)
		root = rootIn()
		if n, err := a.Admin.RollupStats(ctx); err != nil || n != 3 {
			t.Fatalf("roll-up kept %d days (%v), want 3", n, err)
		}
		if n, err := a.Admin.RollupStats(ctx); err != nil || n != 0 {
			t.Fatalf("second roll-up kept %d days (%v), want 0", n, err)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM stats_days"); n != 6 {
			t.Fatalf("%d days kept, want 6", n)
		}
		sameDays(t, "from kept rows", dailyStats(t, a, root.Access, rangeQ), want)
		o = overviewStats(t, a, root.Access)
		if o.Users != 9 || o.RevenueFen != 16990 || o.Today != (statsDay{Date: "2031-03-18", ActiveUsers: 1}) {
			t.Fatalf("overview three days later: %+v", o)
		}
	})
}

// Bad dates and ranges are 400 problems with their codes; 366 days is
// the longest series.
func TestStatsBadInput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		root := a.admin(t, "root@example.com")
		for _, c := range []struct{ query, code string }{
			{"?from=2026-05-02&to=2026-05-01", "stats.invalid_range"},
			{"?from=2026-5-1&to=2026-05-02", "stats.invalid_date"},
			{"?from=2026-02-30&to=2026-03-02", "stats.invalid_date"},
			{"?to=yesterday", "stats.invalid_date"},
			{"?from=2026-05-01T00:00:00Z", "stats.invalid_date"},
			{"?from=2025-01-01&to=2026-01-02", "stats.range_too_long"},
			{"?from=2000-01-01", "stats.range_too_long"}, // to defaults to today
		} {
			expect(t, a.api(t, "GET", "/admin/stats/daily"+c.query, root.Access, nil), 400, c.code)
		}
		if days := dailyStats(t, a, root.Access, "?from=2025-01-02&to=2026-01-02"); len(days) != 366 ||
			days[0].Date != "2025-01-02" || days[365].Date != "2026-01-02" {
			t.Fatalf("366-day series: %d days", len(days))
		}
		if days := dailyStats(t, a, root.Access, "?from=2030-01-01&to=2030-01-03"); len(days) != 3 || days[2] != (statsDay{Date: "2030-01-03"}) {
			t.Fatalf("future days: %+v", days)
		}
	})
}
