package app

import (
	"net/http"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/config"
	"github.com/zuju/zuju/internal/platform/wechat/wechatfake"
)

// Nicknames and bios go through the moderation pipeline: block and review
// words refuse them (a profile is shown live and has no review queue),
// replace words are stored masked; evasions fail; an admin's new word
// applies at once; registration is checked like a profile edit.
func TestNicknamesAndBiosModerated(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		register := func(phone, nickname string) response {
			code := a.smsCode(t, phone, "register", "")
			return a.api(t, "POST", "/auth/register", "", map[string]any{"phone": phone, "password": "secret-pass-1", "nickname": nickname, "code": code})
		}
		expect(t, register("13800002001", "网络赌博"), http.StatusBadRequest, "user.nickname_blocked")
		expect(t, register("13800002006", "网 络·赌 博"), http.StatusBadRequest, "user.nickname_blocked")
		expect(t, register("13800002002", "日赚千元哥"), http.StatusBadRequest, "user.nickname_blocked") // review word
		r := register("13800002003", "傻逼王")
		expect(t, r, http.StatusCreated, "")
		u := tokensOf(t, r)
		if n := str(r.json(t)["user"].(map[string]any)["nickname"]); n != "**王" {
			t.Fatalf("registered nickname %q", n)
		}
		if d := register("13800002004", "赌博网站").json(t)["detail"]; str(d) == "" || str(d)[0] < 0x80 {
			t.Fatalf("detail %v is not the Chinese message", d)
		}

		patch := func(body map[string]any) response { return a.api(t, "PATCH", "/me", u.Access, body) }
		expect(t, patch(map[string]any{"nickname": "ＶＰＮ翻墙"}), http.StatusBadRequest, "user.nickname_blocked")
		expect(t, patch(map[string]any{"nickname": "专业代开发票"}), http.StatusBadRequest, "user.nickname_blocked")
		expect(t, patch(map[string]any{"bio": "周末约炮"}), http.StatusBadRequest, "user.bio_blocked")
		expect(t, patch(map[string]any{"bio": "兼职：日 赚 千 元"}), http.StatusBadRequest, "user.bio_blocked")
		// A refused field leaves the whole profile as it was.
		expect(t, patch(map[string]any{"nickname": "爬山爱好者", "bio": "网络赌博"}), http.StatusBadRequest, "user.bio_blocked")
		if n := str(a.api(t, "GET", "/me", u.Access, nil).json(t)["nickname"]); n != "**王" {
			t.Fatalf("nickname changed by a refused edit: %q", n)
		}
		r = patch(map[string]any{"nickname": "爬山爱好者", "bio": "喜欢爬山，讨厌傻~逼的人"})
		expect(t, r, http.StatusOK, "")
		if bio := str(r.json(t)["bio"]); bio != "喜欢爬山，讨厌***的人" {
			t.Fatalf("bio %q", bio)
		}
		pub := a.api(t, "GET", "/users/"+u.UserID, "", nil).json(t)
		if str(pub["nickname"]) != "爬山爱好者" || str(pub["bio"]) != "喜欢爬山，讨厌***的人" {
			t.Fatalf("public profile %v", pub)
		}
		expect(t, patch(map[string]any{"bio": ""}), http.StatusOK, "")

		// An admin's word applies to profiles at once, evasions included.
		root := a.admin(t, "root@example.com")
		expect(t, patch(map[string]any{"nickname": "奶茶代购"}), http.StatusOK, "")
		expect(t, a.api(t, "POST", "/admin/sensitive-words", root.Access, map[string]any{"word": "奶茶代购", "action": "block"}), http.StatusCreated, "")
		expect(t, patch(map[string]any{"nickname": "奶 茶 代 购"}), http.StatusBadRequest, "user.nickname_blocked")
		expect(t, register("13800002005", "奶茶代购"), http.StatusBadRequest, "user.nickname_blocked")
	})
}

// With ZUJU_MODERATION_WECHAT=on, a WeChat user's nickname and bio also go
// through WeChat's msg_sec_check (a fake WeChat server): risky and review
// refuse them. When WeChat fails, the edit goes through on the word
// filter's verdict alone (fail open); accounts without an openid are not
// sent to WeChat.
func TestWeChatContentCheckOnProfiles(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		fake := wechatfake.New(t)
		fake.SetVerdict("线上娱乐城", "risky")
		fake.SetVerdict("加我私聊", "review")
		a := startApp(t, b, func(c *config.Config, _ *Options) {
			c.WeChat.AppID, c.WeChat.Secret, c.WeChat.BaseURL = fake.AppID(), fake.Secret(), fake.URL()
			c.Moderation.WeChat = "on"
			c.Moderation.WeChatTimeout = 500 * time.Millisecond
		})
		fake.AddCode("wx-mod-1", "openid-mod-1", "")
		wx := tokensOf(t, a.api(t, "POST", "/auth/wechat", "", map[string]any{"code": "wx-mod-1"}))
		patch := func(tk tokens, body map[string]any) response { return a.api(t, "PATCH", "/me", tk.Access, body) }

		expect(t, patch(wx, map[string]any{"nickname": "线上娱乐城老板"}), http.StatusBadRequest, "user.nickname_blocked")
		expect(t, patch(wx, map[string]any{"bio": "想认识的加我私聊"}), http.StatusBadRequest, "user.bio_blocked")
		expect(t, patch(wx, map[string]any{"nickname": "羽毛球搭子", "bio": "周末打球"}), http.StatusOK, "")
		checks := fake.TextChecks()
		if len(checks) != 4 {
			t.Fatalf("%d texts reached WeChat, want 4", len(checks))
		}
		for _, c := range checks {
			if c.OpenID != "openid-mod-1" || c.Scene != 1 || c.Version != 2 {
				t.Fatalf("check %+v", c)
			}
		}
		// The word filter comes first: a blocked word never reaches WeChat.
		expect(t, patch(wx, map[string]any{"nickname": "网络赌博"}), http.StatusBadRequest, "user.nickname_blocked")
		if n := len(fake.TextChecks()); n != 4 {
			t.Fatalf("a blocked text went to WeChat (%d checks)", n)
		}

		// WeChat down or slow: the edit goes through, the words still hold.
		fake.SetOutage(true)
		expect(t, patch(wx, map[string]any{"nickname": "线上娱乐城老板"}), http.StatusOK, "")
		expect(t, patch(wx, map[string]any{"nickname": "网络赌博"}), http.StatusBadRequest, "user.nickname_blocked")
		fake.SetOutage(false)
		fake.SetDelay(3 * time.Second)
		start := time.Now()
		expect(t, patch(wx, map[string]any{"bio": "想认识的加我私聊"}), http.StatusOK, "")
		if d := time.Since(start); d > 2500*time.Millisecond {
			t.Fatalf("a slow WeChat held the edit for %v", d)
		}
		fake.SetDelay(0)
		expect(t, patch(wx, map[string]any{"nickname": "线上娱乐城老板"}), http.StatusBadRequest, "user.nickname_blocked")

		// A phone account has no openid: WeChat is not asked.
		before := fake.Requests(wechatfake.PathMsgSecCheck)
		phone := a.register(t, "13800002101", "secret-pass-1")
		expect(t, patch(phone, map[string]any{"nickname": "线上娱乐城老板"}), http.StatusOK, "")
		if n := fake.Requests(wechatfake.PathMsgSecCheck); n != before {
			t.Fatalf("%d checks for an account without openid", n-before)
		}
	})
}
