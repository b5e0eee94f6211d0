import type { ReportAction, ReportEntry, ReportReason, ReportStatus, ReportTargetType } from '../api'

export const TARGET_TYPES: { value: ReportTargetType; label: string }[] = [
  { value: 'user', label: '用户' },
  { value: 'activity', label: '活动' },
  { value: 'post', label: '帖子' },
  { value: 'comment', label: '评论' },
  { value: 'message', label: '聊天消息' },
  { value: 'club', label: '社团' },
]

export function targetLabel(t: string): string {
  return TARGET_TYPES.find((x) => x.value === t)?.label ?? t
}

export const REPORT_STATUSES: { value: ReportStatus; label: string }[] = [
  { value: 'open', label: '待处理' },
  { value: 'resolved', label: '已处理' },
  { value: 'dismissed', label: '已驳回' },
]

const REASONS: Record<ReportReason, string> = {
  spam: '垃圾广告',
  fraud: '诈骗',
  harassment: '骚扰辱骂',
  porn: '色情低俗',
  violence: '暴力',
  illegal: '违法',
  false_info: '虚假信息',
  other: '其他',
}

export function reasonLabel(r: string): string {
  return REASONS[r as ReportReason] ?? r
}

/** The longest mute and ban the server takes (days). */
export const MAX_MUTE_DAYS = 30
export const MAX_BAN_DAYS = 3650
export const MAX_NOTE = 200

export interface ActionOption {
  value: ReportAction
  label: string
  hint: string
  /** Needs an admin (moderators are refused). */
  admin?: boolean
}

const HIDEABLE: readonly string[] = ['post', 'comment', 'message']

/**
 * The resolutions that apply to a reported target, as the server decides
 * them: content can be hidden or deleted, its author warned, muted or
 * banned, an activity cancelled.
 */
export function actionsFor(e: Pick<ReportEntry, 'target_type' | 'target_owner_id'>): ActionOption[] {
  const out: ActionOption[] = [{ value: 'dismiss', label: '驳回举报', hint: '未发现违规；被自动隐藏的帖子或评论会重新公开' }]
  const message = e.target_type === 'message'
  if (HIDEABLE.includes(e.target_type)) {
    out.push({ value: 'hide', label: message ? '撤回消息' : '隐藏内容', hint: message ? '从群聊中撤回该消息' : '下架并转入内容审核，作者可见原因' })
    out.push({ value: 'delete', label: message ? '删除消息' : '删除内容', hint: '删除后无法恢复' })
  }
  if (e.target_owner_id) {
    out.push({ value: 'warn', label: '警告', hint: '记录一次警告并通知对方' })
    out.push({ value: 'mute', label: '禁言', hint: `在其当前所在的群聊中禁言 1–${MAX_MUTE_DAYS} 天` })
    out.push({ value: 'ban', label: '封禁账号', hint: '立即下线并禁止登录，可设天数或永久', admin: true })
  }
  if (e.target_type === 'activity') {
    out.push({ value: 'cancel_activity', label: '取消活动', hint: '取消活动，已付款的报名全部退款', admin: true })
  }
  return out
}

export function actionLabel(a: string): string {
  const all: Record<string, string> = {
    dismiss: '驳回举报',
    hide: '隐藏',
    delete: '删除',
    warn: '警告',
    mute: '禁言',
    ban: '封禁账号',
    cancel_activity: '取消活动',
  }
  return all[a] ?? a
}

/** Where the H5 app shows a target ('' when it has no page of its own). */
export function targetPath(e: Pick<ReportEntry, 'target_type' | 'target_id' | 'target_parent_id'>): string {
  switch (e.target_type) {
    case 'activity':
      return '/activities/' + e.target_id
    case 'post':
      return '/posts/' + e.target_id
    case 'comment':
      return e.target_parent_id ? '/posts/' + e.target_parent_id : ''
    case 'club':
      return '/clubs/' + e.target_id
    default:
      return ''
  }
}
