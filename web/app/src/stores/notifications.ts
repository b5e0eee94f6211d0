import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { api } from '../api'
import { useAuthStore } from './auth'

/** How often the unread count is asked again while the app is open and shown. */
const POLL_EVERY = 60_000

/**
 * The unread count of the signed-in user's 消息 (the badge on 首页 and 我的):
 * read when the app starts or comes back to the foreground, every minute
 * while it is shown, and set from what the inbox page marks read.
 */
export const useNotificationsStore = defineStore('notifications', () => {
  const auth = useAuthStore()
  const unread = ref(0)
  let timer: ReturnType<typeof setInterval> | null = null
  let seq = 0

  async function refresh() {
    if (!auth.loggedIn) {
      unread.value = 0
      return
    }
    const mine = ++seq
    try {
      const n = await api.unreadCount()
      if (mine === seq) unread.value = n
    } catch {
      // the badge waits for the next poll
    }
  }

  /** The inbox marked some read (or all: n = unread). */
  function marked(n: number) {
    seq++ // a count asked before the mark is stale
    unread.value = Math.max(0, unread.value - n)
  }

  function onVisible() {
    if (document.visibilityState === 'visible') void refresh()
  }

  /** Starts polling (once; the tab layout calls it). */
  function start() {
    if (timer) return
    void refresh()
    timer = setInterval(() => {
      if (document.visibilityState === 'visible') void refresh()
    }, POLL_EVERY)
    document.addEventListener('visibilitychange', onVisible)
  }

  watch(
    () => auth.loggedIn,
    () => void refresh(),
  )

  return { unread, refresh, marked, start }
})
