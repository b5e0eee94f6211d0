package notifications

import "github.com/zuju/zuju/internal/platform/errs"

// Errors of the module.
var (
	ErrNotFound   = errs.NotFound("notification.not_found", "通知不存在")
	ErrBadCursor  = errs.Invalid("notification.invalid_cursor", "分页游标无效")
	ErrBadIDs     = errs.Invalid("notification.invalid_ids", "请指定要标记的通知，或选择全部标记为已读")
	ErrBadType    = errs.Invalid("notification.invalid_type", "通知类型不正确")
	ErrBadChannel = errs.Invalid("notification.invalid_channel", "通知渠道不正确")
	ErrNoAddress  = errs.Invalid("notification.no_address", "用户没有该渠道的联系方式")
)
