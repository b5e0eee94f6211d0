package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func TestTokensRoundTripAndPinnedChecks(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	tk := NewTokens(secret, "zuju", "zuju-api", 15*time.Minute, clock)
	p := Principal{UserID: "u1", SessionID: "s1", Roles: []Role{RoleUser, RoleAdmin}}
	s, err := tk.Issue(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tk.Verify(s)
	if err != nil || got.UserID != "u1" || got.SessionID != "s1" || !got.Has(RoleAdmin) {
		t.Fatalf("verify: %+v %v", got, err)
	}

	sign := func(method jwt.SigningMethod, key any, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": "zuju", "aud": "zuju-api", "sub": "u1", "sid": "s1",
			"iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	}
	with := func(k string, v any) jwt.MapClaims { c := base(); c[k] = v; return c }
	without := func(k string) jwt.MapClaims { c := base(); delete(c, k); return c }
	bad := map[string]string{
		"alg none":       sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, base()),
		"alg HS512":      sign(jwt.SigningMethodHS512, secret, base()),
		"wrong secret":   sign(jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), base()),
		"wrong issuer":   sign(jwt.SigningMethodHS256, secret, with("iss", "evil")),
		"wrong audience": sign(jwt.SigningMethodHS256, secret, with("aud", "other")),
		"expired":        sign(jwt.SigningMethodHS256, secret, with("exp", now.Add(-time.Minute).Unix())),
		"no expiry":      sign(jwt.SigningMethodHS256, secret, without("exp")),
		"no session":     sign(jwt.SigningMethodHS256, secret, without("sid")),
		"garbage":        "a.b.c",
		"tampered":       s[:len(s)-2] + "xx",
	}
	for name, tok := range bad {
		if _, err := tk.Verify(tok); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: accepted or wrong error: %v", name, err)
		}
	}
	// The issued token expires after its TTL.
	later := NewTokens(secret, "zuju", "zuju-api", 15*time.Minute, func() time.Time { return now.Add(16 * time.Minute) })
	if _, err := later.Verify(s); err == nil {
		t.Fatal("token valid after its lifetime")
	}
}

var fastParams = Argon2Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestPasswordHashing(t *testing.T) {
	h := NewHasher(fastParams, 2)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse 1")
	if err != nil || !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q %v", enc, err)
	}
	if ok, _ := h.Verify(ctx, "correct horse 1", enc); !ok {
		t.Fatal("right password rejected")
	}
	if ok, _ := h.Verify(ctx, "correct horse 2", enc); ok {
		t.Fatal("wrong password accepted")
	}
	// Unknown accounts are checked against a dummy hash and never match.
	if ok, err := h.Verify(ctx, "", ""); ok || err != nil {
		t.Fatalf("empty hash: %v %v", ok, err)
	}
	enc2, _ := h.Hash(ctx, "correct horse 1")
	if enc == enc2 {
		t.Fatal("salt not random")
	}
	if OWASPParams.Memory != 19*1024 || OWASPParams.Time != 2 || OWASPParams.Threads != 1 {
		t.Fatal("OWASP parameters changed")
	}
}

// At most `limit` hashes run at once; waiters give up with ErrBusy when
// their context ends.
func TestHasherBoundsConcurrency(t *testing.T) {
	h := NewHasher(Argon2Params{Memory: 4 * 1024, Time: 3, Threads: 1, KeyLen: 32, SaltLen: 16}, 2)
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.acquire(context.Background()); err != nil {
				t.Error(err)
				return
			}
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
			running.Add(-1)
			h.release()
		}()
	}
	wg.Wait()
	if peak.Load() != 2 {
		t.Fatalf("peak concurrency %d, want 2", peak.Load())
	}
	// Both slots taken: a caller with a short deadline gets ErrBusy.
	_ = h.acquire(context.Background())
	_ = h.acquire(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "x"); !errors.Is(err, ErrBusy) {
		t.Fatalf("want ErrBusy, got %v", err)
	}
}
