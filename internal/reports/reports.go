// Package reports files what people report: users, activities, posts,
// comments, chat messages and clubs, once per reporter and target, with a
// snapshot of the reported content and its owner as they were at report
// time. Staff work through a queue of reported targets (counts, reasons,
// the latest snapshot), resolve a target's open reports with an action
// carried out by the module that owns it (Actions), and content reported
// often enough is hidden pending review before anyone looks (auto-hide).
package reports

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zuju/zuju/internal/platform/errs"
)

// TargetType is the kind of thing reported.
type TargetType string

// Target types.
const (
	TargetUser     TargetType = "user"
	TargetActivity TargetType = "activity"
	TargetPost     TargetType = "post"
	TargetComment  TargetType = "comment"
	TargetMessage  TargetType = "message"
	TargetClub     TargetType = "club"
)

// TargetTypes lists every target type.
func TargetTypes() []TargetType {
	return []TargetType{TargetUser, TargetActivity, TargetPost, TargetComment, TargetMessage, TargetClub}
}

// Valid reports whether t is a known target type.
func (t TargetType) Valid() bool {
	for _, k := range TargetTypes() {
		if t == k {
			return true
		}
	}
	return false
}

// Reason is why something is reported, from a fixed list.
type Reason string

// Reasons.
const (
	ReasonSpam       Reason = "spam"
	ReasonFraud      Reason = "fraud"
	ReasonHarassment Reason = "harassment"
	ReasonPorn       Reason = "porn"
	ReasonViolence   Reason = "violence"
	ReasonIllegal    Reason = "illegal"
	ReasonFalseInfo  Reason = "false_info"
	ReasonOther      Reason = "other"
)

// ReasonInfo is a reason with the label apps show for it.
type ReasonInfo struct {
	Code  Reason
	Label string
	// Aliases are other labels apps have used for it (the chat's report
	// sheet).
	Aliases []string
}

// Reasons lists the reasons in the order apps offer them.
func Reasons() []ReasonInfo {
	return []ReasonInfo{
		{Code: ReasonSpam, Label: "垃圾广告", Aliases: []string{"广告", "垃圾信息"}},
		{Code: ReasonFraud, Label: "诈骗", Aliases: []string{"欺诈"}},
		{Code: ReasonHarassment, Label: "骚扰辱骂", Aliases: []string{"人身攻击", "辱骂", "骚扰"}},
		{Code: ReasonPorn, Label: "色情低俗", Aliases: []string{"色情"}},
		{Code: ReasonViolence, Label: "暴力", Aliases: []string{"暴力血腥"}},
		{Code: ReasonIllegal, Label: "违法", Aliases: []string{"违法违规"}},
		{Code: ReasonFalseInfo, Label: "虚假信息", Aliases: []string{"谣言"}},
		{Code: ReasonOther, Label: "其他", Aliases: []string{"其它"}},
	}
}

// Valid reports whether r is one of the reasons.
func (r Reason) Valid() bool {
	for _, k := range Reasons() {
		if r == k.Code {
			return true
		}
	}
	return false
}

// ParseReason reads a free-text reason such as the chat's report sheet
// sends ("垃圾广告", "人身攻击：他一直骂人", "spam"): a known label or code,
// optionally followed by "：" or ":" and more words, gives that reason with
// the rest as detail; anything else is ReasonOther with the whole text as
// detail.
func ParseReason(text string) (Reason, string) {
	text = strings.TrimSpace(text)
	head, rest := text, ""
	if i := strings.IndexAny(text, "：:"); i >= 0 {
		head = strings.TrimSpace(text[:i])
		_, size := utf8.DecodeRuneInString(text[i:])
		rest = strings.TrimSpace(text[i+size:])
	}
	for _, r := range Reasons() {
		if head == string(r.Code) || head == r.Label {
			return r.Code, rest
		}
		for _, a := range r.Aliases {
			if head == a {
				return r.Code, rest
			}
		}
	}
	return ReasonOther, text
}

// Status is where a report stands.
type Status string

// States: every report is filed open; the operations side resolves
// (action taken) or dismisses it.
const (
	StatusOpen      Status = "open"
	StatusResolved  Status = "resolved"
	StatusDismissed Status = "dismissed"
)

// Report is one person's report of one target.
type Report struct {
	ID         string
	ReporterID string
	TargetType TargetType
	TargetID   string
	// TargetOwnerID is who the target belongs to: the user themself, an
	// activity's organizer, a post's, comment's or message's author, a
	// club's owner ("" for a system message).
	TargetOwnerID string
	// TargetParentID places the target: a message's room, a comment's
	// post, a club post's club ("" otherwise).
	TargetParentID string
	Reason         Reason
	Detail         string
	// Snapshot is the reported content as the reporter saw it, cut to
	// MaxSnapshotRunes.
	Snapshot  string
	Status    Status
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Cursor is a position in a reporter's list (newest first).
type Cursor struct {
	CreatedAt time.Time
	ID        string
}

// Store keeps reports.
type Store interface {
	// Create stores an open report; ErrDuplicate when the reporter
	// reported the target before (a unique index decides, so racing
	// reports store one row).
	Create(ctx context.Context, r *Report) error
	// ByReporter lists a reporter's reports, newest first, after a
	// position (nil: from the start).
	ByReporter(ctx context.Context, reporterID string, after *Cursor, limit int) ([]Report, error)
}

// Errors of the module.
var (
	ErrBadTargetType  = errs.Invalid("report.invalid_target_type", "举报对象类型不正确")
	ErrBadTargetID    = errs.Invalid("report.invalid_target_id", "举报对象不正确")
	ErrBadReason      = errs.Invalid("report.invalid_reason", "请选择举报原因")
	ErrDetailRequired = errs.Invalid("report.detail_required", "选择“其他”时请填写举报说明")
	ErrDetailTooLong  = errs.Invalid("report.detail_too_long", "举报说明最多 500 字")
	ErrBadCursor      = errs.Invalid("report.invalid_cursor", "分页游标无效")
	ErrSelf           = errs.Invalid("report.self", "不能举报自己或自己发布的内容")
	ErrTargetNotFound = errs.NotFound("report.target_not_found", "举报的内容不存在或已被删除")
	ErrDuplicate      = errs.Conflict("report.duplicate", "你已经举报过了，我们会尽快处理")
	ErrRateLimited    = errs.RateLimited("report.rate_limited", "举报太频繁，请稍后再试", 0)
)
