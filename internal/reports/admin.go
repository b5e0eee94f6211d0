package reports

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zuju/zuju/internal/platform/auth"
)

// Limits of resolutions.
const (
	MaxNoteRunes = 200
	MaxMuteDays  = 30
	MaxBanDays   = 3650
	// HoldReason is what the author of auto-hidden content is shown.
	HoldReason = "被多人举报，等待审核"
)

// asSystem acts for auto-hide: a moderator principal of no one, so the
// modules that take content down accept the call; it outlives the
// reporter's request.
func asSystem(ctx context.Context) context.Context {
	return auth.WithPrincipal(context.WithoutCancel(ctx),
		auth.Principal{UserID: "system:reports", SessionID: "system", Roles: []auth.Role{auth.RoleModerator}})
}

// hideable are the target types whose content can be hidden or deleted.
func hideable(t TargetType) bool { return t == TargetPost || t == TargetComment || t == TargetMessage }

// autoHide runs after a report is stored. The count is read after the
// insert committed and the flag is a conditional insert, so of racing
// reporters the last to commit always sees the full count and exactly one
// flags the target: posts and comments are then held pending review and
// chat messages withdrawn; users, activities and clubs are only flagged
// (the queue shows them first-class, staff decide). A failure to take the
// content down is logged, never the reporter's error.
func (s *Service) autoHide(ctx context.Context, r *Report) {
	threshold := s.set.AutoHide
	if s.set.AutoHideNow != nil {
		threshold = s.set.AutoHideNow()
	}
	if threshold <= 0 || s.admin == nil {
		return
	}
	n, err := s.admin.OpenCount(ctx, r.TargetType, r.TargetID)
	if err != nil || n < threshold {
		s.logErr(ctx, "count open reports", err)
		return
	}
	flagged, err := s.admin.Flag(ctx, r.TargetType, r.TargetID, s.now())
	if err != nil || !flagged {
		s.logErr(ctx, "flag reported target", err)
		return
	}
	if !hideable(r.TargetType) || s.actions == nil {
		return
	}
	ref := Ref{Type: r.TargetType, ID: r.TargetID, OwnerID: r.TargetOwnerID, ParentID: r.TargetParentID}
	hidden, err := s.actions.Hide(asSystem(ctx), ref)
	if err != nil {
		s.logErr(ctx, "auto-hide reported target", err)
		return
	}
	if hidden {
		s.logErr(ctx, "mark target hidden", s.admin.MarkHidden(ctx, r.TargetType, r.TargetID))
	}
}

func (s *Service) logErr(ctx context.Context, what string, err error) {
	if err != nil && s.logger != nil {
		s.logger.WarnContext(ctx, "reports: "+what, "err", err)
	}
}

// Queue lists reported targets (staff): one entry per target with its
// report count, reasons, latest snapshot and first and last report times,
// the target with the latest report first; the next cursor is "" at the
// end.
func (s *Service) Queue(ctx context.Context, status Status, t TargetType, cursor string, limit int) ([]QueueEntry, string, error) {
	if _, err := auth.RequireRole(ctx, auth.StaffRoles()...); err != nil {
		return nil, "", err
	}
	if status == "" {
		status = StatusOpen
	}
	if status != StatusOpen && status != StatusResolved && status != StatusDismissed {
		return nil, "", ErrBadStatus
	}
	if t != "" && !t.Valid() {
		return nil, "", ErrBadTargetType
	}
	if limit <= 0 || limit > MaxPage {
		limit = 20
	}
	if utf8.RuneCountInString(cursor) > 100 {
		return nil, "", ErrBadCursor
	}
	list, err := s.admin.Queue(ctx, QueueFilter{Status: status, TargetType: t, After: cursor, Limit: limit + 1})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		next = list[limit-1].ReportID
	}
	return list, next, nil
}

// Decision is what staff send to resolve a report.
type Decision struct {
	Action Action
	Note   string
	// Days is the mute's length (1–30) or the ban's (1–3650; nil: for
	// good); other actions ignore it.
	Days *int
}

