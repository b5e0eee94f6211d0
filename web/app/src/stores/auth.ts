import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, http, onTokens } from '../api'
import type { Tokens, User } from '../api'

export const useAuthStore = defineStore('auth', () => {
  const user = ref<User | null>(null)
  const loggedIn = ref(http.readTokens() !== null)
  const loading = ref(false)
  let pending: Promise<User | null> | null = null

  onTokens((t: Tokens) => {
    user.value = t.user
    loggedIn.value = true
  })

  // Sign-in and sign-out in another tab.
  if (typeof window !== 'undefined') {
    window.addEventListener('storage', (e) => {
      if (e.key !== http.storageKey) return
      const has = http.readTokens() !== null
      if (!has) reset()
      else if (!loggedIn.value) {
        loggedIn.value = true
        void reload()
      }
    })
  }

  /** Stores the tokens of a login or registration. */
  function signedIn(t: Tokens) {
    http.setTokens(t)
  }

  function setUser(u: User) {
    user.value = u
  }

  function reset() {
    user.value = null
    loggedIn.value = false
  }

  async function reload(): Promise<User | null> {
    if (!loggedIn.value) return null
    if (pending) return pending
    loading.value = true
    pending = api
      .me()
      .then((u) => {
        user.value = u
        return u
      })
      .catch(() => user.value)
      .finally(() => {
        loading.value = false
        pending = null
      })
    return pending
  }

  /** The signed-in user, loaded once. */
  async function ensureUser(): Promise<User | null> {
    if (user.value) return user.value
    return reload()
  }

  async function logout() {
    await api.logout()
    reset()
  }

  const tagIds = computed(() => (user.value?.tags ?? []).map((t) => t.id))
  /** Admins manage every activity like its organizer (the server decides). */
  const admin = computed(() => (user.value?.roles ?? []).some((r) => r === 'admin' || r === 'super_admin'))

  return { user, loggedIn, loading, tagIds, admin, signedIn, setUser, reset, reload, ensureUser, logout }
})
