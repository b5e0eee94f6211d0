package app

import (
	"net/http"
	"strconv"
	"testing"
)

// Acceptance 6: repeated wrong passwords for one account are throttled
// with 429 and Retry-After.
func TestBruteForceThrottled(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		a := startApp(t, b)
		a.register(t, "13300000001", "secret-pass-1")
		for i := range 5 {
			r := a.api(t, "POST", "/auth/login", "", map[string]any{"account": "13300000001", "password": "wrong-" + strconv.Itoa(i)})
			expect(t, r, http.StatusUnauthorized, "auth.invalid_credentials")
		}
		r := a.api(t, "POST", "/auth/login", "", map[string]any{"account": "13300000001", "password": "secret-pass-1"})
		expect(t, r, http.StatusTooManyRequests, "auth.too_many_attempts")
		if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 || s > 15*60 {
			t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
		}
		// Other accounts are not affected.
		a.register(t, "13300000002", "secret-pass-1")
		expect(t, a.api(t, "POST", "/auth/login", "", map[string]any{"account": "13300000002", "password": "secret-pass-1"}), http.StatusOK, "")
	})
}

// The scale-out promise: two replicas on one PostgreSQL, Redis and RabbitMQ
// behave as one service. A token from one works on the other, rate limits
// count across both, a ban on one takes effect on both at once.
func TestTwoReplicasActAsOne(t *testing.T) {
	db := scaledDB(t)
	cfgA := testConfig(t, scaled, t.TempDir(), db)
	cfgB := testConfig(t, scaled, t.TempDir(), db)
	a := startReplica(t, cfgA)
	b := startReplica(t, cfgB)
	if a.URL == b.URL {
		t.Fatal("replicas share a port")
	}

	// A token issued by A works on B, and a refresh on B continues A's session.
	tk := a.register(t, "13300000010", "secret-pass-1")
	expect(t, b.api(t, "GET", "/me", tk.Access, nil), http.StatusOK, "")
	r := b.api(t, "POST", "/auth/refresh", "", map[string]any{"refresh_token": tk.Refresh})
	expect(t, r, http.StatusOK, "")
	tk2 := tokensOf(t, r)
	// Reuse of the spent token on A revokes the family everywhere.
	expect(t, a.api(t, "POST", "/auth/refresh", "", map[string]any{"refresh_token": tk.Refresh}), http.StatusUnauthorized, "auth.refresh_reused")
	expect(t, b.api(t, "GET", "/me", tk2.Access, nil), http.StatusUnauthorized, "auth.session_revoked")

	// Rate limits count across both replicas: 5 failures spread over A and B,
	// then the sixth attempt is refused on either.
	b.register(t, "13300000011", "secret-pass-1")
	for i := range 5 {
		target := a
		if i%2 == 1 {
			target = b
		}
		expect(t, target.api(t, "POST", "/auth/login", "", map[string]any{"account": "13300000011", "password": "wrong-pass-" + strconv.Itoa(i)}), http.StatusUnauthorized, "auth.invalid_credentials")
	}
	expect(t, a.api(t, "POST", "/auth/login", "", map[string]any{"account": "13300000011", "password": "secret-pass-1"}), http.StatusTooManyRequests, "auth.too_many_attempts")
	expect(t, b.api(t, "POST", "/auth/login", "", map[string]any{"account": "13300000011", "password": "secret-pass-1"}), http.StatusTooManyRequests, "auth.too_many_attempts")

	// A ban on A ends the user's session on B at once, even though B had
	// just cached it as valid.
	root := a.admin(t, "root@example.com")
	victim := b.register(t, "13300000012", "secret-pass-1")
	expect(t, b.api(t, "GET", "/me", victim.Access, nil), http.StatusOK, "")
	expect(t, a.api(t, "POST", "/admin/users/"+victim.UserID+"/ban", root.Access, map[string]any{"reason": "测试封禁"}), http.StatusOK, "")
	expect(t, b.api(t, "GET", "/me", victim.Access, nil), http.StatusUnauthorized, "auth.session_revoked")
	expect(t, b.api(t, "POST", "/auth/login", "", map[string]any{"account": "13300000012", "password": "secret-pass-1"}), http.StatusForbidden, "auth.banned")
}
