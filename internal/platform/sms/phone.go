package sms

import "strings"

// NormalizeCNMobile returns the 11-digit form of a mainland China mobile
// number (1[3-9] and nine more digits), accepted with or without a +86
// prefix (which may be followed by one space or hyphen) and surrounding
// spaces. ok is false for anything else.
func NormalizeCNMobile(s string) (phone string, ok bool) {
	s = strings.TrimSpace(s)
	if rest, found := strings.CutPrefix(s, "+86"); found {
		s = rest
		if len(s) == 12 && (s[0] == ' ' || s[0] == '-') {
			s = s[1:]
		}
	}
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return "", false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	return s, true
}

// MaskCNMobile masks a phone number for logs as 138****1234. Input that is
// not a mainland China mobile number is masked entirely.
func MaskCNMobile(s string) string {
	p, ok := NormalizeCNMobile(s)
	if !ok {
		if s == "" {
			return ""
		}
		return "****"
	}
	return p[:3] + "****" + p[7:]
}
