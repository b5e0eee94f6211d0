package wechat

import (
	"errors"
	"fmt"
)

// Errors a caller can match with errors.Is. Their texts read as the tail of
// this package's messages ("wechat: code2session: ...: rate limited"). Every
// error returned by MiniProgram wraps one of them or is an *APIError, which
// matches them by its errcode.
var (
	// ErrInvalidCode means the login or phone code is unknown, expired or
	// was already used (errcode 40029, 40163) or was empty or malformed.
	ErrInvalidCode = errors.New("invalid or used code")
	// ErrRateLimited means WeChat refused the call because a quota was
	// reached (errcode 45011 per minute, 45009 per day).
	ErrRateLimited = errors.New("rate limited")
	// ErrUserBlocked means WeChat blocked the login of a high-risk user
	// (errcode 40226).
	ErrUserBlocked = errors.New("login blocked for high-risk user")
	// ErrUnavailable means WeChat could not be reached or answered with a
	// server error (network failure, deadline, HTTP 5xx, errcode -1).
	ErrUnavailable = errors.New("service unavailable")
)

// WeChat errcodes that this package interprets.
const (
	codeSystemBusy         = -1
	codeInvalidCredential  = 40001 // access token invalid or not the latest
	codeInvalidAccessToken = 40014
	codeInvalidCode        = 40029
	codeCodeUsed           = 40163
	codeHighRiskUser       = 40226
	codeAccessTokenExpired = 42001
	codeDailyQuota         = 45009
	codeMinuteQuota        = 45011
)

// APIError is an error answer (a non-zero errcode) from the WeChat API. Its
// message never contains the app secret, an access token, a code or a
// session key.
type APIError struct {
	// Op is what this package was doing, e.g. "code2session".
	Op string
	// Endpoint is the API path that answered, e.g. "/sns/jscode2session".
	Endpoint string
	// Code is WeChat's errcode.
	Code int64
	// Msg is WeChat's errmsg.
	Msg string
}

// Error implements error.
func (e *APIError) Error() string {
	return fmt.Sprintf("wechat: %s: %s answered errcode %d: %s", e.Op, e.Endpoint, e.Code, e.Msg)
}

// Is lets errors.Is match the package's sentinel errors by errcode.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrInvalidCode:
		return e.Code == codeInvalidCode || e.Code == codeCodeUsed
	case ErrRateLimited:
		return e.Code == codeMinuteQuota || e.Code == codeDailyQuota
	case ErrUserBlocked:
		return e.Code == codeHighRiskUser
	case ErrUnavailable:
		return e.Code == codeSystemBusy
	}
	return false
}

// tokenRejected reports whether the errcode says the access token used for
// the call is no longer valid, so a fresh one may succeed.
func (e *APIError) tokenRejected() bool {
	switch e.Code {
	case codeInvalidCredential, codeInvalidAccessToken, codeAccessTokenExpired:
		return true
	}
	return false
}
