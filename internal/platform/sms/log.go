package sms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
)

// DevCodeField is the log field in which LogSender prints the "code"
// parameter of a message.
const DevCodeField = "dev_code"

// LogSender is the development sender: it sends nothing and writes each
// message to the log at INFO, with the phone masked but the verification
// code in clear (field dev_code) so a developer can log in. It is the only
// place a code may be logged; never use it in production. It also keeps the
// last message per phone for tests and local runs. It is safe for
// concurrent use.
type LogSender struct {
	logger *slog.Logger

	mu   sync.Mutex
	last map[string]Message // by 11-digit phone
}

// NewLog returns a LogSender writing to logger (nil discards, which leaves
// only Last).
func NewLog(logger *slog.Logger) *LogSender {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &LogSender{logger: logger.With(slog.String("component", "sms"), slog.String("provider", ProviderLog)), last: map[string]Message{}}
}

// Send logs msg and remembers it as the last message to its phone. It fails
// with ErrInvalidPhone for a number that is not a mainland China mobile
// number, like the real senders.
func (s *LogSender) Send(ctx context.Context, msg Message) error {
	phone, ok := NormalizeCNMobile(msg.Phone)
	if !ok {
		return fmt.Errorf("sms: log: send: %w", ErrInvalidPhone)
	}
	if msg.Template == "" {
		return errors.New("sms: log: send: empty template")
	}
	stored := Message{Phone: phone, Template: msg.Template, Params: maps.Clone(msg.Params), IdempotencyKey: msg.IdempotencyKey}

	attrs := []slog.Attr{
		slog.String("phone", MaskCNMobile(phone)),
		slog.String("template", msg.Template),
	}
	if code, ok := msg.Params["code"]; ok {
		attrs = append(attrs, slog.String(DevCodeField, code))
	}
	if msg.IdempotencyKey != "" {
		attrs = append(attrs, slog.String("idempotency_key", msg.IdempotencyKey))
	}
	s.logger.LogAttrs(ctx, slog.LevelInfo, "sms not sent (log provider); shown for development", attrs...)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.last[phone] = stored
	return nil
}

// Last returns the last message sent to phone (in any accepted format).
func (s *LogSender) Last(phone string) (Message, bool) {
	p, ok := NormalizeCNMobile(phone)
	if !ok {
		return Message{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.last[p]
	if !ok {
		return Message{}, false
	}
	m.Params = maps.Clone(m.Params)
	return m, true
}
