package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zuju/zuju/internal/config"
)

// Acceptance 5: bad input is always a 4xx problem+json with a stable code.
func TestBadInputIsAProblemNever500(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		user := a.register(t, "13500000001", "secret-pass-1")
		long := strings.Repeat("长", 300)
		root := a.admin(t, "root@example.com")
		org := a.organizer(t, root, "13500000003")
		typeID := str(a.api(t, "POST", "/admin/activity-types", root.Access, map[string]any{"name": "运动"}).json(t)["id"])
		start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
		created := a.api(t, "POST", "/activities", org.Access, activityBody(typeID, start))
		expect(t, created, 201, "")
		actID := str(created.json(t)["id"])
		expect(t, a.api(t, "POST", "/activities/"+actID+"/publish", org.Access, nil), 200, "")
		withField := func(k string, v any) map[string]any {
			b := activityBody(typeID, start)
			b[k] = v
			return b
		}
		cursor := func(s string) string { return url.QueryEscape(base64.RawURLEncoding.EncodeToString([]byte(s))) }
		cases := []struct {
			name, method, path, token string
			body                      any
			status                    int
			code                      string
		}{
			{"malformed json", "POST", "/auth/login", "", `{"account": "x", "password": `, 400, "request.malformed"},
			{"not an object", "POST", "/auth/login", "", `[1,2,3]`, 422, "request.invalid"},
			{"wrong type", "POST", "/auth/register", "", map[string]any{"phone": 13500000002, "password": "secret-pass-1", "nickname": "x"}, 422, "request.invalid"},
			{"missing field", "POST", "/auth/register", "", map[string]any{"phone": "13500000002", "nickname": "x"}, 422, "request.invalid"},
			{"empty body", "POST", "/auth/login", "", "", 400, ""},
			{"oversized field", "POST", "/auth/register", "", map[string]any{"email": strings.Repeat("a", 300) + "@x.com", "password": "secret-pass-1", "nickname": "x"}, 422, "request.invalid"},
			{"oversized nickname", "POST", "/auth/register", "", map[string]any{"phone": "13500000002", "password": "secret-pass-1", "nickname": long}, 422, "request.invalid"},
			{"long nickname in bounds", "POST", "/auth/register", "", map[string]any{"phone": "13500000002", "password": "secret-pass-1", "nickname": strings.Repeat("长", 30)}, 400, "user.invalid_nickname"},
			{"invalid phone", "POST", "/auth/register", "", map[string]any{"phone": "12345", "password": "secret-pass-1", "nickname": "x"}, 400, "auth.invalid_phone"},
			{"invalid email", "POST", "/auth/register", "", map[string]any{"email": "not-an-email", "password": "secret-pass-1", "nickname": "x"}, 400, "auth.invalid_email"},
			{"phone without sms code", "POST", "/auth/register", "", map[string]any{"phone": "13500000002", "password": "secret-pass-1", "nickname": "x"}, 400, "auth.sms_code_required"},
			{"no account", "POST", "/auth/register", "", map[string]any{"password": "secret-pass-1", "nickname": "x"}, 400, "auth.account_required"},
			{"weak password short", "POST", "/auth/register", "", map[string]any{"phone": "13500000002", "password": "abc1", "nickname": "x"}, 400, "auth.weak_password"},
			{"weak password common", "POST", "/auth/register", "", map[string]any{"phone": "13500000002", "password": "password123", "nickname": "x"}, 400, "auth.weak_password"},
			{"weak password letters only", "POST", "/auth/register", "", map[string]any{"phone": "13500000002", "password": "abcdefghij", "nickname": "x"}, 400, "auth.weak_password"},
			{"sql in account", "POST", "/auth/login", "", map[string]any{"account": "' OR 1=1 --", "password": "x' OR '1'='1"}, 401, "auth.invalid_credentials"},
			{"sql in email", "POST", "/auth/register", "", map[string]any{"email": "a@b.com'; DROP TABLE users;--", "password": "secret-pass-1", "nickname": "x"}, 400, "auth.invalid_email"},
			{"html in nickname is plain text", "PATCH", "/me", user.Access, map[string]any{"nickname": "<img src=x>"}, 200, ""},
			{"control chars in nickname", "PATCH", "/me", user.Access, map[string]any{"nickname": "a\u0007b"}, 400, "user.invalid_nickname"},
			{"NUL in nickname", "PATCH", "/me", user.Access, map[string]any{"nickname": "a\u0000b"}, 400, "request.invalid_text"},
			{"bad gender", "PATCH", "/me", user.Access, map[string]any{"gender": "robot"}, 422, "request.invalid"},
			{"javascript avatar", "PATCH", "/me", user.Access, map[string]any{"avatar_url": "javascript:alert(1)"}, 400, "user.invalid_profile"},
			{"bad sms code format", "POST", "/auth/sms-login", "", map[string]any{"phone": "13500000001", "code": "12ab"}, 422, "request.invalid"},
			{"bad sms purpose", "POST", "/auth/sms-codes", "", map[string]any{"phone": "13500000001", "purpose": "steal"}, 422, "request.invalid"},
			{"too many tags", "PUT", "/me/tags", user.Access, map[string]any{"tag_ids": strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")}, 400, "user.too_many_tags"},
			{"unknown tag", "PUT", "/me/tags", user.Access, map[string]any{"tag_ids": []string{"nope"}}, 400, "user.unknown_tag"},
			{"unknown user", "GET", "/users/does-not-exist", "", nil, 404, "user.not_found"},
			{"garbage token", "GET", "/me", "garbage", nil, 401, "auth.invalid_token"},
			{"no token", "GET", "/me", "", nil, 401, "auth.unauthenticated"},
			{"unknown route", "GET", "/no/such/route", "", nil, 404, "not_found"},
			{"wrong method", "DELETE", "/auth/login", "", nil, 405, "method_not_allowed"},
			{"refresh garbage", "POST", "/auth/refresh", "", map[string]any{"refresh_token": "' OR 1=1"}, 401, "auth.refresh_invalid"},
			// Text no database keeps: bytes that are not UTF-8, and NUL.
			{"path id not utf-8", "GET", "/activities/%FF%FE", "", nil, 400, "request.invalid_text"},
			{"path id with NUL", "GET", "/activities/a%00b", "", nil, 400, "request.invalid_text"},
			{"sign up to an id not utf-8", "POST", "/activities/%FF/signups", user.Access, nil, 400, "request.invalid_text"},
			{"cancel a sign-up of an id with NUL", "DELETE", "/activities/a%00/signups/me", user.Access, nil, 400, "request.invalid_text"},
			{"sign-ups of an id not utf-8", "GET", "/activities/%FF/signups", org.Access, nil, 400, "request.invalid_text"},
			{"user id with NUL", "GET", "/users/%00", "", nil, 400, "request.invalid_text"},
			{"user id not utf-8", "GET", "/users/%C3%28", "", nil, 400, "request.invalid_text"},
			{"city not utf-8", "GET", "/activities?city=%FF", "", nil, 400, "request.invalid_text"},
			{"city with NUL", "GET", "/activities?city=a%00b", "", nil, 400, "request.invalid_text"},
			{"type not utf-8", "GET", "/activities?type_id=%FF", "", nil, 400, "request.invalid_text"},
			{"tag with NUL", "GET", "/activities?tag_id=a%00", "", nil, 400, "request.invalid_text"},
			{"club with NUL", "GET", "/activities?club_id=a%00", "", nil, 400, "request.invalid_text"},
			{"keyword with NUL", "GET", "/activities?q=a%00", "", nil, 400, "request.invalid_text"},
			{"query name not utf-8", "GET", "/activities?%FF=1", "", nil, 400, "request.invalid_text"},
			{"my activities of a type with NUL", "GET", "/me/activities?type_id=%00", org.Access, nil, 400, "request.invalid_text"},
			{"cursor id with NUL", "GET", "/activities?cursor=" + cursor("t|1700000000000000000|a\x00b"), "", nil, 400, "activity.bad_cursor"},
			{"cursor id not utf-8", "GET", "/activities?cursor=" + cursor("t|1700000000000000000|\xff\xfe"), "", nil, 400, "activity.bad_cursor"},
			{"hot cursor id not utf-8", "GET", "/activities?sort=hot&cursor=" + cursor("h|1.5|\xff"), "", nil, 400, "activity.bad_cursor"},
			{"distance cursor id with NUL", "GET", "/activities?sort=distance&lat=31.2&lng=121.4&cursor=" + cursor("d|1.5|\x00"), "", nil, 400, "activity.bad_cursor"},
			{"recommended cursor id not utf-8", "GET", "/activities?sort=recommended&cursor=" + cursor("r|0|1700000000000000000|\xc3\x28"), user.Access, nil, 400, "activity.bad_cursor"},
			{"body type with NUL", "POST", "/activities", org.Access, withField("type_id", "a\x00"), 400, "request.invalid_text"},
			{"body club with NUL", "POST", "/activities", org.Access, withField("club_id", "\x00"), 400, "request.invalid_text"},
			{"body tag with NUL", "POST", "/activities", org.Access, withField("tag_ids", []string{"t\x00"}), 400, "request.invalid_text"},
			{"body key with NUL", "POST", "/activities", org.Access, withField("x\x00", 1), 400, "request.invalid_text"},
			{"body type not utf-8", "POST", "/activities", org.Access, "{\"title\":\"x\",\"type_id\":\"\xff\xfe\",\"city\":\"上海\"}", 400, "request.invalid_text"},
			{"edit club with NUL", "PATCH", "/activities/" + actID, org.Access, map[string]any{"club_id": "c\x00"}, 400, "request.invalid_text"},
			{"edit tags not utf-8", "PATCH", "/activities/" + actID, org.Access, "{\"tag_ids\":[\"\xc3\x28\"]}", 400, "request.invalid_text"},
			{"escaped backslash before u0000 is text", "PATCH", "/activities/" + actID, org.Access, `{"title":"a\\u0000b"}`, 200, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := a.api(t, c.method, c.path, c.token, c.body)
				if r.Status >= 500 {
					t.Fatalf("server error %d: %s", r.Status, r.Body)
				}
				if r.Status != c.status {
					t.Fatalf("status %d, want %d: %s", r.Status, c.status, r.Body)
				}
				if r.Status >= 400 {
					if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
						t.Fatalf("content type %q", r.Header.Get("Content-Type"))
					}
					m := r.json(t)
					if str(m["code"]) == "" || m["status"] == nil || str(m["title"]) == "" {
						t.Fatalf("incomplete problem: %s", r.Body)
					}
					if c.code != "" && str(m["code"]) != c.code {
						t.Fatalf("code %q, want %q: %s", m["code"], c.code, r.Body)
					}
					if bytes.Contains(r.Body, []byte("secret-pass")) || bytes.Contains(r.Body, []byte("SQLSTATE")) {
						t.Fatalf("problem echoes input or SQL: %s", r.Body)
					}
				}
			})
		}
		// Text headers are checked like the query; a user agent is kept as
		// valid text whatever the client sends.
		expect(t, a.api(t, "POST", "/activities/"+actID+"/signups", user.Access, nil, "Idempotency-Key", "k\xff"), 400, "request.invalid_text")
		for _, ua := range []string{strings.Repeat("x", 199) + "长", "agent \xff\xfe"} {
			r := a.api(t, "POST", "/auth/login", "", map[string]any{"account": "13500000001", "password": "secret-pass-1"}, "User-Agent", ua)
			expect(t, r, 200, "")
		}
		// The HTML nickname is stored as plain text, served as JSON that
		// browsers never sniff into HTML.
		me := a.api(t, "GET", "/me", user.Access, nil)
		if str(me.json(t)["nickname"]) != "<img src=x>" || me.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("nickname not kept as text or nosniff missing: %v %s", me.Header, me.Body)
		}
	})
}

