import { onBeforeUnmount, onMounted, ref } from 'vue'

/**
 * The current time in ms, ticking every `everyMs` while the component is
 * mounted: for countdowns to a server-given deadline (waitlist offers, seat
 * holds). The deadline itself always comes from the server.
 */
export function useNow(everyMs = 1000) {
  const now = ref(Date.now())
  let timer: ReturnType<typeof setInterval> | undefined
  onMounted(() => {
    timer = setInterval(() => (now.value = Date.now()), everyMs)
  })
  onBeforeUnmount(() => clearInterval(timer))
  return now
}

/** 1 小时 05 分, 04:59, 00:00: what is left until `deadline` (ISO) at `now`. */
export function formatLeft(deadline: string | null | undefined, now: number): string {
  if (!deadline) return ''
  const end = new Date(deadline).getTime()
  if (Number.isNaN(end)) return ''
  const s = Math.max(0, Math.floor((end - now) / 1000))
  const pad = (n: number) => String(n).padStart(2, '0')
  if (s >= 3600) return `${Math.floor(s / 3600)} 小时 ${pad(Math.floor((s % 3600) / 60))} 分`
  return `${pad(Math.floor(s / 60))}:${pad(s % 60)}`
}
