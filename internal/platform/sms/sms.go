// Package sms sends verification-code text messages to mainland China
// mobile numbers. LogSender writes them to the server log for development;
// TencentSender sends them through Tencent Cloud SMS (API 3.0, SendSms).
//
// The senders are concrete types with the same method,
//
//	Send(ctx context.Context, msg Message) error
//
// so a consumer declares the one-method interface it needs and the
// composition root picks the sender by provider name.
package sms

import (
	"errors"
	"fmt"
	"log/slog"
)

// Names of the implemented providers, as used by ZUJU_SMS_PROVIDER.
const (
	// ProviderLog writes messages to the server log (development only).
	ProviderLog = "log"
	// ProviderTencent sends messages through Tencent Cloud SMS.
	ProviderTencent = "tencent"
)

// Providers returns the names of the implemented providers.
func Providers() []string { return []string{ProviderLog, ProviderTencent} }

// Message is one text message to send.
type Message struct {
	// Phone is a mainland China mobile number, 11 digits, optionally
	// prefixed with +86.
	Phone string
	// Template is our name of the message template, e.g. "login_code";
	// senders map it to the provider's template.
	Template string
	// Params fills the template, e.g. {"code": "123456"}.
	Params map[string]string
	// IdempotencyKey, when set, is the same on every resend of one
	// message. Neither provider deduplicates by it: Tencent Cloud gets it
	// as SessionContext, which its status reports echo, so a repeat can be
	// traced; the log sender prints it.
	IdempotencyKey string
}

// LogValue implements slog.LogValuer: the phone is masked and parameter
// values (codes) are left out.
func (m Message) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("phone", MaskCNMobile(m.Phone)),
		slog.String("template", m.Template),
		slog.Int("params", len(m.Params)),
	)
}

// String implements fmt.Stringer like LogValue.
func (m Message) String() string {
	return fmt.Sprintf("sms.Message{Phone:%s Template:%s Params:%d}", MaskCNMobile(m.Phone), m.Template, len(m.Params))
}

// Errors a caller can match with errors.Is. Their texts read as the tail of
// this package's messages ("sms: tencent: send: ...: rate limited").
var (
	// ErrInvalidPhone means the number is not a mainland China mobile
	// number, or the provider refuses to deliver to it.
	ErrInvalidPhone = errors.New("invalid phone number")
	// ErrRateLimited means the provider refused the message because of a
	// frequency or quota limit (per number or for the whole account).
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable means the provider could not be reached or failed
	// internally; trying later may succeed.
	ErrUnavailable = errors.New("service unavailable")
	// ErrUnknownTemplate means the sender has no provider template for the
	// message's Template, or the message lacks one of its parameters.
	ErrUnknownTemplate = errors.New("unknown template or missing parameter")
)