// Resolve resolves every open report of the target of report id (staff):
// it carries out the action through the module that owns the target or
// the account (see Actions: idempotent, run first), then records in one
// transaction the reports' new status, the resolution (a warn is the
// author's recorded warning), one audit row and the reports.resolved
// event with the reporters and the author. Moderators may dismiss, hide,
// delete, warn and mute; ban and cancel_activity need an admin. A
// dismissal publishes again a post or comment that auto-hide held.
func (s *Service) Resolve(ctx context.Context, id string, d Decision) (*ResolvedEvent, error) {
	p, err := auth.RequireRole(ctx, auth.StaffRoles()...)
	if err != nil {
		return nil, err
	}
	d.Note = strings.TrimSpace(d.Note)
	switch {
	case !d.Action.Valid():
		return nil, ErrBadAction
	case utf8.RuneCountInString(d.Note) > MaxNoteRunes:
		return nil, ErrNoteTooLong
	case d.Action.AdminOnly() && !p.IsAdmin():
		return nil, ErrAdminRequired
	}
	r, err := s.admin.Report(ctx, id)
	if err != nil {
		return nil, err
	}
	ref := Ref{Type: r.TargetType, ID: r.TargetID, OwnerID: r.TargetOwnerID, ParentID: r.TargetParentID}
	now := s.now().UTC().Truncate(time.Microsecond)
	var until *time.Time
	switch d.Action {
	case ActionHide, ActionDelete:
		if !hideable(ref.Type) {
			return nil, ErrNotApplicable
		}
	case ActionCancelActivity:
		if ref.Type != TargetActivity {
			return nil, ErrNotApplicable
		}
	case ActionWarn, ActionMute, ActionBan:
		if ref.OwnerID == "" {
			return nil, ErrNoAuthor
		}
	}
	switch d.Action {
	case ActionMute:
		if d.Days == nil || *d.Days < 1 || *d.Days > MaxMuteDays {
			return nil, ErrBadDuration
		}
		u := now.Add(time.Duration(*d.Days) * 24 * time.Hour).Truncate(time.Second)
		until = &u
	case ActionBan:
		if d.Days != nil {
			if *d.Days < 1 || *d.Days > MaxBanDays {
				return nil, ErrBadDuration
			}
			u := now.Add(time.Duration(*d.Days) * 24 * time.Hour)
			until = &u
		}
		if d.Note == "" {
			return nil, ErrNoteRequired
		}
	}
	if n, err := s.admin.OpenCount(ctx, ref.Type, ref.ID); err != nil {
		return nil, err
	} else if n == 0 {
		return nil, ErrNotOpen
	}
	restored := false
	switch d.Action {
	case ActionDismiss:
		flag, err := s.admin.FlagOf(ctx, ref.Type, ref.ID)
		if err != nil {
			return nil, err
		}
		if flag != nil && flag.Hidden && (ref.Type == TargetPost || ref.Type == TargetComment) {
			if err := s.actions.Restore(ctx, ref); err != nil {
				return nil, err
			}
			restored = true
		}
	case ActionHide:
		_, err = s.actions.Hide(ctx, ref)
	case ActionDelete:
		err = s.actions.Delete(ctx, ref)
	case ActionMute:
		err = s.actions.Mute(ctx, ref.OwnerID, *until)
	case ActionBan:
		err = s.actions.Ban(ctx, ref.OwnerID, d.Note, until)
	case ActionCancelActivity:
		reason := d.Note
		if reason == "" {
			reason = "经举报核实，活动已被平台取消"
		}
		err = s.actions.CancelActivity(ctx, ref.ID, reason)
	}
	if err != nil {
		return nil, err
	}
	return s.admin.Resolve(ctx, &Resolution{ID: s.newID(), Target: ref, Action: d.Action, Note: d.Note, Until: until,
		ActorID: p.UserID, At: now, Restored: restored})
}
