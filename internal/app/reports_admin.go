package app

import (
	"context"
	"errors"
	"time"

	"github.com/zuju/zuju/internal/activities"
	"github.com/zuju/zuju/internal/chat"
	"github.com/zuju/zuju/internal/platform/errs"
	"github.com/zuju/zuju/internal/posts"
	"github.com/zuju/zuju/internal/reports"
)

// reportActions carry out the report queue's resolutions through the
// modules that own the content and the accounts, each idempotent (see
// reports.Actions).
//
// A mute is the chat's own per-room mute applied in every room the user
// is an active member of now, for the same length (at most the chat's 30
// days): the chat already refuses a muted member's messages and tells the
// room, so no second, platform-wide mute has to be checked on every send.
// Rooms joined later are not covered, and an activity's organizer cannot
// be muted in their own room (the chat refuses it; it is skipped).
type reportActions struct{ a *App }

func (r reportActions) kind(t reports.TargetType) string {
	if t == reports.TargetComment {
		return "comment"
	}
	return "post"
}

// Hide holds a post or comment pending review, or withdraws a message.
func (r reportActions) Hide(ctx context.Context, t reports.Ref) (bool, error) {
	switch t.Type {
	case reports.TargetPost, reports.TargetComment:
		return r.a.Posts.Hold(ctx, r.kind(t.Type), t.ID, reports.HoldReason)
	case reports.TargetMessage:
		return true, ignoreGone(r.a.Chat.DeleteMessage(ctx, t.ParentID, t.ID))
	}
	return false, reports.ErrNotApplicable
}

// Delete deletes a post or comment, or withdraws a message.
func (r reportActions) Delete(ctx context.Context, t reports.Ref) error {
	switch t.Type {
	case reports.TargetPost, reports.TargetComment:
		return r.a.Posts.Remove(ctx, r.kind(t.Type), t.ID)
	case reports.TargetMessage:
		return ignoreGone(r.a.Chat.DeleteMessage(ctx, t.ParentID, t.ID))
	}
	return reports.ErrNotApplicable
}

// Restore publishes a held post or comment again (one no longer held is
// left as it is).
func (r reportActions) Restore(ctx context.Context, t reports.Ref) error {
	err := r.a.Posts.Decide(ctx, r.kind(t.Type), t.ID, true, "")
	if errors.Is(err, posts.ErrNotPending) {
		return nil
	}
	return ignoreGone(err)
}

// Mute mutes the user in each of their rooms until the given time.
func (r reportActions) Mute(ctx context.Context, userID string, until time.Time) error {
	rooms, err := r.a.Chat.RoomsOf(ctx, userID)
	if err != nil {
		return err
	}
	d := time.Until(until)
	if r.a.Now != nil {
		d = until.Sub(r.a.Now())
	}
	d = min(max(d, time.Minute), chat.MaxMute)
	for _, room := range rooms {
		if _, err := r.a.Chat.Mute(ctx, room.ID, userID, d); err != nil &&
			!errors.Is(err, chat.ErrNotInRoom) && !errors.Is(err, chat.ErrCannotTarget) {
			return err
		}
	}
	return nil
}

// Ban bans the account through the users module, which ends its sessions
// and publishes users.banned (the chat drops the user's connections).
func (r reportActions) Ban(ctx context.Context, userID, reason string, until *time.Time) error {
	_, err := r.a.Users.Ban(ctx, userID, reason, until)
	return err
}

// CancelActivity cancels the activity through the activities service
// (refunds every paid seat); one already cancelled is left as it is.
func (r reportActions) CancelActivity(ctx context.Context, id, reason string) error {
	_, err := r.a.Activities.Cancel(ctx, id, reason)
	if errors.Is(err, activities.ErrBadTransition) {
		if v, gerr := r.a.Activities.Get(ctx, id); gerr == nil && v.Status == activities.StatusCancelled {
			return nil
		}
	}
	return err
}

// ignoreGone treats content that is no longer there as taken down.
func ignoreGone(err error) error {
	if e, ok := errs.As(err); ok && e.Kind == errs.KindNotFound {
		return nil
	}
	return err
}
