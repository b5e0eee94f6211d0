package payments

import (
	"errors"
	"regexp"
	"testing"
	"time"
)

func TestTransitions(t *testing.T) {
	allowed := map[[2]Status]bool{
		{StatusPending, StatusPaid}: true, {StatusPending, StatusClosed}: true,
		{StatusPaid, StatusRefunding}:     true,
		{StatusRefunding, StatusRefunded}: true, {StatusRefunding, StatusPartiallyRefunded}: true, {StatusRefunding, StatusRefunding}: true,
		{StatusPartiallyRefunded, StatusRefunding}: true,
	}
	all := []Status{StatusPending, StatusPaid, StatusClosed, StatusRefunding, StatusRefunded, StatusPartiallyRefunded}
	for _, from := range all {
		for _, to := range all {
			if got := CanTransition(from, to); got != allowed[[2]Status{from, to}] {
				t.Errorf("%s → %s: %v", from, to, got)
			}
		}
	}
}

func TestRefundsNeverExceedWhatWasPaid(t *testing.T) {
	paid := time.Now()
	o := &Order{AmountFen: 5000, PaidAt: &paid}
	for _, c := range []struct {
		refunded, inFlight, amount int64
		err                        error
	}{
		{0, 0, 5000, nil},
		{0, 0, 5001, ErrRefundTooLarge},
		{2000, 0, 3000, nil},
		{2000, 0, 3001, ErrRefundTooLarge},
		{2000, 2500, 500, nil},
		{2000, 2500, 501, ErrRefundTooLarge},
		{0, 0, 0, ErrRefundAmount},
		{0, 0, -1, ErrRefundAmount},
		{5000, 0, 1, ErrRefundTooLarge},
	} {
		o.RefundedFen = c.refunded
		if err := o.CheckRefund(c.amount, c.inFlight); !errors.Is(err, c.err) && !(err == nil && c.err == nil) {
			t.Errorf("refunded %d, in flight %d, refund %d: %v, want %v", c.refunded, c.inFlight, c.amount, err, c.err)
		}
	}
	unpaid := &Order{AmountFen: 5000}
	if err := unpaid.CheckRefund(1, 0); !errors.Is(err, ErrRefundTooLarge) {
		t.Errorf("refund of an unpaid order: %v", err)
	}
	if o.SettledStatus(5000) != StatusRefunded || o.SettledStatus(4999) != StatusPartiallyRefunded {
		t.Error("settled status")
	}
}

func TestYuan(t *testing.T) {
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 1250: "12.50", 100000: "1000.00", -30: "-0.30"} {
		if got := Yuan(fen); got != want {
			t.Errorf("Yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}

func TestNewNo(t *testing.T) {
	at := time.Date(2026, 12, 2, 10, 30, 15, 0, time.UTC)
	re := regexp.MustCompile(`^ZJ20261202183015[0-9]{10}$`)
	seen := map[string]bool{}
	for range 1000 {
		no := NewNo("ZJ", at)
		if !re.MatchString(no) || len(no) > 32 {
			t.Fatalf("order number %q", no)
		}
		if seen[no] {
			t.Fatalf("repeated order number %q", no)
		}
		seen[no] = true
	}
}
