package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/config"
	"github.com/zuju/zuju/internal/platform/wechat/wechatfake"
)

func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(string(b), func(t *testing.T) { fn(t, b) })
	}
}

// Acceptance 3: register → login → refresh → refresh again with the spent
// token (401, and the newer token of that family is revoked too) → logout.
func TestPasswordSessionLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		clk := newClock()
		a := startApp(t, b, withClock(clk))
		reg := a.register(t, "13900000001", "secret-pass-1")

		me := a.api(t, "GET", "/me", reg.Access, nil)
		expect(t, me, http.StatusOK, "")
		if got := str(me.json(t)["phone"]); got != "139****0001" {
			t.Fatalf("own phone should be masked, got %q", got)
		}

		login := a.api(t, "POST", "/auth/login", "", map[string]any{"account": "+86 139-0000-0001", "password": "secret-pass-1"})
		expect(t, login, http.StatusOK, "")
		s1 := tokensOf(t, login)

		r1 := a.api(t, "POST", "/auth/refresh", "", map[string]any{"refresh_token": s1.Refresh})
		expect(t, r1, http.StatusOK, "")
		s2 := tokensOf(t, r1)
		if s2.Refresh == s1.Refresh {
			t.Fatal("refresh token was not rotated")
		}
		expect(t, a.api(t, "GET", "/me", s2.Access, nil), http.StatusOK, "")

		// The spent token again: 401, and the whole family dies.
		expect(t, a.api(t, "POST", "/auth/refresh", "", map[string]any{"refresh_token": s1.Refresh}), http.StatusUnauthorized, "auth.refresh_reused")
		expect(t, a.api(t, "POST", "/auth/refresh", "", map[string]any{"refresh_token": s2.Refresh}), http.StatusUnauthorized, "auth.session_revoked")
		expect(t, a.api(t, "GET", "/me", s2.Access, nil), http.StatusUnauthorized, "auth.session_revoked")

		// Other sessions of the same user are untouched; logout ends one.
		expect(t, a.api(t, "GET", "/me", reg.Access, nil), http.StatusOK, "")
		expect(t, a.api(t, "POST", "/auth/logout", "", map[string]any{"refresh_token": reg.Refresh}), http.StatusNoContent, "")
		expect(t, a.api(t, "GET", "/me", reg.Access, nil), http.StatusUnauthorized, "auth.session_revoked")
		expect(t, a.api(t, "POST", "/auth/refresh", "", map[string]any{"refresh_token": reg.Refresh}), http.StatusUnauthorized, "auth.session_revoked")
		// Logout is idempotent.
		expect(t, a.api(t, "POST", "/auth/logout", "", map[string]any{"refresh_token": reg.Refresh}), http.StatusNoContent, "")

		// Wrong password and unknown account give the same answer.
		expect(t, a.api(t, "POST", "/auth/login", "", map[string]any{"account": "13900000001", "password": "wrong-pass-1"}), http.StatusUnauthorized, "auth.invalid_credentials")
		expect(t, a.api(t, "POST", "/auth/login", "", map[string]any{"account": "nobody@example.com", "password": "wrong-pass-1"}), http.StatusUnauthorized, "auth.invalid_credentials")
		expect(t, a.api(t, "POST", "/auth/register", "", map[string]any{"phone": "13900000001", "password": "secret-pass-1", "nickname": "x"}), http.StatusBadRequest, "auth.sms_code_required")
		expect(t, a.api(t, "POST", "/auth/register", "", map[string]any{"phone": "13900000001", "password": "secret-pass-1", "nickname": "x", "code": "000000"}), http.StatusBadRequest, "auth.sms_code_invalid")
		dupCode := a.smsCode(t, "13900000009", "register", "")
		expect(t, a.api(t, "POST", "/auth/register", "", map[string]any{"phone": "13900000001", "password": "secret-pass-1", "nickname": "x", "code": dupCode}), http.StatusBadRequest, "auth.sms_code_invalid")
		clk.Advance(61 * time.Second)
		expect(t, a.api(t, "POST", "/auth/register", "", map[string]any{"phone": "13900000001", "password": "secret-pass-1", "nickname": "x", "code": a.smsCode(t, "13900000001", "register", "")}), http.StatusConflict, "auth.account_exists")

		// Email accounts work the same way.
		expect(t, a.api(t, "POST", "/auth/register", "", map[string]any{"email": "Li.Lei@Example.com", "password": "secret-pass-2", "nickname": "李雷"}), http.StatusCreated, "")
		expect(t, a.api(t, "POST", "/auth/login", "", map[string]any{"account": "li.lei@example.com", "password": "secret-pass-2"}), http.StatusOK, "")
	})
}

