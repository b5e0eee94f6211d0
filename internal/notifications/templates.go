package notifications

import "strings"

// template is the text of one type in one language; {name} placeholders
// are filled from the draft's parameters.
type template struct{ title, body string }

// texts is a type's templates: Chinese first, English as the fallback
// locale; channels is where it goes by default (the inbox always).
type texts struct {
	zh, en   template
	channels []Channel
}

// templates is the table of every type. A user without a locale reads
// Chinese.
var templates = map[Type]texts{
	TypeClubApproved: {
		zh:       template{"社团审核通过", "你创建的社团「{club_name}」已通过审核，快去邀请成员吧。"},
		en:       template{"Club approved", "Your club \"{club_name}\" has been approved."},
		channels: []Channel{ChannelWeChat, ChannelEmail},
	},
	TypeClubRejected: {
		zh:       template{"社团审核未通过", "你创建的社团「{club_name}」未通过审核。原因：{reason}"},
		en:       template{"Club not approved", "Your club \"{club_name}\" was not approved. Reason: {reason}"},
		channels: []Channel{ChannelWeChat, ChannelEmail},
	},
	TypeClubBanned: {
		zh:       template{"社团封禁通知", "你已被「{club_name}」封禁{until}。原因：{reason}"},
		en:       template{"Banned from a club", "You have been banned from \"{club_name}\". Reason: {reason}"},
		channels: []Channel{ChannelWeChat},
	},
	TypeApplicationApproved: {
		zh:       template{"入社申请已通过", "你加入「{club_name}」的申请已通过，欢迎加入！"},
		en:       template{"Application approved", "Your application to join \"{club_name}\" was approved. Welcome!"},
		channels: []Channel{ChannelWeChat},
	},
	TypeApplicationRejected: {
		zh:       template{"入社申请未通过", "你加入「{club_name}」的申请未通过。原因：{reason}"},
		en:       template{"Application declined", "Your application to join \"{club_name}\" was declined. Reason: {reason}"},
		channels: []Channel{ChannelWeChat},
	},
	TypeActivityFormed: {
		zh:       template{"活动已成局", "你报名的活动「{title}」已成局，群聊已开启，记得准时参加。"},
		en:       template{"Activity confirmed", "\"{title}\" has reached its minimum and will take place. The group chat is open."},
		channels: []Channel{ChannelWeChat, ChannelSMS},
	},
	TypeActivityReminder: {
		zh:       template{"活动即将开始", "你报名的活动「{title}」将于 {start} 开始，别忘了准时参加。"},
		en:       template{"Activity starting soon", "\"{title}\" starts at {start} (Beijing time). See you there!"},
		channels: []Channel{ChannelWeChat, ChannelSMS},
	},
	TypeActivityCancelled: {
		zh:       template{"活动已取消", "你报名的活动「{title}」已取消。原因：{reason}。已支付的费用将原路退回。"},
		en:       template{"Activity cancelled", "\"{title}\" has been cancelled. Reason: {reason}. Payments will be refunded."},
		channels: []Channel{ChannelWeChat, ChannelSMS},
	},
	TypeWaitlistOffered: {
		zh:       template{"候补名额已空出", "你候补的活动「{title}」有名额了，请在 {until} 前确认报名，逾期名额将顺延给下一位。"},
		en:       template{"A seat is yours to take", "A seat in \"{title}\" is free for you. Confirm by {until} (Beijing time) or it passes to the next person."},
		channels: []Channel{ChannelWeChat, ChannelSMS},
	},
	TypeContentApproved: {
		zh:       template{"内容审核通过", "你的{kind}「{subject}」已通过审核，现已公开。"},
		en:       template{"Approved", "Your {kind_en} \"{subject}\" has been approved and is now visible."},
		channels: []Channel{ChannelWeChat},
	},
	TypeContentRejected: {
		zh:       template{"内容审核未通过", "你的{kind}「{subject}」未通过审核。原因：{reason}"},
		en:       template{"Not approved", "Your {kind_en} \"{subject}\" was not approved. Reason: {reason}"},
		channels: []Channel{ChannelWeChat},
	},
	// Announcements go to the inbox only unless a user turns a channel on:
	// a broadcast must not spend the one-time WeChat subscriptions people
	// grant for their own activities, nor text or mail everyone.
	TypeAnnouncement: {
		zh: template{"{title}", "{summary}"},
		en: template{"Announcement: {title}", "{summary}"},
	},
	TypeReportResolved: {
		zh:       template{"举报处理结果", "你举报的{target}{result}，感谢你的反馈。"},
		en:       template{"Your report was reviewed", "Your report has been reviewed by our team. Thank you."},
		channels: []Channel{ChannelWeChat},
	},
	TypeContentActioned: {
		zh:       template{"违规处理通知", "你的{target}经举报核实违规，处理结果：{result}。说明：{note}"},
		en:       template{"Action on your content", "After a report, our team took action on your content. See the app for details."},
		channels: []Channel{ChannelWeChat, ChannelSMS},
	},
	TypePaymentSucceeded: {
		zh:       template{"支付成功", "订单 {order_no} 已支付 {amount} 元。"},
		en:       template{"Payment received", "Order {order_no}: {amount} CNY paid."},
		channels: []Channel{ChannelWeChat},
	},
	TypeRefundSucceeded: {
		zh:       template{"退款成功", "订单 {order_no} 的 {amount} 元已原路退回。"},
		en:       template{"Refund completed", "{amount} CNY of order {order_no} has been refunded."},
		channels: []Channel{ChannelWeChat, ChannelSMS},
	},
	TypeRefundFailed: {
		zh:       template{"退款未成功", "订单 {order_no} 的 {amount} 元退款未成功，客服会尽快处理。"},
		en:       template{"Refund failed", "The refund of {amount} CNY for order {order_no} failed; support will follow up."},
		channels: []Channel{ChannelWeChat, ChannelSMS},
	},
}

// render fills the type's template in the locale (English for "en",
// Chinese otherwise).
func render(t Type, locale string, params map[string]string) (title, body string) {
	tx := templates[t]
	tpl := tx.zh
	if strings.HasPrefix(strings.ToLower(locale), "en") && tx.en.title != "" {
		tpl = tx.en
	}
	pairs := make([]string, 0, 2*len(params))
	for k, v := range params {
		pairs = append(pairs, "{"+k+"}", v)
	}
	r := strings.NewReplacer(pairs...)
	return r.Replace(tpl.title), r.Replace(tpl.body)
}

// DefaultOn reports whether a type goes out on a channel when the user
// has not chosen.
func DefaultOn(t Type, c Channel) bool {
	for _, d := range templates[t].channels {
		if d == c {
			return true
		}
	}
	return false
}
