package reports

import (
	"time"

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

// Actions carry out resolutions in the modules that own the content and
// the accounts. Every method is idempotent (taking down what is already
// down, banning the banned again, cancelling a cancelled activity succeed
// without a second effect), because a resolution runs its action first
// and records itself afterwards: a failed record is retried by staff and
// repeats the action harmlessly.
type Actions interface {
	// Hide takes content down pending review: a post or comment is held
	// (pending review), a chat message withdrawn; true when it changed.
	Hide(ctx context.Context, t Ref) (bool, error)
	// Delete deletes a post, comment or chat message.
	Delete(ctx context.Context, t Ref) error
	// Restore publishes again a post or comment that auto-hide held.
	Restore(ctx context.Context, t Ref) error
	// Mute silences the user in chat until the given time.
	Mute(ctx context.Context, userID string, until time.Time) error
	// Ban bans the account (nil until: for good) and ends its sessions.
	Ban(ctx context.Context, userID, reason string, until *time.Time) error
	// CancelActivity cancels the activity with refunds.
	CancelActivity(ctx context.Context, activityID, reason string) error
}
