package httpx

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/zuju/zuju/internal/platform/auth"
	"github.com/zuju/zuju/internal/platform/errs"
	"github.com/zuju/zuju/internal/platform/reqctx"
)

// Authenticator turns a bearer token into the caller's principal.
type Authenticator func(ctx context.Context, token string) (auth.Principal, error)

// AdminPrefix is the path prefix of the staff API.
const AdminPrefix = APIPrefix + "/admin"

// authPrefix holds the sign-in routes, which ignore a bad bearer token.
const authPrefix = APIPrefix + "/auth/"

// authenticate puts the caller's principal into the request context when a
// bearer token is present; an invalid token is answered with 401 at once.
// Every route under the admin prefix also requires a staff role here, and
// the services check again.
func authenticate(fn Authenticator) gin.HandlerFunc {
	if fn == nil {
		// Nobody can sign in: every token is invalid and the admin API closed.
		fn = func(context.Context, string) (auth.Principal, error) {
			return auth.Principal{}, errs.ErrUnauthenticated
		}
	}
	return func(c *gin.Context) {
		h := c.GetHeader("Authorization")
		ctx := c.Request.Context()
		var p auth.Principal
		var signedIn bool
		if h != "" {
			scheme, token, ok := strings.Cut(h, " ")
			ok = ok && strings.EqualFold(scheme, "Bearer")
			if (!ok || token == "") && !strings.HasPrefix(c.Request.URL.Path, authPrefix) {
				abortWith(c, errs.ErrUnauthenticated)
				return
			}
			pr, err := fn(ctx, strings.TrimSpace(token))
			if err != nil {
				if strings.HasPrefix(c.Request.URL.Path, authPrefix) {
					// A stale token must not stop someone from signing in,
					// refreshing or signing out: these routes need none.
					c.Next()
					return
				}
				abortWith(c, err)
				return
			}
			p, signedIn = pr, true
			c.Request = c.Request.WithContext(auth.WithPrincipal(ctx, p))
		}
		if strings.HasPrefix(c.Request.URL.Path, AdminPrefix+"/") || c.Request.URL.Path == AdminPrefix {
			if !signedIn {
				abortWith(c, errs.ErrUnauthenticated)
				return
			}
			if !p.IsStaff() {
				abortWith(c, errs.ErrForbidden)
				return
			}
		}
		c.Next()
	}
}

func abortWith(c *gin.Context, err error) {
	p := ProblemFor(reqctx.From(c.Request.Context()).RequestID, http.StatusInternalServerError, "", err)
	if p.Status >= 500 {
		_ = c.Error(err)
	}
	if p.Status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="zuju"`)
	}
	WriteProblemDoc(c, p)
	c.Abort()
}
