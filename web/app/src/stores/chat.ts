import { defineStore } from 'pinia'
import { computed, reactive, ref, watch } from 'vue'
import { showFailToast } from 'vant'
import 'vant/es/toast/style'
import { ApiError, api, idempotencyKey } from '../api'
import { API_BASE } from '../api/http'
import type { ChatMessage, ChatRoom } from '../api'
import { useAuthStore } from './auth'
import type { ChatItem, ClientFrame, ReadyRoom, ServerFrame } from '../utils/chat'

/** What the socket is doing: idle (not wanted), connecting, open, or waiting to reconnect. */
export type ChatConnection = 'idle' | 'connecting' | 'open' | 'reconnecting'

/** Everything known about one room. */
export interface RoomState {
  id: string
  /** From GET /chat/rooms (title, read-only, last message); null until listed. */
  summary: ChatRoom | null
  /** Stored messages, one per id, sorted by seq. */
  messages: ChatItem[]
  /** My messages still on their way (sending) or refused (failed), in the order written. */
  pending: ChatItem[]
  /** The first page of history came. */
  loaded: boolean
  /** next_cursor for older messages ('' when there are none). */
  cursor: string
  /** The newest message number known (ready frame, list, messages). */
  lastSeq: number
  unread: number
  /** The newest message number marked read from here. */
  readSeq: number
  /** My mute in this room (undefined: not known yet). */
  mutedUntil: string | null | undefined
  /** I am no longer a member (removed or left). */
  removed: boolean
}

/** Room events views react to. */
export type RoomEvent =
  | { type: 'removed'; roomId: string }
  | { type: 'muted'; roomId: string; userId: string; mutedUntil: string | null; me: boolean }
  | { type: 'system'; roomId: string }

const PING_EVERY = 25_000
/** No frame this long after a ping: the connection is dead, reconnect. */
const PONG_WAIT = 10_000
/** A message without an ack after this long is shown as failed (retry sends it again, stored once). */
const ACK_WAIT = 20_000
const BACKOFF_MAX = 30_000

function toItem(m: ChatMessage): ChatItem {
  return { ...m, sender: m.sender ?? null, status: 'sent', key: m.id } as ChatItem
}

/**
 * The chat of the signed-in user: one WebSocket for all their rooms
 * (connected on demand, reconnected with backoff and a fresh ticket, rooms
 * resumed after the last message seen so nothing is lost), the rooms and
 * their messages (deduplicated by id, sorted by seq), and my optimistic
 * sends (a client id, 发送中 until the ack, 发送失败 with retry).
 */
