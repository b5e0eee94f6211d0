package users

import (
	"net/mail"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var cnMobile = regexp.MustCompile(`^1[3-9]\d{9}$`)

// NormalizePhone returns the 11-digit mainland China mobile number of s
// (accepting +86 / 86 prefixes, spaces and dashes).
func NormalizePhone(s string) (string, bool) {
	s = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "+86")
	if len(s) == 13 && strings.HasPrefix(s, "86") {
		s = s[2:]
	}
	return s, cnMobile.MatchString(s)
}

// NormalizeEmail returns the lower-cased address of s if it is a plain
// email address.
func NormalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 254 || strings.ContainsAny(s, " <>\"(),;:\\[]") {
		return "", false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return "", false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at+1:], ".") || strings.HasSuffix(s, ".") {
		return "", false
	}
	return s, true
}

var commonPasswords = map[string]bool{
	"password": true, "password1": true, "password123": true, "12345678": true, "123456789": true,
	"1234567890": true, "qwerty123": true, "qwertyuiop": true, "abc12345": true, "abcd1234": true,
	"11111111": true, "88888888": true, "iloveyou1": true, "1qaz2wsx": true, "a1234567": true,
	"aa123456": true, "woaini1314": true, "zxcvbnm123": true, "qq123456": true, "admin123": true,
	"admin1234": true, "passw0rd": true, "p@ssw0rd": true, "welcome1": true, "asdf1234": true,
}

// CheckPassword enforces the password policy: 8–128 characters, at least one
// letter and one digit, not a well-known password.
func CheckPassword(p string) bool {
	n := utf8.RuneCountInString(p)
	if n < 8 || n > 128 || !utf8.ValidString(p) {
		return false
	}
	var letter, digit bool
	for _, r := range p {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsControl(r):
			return false
		}
	}
	return letter && digit && !commonPasswords[strings.ToLower(p)]
}

// CleanText trims s (CRLF becomes LF) and reports whether it is min..max
// runes of printable text (no control characters other than newlines when
// multiline).
func CleanText(s string, min, max int, multiline bool) (string, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || n < min || n > max {
		return s, false
	}
	for _, r := range s {
		if r == '\n' && multiline {
			continue
		}
		if unicode.IsControl(r) || r == '\u200b' || r == '\ufeff' {
			return s, false
		}
	}
	return s, true
}
