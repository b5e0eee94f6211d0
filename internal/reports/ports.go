package reports

import (
	"context"

	"github.com/zuju/zuju/internal/platform/ratelimit"
)

// Target is a reportable thing as the reporter sees it.
type Target struct {
	// OwnerID is who it belongs to (see Report.TargetOwnerID).
	OwnerID string
	// ParentID places it (see Report.TargetParentID).
	ParentID string
	// Snapshot is its content as shown to the reporter (title, text,
	// nickname); the service cuts it to MaxSnapshotRunes.
	Snapshot string
}

// Lookup finds one type of target as the caller of ctx sees it: found is
// false when it does not exist or the caller may not see it (a
// members-only post of a club they are not in, a message of a room they
// are not in), so a report never tells the two apart.
type Lookup interface {
	Lookup(ctx context.Context, id string) (t Target, found bool, err error)
}

// LookupFunc adapts a function to Lookup.
type LookupFunc func(ctx context.Context, id string) (Target, bool, error)

// Lookup implements Lookup.
func (f LookupFunc) Lookup(ctx context.Context, id string) (Target, bool, error) { return f(ctx, id) }

// Limiter throttles reporters.
type Limiter interface {
	Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Result, error)
}
