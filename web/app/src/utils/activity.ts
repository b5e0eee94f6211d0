import { ref } from 'vue'
import { api } from '../api'
import type { ActivityStatus, ActivityType, Signup, SignupStatus } from '../api'

export const statusLabels: Record<ActivityStatus, string> = {
  draft: '草稿',
  published: '报名中',
  formed: '已成局',
  finished: '已结束',
  cancelled: '已取消',
}

/** Vant tag colours for each status. */
export const statusTagType: Record<ActivityStatus, 'default' | 'primary' | 'success' | 'warning' | 'danger'> = {
  draft: 'default',
  published: 'primary',
  formed: 'success',
  finished: 'default',
  cancelled: 'danger',
}

export const signupStatusLabels: Record<SignupStatus, string> = {
  pending_payment: '待支付',
  confirmed: '已报名',
  waitlisted: '候补中',
  offered: '候补名额待确认',
  cancelled: '已取消',
  refunded: '已退款',
  checked_in: '已签到',
  no_show: '未到场',
}

/** Sign-ups that still hold (or wait for) a seat. */
export function activeSignup(s: Signup | null | undefined): boolean {
  return !!s && !['cancelled', 'refunded'].includes(s.status)
}

/** The sign-up of the caller to show on an activity: the active one, else the latest ended one. */
export function currentSignup(list: readonly Signup[], activityId: string): Signup | null {
  const mine = list.filter((s) => s.activity_id === activityId)
  return mine.find(activeSignup) ?? mine[0] ?? null
}

/** Sign-ups their owner may still cancel (a check-in or a no-show is final). */
export function cancellable(s: Signup | null | undefined): boolean {
  return !!s && ['pending_payment', 'confirmed', 'waitlisted', 'offered'].includes(s.status)
}

/** 已报名, 候补第 3 位, … */
export function signupLabel(s: Signup): string {
  if (s.status === 'waitlisted') return s.position > 0 ? `候补第 ${s.position} 位` : '候补中'
  return signupStatusLabels[s.status] ?? s.status
}

/** ¥25.00 (also for 0: refunds and amounts, where 免费 would be wrong). */
export function formatYuan(fen: number): string {
  return '¥' + (fen / 100).toFixed(2)
}

/** ¥25.00, or 免费 for 0. */
export function formatPrice(fen: number): string {
  if (!fen) return '免费'
  return '¥' + (fen / 100).toFixed(2)
}

const pad = (n: number) => String(n).padStart(2, '0')
const weekdays = ['日', '一', '二', '三', '四', '五', '六']

/** 3月1日 周六 14:00 (the year too when it is not this year), local time. */
export function formatWhen(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const year = d.getFullYear() !== now.getFullYear() ? `${d.getFullYear()}年` : ''
  return `${year}${d.getMonth() + 1}月${d.getDate()}日 周${weekdays[d.getDay()]} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** 3月1日 周六 14:00 – 17:00, or with the end date when it ends on another day. */
export function formatRange(start: string, end: string): string {
  const s = new Date(start)
  const e = new Date(end)
  if (Number.isNaN(s.getTime()) || Number.isNaN(e.getTime())) return formatWhen(start)
  const sameDay = s.toDateString() === e.toDateString()
  return `${formatWhen(start)} – ${sameDay ? `${pad(e.getHours())}:${pad(e.getMinutes())}` : formatWhen(end)}`
}

/** A value for <input type="datetime-local"> from a Date. */
export function toLocalInput(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** Organizers and staff above them may create activities. */
export function canOrganize(roles: readonly string[] | null | undefined): boolean {
  return (roles ?? []).some((r) => r === 'organizer' || r === 'admin' || r === 'super_admin')
}

// The activity types, loaded once per page load and shared by every view.
const types = ref<ActivityType[]>([])
let typesPending: Promise<ActivityType[]> | null = null

export function useActivityTypes() {
  function load(): Promise<ActivityType[]> {
    if (types.value.length) return Promise.resolve(types.value)
    typesPending ??= api
      .activityTypes()
      .then((t) => {
        types.value = t.slice().sort((a, b) => a.sort - b.sort)
        return types.value
      })
      .finally(() => {
        typesPending = null
      })
    return typesPending
  }
  function typeName(id: string): string {
    return types.value.find((t) => t.id === id)?.name ?? ''
  }
  return { types, load, typeName }
}
