package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humagin"

	"github.com/zuju/zuju/internal/platform/errs"
	"github.com/zuju/zuju/internal/platform/reqctx"
)

// Problem is an RFC 9457 problem document with Zuju's stable `code`.
type Problem struct {
	Type      string              `json:"type,omitempty" doc:"problem type URI"`
	Title     string              `json:"title" doc:"short summary of the status"`
	Status    int                 `json:"status" doc:"HTTP status"`
	Detail    string              `json:"detail,omitempty" doc:"human-readable explanation (zh-CN)"`
	Code      string              `json:"code" doc:"stable machine-readable error code"`
	RequestID string              `json:"request_id,omitempty" doc:"request id to quote to support"`
	Errors    []*huma.ErrorDetail `json:"errors,omitempty" doc:"invalid fields"`
	Data      any                 `json:"data,omitempty" doc:"machine-readable context of some errors (e.g. the sign-up already checked in)"`
}

// Error implements error.
func (p *Problem) Error() string { return p.Code + ": " + p.Detail }

// GetStatus implements huma.StatusError.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma answer with application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

// statusOf is the one place that maps error kinds to HTTP statuses.
func statusOf(k errs.Kind) int {
	switch k {
	case errs.KindInvalid:
		return http.StatusBadRequest
	case errs.KindUnauthorized:
		return http.StatusUnauthorized
	case errs.KindForbidden:
		return http.StatusForbidden
	case errs.KindNotFound:
		return http.StatusNotFound
	case errs.KindConflict:
		return http.StatusConflict
	case errs.KindRateLimited:
		return http.StatusTooManyRequests
	case errs.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.KindUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case errs.KindUnavailable:
		return http.StatusServiceUnavailable
	case errs.KindGone:
		return http.StatusGone
	default:
		return http.StatusInternalServerError
	}
}

// codeForStatus names the errors huma and the router raise themselves.
func codeForStatus(status int, msg string) (string, string) {
	switch status {
	case http.StatusBadRequest:
		return "request.malformed", "请求格式不正确"
	case http.StatusUnprocessableEntity:
		if strings.Contains(msg, "parse") || strings.Contains(msg, "unmarshal") {
			return "request.malformed", "请求格式不正确"
		}
		return "request.invalid", "请求参数不合法"
	case http.StatusRequestEntityTooLarge:
		return "request.too_large", "请求内容过大"
	case http.StatusUnsupportedMediaType:
		return "request.unsupported_media_type", "不支持的内容类型"
	case http.StatusNotFound:
		return "not_found", "请求的资源不存在"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed", "不支持该请求方法"
	case http.StatusNotAcceptable:
		return "request.not_acceptable", "无法提供请求的格式"
	case http.StatusUnauthorized:
		return errs.ErrUnauthenticated.Code, errs.ErrUnauthenticated.Detail
	case http.StatusForbidden:
		return errs.ErrForbidden.Code, errs.ErrForbidden.Detail
	case http.StatusTooManyRequests:
		return errs.ErrRateLimited.Code, errs.ErrRateLimited.Detail
	}
	if status >= 500 {
		return errs.ErrInternal.Code, errs.ErrInternal.Detail
	}
	return "request.error", http.StatusText(status)
}

// ProblemFor converts any error into a problem document. Unclassified
// errors become a 500 whose cause is logged, never sent.
func ProblemFor(requestID string, status int, msg string, errList ...error) *Problem {
	for _, err := range errList {
		var e *errs.Error
		if errors.As(err, &e) {
			p := &Problem{
				Status:    statusOf(e.Kind),
				Code:      e.Code,
				Detail:    e.Detail,
				RequestID: requestID,
				Data:      e.Data,
			}
			p.Title = http.StatusText(p.Status)
			for _, f := range e.Fields {
				p.Errors = append(p.Errors, &huma.ErrorDetail{Location: "body." + f.Field, Message: f.Message})
			}
			return p
		}
		var p *Problem
		if errors.As(err, &p) {
			return p
		}
		// The body limit of the router cut the body short while huma read it.
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
	}
	code, detail := codeForStatus(status, msg)
	p := &Problem{Status: status, Title: http.StatusText(status), Code: code, Detail: detail, RequestID: requestID}
	if status >= 500 {
		return p
	}
	for _, err := range errList {
		if err == nil {
			continue
		}
		if d, ok := err.(huma.ErrorDetailer); ok {
			detail := *d.ErrorDetail()
			detail.Value = nil // never echo input back (it may be a password)
			p.Errors = append(p.Errors, &detail)
		} else {
			p.Errors = append(p.Errors, &huma.ErrorDetail{Message: err.Error()})
		}
	}
	for _, d := range p.Errors {
		if d != nil && d.Message == errBodyText.Error() {
			p.Code, p.Detail = ErrInvalidText.Code, ErrInvalidText.Detail
		}
	}
	if code == "request.invalid" && len(p.Errors) > 0 && p.Errors[0] != nil {
		p.Detail = fmt.Sprintf("请求参数不合法：%s %s", strings.TrimPrefix(p.Errors[0].Location, "body."), p.Errors[0].Message)
	}
	if strings.Contains(msg, "too large") || status == http.StatusRequestEntityTooLarge {
		p.Status, p.Title = http.StatusRequestEntityTooLarge, http.StatusText(http.StatusRequestEntityTooLarge)
		p.Code, p.Detail = codeForStatus(http.StatusRequestEntityTooLarge, msg)
	}
	return p
}

// installErrorModel makes every huma error a Problem. huma exposes its error
// constructor as a package variable; this is its documented hook. Causes are
// attached to the gin context so the access log records them.
func installErrorModel() {
	huma.NewError = func(status int, msg string, errList ...error) huma.StatusError {
		return ProblemFor("", status, msg, errList...)
	}
	huma.NewErrorWithContext = func(ctx huma.Context, status int, msg string, errList ...error) huma.StatusError {
		if ctx == nil {
			return ProblemFor("", status, msg, errList...)
		}
		p := ProblemFor(reqctx.From(ctx.Context()).RequestID, status, msg, errList...)
		gc := humagin.Unwrap(ctx)
		for _, err := range errList {
			if err == nil {
				continue
			}
			if e, ok := errs.As(err); ok && e.RetryAfter > 0 {
				ctx.SetHeader("Retry-After", strconv.Itoa(retrySeconds(e)))
			}
			if p.Status >= 500 {
				_ = gc.Error(err)
			}
		}
		return p
	}
}

func retrySeconds(e *errs.Error) int {
	s := int((e.RetryAfter + 999_999_999) / 1_000_000_000)
	if s < 1 {
		s = 1
	}
	return s
}
