package admin

import "github.com/zuju/zuju/internal/platform/errs"

// Errors of the admin module.
var (
	ErrAnnouncementNotFound = errs.NotFound("announcement.not_found", "公告不存在")
	ErrBadTitle             = errs.Invalid("announcement.invalid_title", "公告标题需 1–100 个字")
	ErrBadContent           = errs.Invalid("announcement.invalid_content", "公告内容需 1–10000 个字")
	ErrBadAudience          = errs.Invalid("announcement.invalid_audience", "公告对象只能是 all、h5 或 admin")
	ErrBadWindow            = errs.Invalid("announcement.invalid_window", "公告结束时间须晚于开始时间")
	ErrAlreadyPublished     = errs.Conflict("announcement.already_published", "公告已发布")
	ErrNotPublished         = errs.Conflict("announcement.not_published", "公告尚未发布")
	ErrEnded                = errs.Conflict("announcement.ended", "公告的结束时间已过，请先修改结束时间")

	ErrConfigNotFound = errs.NotFound("config.not_found", "没有这个配置项")
	// ErrConfigInvalid is answered with 422 (see adminhttp).
	ErrConfigInvalid = errs.Invalid("config.invalid_value", "配置值不合法")

	ErrStatsBadDate      = errs.Invalid("stats.invalid_date", "日期格式应为 YYYY-MM-DD，例如 2026-05-01")
	ErrStatsBadRange     = errs.Invalid("stats.invalid_range", "开始日期不能晚于结束日期")
	ErrStatsRangeTooLong = errs.Invalid("stats.range_too_long", "统计区间最长 366 天")
)
