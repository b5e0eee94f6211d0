package reports

import (
	"context"
	"time"

	"github.com/zuju/zuju/internal/platform/errs"
)

// Action is what staff do about a reported target.
type Action string

// Actions. Moderators may dismiss, hide, delete, warn and mute; ban and
// cancel_activity need an admin.
const (
	ActionDismiss        Action = "dismiss"
	ActionHide           Action = "hide"
	ActionDelete         Action = "delete"
	ActionWarn           Action = "warn"
	ActionMute           Action = "mute"
	ActionBan            Action = "ban"
	ActionCancelActivity Action = "cancel_activity"
)

// Valid reports whether a is a known action.
func (a Action) Valid() bool {
	switch a {
	case ActionDismiss, ActionHide, ActionDelete, ActionWarn, ActionMute, ActionBan, ActionCancelActivity:
		return true
	}
	return false
}

// AdminOnly reports whether the action needs an admin (moderators may not).
func (a Action) AdminOnly() bool { return a == ActionBan || a == ActionCancelActivity }

// Ref names a reported target with its owner and place.
type Ref struct {
	Type     TargetType
	ID       string
	OwnerID  string
	ParentID string
}

// ReasonCount is how many open reports gave one reason.
type ReasonCount struct {
	Reason Reason
	Count  int
}

// QueueEntry is one reported target in the queue, its reports grouped.
type QueueEntry struct {
	Ref
	// ReportID is its latest report: resolving it resolves all of the
	// target's open reports.
	ReportID string
	Count    int
	Reasons  []ReasonCount
	// Snapshot is the latest report's snapshot.
	Snapshot string
	FirstAt  time.Time
	LastAt   time.Time
	// Flagged is set once the open reports reached the auto-hide
	// threshold; Hidden when the content was also taken down for review.
	Flagged bool
	Hidden  bool
}

// QueueFilter selects queue entries, newest report first.
type QueueFilter struct {
	Status     Status
	TargetType TargetType
	// After is the ReportID of the last entry of the previous page.
	After string
	Limit int
}

// Flag is a target whose open reports reached the auto-hide threshold.
type Flag struct {
	Hidden bool
}

// Resolution is one staff decision on a target's open reports.
type Resolution struct {
	ID       string
	Target   Ref
	Action   Action
	Note     string
	Until    *time.Time
	ActorID  string
	At       time.Time
	Restored bool
}

// AdminStore is the store side of the queue.
type AdminStore interface {
	// OpenCount counts the target's open reports (committed ones).
	OpenCount(ctx context.Context, t TargetType, id string) (int, error)
	// Flag marks the target flagged; false when it already was (a
	// unique key decides, so one caller of many racing wins).
	Flag(ctx context.Context, t TargetType, id string, at time.Time) (bool, error)
	// MarkHidden records that a flagged target's content was taken down.
	MarkHidden(ctx context.Context, t TargetType, id string) error
	// FlagOf returns the target's flag, nil when not flagged.
	FlagOf(ctx context.Context, t TargetType, id string) (*Flag, error)
	// Queue lists targets with reports in a state, grouped.
	Queue(ctx context.Context, f QueueFilter) ([]QueueEntry, error)
	// Report returns one report; ErrNotFound when there is none.
	Report(ctx context.Context, id string) (*Report, error)
	// Resolve, in one transaction: moves every open report of the target
	// to resolved (dismissed for a dismissal), stores the resolution,
	// drops the target's flag, writes the audit row and the
	// reports.resolved event. ErrNotOpen when no report was open.
	Resolve(ctx context.Context, r *Resolution) (*ResolvedEvent, error)
}

// TopicResolved is published once per resolution, for the notifications
// module to tell the reporters and the author.
const TopicResolved = "reports.resolved"

// ResolvedEvent is the payload of reports.resolved.
type ResolvedEvent struct {
	ResolutionID string     `json:"resolution_id"`
	TargetType   TargetType `json:"target_type"`
	TargetID     string     `json:"target_id"`
	// ReporterIDs are the reporters whose open reports it resolved.
	ReporterIDs []string `json:"reporter_ids"`
	// AuthorID is the target's owner ("" for a system message).
	AuthorID string     `json:"author_id"`
	Action   Action     `json:"action"`
	Note     string     `json:"note"`
	Until    *time.Time `json:"until,omitempty"`
	// Status is the reports' new status: resolved or dismissed.
	Status     Status    `json:"status"`
	ResolvedBy string    `json:"resolved_by"`
	ResolvedAt time.Time `json:"resolved_at"`
}

// Errors of the queue.
var (
	ErrNotFound      = errs.NotFound("report.not_found", "举报不存在")
	ErrNotOpen       = errs.Conflict("report.not_open", "该举报已处理")
	ErrBadAction     = errs.Invalid("report.invalid_action", "处理方式不正确")
	ErrBadStatus     = errs.Invalid("report.invalid_status", "举报状态不正确")
	ErrBadDuration   = errs.Invalid("report.invalid_duration", "禁言须为 1–30 天，封禁须为 1–3650 天或不填（永久）")
	ErrNoteTooLong   = errs.Invalid("report.note_too_long", "处理说明最多 200 字")
	ErrNoteRequired  = errs.Invalid("report.note_required", "封禁时请填写处理说明")
	ErrNotApplicable = errs.Invalid("report.action_not_applicable", "该处理方式不适用于此类举报对象")
	ErrNoAuthor      = errs.Invalid("report.no_author", "该内容没有可处理的作者")
	ErrAdminRequired = errs.Forbidden("report.admin_required", "封禁账号和取消活动需要管理员权限")
)
