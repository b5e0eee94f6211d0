package sms

import "testing"

func TestNormalizeCNMobile(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{"13800001234", "13800001234", true},
		{"+8613800001234", "13800001234", true},
		{"+86 13800001234", "13800001234", true},
		{"+86-19912345678", "19912345678", true},
		{"  15012345678 ", "15012345678", true},
		{"12800001234", "", false},   // second digit 2
		{"10800001234", "", false},   // second digit 0
		{"23800001234", "", false},   // not starting with 1
		{"1380000123", "", false},    // 10 digits
		{"138000012345", "", false},  // 12 digits
		{"8613800001234", "", false}, // 86 without +
		{"+85213800001234", "", false},
		{"+86  13800001234", "", false},
		{"1380000123a", "", false},
		{"１３８００００１２３４", "", false}, // full-width digits
		{"", "", false},
		{"+86", "", false},
	}
	for _, c := range cases {
		got, ok := NormalizeCNMobile(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("NormalizeCNMobile(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestMaskCNMobile(t *testing.T) {
	cases := map[string]string{
		"13800001234":    "138****1234",
		"+8613800001234": "138****1234",
		"12345":          "****",
		"":               "",
	}
	for in, want := range cases {
		if got := MaskCNMobile(in); got != want {
			t.Errorf("MaskCNMobile(%q) = %q, want %q", in, got, want)
		}
	}
}
