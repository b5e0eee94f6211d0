// Package reqctx carries per-request facts (request id, client ip, user
// agent) through a context so services and the audit log can use them
// without depending on the HTTP layer.
package reqctx

import "context"

// Info is what the HTTP layer knows about a request.
type Info struct {
	RequestID string
	ClientIP  string
	UserAgent string
}

type key struct{}

// With returns ctx carrying info.
func With(ctx context.Context, info Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// From returns the request info of ctx (zero when absent).
func From(ctx context.Context) Info {
	info, _ := ctx.Value(key{}).(Info)
	return info
}
