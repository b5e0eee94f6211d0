// The 首页 discovery filters: kept in the URL (so back from a detail page,
// reload and sharing keep them) and turned into the list's API query.
import type { LocationQuery } from 'vue-router'
import type { ActivityQuery } from '../api'
import type { Position } from './geo'

export type Sort = 'start_at' | 'hot' | 'distance' | 'recommended'
export type Price = '' | 'free' | 'paid'
export type Member = '' | 'true' | 'false'

export interface Filters {
  q: string
  city: string
  typeId: string
  tagId: string
  /** YYYY-MM-DD, local dates, both inclusive. */
  from: string
  to: string
  price: Price
  member: Member
  sort: Sort
  /** km around the caller; 0 = not limited to nearby (distance sort then uses DEFAULT_RADIUS). */
  radius: number
}

export const SORTS: { value: Sort; label: string }[] = [
  { value: 'start_at', label: '开始时间' },
  { value: 'hot', label: '热门' },
  { value: 'distance', label: '距离' },
  { value: 'recommended', label: '推荐' },
]

export const RADII = [1, 3, 5, 10, 20, 50]
/** What the server uses without radius_km. */
export const DEFAULT_RADIUS = 10
export const MAX_QUERY = 50

export function emptyFilters(): Filters {
  return { q: '', city: '', typeId: '', tagId: '', from: '', to: '', price: '', member: '', sort: 'start_at', radius: 0 }
}

const str = (v: unknown) => (typeof v === 'string' ? v : '')
const isDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(new Date(s + 'T00:00:00').getTime())

export function fromQuery(q: LocationQuery): Filters {
  const f = emptyFilters()
  f.q = str(q.q).slice(0, MAX_QUERY)
  f.city = str(q.city).slice(0, 30)
  f.typeId = str(q.type)
  f.tagId = str(q.tag)
  f.from = isDate(str(q.from)) ? str(q.from) : ''
  f.to = isDate(str(q.to)) ? str(q.to) : ''
  if (f.from && f.to && f.to < f.from) f.to = ''
  const price = str(q.price)
  f.price = price === 'free' || price === 'paid' ? price : ''
  const member = str(q.member)
  f.member = member === 'true' || member === 'false' ? member : ''
  const sort = str(q.sort)
  f.sort = SORTS.some((s) => s.value === sort) ? (sort as Sort) : 'start_at'
  const r = Number(str(q.radius))
  f.radius = RADII.includes(r) ? r : 0
  return f
}

export function toQuery(f: Filters): Record<string, string> {
  const out: Record<string, string> = {}
  if (f.q) out.q = f.q
  if (f.city) out.city = f.city
  if (f.typeId) out.type = f.typeId
  if (f.tagId) out.tag = f.tagId
  if (f.from) out.from = f.from
  if (f.to) out.to = f.to
  if (f.price) out.price = f.price
  if (f.member) out.member = f.member
  if (f.sort !== 'start_at') out.sort = f.sort
  if (f.radius) out.radius = String(f.radius)
  return out
}

/** Whether the list needs the caller's position. */
export function needsLocation(f: Filters): boolean {
  return f.sort === 'distance' || f.radius > 0
}

/** The number of filters set in the sheet (the search box and the sort not counted). */
export function filterCount(f: Filters): number {
  return [f.city, f.typeId, f.tagId, f.from || f.to, f.price, f.member, f.radius].filter(Boolean).length
}

const dayStart = (d: string) => new Date(d + 'T00:00:00')

/** The list's API query (position only when the filters need it). */
export function apiQuery(f: Filters, pos: Position | null, cursor: string, limit = 10): ActivityQuery {
  const q: ActivityQuery = { limit }
  if (f.q) q.q = f.q
  if (f.city) q.city = f.city
  if (f.typeId) q.type_id = f.typeId
  if (f.tagId) q.tag_id = f.tagId
  if (f.from) q.from = dayStart(f.from).toISOString()
  if (f.to) {
    const end = dayStart(f.to)
    end.setDate(end.getDate() + 1)
    q.to = end.toISOString()
  }
  if (f.price) q.price = f.price
  if (f.member) q.member_only = f.member
  if (f.sort !== 'start_at') q.sort = f.sort
  if (pos && needsLocation(f)) {
    q.lat = Math.round(pos.lat * 1e5) / 1e5
    q.lng = Math.round(pos.lng * 1e5) / 1e5
    q.radius_km = f.radius || DEFAULT_RADIUS
  }
  if (cursor) q.cursor = cursor
  return q
}

const pad = (n: number) => String(n).padStart(2, '0')
/** YYYY-MM-DD of a local date. */
export function ymd(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** 12月5日, or 12月5日–12月8日, or 12月5日起. */
export function dateRangeLabel(from: string, to: string): string {
  const md = (s: string) => {
    const d = dayStart(s)
    return `${d.getMonth() + 1}月${d.getDate()}日`
  }
  if (from && to) return from === to ? md(from) : `${md(from)}–${md(to)}`
  if (from) return `${md(from)}起`
  if (to) return `${md(to)}前`
  return ''
}

/** Quick date choices of the filter sheet, as [from, to] local dates. */
export function quickDates(now = new Date()): { key: string; label: string; from: string; to: string }[] {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate())
  const add = (d: Date, n: number) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n)
  const dow = today.getDay() // 0 = Sunday
  const sat = dow === 0 ? add(today, -1) : add(today, 6 - dow)
  const sun = add(sat, 1)
  return [
    { key: 'today', label: '今天', from: ymd(today), to: ymd(today) },
    { key: 'tomorrow', label: '明天', from: ymd(add(today, 1)), to: ymd(add(today, 1)) },
    { key: 'weekend', label: '本周末', from: ymd(dow === 0 ? today : sat), to: ymd(sun) },
    { key: 'week', label: '未来 7 天', from: ymd(today), to: ymd(add(today, 6)) },
  ]
}