// Two concurrent refreshes with one token: exactly one wins.
func TestConcurrentRefreshOneWinner(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		tk := a.register(t, "13900000002", "secret-pass-1")
		const n = 8
		results := make(chan int, n)
		for range n {
			go func() {
				results <- a.api(t, "POST", "/auth/refresh", "", map[string]any{"refresh_token": tk.Refresh}).Status
			}()
		}
		ok := 0
		for range n {
			if <-results == http.StatusOK {
				ok++
			}
		}
		if ok != 1 {
			t.Fatalf("%d concurrent refreshes succeeded, want exactly 1", ok)
		}
	})
}

// Acceptance 4: SMS login end to end.
func TestSMSLogin(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		phone := "13700000001"
		r := a.api(t, "POST", "/auth/sms-codes", "", map[string]any{"phone": phone, "purpose": "login"})
		expect(t, r, http.StatusAccepted, "")
		if r.json(t)["cooldown_seconds"].(float64) != 60 {
			t.Fatalf("cooldown: %s", r.Body)
		}
		code := a.SMS.last("login", phone)
		if len(code) != 6 {
			t.Fatalf("no code captured")
		}
		// Resend inside the cooldown is refused with Retry-After.
		again := a.api(t, "POST", "/auth/sms-codes", "", map[string]any{"phone": phone, "purpose": "login"})
		expect(t, again, http.StatusTooManyRequests, "auth.sms_cooldown")
		if again.Header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		expect(t, a.api(t, "POST", "/auth/sms-login", "", map[string]any{"phone": phone, "code": wrong}), http.StatusBadRequest, "auth.sms_code_invalid")
		ok := a.api(t, "POST", "/auth/sms-login", "", map[string]any{"phone": phone, "code": code})
		expect(t, ok, http.StatusOK, "")
		first := tokensOf(t, ok)
		// A code works once.
		expect(t, a.api(t, "POST", "/auth/sms-login", "", map[string]any{"phone": phone, "code": code}), http.StatusBadRequest, "auth.sms_code_invalid")
		me := a.api(t, "GET", "/me", first.Access, nil)
		expect(t, me, http.StatusOK, "")
		if !strings.HasPrefix(str(me.json(t)["nickname"]), "用户") {
			t.Fatalf("new SMS account nickname: %s", me.Body)
		}
	})
}

// Five wrong guesses exhaust a code, even when the right one comes next.
func TestSMSCodeAttemptsLimited(t *testing.T) {
	a := startApp(t, single)
	phone := "13700000002"
	expect(t, a.api(t, "POST", "/auth/sms-codes", "", map[string]any{"phone": phone, "purpose": "login"}), http.StatusAccepted, "")
	code := a.SMS.last("login", phone)
	for i := range 5 {
		guess := fmt.Sprintf("%06d", i)
		if guess == code {
			guess = "999999"
		}
		expect(t, a.api(t, "POST", "/auth/sms-login", "", map[string]any{"phone": phone, "code": guess}), http.StatusBadRequest, "auth.sms_code_invalid")
	}
	expect(t, a.api(t, "POST", "/auth/sms-login", "", map[string]any{"phone": phone, "code": code}), http.StatusBadRequest, "auth.sms_code_exhausted")
}

