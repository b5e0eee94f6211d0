import { ref } from 'vue'
import type { Ref } from 'vue'

/**
 * State for a cursor-paginated list shown in a van-pull-refresh + van-list:
 * `loadMore` is van-list's @load, `refresh` starts over (pull-to-refresh or new
 * filters). A response that belongs to an older generation (filters changed
 * while it was in flight) is dropped.
 */
export function useCursorList<T>(fetchPage: (cursor: string) => Promise<{ items: T[] | null; next_cursor: string | null }>) {
  const items = ref([]) as Ref<T[]>
  const loading = ref(false) // van-list's v-model:loading
  const finished = ref(false)
  const error = ref(false) // van-list's v-model:error (tap to retry)
  const refreshing = ref(false)
  /** The first page is being loaded (skeletons instead of the list). */
  const initial = ref(true)
  /** The first page failed (full-page error state). */
  const failed = ref(false)
  let cursor = ''
  let gen = 0

  async function loadMore() {
    const g = gen
    loading.value = true
    try {
      const page = await fetchPage(cursor)
      if (g !== gen) return
      items.value = initial.value ? (page.items ?? []) : items.value.concat(page.items ?? [])
      cursor = page.next_cursor ?? ''
      finished.value = !cursor
      failed.value = false
    } catch {
      if (g !== gen) return
      if (initial.value) failed.value = true
      else error.value = true
    } finally {
      if (g === gen) {
        loading.value = false
        initial.value = false
        refreshing.value = false
      }
    }
  }

  /** Starts over from the first page. */
  async function refresh(showSkeleton = false) {
    gen++
    cursor = ''
    finished.value = false
    error.value = false
    initial.value = true
    if (showSkeleton) items.value = []
    await loadMore()
  }

  return { items, loading, finished, error, refreshing, initial, failed, loadMore, refresh }
}