// Huge bodies are refused with 413 before they are read.
func TestHugeBodyIs413(t *testing.T) {
	a := startApp(t, single)
	huge := `{"account":"` + strings.Repeat("x", 2<<20) + `","password":"x"}`
	r := a.api(t, "POST", "/auth/login", "", huge)
	expect(t, r, http.StatusRequestEntityTooLarge, "request.too_large")
	// Streaming without Content-Length is cut off too.
	req, _ := http.NewRequest("POST", a.URL+"/api/v1/auth/login", io.MultiReader(strings.NewReader(`{"account":"`), strings.NewReader(strings.Repeat("x", 20<<20))))
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = -1
	res, err := http.DefaultClient.Do(req)
	if err == nil {
		defer res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("chunked huge body: status %d", res.StatusCode)
		}
	}
}

// FuzzAuthDecoding feeds arbitrary bytes to the auth endpoints: every
// answer is a well-formed non-5xx response.
func FuzzAuthDecoding(f *testing.F) {
	seeds := []string{
		`{"account":"13800000000","password":"secret-pass-1"}`,
		`{"phone":"13800000000","password":"secret-pass-1","nickname":"小明"}`,
		`{"phone":"13800000000","code":"123456"}`,
		`{"refresh_token":"abc"}`,
		`{"code":"wx"}`,
		`{"email":"a@b.c","password":"\u0000","nickname":"<b>"}`,
		`{"phone":[],"password":{},"nickname":null}`,
		`{`, `null`, `""`, `[]`, "\xff\xfe",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	cfg := config.Default()
	cfg.DataDir = f.TempDir()
	cfg.JWTSecret = "fuzz-secret-0123456789abcdef0123456789"
	cfg.RateLimit = "off"
	a, err := New(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)), Options{SMS: &captureSMS{}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(a.Close)
	h := a.Handler()
	paths := []string{"/auth/register", "/auth/login", "/auth/sms-codes", "/auth/sms-login", "/auth/refresh", "/auth/logout", "/auth/wechat"}
	f.Fuzz(func(t *testing.T, body string) {
		for _, p := range paths {
			req := httptest.NewRequest("POST", "/api/v1"+p, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
				t.Fatalf("%s: status %d for %q: %s", p, rec.Code, body, rec.Body.String())
			}
			if rec.Code >= 400 && !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
				t.Fatalf("%s: %d without problem+json", p, rec.Code)
			}
		}
	})
}

// ZUJU_MAX_BODY_BYTES bounds every JSON body.
func TestConfiguredBodyLimit(t *testing.T) {
	a := startApp(t, single, func(c *config.Config, _ *Options) { c.MaxBodyBytes = 2048 })
	body := `{"account":"` + strings.Repeat("x", 3000) + `","password":"x"}`
	expect(t, a.api(t, "POST", "/auth/login", "", body), http.StatusRequestEntityTooLarge, "request.too_large")
	expect(t, a.api(t, "POST", "/auth/login", "", `{"account":"13800000000","password":"xxxxxxxx1"}`), http.StatusUnauthorized, "auth.invalid_credentials")
}
