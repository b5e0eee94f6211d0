import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, http, onTokens } from '../api'
import type { Tokens, User } from '../api'
import { isAdmin, isStaff, isSuperAdmin } from '../utils/roles'

export const useAuthStore = defineStore('auth', () => {
  const user = ref<User | null>(null)
  const loggedIn = ref(http.readTokens() !== null)
  let pending: Promise<User | null> | null = null

  onTokens((t: Tokens) => {
    user.value = t.user
    loggedIn.value = true
  })

  // Sign-out (or sign-in as someone else) in another tab.
  window.addEventListener('storage', (e) => {
    if (e.key !== http.storageKey) return
    if (http.readTokens() === null) reset()
    else {
      loggedIn.value = true
      void reload()
    }
  })

  const roles = computed(() => user.value?.roles ?? [])
  const staff = computed(() => isStaff(roles.value))
  const admin = computed(() => isAdmin(roles.value))
  const superAdmin = computed(() => isSuperAdmin(roles.value))

  function signedIn(t: Tokens) {
    http.setTokens(t)
  }

  function reset() {
    user.value = null
    loggedIn.value = false
  }

  function reload(): Promise<User | null> {
    if (!loggedIn.value) return Promise.resolve(null)
    if (!pending) {
      pending = api
        .me()
        .then((u) => (user.value = u))
        .catch(() => user.value)
        .finally(() => (pending = null))
    }
    return pending
  }

  async function ensureUser(): Promise<User | null> {
    return user.value ?? reload()
  }

  async function logout() {
    await api.logout()
    reset()
  }

  return { user, loggedIn, roles, staff, admin, superAdmin, signedIn, reset, reload, ensureUser, logout }
})
