import { onBeforeUnmount, onMounted, ref } from 'vue'

/**
 * A resend countdown that survives a page reload (sessionStorage), so that
 * reloading the login page does not offer a button the server would refuse.
 */
export function useCountdown(storageKey: string) {
  const left = ref(0)
  let timer: ReturnType<typeof setInterval> | undefined

  function deadline(): number {
    try {
      return Number(sessionStorage.getItem(storageKey)) || 0
    } catch {
      return 0
    }
  }

  function tick() {
    const rest = Math.ceil((deadline() - Date.now()) / 1000)
    left.value = rest > 0 ? rest : 0
    if (left.value === 0 && timer !== undefined) {
      clearInterval(timer)
      timer = undefined
    }
  }

  function start(seconds: number) {
    const s = Math.max(1, Math.round(seconds))
    try {
      sessionStorage.setItem(storageKey, String(Date.now() + s * 1000))
    } catch {
      // no storage: the countdown lives in memory only
    }
    left.value = s
    if (timer === undefined) timer = setInterval(tick, 1000)
  }

  onMounted(() => {
    tick()
    if (left.value > 0 && timer === undefined) timer = setInterval(tick, 1000)
  })
  onBeforeUnmount(() => {
    if (timer !== undefined) clearInterval(timer)
  })

  return { left, start }
}
