// Package errs defines the error type that carries a stable code and a kind
// from the services to the HTTP layer, which maps kinds to status codes in
// exactly one place (package httpx).
package errs

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error for its transport mapping.
type Kind int

// The kinds of error a service can report.
const (
	KindInternal Kind = iota
	KindInvalid
	KindUnauthorized
	KindForbidden
	KindNotFound
	KindConflict
	KindRateLimited
	KindTooLarge
	KindUnsupportedMedia
	KindUnavailable
	KindGone
)

// FieldError names one invalid input field.
type FieldError struct {
	Field   string
	Message string
}

// Error is a classified error with a stable machine-readable code and a
// human-readable (Chinese) detail safe to show to users.
type Error struct {
	Kind       Kind
	Code       string
	Detail     string
	Fields     []FieldError
	RetryAfter time.Duration
	// Data is machine-readable context sent with the problem (e.g. the
	// existing object a conflict is about); it must be safe to show.
	Data any
	Err  error
}

// Error implements error. It includes the cause for logs; the cause is never
// sent to clients.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Detail, e.Err)
	}
	return e.Code + ": " + e.Detail
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is match two *Error values with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// New returns an error of the given kind.
func New(kind Kind, code, detail string) *Error {
	return &Error{Kind: kind, Code: code, Detail: detail}
}

// Wrap returns a copy of e with cause err.
func (e *Error) Wrap(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// WithDetail returns a copy of e with another detail text.
func (e *Error) WithDetail(detail string) *Error {
	c := *e
	c.Detail = detail
	return &c
}

// WithData returns a copy of e that carries data to the client.
func (e *Error) WithData(data any) *Error {
	c := *e
	c.Data = data
	return &c
}

// WithRetryAfter returns a copy of e that tells the client when to retry.
func (e *Error) WithRetryAfter(d time.Duration) *Error {
	c := *e
	c.RetryAfter = d
	return &c
}

// Invalid reports bad input.
func Invalid(code, detail string, fields ...FieldError) *Error {
	return &Error{Kind: KindInvalid, Code: code, Detail: detail, Fields: fields}
}

// NotFound reports a missing object.
func NotFound(code, detail string) *Error { return New(KindNotFound, code, detail) }

// Forbidden reports a caller without the right to act.
func Forbidden(code, detail string) *Error { return New(KindForbidden, code, detail) }

// Unauthorized reports a caller that is not (or no longer) signed in.
func Unauthorized(code, detail string) *Error { return New(KindUnauthorized, code, detail) }

// Conflict reports a state conflict such as a duplicate.
func Conflict(code, detail string) *Error { return New(KindConflict, code, detail) }

// RateLimited reports throttling; retryAfter tells when to try again.
func RateLimited(code, detail string, retryAfter time.Duration) *Error {
	return &Error{Kind: KindRateLimited, Code: code, Detail: detail, RetryAfter: retryAfter}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Common errors shared by every module.
var (
	ErrUnauthenticated = Unauthorized("auth.unauthenticated", "请先登录")
	ErrForbidden       = Forbidden("auth.forbidden", "没有权限执行此操作")
	ErrInternal        = New(KindInternal, "internal", "服务器开小差了，请稍后再试")
	ErrRateLimited     = RateLimited("ratelimit.exceeded", "操作太频繁，请稍后再试", 0)
)
