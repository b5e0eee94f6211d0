package activities

import "github.com/zuju/zuju/internal/platform/errs"

// Errors of the activities module.
var (
	ErrNotFound      = errs.NotFound("activity.not_found", "活动不存在")
	ErrTypeNotFound  = errs.NotFound("activity_type.not_found", "活动类型不存在")
	ErrTypeExists    = errs.Conflict("activity_type.exists", "活动类型已存在")
	ErrTypeInUse     = errs.Conflict("activity_type.in_use", "该类型下还有活动，不能删除")
	ErrUnknownType   = errs.Invalid("activity.unknown_type", "活动类型不存在")
	ErrInvalid       = errs.Invalid("activity.invalid", "活动信息填写不正确")
	ErrBadTransition = errs.Conflict("activity.bad_transition", "活动当前状态不允许该操作")
	ErrNotEditable   = errs.Conflict("activity.not_editable", "活动已成局、结束或取消，不能再修改")
	ErrNotOrganizer  = errs.Forbidden("activity.not_organizer", "只有活动组织者或管理员可以管理该活动")
	ErrCannotCreate  = errs.Forbidden("activity.cannot_create", "只有组织者或管理员可以创建活动")
	ErrPublishPast   = errs.Invalid("activity.deadline_passed", "报名截止时间已过，不能发布")
	ErrBadCursor     = errs.Invalid("activity.bad_cursor", "分页参数无效")
	// ErrLockedAfterSignup refuses changing the price or the member
	// restriction of an activity somebody signed up for (on those terms).
	ErrLockedAfterSignup = errs.Conflict("activity.locked_after_signup", "已有人报名，不能再修改价格或会员限制")
	ErrUnknownTag        = errs.Invalid("activity.unknown_tag", "标签不存在")
	// ErrUnknownClub refuses a club_id of no club.
	ErrUnknownClub = errs.Invalid("activity.unknown_club", "社团不存在")
	// ErrNotClubOfficer refuses a club activity by someone not its officer.
	ErrNotClubOfficer = errs.Forbidden("activity.not_club_officer", "只有社团负责人可以以社团名义发起活动")
	// ErrBadVisibility refuses a visibility other than public or members,
	// or members-only without a club.
	ErrBadVisibility = errs.Invalid("activity.invalid_visibility", "可见范围只能是 public（所有人）或 members（仅社团成员）")
	// ErrBlocked refuses a title or description the word filter blocks
	// (or would hold for review: activities are not queued).
	ErrBlocked = errs.Invalid("activity.blocked", "标题或介绍含有违规词语，请修改后再提交")
)

// Sign-up errors.
var (
	ErrAlreadySignedUp = errs.Conflict("signup.exists", "你已报名该活动")
	ErrSignupClosed    = errs.Conflict("signup.closed", "活动不在报名中或报名已截止")
	ErrSignupNotFound  = errs.NotFound("signup.not_found", "没有找到你的报名")
	ErrPaidNotYet      = errs.New(errs.KindUnavailable, "signup.paid_unavailable", "付费活动报名即将开放")
	// ErrSignupsPaused is the platform's switch turned off.
	ErrSignupsPaused = errs.Conflict("signup.paused", "平台暂停报名，请稍后再试")
	ErrOrganizerSelf = errs.Conflict("signup.organizer", "组织者无需报名自己的活动")
)

// ErrMembersOnly refuses a non-member on a member-only activity.
var ErrMembersOnly = errs.Forbidden("signup.members_only", "该活动仅限会员报名")

// ErrNoOffer answers accepting an offer that is not open (any more).
var ErrNoOffer = errs.Conflict("signup.no_offer", "没有待确认的候补名额，或名额已过期")

// Cover upload errors (the codes are those of every image upload).
var (
	ErrInvalidImage  = errs.New(errs.KindUnsupportedMedia, "file.invalid_image", "仅支持 JPEG、PNG 或 WebP 图片")
	ErrImageTooLarge = errs.New(errs.KindTooLarge, "file.too_large", "图片太大")
	ErrUploadsOff    = errs.New(errs.KindUnavailable, "file.unavailable", "暂时无法上传图片")
)

// Check-in errors.
var (
	ErrCheckInInvalidCode   = errs.Invalid("checkin.invalid_code", "签到码无效")
	ErrCheckInOtherActivity = errs.Invalid("checkin.wrong_activity", "该签到码不属于本活动")
	ErrCheckInNotOpen       = errs.Conflict("checkin.not_open", "签到尚未开始")
	ErrCheckInClosed        = errs.Conflict("checkin.closed", "签到已结束")
	ErrCheckInNotFormed     = errs.Conflict("checkin.not_formed", "活动尚未成局，不能签到")
	ErrCheckInNotConfirmed  = errs.Conflict("checkin.not_confirmed", "该报名未确认，不能签到")
	ErrAlreadyCheckedIn     = errs.Conflict("checkin.already", "该报名已签到")
)

// Paid sign-up errors.
var (
	// ErrPaymentUnavailable answers a paid sign-up whose order could not be
	// created; the held seat has been released again.
	ErrPaymentUnavailable = errs.New(errs.KindUnavailable, "signup.payment_unavailable", "暂时无法创建支付订单，名额未保留，请稍后再试")
	// ErrCancelClosed refuses giving up a seat too close to the start.
	ErrCancelClosed = errs.Conflict("signup.cancel_closed", "活动即将开始，不能再取消报名")
	// ErrSignupCheckedIn refuses giving up a seat its holder checked in with.
	ErrSignupCheckedIn = errs.Conflict("signup.checked_in", "你已签到，不能再取消报名")
)

// Discovery input errors.
var (
	ErrBadQuery     = errs.Invalid("activity.bad_query", "搜索词不能超过 50 个字，且不能包含控制字符")
	ErrBadLocation  = errs.Invalid("activity.bad_location", "请同时提供有效的纬度（-90 到 90）和经度（-180 到 180）")
	ErrBadRadius    = errs.Invalid("activity.bad_radius", "搜索半径需在 1 到 100 公里之间")
	ErrBadSort      = errs.Invalid("activity.bad_sort", "排序方式只能是 start_at、hot、distance 或 recommended")
	ErrNeedLocation = errs.Invalid("activity.location_required", "按距离排序需要提供位置（lat 和 lng）")
)