// Acceptance 4: WeChat login end to end against a fake WeChat server, and
// binding a phone to the WeChat account.
func TestWeChatLoginAndBindPhone(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		fake := wechatfake.New(t)
		clk := newClock()
		a := startApp(t, b, withClock(clk), func(c *config.Config, _ *Options) {
			c.WeChat.AppID, c.WeChat.Secret, c.WeChat.BaseURL = fake.AppID(), fake.Secret(), fake.URL()
		})
		fake.AddCode("wx-code-1", "openid-abc123", "union-1")
		r := a.api(t, "POST", "/auth/wechat", "", map[string]any{"code": "wx-code-1"})
		expect(t, r, http.StatusOK, "")
		tk := tokensOf(t, r)
		if !r.json(t)["user"].(map[string]any)["wechat_bound"].(bool) {
			t.Fatalf("wechat_bound false: %s", r.Body)
		}
		// The code is single use at WeChat.
		expect(t, a.api(t, "POST", "/auth/wechat", "", map[string]any{"code": "wx-code-1"}), http.StatusUnauthorized, "auth.wechat_code_invalid")
		expect(t, a.api(t, "POST", "/auth/wechat", "", map[string]any{"code": "unknown"}), http.StatusUnauthorized, "auth.wechat_code_invalid")
		// Same WeChat user again → same account.
		fake.AddCode("wx-code-2", "openid-abc123", "union-1")
		again := tokensOf(t, a.api(t, "POST", "/auth/wechat", "", map[string]any{"code": "wx-code-2"}))
		if again.UserID != tk.UserID {
			t.Fatal("second WeChat login made a new account")
		}

		// Bind a phone with an SMS code of purpose bind.
		phone := "13600000001"
		expect(t, a.api(t, "POST", "/auth/sms-codes", "", map[string]any{"phone": phone, "purpose": "bind"}), http.StatusUnauthorized, "auth.unauthenticated")
		expect(t, a.api(t, "POST", "/auth/sms-codes", tk.Access, map[string]any{"phone": phone, "purpose": "bind"}), http.StatusAccepted, "")
		bound := a.api(t, "POST", "/me/phone", tk.Access, map[string]any{"phone": phone, "code": a.SMS.last("bind", phone)})
		expect(t, bound, http.StatusOK, "")
		if str(bound.json(t)["phone"]) != "136****0001" {
			t.Fatalf("phone not bound: %s", bound.Body)
		}
		// SMS login with that phone reaches the WeChat account.
		expect(t, a.api(t, "POST", "/auth/sms-codes", "", map[string]any{"phone": phone, "purpose": "login"}), http.StatusAccepted, "")
		sl := tokensOf(t, a.api(t, "POST", "/auth/sms-login", "", map[string]any{"phone": phone, "code": a.SMS.last("login", phone)}))
		if sl.UserID != tk.UserID {
			t.Fatal("SMS login with the bound phone reached another account")
		}
		// A phone owned by another account cannot be bound.
		other := a.register(t, "13600000002", "secret-pass-1")
		clk.Advance(61 * time.Second) // past the resend cooldown of the phone
		expect(t, a.api(t, "POST", "/auth/sms-codes", other.Access, map[string]any{"phone": phone, "purpose": "bind"}), http.StatusAccepted, "")
		expect(t, a.api(t, "POST", "/me/phone", other.Access, map[string]any{"phone": phone, "code": a.SMS.last("bind", phone)}), http.StatusConflict, "user.phone_taken")

		// A second WeChat user binds the phone shared via getPhoneNumber.
		fake.AddCode("wx-code-4", "openid-second", "")
		second := tokensOf(t, a.api(t, "POST", "/auth/wechat", "", map[string]any{"code": "wx-code-4"}))
		fake.AddPhoneCode("phone-code-1", "13600000003")
		wp := a.api(t, "POST", "/me/phone/wechat", second.Access, map[string]any{"code": "phone-code-1"})
		expect(t, wp, http.StatusOK, "")
		if str(wp.json(t)["phone"]) != "136****0003" {
			t.Fatalf("wechat phone not bound: %s", wp.Body)
		}
		fake.AddPhoneCode("phone-code-2", "13600000001")
		expect(t, a.api(t, "POST", "/me/phone/wechat", second.Access, map[string]any{"code": "phone-code-2"}), http.StatusConflict, "user.phone_taken")
		expect(t, a.api(t, "POST", "/me/phone/wechat", second.Access, map[string]any{"code": "bogus"}), http.StatusUnauthorized, "auth.wechat_code_invalid")

		// WeChat outage is a clear 503.
		fake.SetOutage(true)
		fake.AddCode("wx-code-3", "openid-x", "")
		expect(t, a.api(t, "POST", "/auth/wechat", "", map[string]any{"code": "wx-code-3"}), http.StatusServiceUnavailable, "auth.wechat_unavailable")
	})
}
