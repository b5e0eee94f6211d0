import type { AdminOrder, OrderFilterStatus, OrderKind, RefundStatus } from '../api'
import type { TagType } from './roles'

export const ORDER_STATUSES: { value: Exclude<OrderFilterStatus, ''>; label: string; type: TagType }[] = [
  { value: 'pending', label: '待支付', type: 'warning' },
  { value: 'paid', label: '已支付', type: 'success' },
  { value: 'closed', label: '已关闭', type: 'info' },
  { value: 'refunding', label: '退款中', type: 'primary' },
  { value: 'partially_refunded', label: '部分退款', type: 'warning' },
  { value: 'refunded', label: '已退款', type: 'info' },
  // Not an order status: the orders with a failed refund.
  { value: 'refund_failed', label: '退款失败', type: 'danger' },
]
export const orderStatusOf = (s: string) => ORDER_STATUSES.find((x) => x.value === s)

export const ORDER_KINDS: { value: OrderKind; label: string }[] = [
  { value: 'activity_signup', label: '活动报名' },
  { value: 'membership', label: '会员' },
]
export const kindLabel = (k: string) => ORDER_KINDS.find((x) => x.value === k)?.label ?? k

const CHANNELS: Record<string, string> = { wechat: '微信支付', sandbox: '沙箱' }
export const channelLabel = (c: string) => (c ? (CHANNELS[c] ?? c) : '—')

export const REFUND_STATUSES: Record<RefundStatus, { label: string; type: TagType }> = {
  pending: { label: '处理中', type: 'primary' },
  succeeded: { label: '已退款', type: 'success' },
  failed: { label: '失败', type: 'danger' },
}

/** What may still be refunded: paid, less what was refunded or is being refunded. */
export function refundable(o: AdminOrder): number {
  if (o.status === 'pending' || o.status === 'closed') return 0
  return Math.max(0, o.amount_fen - o.refunded_fen - o.refunding_fen)
}

/** The latest failed refund of an order, if any. */
export function lastFailedRefund(o: AdminOrder) {
  // Failed refunds, and refunds in flight kept for staff to verify (their
  // amount stays reserved; the reason says what to check).
  const failed = (o.refunds ?? []).filter((r) => r.status === 'failed' || (r.status === 'pending' && !!r.failure_reason))
  return failed.length ? failed.reduce((a, b) => (b.created_at > a.created_at ? b : a)) : null
}