export const useChatStore = defineStore('chat', () => {
  const auth = useAuthStore()

  const rooms = reactive<Record<string, RoomState>>({})
  /** The rooms list came at least once. */
  const listed = ref(false)
  const connection = ref<ChatConnection>('idle')
  /** The room on screen (its messages count as read while visible). */
  const activeRoom = ref('')

  const meId = computed(() => auth.user?.id ?? '')

  /** Rooms of the list, newest activity first. */
  const roomList = computed(() =>
    Object.values(rooms)
      .filter((r) => r.summary && !r.removed)
      .sort((a, b) => activityAt(b) - activityAt(a)),
  )
  const totalUnread = computed(() => Object.values(rooms).reduce((n, r) => n + (r.removed ? 0 : r.unread), 0))

  function activityAt(r: RoomState): number {
    const iso = latest(r)?.created_at || r.summary?.created_at
    return iso ? new Date(iso).getTime() : 0
  }

  /** The newest message of a room: loaded, or the list's last message. */
  function latest(r: RoomState): ChatMessage | null {
    const last = r.messages[r.messages.length - 1]
    const listedLast = (r.summary?.last_message as ChatMessage | null | undefined) ?? null
    if (last && (!listedLast || last.seq >= listedLast.seq)) return last
    return listedLast
  }

  function room(id: string): RoomState {
    let r = rooms[id]
    if (!r) {
      rooms[id] = {
        id,
        summary: null,
        messages: [],
        pending: [],
        loaded: false,
        cursor: '',
        lastSeq: 0,
        unread: 0,
        readSeq: 0,
        mutedUntil: undefined,
        removed: false,
      }
      r = rooms[id]
    }
    return r
  }

  // ------------------------------------------------------------- listeners

  const listeners = new Set<(e: RoomEvent) => void>()
  function onRoomEvent(fn: (e: RoomEvent) => void): () => void {
    listeners.add(fn)
    return () => listeners.delete(fn)
  }
  function emit(e: RoomEvent) {
    for (const fn of listeners) fn(e)
  }

  // ---------------------------------------------------------------- rooms

  let listing: Promise<void> | null = null
  /** Bumped on sign-out: answers for the previous account are dropped. */
  let epoch = 0
  /** Loads the rooms list (titles, unread counts, last messages). */
  function loadRooms(): Promise<void> {
    const e = epoch
    listing ??= api
      .chatRooms()
      .then((list) => {
        if (e !== epoch) return
        const seen = new Set<string>()
        for (const s of list) {
          seen.add(s.id)
          const r = room(s.id)
          r.summary = s
          r.removed = false
          if (s.last_seq > r.lastSeq) r.lastSeq = s.last_seq
          r.unread = activeRoom.value === s.id ? 0 : s.unread
        }
        for (const r of Object.values(rooms)) if (r.summary && !seen.has(r.id)) r.summary = null
        listed.value = true
      })
      .finally(() => {
        listing = null
      })
    return listing
  }

  /** Puts a stored message in its room: once per id, in seq order; true when it is new. */
  function insert(r: RoomState, m: ChatMessage): boolean {
    const item = toItem(m)
    // Mine: the pending copy goes (the key stays, so the bubble does not flicker).
    if (m.client_id && m.sender?.id === meId.value) {
      const i = r.pending.findIndex((p) => p.client_id === m.client_id)
      if (i >= 0) {
        item.key = r.pending[i].key
        r.pending.splice(i, 1)
      }
    }
    const list = r.messages
    let lo = 0
    let hi = list.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (list[mid].seq < m.seq) lo = mid + 1
      else hi = mid
    }
    if (list[lo]?.id === m.id) {
      const cur = list[lo]
      if (m.deleted && !cur.deleted) list.splice(lo, 1, { ...cur, deleted: true, content: '' })
      return false
    }
    list.splice(lo, 0, item)
    if (m.seq > r.lastSeq) r.lastSeq = m.seq
    return true
  }

  /** The newest stored message of a room. */
  function newest(r: RoomState): ChatItem | undefined {
    return r.messages[r.messages.length - 1]
  }

  /** A message that came live (socket, or my HTTP send). */
  function received(m: ChatMessage) {
    const r = room(m.room_id)
    const beyond = m.seq > r.lastSeq
    if (!insert(r, m)) return
    if (r.summary && m.seq >= r.summary.last_seq) {
      r.summary.last_message = m
      r.summary.last_seq = m.seq
    }
    // Counted only past what the ready frame or the list counted already.
    if (beyond && m.sender?.id !== meId.value && !isViewing(r.id)) r.unread++
    if (m.kind === 'system') emit({ type: 'system', roomId: r.id })
    if (!r.summary && !listing) void loadRooms().catch(() => {})
  }

  function isViewing(id: string): boolean {
    return activeRoom.value === id && typeof document !== 'undefined' && document.visibilityState === 'visible'
  }

  /** The first page of a room's history (newest first from the server). Throws ApiError. */
  async function loadHistory(id: string): Promise<void> {
    const e = epoch
    const page = await api.chatMessages(id)
    if (e !== epoch) return
    const r = room(id)
    const items = (page.items ?? []).slice().reverse()
    const last = newest(r)
    if (r.loaded && last && items.length && items[0].seq > last.seq + 1) {
      // Away for long (no socket): more came than one page; start over from this page.
      r.messages = r.messages.filter((m) => m.seq >= items[0].seq)
      r.cursor = page.next_cursor ?? ''
    } else if (!r.loaded) {
      r.cursor = page.next_cursor ?? ''
    }
    for (const m of items) insert(r, m)
    r.loaded = true
    r.removed = false
    // The socket may have come up before this page: catch up on anything between.
    resumeRoom(r)
  }

  /** The page before the oldest message loaded; false when there is none. */
  async function loadOlder(id: string): Promise<boolean> {
    const r = room(id)
    if (!r.cursor) return false
    const page = await api.chatMessages(id, r.cursor)
    for (const m of page.items ?? []) insert(r, m)
    r.cursor = page.next_cursor ?? ''
    return true
  }

  /** Marks the newest message read (the read frame, or HTTP when the socket is down). */
  function markRead(id: string) {
    const r = rooms[id]
    if (!r) return
    r.unread = 0
    const last = newest(r)
    if (!last || last.seq <= r.readSeq || r.removed) return
    r.readSeq = last.seq
    if (!send({ type: 'read', room_id: id, message_id: last.id })) void api.readChat(id, last.id).catch(() => {})
  }

  // ----------------------------------------------------------- my messages

  const ackTimers = new Map<string, ReturnType<typeof setTimeout>>()

  /** Sends a message: shown at once as 发送中, replaced by the stored one on the ack. */
  function sendMessage(id: string, content: string) {
    const r = room(id)
    const clientId = idempotencyKey()
    const me = auth.user
    r.pending.push({
      id: '',
      key: clientId,
      client_id: clientId,
      room_id: id,
      seq: 0,
      sender: { id: me?.id ?? '', nickname: me?.nickname ?? '我', avatar_url: me?.avatar_url ?? '' },
      content,
      kind: 'text',
      deleted: false,
      created_at: new Date().toISOString(),
      status: 'sending',
    })
    transmit(r, clientId)
  }

  /** Sends a failed message again with its client id (stored once however often it arrives). */
  function retry(id: string, clientId: string) {
    const r = rooms[id]
    const p = r?.pending.find((x) => x.client_id === clientId)
    if (!r || !p || p.status === 'sending') return
    p.status = 'sending'
    transmit(r, clientId)
  }

  /** Drops a failed message from the screen. */
  function discard(id: string, clientId: string) {
    const r = rooms[id]
    if (!r) return
    const i = r.pending.findIndex((x) => x.client_id === clientId)
    if (i >= 0) r.pending.splice(i, 1)
  }

  function transmit(r: RoomState, clientId: string) {
    const p = r.pending.find((x) => x.client_id === clientId)
    if (!p) return
    clearTimeout(ackTimers.get(clientId))
    ackTimers.set(
      clientId,
      setTimeout(() => {
        ackTimers.delete(clientId)
        const still = r.pending.find((x) => x.client_id === clientId)
        if (still?.status === 'sending') still.status = 'failed'
      }, ACK_WAIT),
    )
    if (send({ type: 'send', room_id: r.id, content: p.content, client_id: clientId })) return
    // No socket right now: HTTP (the socket resends it too once back; the client id keeps it single).
    api.sendChatMessage(r.id, p.content, clientId).then(
      (m) => acked(clientId, m),
      (e: unknown) => {
        if (e instanceof ApiError) refused(r.id, clientId, e.code, e.userMessage)
        else refused(r.id, clientId, 'network', '网络连接失败，请检查网络后重试')
      },
    )
  }

  function acked(clientId: string, m: ChatMessage) {
    clearTimeout(ackTimers.get(clientId))
    ackTimers.delete(clientId)
    received({ ...m, client_id: m.client_id || clientId })
  }

  function refused(roomId: string, clientId: string, code: string, detail: string) {
    clearTimeout(ackTimers.get(clientId))
    ackTimers.delete(clientId)
    const r = rooms[roomId]
    const p = r?.pending.find((x) => x.client_id === clientId)
    if (p) p.status = 'failed'
    if (r && code === 'chat.read_only' && r.summary) r.summary.read_only = true
    if (r && code === 'chat.not_member') markRemoved(r)
    showFailToast({ message: detail || '发送失败', wordBreak: 'break-word' })
  }

  function markRemoved(r: RoomState) {
    if (r.removed) return
    r.removed = true
    r.unread = 0
    for (const p of r.pending) p.status = 'failed'
    emit({ type: 'removed', roomId: r.id })
  }

  // --------------------------------------------------------------- socket

  let ws: WebSocket | null = null
  /** The socket is wanted (a chat screen asked for it, or the user has rooms). */
  let wanted = false
  let starting = false
  let attempt = 0
  let gen = 0
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let pingTimer: ReturnType<typeof setInterval> | undefined
  let pongTimer: ReturnType<typeof setTimeout> | undefined
  let lastFrameAt = 0

  function send(f: ClientFrame): boolean {
    if (!ws || ws.readyState !== WebSocket.OPEN || connection.value !== 'open') return false
    try {
      ws.send(JSON.stringify(f))
      return true
    } catch {
      return false
    }
  }

  /** Connects unless connected; later calls are no-ops. */
  function ensureConnected() {
    if (!auth.loggedIn) return
    if (!wanted) {
      wanted = true
      addWindowListeners()
    }
    if (!ws && !starting && retryTimer === undefined) void open()
  }

  function wsURL(ticket: string): string {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
    return `${proto}//${location.host}${API_BASE}/chat/ws?ticket=${encodeURIComponent(ticket)}`
  }

  async function open() {
    if (!wanted || ws || starting) return
    starting = true
    const g = ++gen
    connection.value = attempt ? 'reconnecting' : 'connecting'
    let ticket = ''
    try {
      ticket = (await api.chatTicket()).ticket
    } catch (e) {
      starting = false
      if (g !== gen || !wanted) return
      // Signed out meanwhile (the client sends the user to the login page).
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        stop()
        return
      }
      scheduleReconnect()
      return
    }
    starting = false
    if (g !== gen || !wanted) return
    let sock: WebSocket
    try {
      sock = new WebSocket(wsURL(ticket))
    } catch {
      scheduleReconnect()
      return
    }
    ws = sock
    sock.onmessage = (ev) => {
      if (ws !== sock) return
      lastFrameAt = Date.now()
      let f: ServerFrame
      try {
        f = JSON.parse(String(ev.data)) as ServerFrame
      } catch {
        return
      }
      onFrame(f)
    }
    sock.onclose = () => {
      if (ws !== sock) return
      ws = null
      stopPing()
      if (wanted) scheduleReconnect()
    }
  }

  /** Closes a socket without a console error for one still connecting. */
  function quietClose(sock: WebSocket) {
    sock.onmessage = null
    sock.onclose = null
    if (sock.readyState === WebSocket.CONNECTING) sock.onopen = () => sock.close(1000)
    else if (sock.readyState === WebSocket.OPEN) sock.close(1000)
  }

  function scheduleReconnect() {
    if (!wanted || retryTimer !== undefined) return
    connection.value = 'reconnecting'
    const base = Math.min(BACKOFF_MAX, 1000 * 2 ** attempt)
    attempt++
    const delay = Math.round(base * (0.6 + Math.random() * 0.4))
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      void open()
    }, delay)
  }

  /** Drops the current socket and connects again (no pong, back online). */
  function reconnectNow() {
    if (!wanted) return
    clearTimeout(retryTimer)
    retryTimer = undefined
    if (ws) {
      quietClose(ws)
      ws = null
    }
    stopPing()
    attempt = Math.min(attempt, 1)
    void open()
  }

  function startPing() {
    stopPing()
    pingTimer = setInterval(() => {
      const sentAt = Date.now()
      if (!send({ type: 'ping' })) return
      clearTimeout(pongTimer)
      pongTimer = setTimeout(() => {
        if (lastFrameAt < sentAt) reconnectNow()
      }, PONG_WAIT)
    }, PING_EVERY)
  }

  function stopPing() {
    clearInterval(pingTimer)
    clearTimeout(pongTimer)
    pingTimer = undefined
    pongTimer = undefined
  }

  /** After ready: catch a room up from the newest message seen, when the server has newer ones. */
  function resumeRoom(r: RoomState) {
    if (connection.value !== 'open' || !r.loaded || r.removed) return
    const upto = readySeq.get(r.id)
    const last = newest(r)
    if (upto === undefined || (last?.seq ?? 0) >= upto) return
    readySeq.delete(r.id) // once per connection
    send(last ? { type: 'resume', room_id: r.id, message_id: last.id } : { type: 'resume', room_id: r.id, after_seq: 0 })
  }

  /** last_seq of each room in this connection's ready frame. */
  const readySeq = new Map<string, number>()

  function onReady(list: ReadyRoom[]) {
    connection.value = 'open'
    attempt = 0
    startPing()
    readySeq.clear()
    const ids = new Set(list.map((x) => x.id))
    let unknown = false
    for (const x of list) {
      const r = room(x.id)
      r.removed = false
      readySeq.set(x.id, x.last_seq)
      if (x.last_seq > r.lastSeq) r.lastSeq = x.last_seq
      r.unread = isViewing(x.id) ? 0 : x.unread
      if (!r.summary) unknown = true
      resumeRoom(r)
    }
    // Rooms I was in and the server no longer lists: out of them.
    for (const r of Object.values(rooms)) if ((r.loaded || r.summary) && !ids.has(r.id)) markRemoved(r)
    if (unknown || !listed.value) void loadRooms().catch(() => {})
    // My messages without an ack: again, with the same client ids.
    for (const r of Object.values(rooms)) {
      for (const p of r.pending) {
        if (p.status === 'sending' && p.client_id) send({ type: 'send', room_id: r.id, content: p.content, client_id: p.client_id })
      }
    }
    if (activeRoom.value && isViewing(activeRoom.value)) markRead(activeRoom.value)
  }

  function onFrame(f: ServerFrame) {
    switch (f.type) {
      case 'message':
        received(f.message)
        break
      case 'ack':
        acked(f.client_id, f.message)
        break
      case 'error':
        if (f.client_id) {
          const r = Object.values(rooms).find((x) => x.pending.some((p) => p.client_id === f.client_id))
          if (r) refused(r.id, f.client_id, f.code, f.detail)
        } else if (f.code === 'chat.flood' || f.code === 'chat.rate_limited') {
          showFailToast(f.detail || '操作太频繁，请稍后再试')
        }
        break
      case 'pong':
        break
      case 'system':
        onSystem(f)
        break
    }
  }

  function onSystem(f: Extract<ServerFrame, { type: 'system' }>) {
    switch (f.event) {
      case 'ready':
        onReady(f.rooms ?? [])
        break
      case 'joined': {
        const r = room(f.room_id)
        r.removed = false
        void loadRooms().catch(() => {})
        break
      }
      case 'removed': {
        const r = rooms[f.room_id]
        if (r) markRemoved(r)
        break
      }
      case 'deleted': {
        const r = rooms[f.room_id]
        if (!r) break
        const i = r.messages.findIndex((m) => m.id === f.message_id)
        if (i >= 0) r.messages.splice(i, 1, { ...r.messages[i], deleted: true, content: '' })
        const last = r.summary?.last_message
        if (r.summary && last?.id === f.message_id) r.summary.last_message = { ...last, deleted: true, content: '' }
        break
      }
      case 'muted': {
        const until = f.muted_until ?? null
        const me = f.user_id === meId.value
        if (me) room(f.room_id).mutedUntil = until
        emit({ type: 'muted', roomId: f.room_id, userId: f.user_id, mutedUntil: until, me })
        break
      }
      case 'resumed':
        break
    }
  }

  /** Marks a message withdrawn here at once (the deleted event follows). */
  function withdrawn(roomId: string, messageId: string) {
    onSystem({ type: 'system', event: 'deleted', room_id: roomId, message_id: messageId })
  }

  // ------------------------------------------------------- window events

  let listening = false
  function onOnline() {
    if (wanted && connection.value !== 'open') reconnectNow()
  }
  function onVisible() {
    if (document.visibilityState !== 'visible' || !wanted) return
    if (!ws && connection.value !== 'open') reconnectNow()
    else if (activeRoom.value) markRead(activeRoom.value)
  }
  function addWindowListeners() {
    if (listening || typeof window === 'undefined') return
    listening = true
    window.addEventListener('online', onOnline)
    document.addEventListener('visibilitychange', onVisible)
  }
  function removeWindowListeners() {
    if (!listening) return
    listening = false
    window.removeEventListener('online', onOnline)
    document.removeEventListener('visibilitychange', onVisible)
  }

  /** Closes the socket and forgets everything (signed out). */
  function stop() {
    wanted = false
    gen++
    starting = false
    clearTimeout(retryTimer)
    retryTimer = undefined
    stopPing()
    if (ws) quietClose(ws)
    ws = null
    attempt = 0
    connection.value = 'idle'
    removeWindowListeners()
  }

  function reset() {
    epoch++
    stop()
    for (const t of ackTimers.values()) clearTimeout(t)
    ackTimers.clear()
    for (const k of Object.keys(rooms)) delete rooms[k]
    listed.value = false
    activeRoom.value = ''
  }

  // Signed out, or another account signed in: nothing of the previous one stays.
  watch(
    () => auth.loggedIn,
    (on) => {
      if (!on) reset()
    },
  )
  watch(meId, (now, before) => {
    if (before && now && now !== before) reset()
  })

  return {
    rooms,
    listed,
    connection,
    activeRoom,
    roomList,
    totalUnread,
    room,
    latest,
    loadRooms,
    loadHistory,
    loadOlder,
    markRead,
    sendMessage,
    retry,
    discard,
    withdrawn,
    ensureConnected,
    onRoomEvent,
    stop,
    reset,
  }
})
