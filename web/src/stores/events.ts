// The one connection to /api/v1/events. Screens subscribe to it; when the
// server goes away (a restart) it reconnects with backoff and bumps
// `generation`, so screens reload their state and previews restart, all
// without reloading the page.

import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '../api/client'
import type { ServerEvent } from '../api/types'

type Listener = (e: ServerEvent) => void

const kMinBackoffMs = 500
const kMaxBackoffMs = 8000

export const useEventsStore = defineStore('events', () => {
  const state = ref<'idle' | 'connecting' | 'open' | 'reconnecting'>('idle')
  // Counts successful (re)connections: a change means "what you knew may be stale".
  const generation = ref(0)
  const last_event_ms = ref<number | null>(null)
  const listeners = new Set<Listener>()
  let socket: WebSocket | null = null
  let backoff_ms = kMinBackoffMs
  let timer: number | undefined
  let wanted = false

  function url() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
    return `${scheme}//${location.host}/api/v1/events`
  }

  function connect() {
    if (!wanted || socket) return
    state.value = generation.value === 0 ? 'connecting' : 'reconnecting'
    const ws = new WebSocket(url())
    socket = ws
    ws.onopen = () => {
      backoff_ms = kMinBackoffMs
      state.value = 'open'
      generation.value++
    }
    ws.onmessage = (m) => {
      let event: ServerEvent
      try {
        event = JSON.parse(String(m.data))
      } catch {
        return
      }
      last_event_ms.value = Date.now()
      for (const l of listeners) l(event)
    }
    ws.onclose = () => {
      if (socket === ws) socket = null
      if (!wanted) {
        state.value = 'idle'
        return
      }
      state.value = 'reconnecting'
      schedule()
    }
  }

  function schedule() {
    window.clearTimeout(timer)
    const jitter = 0.8 + Math.random() * 0.4
    timer = window.setTimeout(async () => {
      // A restart keeps the login (the server stores it); one that ended
      // (logout elsewhere, user disabled) answers 401 here, and the client
      // sends the user to the login page, which starts us again.
      try {
        await api.me()
      } catch {
        // Still down, or logged out: either way try again later.
      }
      connect()
    }, backoff_ms * jitter)
    backoff_ms = Math.min(backoff_ms * 2, kMaxBackoffMs)
  }

  function start() {
    wanted = true
    window.clearTimeout(timer)
    backoff_ms = kMinBackoffMs
    connect()
  }

  function stop() {
    wanted = false
    window.clearTimeout(timer)
    socket?.close()
    socket = null
    state.value = 'idle'
  }

  function subscribe(listener: Listener): () => void {
    listeners.add(listener)
    return () => listeners.delete(listener)
  }

  return { state, generation, last_event_ms, start, stop, subscribe }
})
