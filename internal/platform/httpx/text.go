package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gin-gonic/gin"

	"github.com/zuju/zuju/internal/platform/errs"
	"github.com/zuju/zuju/internal/platform/reqctx"
)

// ErrInvalidText answers request text that no store can keep: bytes that
// are not UTF-8, or NUL characters (PostgreSQL text refuses both).
var ErrInvalidText = errs.Invalid("request.invalid_text", "请求包含无效字符（非 UTF-8 文本或空字符）")

// textHeaders are the request headers operations read as text input.
var textHeaders = []string{"Idempotency-Key"}

// ValidText reports whether s is UTF-8 without NUL characters.
func ValidText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// validText refuses requests whose path, query or text headers are not
// valid text, before any handler sees them: path parameters and query
// values reach queries as they are.
func validText() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !requestTextValid(c.Request) {
			p := ProblemFor(reqctx.From(c.Request.Context()).RequestID, http.StatusBadRequest, "", ErrInvalidText)
			WriteProblemDoc(c, p)
			c.Abort()
			return
		}
		c.Next()
	}
}

func requestTextValid(r *http.Request) bool {
	if !ValidText(r.URL.Path) {
		return false
	}
	// Pairs the query parser cannot read are dropped by it for every
	// reader alike, so only the values it yields matter.
	values, _ := url.ParseQuery(r.URL.RawQuery)
	for k, vs := range values {
		if !ValidText(k) {
			return false
		}
		for _, v := range vs {
			if !ValidText(v) {
				return false
			}
		}
	}
	for _, h := range textHeaders {
		for _, v := range r.Header.Values(h) {
			if !ValidText(v) {
				return false
			}
		}
	}
	return true
}

// errBodyText is what the JSON decoder answers for a body with invalid
// text; ProblemFor turns it into ErrInvalidText.
var errBodyText = errors.New("request body is not UTF-8 text or holds a NUL character")

// textJSON is huma's JSON format with bodies checked first: not UTF-8 (which
// encoding/json would silently turn into U+FFFD) or a string holding
// \u0000 is refused.
func textJSON(f huma.Format) huma.Format {
	unmarshal := f.Unmarshal
	f.Unmarshal = func(data []byte, v any) error {
		if err := checkBodyText(data); err != nil {
			return err
		}
		return unmarshal(data, v)
	}
	return f
}

func checkBodyText(data []byte) error {
	if !utf8.Valid(data) {
		return errBodyText
	}
	if !bytes.Contains(data, []byte(`\u0000`)) {
		return nil
	}
	// The escape may be text ("\\u0000"): decode the strings to be sure.
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return nil // not JSON: the decoder proper says so
		}
		if s, ok := tok.(string); ok && strings.IndexByte(s, 0) >= 0 {
			return errBodyText
		}
	}
}
