import { ref } from 'vue'
import type { Ref } from 'vue'

/**
 * The reject-with-a-reason dialog of a review queue (社团审核, 内容审核): the
 * item being rejected, the reason (1–200 characters, shown to `who`) and
 * its error. `reject` runs the request; the row's busy mark is kept in
 * `busy`. API errors are shown by the client.
 */
export function useReject<T extends { id: string }>(who: string, busy: Ref<string>, reject: (item: T, reason: string) => Promise<void>) {
  const rejecting = ref(null) as Ref<T | null>
  const reason = ref('')
  const reasonError = ref('')

  function openReject(item: T) {
    rejecting.value = item
    reason.value = ''
    reasonError.value = ''
  }

  async function confirmReject() {
    const item = rejecting.value
    const r = reason.value.trim()
    if (!item) return
    if (!r || r.length > 200) {
      reasonError.value = `请填写驳回原因（1–200 字），${who}会看到`
      return
    }
    busy.value = item.id
    try {
      await reject(item, r)
      rejecting.value = null
    } catch {
      // shown by the client
    } finally {
      busy.value = ''
    }
  }

  return { rejecting, reason, reasonError, openReject, confirmReject }
}
