import { useRoute, useRouter } from 'vue-router'
import { showToast } from 'vant'
import { ApiError, api, toastError } from '../api'
import type { Post } from '../api'
import { useAuthStore } from '../stores/auth'

/**
 * Like and favorite with an optimistic update: the post changes at once and
 * goes back when the server refuses (its detail is shown). A 409 means the
 * server is already where we wanted to be, so the change stays.
 */
export function usePostActions() {
  const auth = useAuthStore()
  const router = useRouter()
  const route = useRoute()
  const busy = new Set<string>()

  function needLogin(): boolean {
    if (auth.loggedIn) return false
    void router.push({ name: 'login', query: { redirect: route.fullPath } })
    return true
  }

  async function toggleLike(p: Post) {
    if (needLogin() || busy.has('like' + p.id)) return
    busy.add('like' + p.id)
    const on = !p.liked
    p.liked = on
    p.like_count = Math.max(0, p.like_count + (on ? 1 : -1))
    try {
      const fresh = on ? await api.likePost(p.id) : await api.unlikePost(p.id)
      p.like_count = fresh.like_count
      p.liked = fresh.liked
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) return
      p.liked = !on
      p.like_count = Math.max(0, p.like_count + (on ? -1 : 1))
      toastError(e)
    } finally {
      busy.delete('like' + p.id)
    }
  }

  async function toggleFavorite(p: Post) {
    if (needLogin() || busy.has('fav' + p.id)) return
    busy.add('fav' + p.id)
    const on = !p.favorited
    p.favorited = on
    try {
      await (on ? api.favoritePost(p.id) : api.unfavoritePost(p.id))
      showToast(on ? '已收藏' : '已取消收藏')
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) return
      p.favorited = !on
      toastError(e)
    } finally {
      busy.delete('fav' + p.id)
    }
  }

  return { toggleLike, toggleFavorite }
}
