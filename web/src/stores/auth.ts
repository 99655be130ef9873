// Who is logged in. The session itself is the HttpOnly cookie; this store
// keeps only the user and the CSRF token, both in memory.

import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, set_csrf_token } from '../api/client'
import type { Role, User } from '../api/types'

export const useAuthStore = defineStore('auth', () => {
  const user = ref<User | null>(null)
  const checked = ref(false)

  const role = computed<Role | null>(() => user.value?.role ?? null)
  const can_control = computed(() => role.value === 'admin' || role.value === 'director')
  // The moderator guards privacy: cut and resume, never take.
  const can_cut = computed(() => can_control.value || role.value === 'moderator')
  const can_see_keys = can_control

  async function login(username: string, password: string) {
    const answer = await api.login(username, password)
    set_csrf_token(answer.csrf_token)
    user.value = answer.user
    checked.value = true
  }

  /** Asks the server whether the cookie still holds a session (page load). */
  async function refresh(): Promise<boolean> {
    try {
      const me = await api.me()
      user.value = me.user
      set_csrf_token(me.csrf_token ?? '')
    } catch {
      user.value = null
      set_csrf_token('')
    }
    checked.value = true
    return user.value !== null
  }

  async function logout() {
    try {
      await api.logout()
    } finally {
      forget()
    }
  }

  function forget() {
    user.value = null
    set_csrf_token('')
  }

  return { user, checked, role, can_control, can_cut, can_see_keys, login, refresh, logout, forget }
})
