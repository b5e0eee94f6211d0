// Chat helpers shared by the rooms list, the room and the store: the
// WebSocket frames (GET /api/v1/chat/ws, README "Chat"; not part of the
// OpenAPI spec, so described here), previews and time labels.
import type { ChatMessage } from '../api'

/** A room in the ready frame. */
export interface ReadyRoom {
  id: string
  last_seq: number
  unread: number
}

/** Server → client frames. */
export type ServerFrame =
  | { type: 'message'; message: ChatMessage }
  | { type: 'ack'; client_id: string; message: ChatMessage }
  | { type: 'error'; code: string; detail: string; client_id?: string }
  | { type: 'pong' }
  | { type: 'system'; event: 'ready'; rooms?: ReadyRoom[] }
  | { type: 'system'; event: 'resumed'; room_id: string }
  | { type: 'system'; event: 'joined' | 'removed'; room_id: string }
  | { type: 'system'; event: 'deleted'; room_id: string; message_id: string }
  | { type: 'system'; event: 'muted'; room_id: string; user_id: string; muted_until?: string | null }

/** Client → server frames. */
export type ClientFrame =
  | { type: 'send'; room_id: string; content: string; client_id: string }
  | { type: 'read'; room_id: string; message_id: string }
  | { type: 'ping' }
  | { type: 'resume'; room_id: string; message_id: string }
  | { type: 'resume'; room_id: string; after_seq: number }

/** The longest message the server takes (characters). */
export const MAX_CHAT_CHARS = 1000

/** Mute lengths the organizer offers. */
export const MUTE_CHOICES = [
  { name: '禁言 10 分钟', minutes: 10 },
  { name: '禁言 1 小时', minutes: 60 },
  { name: '禁言 1 天', minutes: 24 * 60 },
] as const

/** Reasons offered when reporting a message. */
export const REPORT_REASONS = ['垃圾广告', '色情低俗', '违法违规', '人身攻击', '诈骗', '其他'] as const

/** A message on screen: a stored one (status sent) or one of mine still on its way. */
export interface ChatItem extends ChatMessage {
  status: 'sent' | 'sending' | 'failed'
  /** Stable key for v-for: the client id of my messages (kept across the ack), else the id. */
  key: string
}

/** A system message: no sender. */
export function isSystem(m: Pick<ChatMessage, 'kind' | 'sender'>): boolean {
  return m.kind === 'system' || !m.sender
}

/** The characters of a text as the server counts them (code points). */
export function charCount(s: string): number {
  return Array.from(s).length
}

/** The line under a room in the list: 「小王：周六见」, the system text, 「消息已撤回」. */
export function previewOf(m: ChatMessage | null | undefined, meId = ''): string {
  if (!m) return '群聊已创建，打个招呼吧'
  if (m.deleted) return '消息已撤回'
  if (isSystem(m)) return m.content
  const who = m.sender?.id === meId ? '我' : m.sender?.nickname || '成员'
  return `${who}：${m.content.replace(/\s+/g, ' ')}`
}

const pad = (n: number) => String(n).padStart(2, '0')
const weekdays = ['日', '一', '二', '三', '四', '五', '六']
const dayStart = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime()

/** For the rooms list: 14:05 today, 昨天, 周三 within the week, 3月1日, 2025/3/1. */
export function formatListTime(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const days = Math.round((dayStart(now) - dayStart(d)) / 86_400_000)
  if (days <= 0) return `${pad(d.getHours())}:${pad(d.getMinutes())}`
  if (days === 1) return '昨天'
  if (days < 7) return `周${weekdays[d.getDay()]}`
  if (d.getFullYear() === now.getFullYear()) return `${d.getMonth() + 1}月${d.getDate()}日`
  return `${d.getFullYear()}/${d.getMonth() + 1}/${d.getDate()}`
}

/** Between messages: 14:05, 昨天 14:05, 周三 14:05, 3月1日 14:05, 2025年3月1日 14:05. */
export function formatChatTime(iso: string, now = new Date()): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`
  const days = Math.round((dayStart(now) - dayStart(d)) / 86_400_000)
  if (days <= 0) return hm
  if (days === 1) return `昨天 ${hm}`
  if (days < 7) return `周${weekdays[d.getDay()]} ${hm}`
  if (d.getFullYear() === now.getFullYear()) return `${d.getMonth() + 1}月${d.getDate()}日 ${hm}`
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 ${hm}`
}

/** A time label goes above a message 5 minutes or more after the one before it. */
export function needsTimeLabel(prev: Pick<ChatMessage, 'created_at'> | undefined, cur: Pick<ChatMessage, 'created_at'>): boolean {
  if (!prev) return true
  return new Date(cur.created_at).getTime() - new Date(prev.created_at).getTime() >= 5 * 60_000
}

/** 03-01 14:05: until when a mute lasts. */
export function formatMutedUntil(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** Whether a mute is still on at `now` (ms). */
export function mutedAt(until: string | null | undefined, now: number): boolean {
  if (!until) return false
  const t = new Date(until).getTime()
  return !Number.isNaN(t) && t > now
}

/** 99+ for badges. */
export function badgeText(n: number): string | undefined {
  if (!n || n < 0) return undefined
  return n > 99 ? '99+' : String(n)
}
