import { onBeforeUnmount, onMounted, ref, watch } from 'vue'

/**
 * A resend countdown that survives a page reload (sessionStorage), so that
 * reloading the page does not offer a button the server would refuse.
 *
 * `scope` names what the countdown is for (the phone number: the server's
 * cooldown is per phone), so changing the number shows that number's own
 * countdown. All scopes share one storage entry under `storageKey`.
 */
export function useCountdown(storageKey: string, scope: () => string = () => '') {
  const left = ref(0)
  let timer: ReturnType<typeof setInterval> | undefined
  // Used when sessionStorage is unavailable (some private modes).
  const memory: Record<string, number> = {}

  function stored(): Record<string, number> {
    try {
      const v: unknown = JSON.parse(sessionStorage.getItem(storageKey) || '{}')
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, number>) : {}
    } catch {
      return {}
    }
  }

  function deadline(): number {
    const k = scope()
    return Number(stored()[k] ?? memory[k]) || 0
  }

  function tick() {
    const rest = Math.ceil((deadline() - Date.now()) / 1000)
    left.value = rest > 0 ? rest : 0
    if (left.value === 0 && timer !== undefined) {
      clearInterval(timer)
      timer = undefined
    } else if (left.value > 0 && timer === undefined) {
      timer = setInterval(tick, 1000)
    }
  }

  function start(seconds: number) {
    const s = Math.max(1, Math.round(seconds))
    const now = Date.now()
    const k = scope()
    memory[k] = now + s * 1000
    try {
      const all = stored()
      for (const [key, at] of Object.entries(all)) if (!(Number(at) > now)) delete all[key]
      all[k] = memory[k]
      sessionStorage.setItem(storageKey, JSON.stringify(all))
    } catch {
      // no storage: the countdown lives in memory only
    }
    tick()
  }

  watch(scope, tick)
  onMounted(tick)
  onBeforeUnmount(() => {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
  })

  return { left, start }
}
