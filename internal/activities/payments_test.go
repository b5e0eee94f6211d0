package activities

import (
	"errors"
	"testing"
	"time"
)

func TestSelfCancelRefundBoundaries(t *testing.T) {
	start := time.Date(2030, 5, 1, 19, 0, 0, 0, time.UTC)
	p := DefaultSignupPolicy() // cutoff 2 h, full refund from 24 h, 50 % later
	cases := []struct {
		name    string
		paid    int64
		before  time.Duration // how long before the start the cancellation comes
		policy  func(*SignupPolicy)
		want    int64
		refused bool
	}{
		{"days before: full", 9900, 72 * time.Hour, nil, 9900, false},
		{"exactly 24 h before: full", 9900, 24 * time.Hour, nil, 9900, false},
		{"a second inside 24 h: half", 9900, 24*time.Hour - time.Second, nil, 4950, false},
		{"half rounds down", 3001, 10 * time.Hour, nil, 1500, false},
		{"one fen, late: nothing", 1, 10 * time.Hour, nil, 0, false},
		{"exactly at the cutoff: still allowed", 9900, 2 * time.Hour, nil, 4950, false},
		{"a second past the cutoff: refused", 9900, 2*time.Hour - time.Second, nil, 0, true},
		{"after the start: refused", 9900, -time.Hour, nil, 0, true},
		{"free seat before the cutoff", 0, 3 * time.Hour, nil, 0, false},
		{"free seat after the cutoff: refused", 0, time.Hour, nil, 0, true},
		{"70 % rounds down", 999, 5 * time.Hour, func(p *SignupPolicy) { p.LateRefundPercent = 70 }, 699, false},
		{"0 %", 9900, 5 * time.Hour, func(p *SignupPolicy) { p.LateRefundPercent = 0 }, 0, false},
		{"100 %", 9900, 5 * time.Hour, func(p *SignupPolicy) { p.LateRefundPercent = 100 }, 9900, false},
		{"no cutoff: until the start", 9900, 0, func(p *SignupPolicy) { p.CancelCutoff = 0 }, 4950, false},
		{"largest price", MaxPriceFen, time.Hour * 3, nil, MaxPriceFen / 2, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pol := p
			if c.policy != nil {
				c.policy(&pol)
			}
			got, err := pol.SelfCancelRefund(c.paid, start, start.Add(-c.before))
			if c.refused {
				if !errors.Is(err, ErrCancelClosed) {
					t.Fatalf("err %v, want %v", err, ErrCancelClosed)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("refund %d (%v), want %d", got, err, c.want)
			}
		})
	}
}

func TestRefundNoIsStablePerSignup(t *testing.T) {
	a, b := RefundNo("0190f3a2-7c1e-7abc-8def-0123456789ab"), RefundNo("0190f3a2-7c1e-7abc-8def-0123456789ac")
	if a != RefundNo("0190f3a2-7c1e-7abc-8def-0123456789ab") || a == b {
		t.Fatalf("refund numbers %q %q", a, b)
	}
	if len(a) > 64 || a != "RF0190f3a27c1e7abc8def0123456789ab" {
		t.Fatalf("refund number %q", a)
	}
}
