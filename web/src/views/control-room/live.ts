// Everything the control room knows about one session, kept current from the
// events store. Loads once, then applies events; when the events connection
// comes back (a server restart) it loads again. Recordings have no per-change
// event besides alerts and destinations' bitrates none at all, so both are
// read every 5 s; nothing polls faster
// than the 2 s check while air shows the card.

import { computed, onBeforeUnmount, reactive, ref, watch } from 'vue'
import { api, ApiError } from '../../api/client'
import type {
  Broadcast,
  Destination,
  LinkStats,
  LiveSession,
  ProgramInput,
  ProgramState,
  Recording,
  ServerEvent,
  Step,
} from '../../api/types'
import { useEventsStore } from '../../stores/events'
import { show_error } from '../../components/notify'

export interface InputView {
  name: string
  stream: string
  state: 'live' | 'lost'
  bitrate_bps: number
  width: number
  height: number
  changed_ms: number // when `state` last changed, as this page saw it
}

export interface DestinationSeen {
  error_ms: number | null // when the current last_error happened (server time if sent)
}

const kRecordingsEveryMs = 5000

export function useSessionLive(session_id: () => number) {
  const events = useEventsStore()
  const session = ref<LiveSession | null>(null)
  const broadcast = ref<Broadcast | null>(null)
  const program = ref<ProgramState | null>(null)
  const inputs = ref<InputView[]>([])
  const all_destinations = ref<Destination[]>([])
  const destination_seen = reactive<Record<string, DestinationSeen>>({})
  const recordings = ref<Recording[]>([])
  const recordings_alert = ref(false)
  // SRT inputs' link figures by stream, from the stream.links event (every
  // 2 s while any SRT camera is on): a stream not in the last event has none.
  const links = ref<Record<string, LinkStats>>({})
  const steps = ref<Step[]>([])
  const case_numbers = reactive<Record<number, string>>({})
  const step_names = reactive<Record<string, string>>({})
  const load_error = ref<string | null>(null)
  const loaded = ref(false)
  const now = ref(Date.now())
  // The delay buffer's fill: the server's buffered_ms (state and
  // program.buffer events); an estimate for servers that do not send it,
  // growing from the last cut/resume/delay change at 1 s per second.
  const fill_anchor = reactive({ at_ms: Date.now(), fill_ms: 0 })

  const air = computed(() => broadcast.value?.air.stream ?? `session-${session_id()}`)
  const program_name = computed(() => air.value)
  const is_live = computed(() => session.value?.state === 'live')

  const destinations = computed(() => {
    const ids = new Set(broadcast.value?.destinations.map((d) => d.id) ?? [])
    const names = new Set(session.value?.destinations ?? [])
    return all_destinations.value.filter(
      (d) => ids.has(d.id) || names.has(d.name) || d.stream === air.value,
    )
  })

  const session_recordings = computed(() =>
    recordings.value.filter(
      (r) =>
        r.session === String(session_id()) ||
        r.session === air.value ||
        r.stream === air.value ||
        r.stream.startsWith(`${air.value}.`),
    ),
  )

  const delay_ms = computed(() => (program.value?.delay_seconds ?? 0) * 1000)
  const buffer_fill_ms = computed(() => {
    if (!program.value || program.value.cut) return 0
    const reported = program.value.buffered_ms
    if (typeof reported === 'number') return Math.min(delay_ms.value, Math.max(0, reported))
    const grown = fill_anchor.fill_ms + (now.value - fill_anchor.at_ms)
    return Math.min(delay_ms.value, Math.max(0, grown))
  })

  function merge_inputs(list: ProgramInput[], stamp = Date.now()) {
    const before = new Map(inputs.value.map((i) => [i.name, i]))
    const order = session.value?.inputs ?? list.map((i) => i.name)
    const by_name = new Map(list.map((i) => [i.name, i]))
    inputs.value = order.map((name) => {
      const fresh = by_name.get(name)
      const old = before.get(name)
      const state = fresh?.state ?? old?.state ?? 'lost'
      return {
        name,
        stream: fresh?.stream ?? old?.stream ?? `${air.value}.${name}`,
        state,
        bitrate_bps: fresh?.bitrate_bps ?? old?.bitrate_bps ?? 0,
        width: fresh?.width ?? old?.width ?? 0,
        height: fresh?.height ?? old?.height ?? 0,
        changed_ms: old && old.state === state ? old.changed_ms : stamp,
      }
    })
  }

  function note_destination(d: Destination) {
    const seen = (destination_seen[d.id] ??= { error_ms: null })
    const old = all_destinations.value.find((x) => x.id === d.id)
    if (!d.health.last_error) seen.error_ms = null
    else if (!old || old.health.last_error !== d.health.last_error || seen.error_ms == null)
      seen.error_ms = d.health.last_error_at_ms ?? Date.now()
  }

  async function load_program() {
    if (!is_live.value) {
      program.value = broadcast.value?.program.state ?? null
      return
    }
    try {
      program.value = await api.program(program_name.value)
      merge_inputs(program.value.inputs)
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) show_error(e)
    }
  }

  async function load_recordings() {
    try {
      const r = await api.recordings()
      recordings.value = r.recordings
      recordings_alert.value = r.alert
    } catch (e) {
      if (!(e instanceof ApiError && (e.status === 401 || e.status === 0))) show_error(e)
    }
  }

  // Destination events come on state changes only; bitrate and byte counts
  // move in between, so the list is read again with the recordings.
  async function load_destinations() {
    try {
      const d = await api.destinations()
      for (const x of d) note_destination(x)
      all_destinations.value = d
    } catch (e) {
      if (!(e instanceof ApiError && (e.status === 401 || e.status === 0))) show_error(e)
    }
  }

  async function load_case_numbers() {
    const ids = new Set<number>([
      ...(session.value?.case_ids ?? []),
      ...steps.value.map((s) => s.case_id),
    ])
    await Promise.all(
      [...ids]
        .filter((id) => !(id in case_numbers))
        .map(async (id) => {
          try {
            case_numbers[id] = (await api.court_case(id)).number
          } catch {
            // A case this role may not read: the header shows its id.
          }
        }),
    )
  }

  async function load() {
    const id = session_id()
    try {
      const [s, b, d] = await Promise.all([api.session(id), api.broadcast(id), api.destinations()])
      session.value = s
      broadcast.value = b
      for (const x of d) note_destination(x)
      all_destinations.value = d
      merge_inputs(b.inputs)
      program.value = b.program.state
      if (program.value) merge_inputs(program.value.inputs)
      if (s.state === 'live' && s.actual_start_ms) {
        fill_anchor.at_ms = s.actual_start_ms
        fill_anchor.fill_ms = 0
      }
      load_error.value = null
      loaded.value = true
    } catch (e) {
      load_error.value = e instanceof Error ? e.message : String(e)
      if (e instanceof ApiError) load_error.value = `${e.code}: ${e.message}`
      return
    }
    void load_recordings()
    if (Object.keys(step_names).length === 0)
      api
        .step_types()
        .then((types) => types.forEach((x) => (step_names[x.code] = x.name_zh)))
        .catch(() => undefined)
    try {
      steps.value = await api.session_steps(id)
    } catch {
      steps.value = []
    }
    void load_case_numbers()
  }

  async function reload_session() {
    try {
      session.value = await api.session(session_id())
      broadcast.value = await api.broadcast(session_id())
      await load_program()
      if (is_live.value && !program.value) window.setTimeout(() => void load_program(), 1000)
    } catch (e) {
      show_error(e)
    }
  }

  function on_event(e: ServerEvent) {
    switch (e.type) {
      case 'destination': {
        const d = (e as { destination: Destination }).destination
        note_destination(d)
        const i = all_destinations.value.findIndex((x) => x.id === d.id)
        if (i >= 0) all_destinations.value.splice(i, 1, d)
        else all_destinations.value.push(d)
        return
      }
      case 'session.input': {
        const ev = e as { session_id: number; input: string; state: 'live' | 'lost' }
        if (ev.session_id !== session_id()) return
        const list = inputs.value.map((i) =>
          i.name === ev.input ? { ...i, state: ev.state } : { ...i },
        )
        merge_inputs(list)
        return
      }
      case 'stream.links': {
        const next: Record<string, LinkStats> = {}
        for (const l of (e as { links: { stream: string; link: LinkStats }[] }).links ?? [])
          next[l.stream] = l.link
        links.value = next
        return
      }
      case 'recording.alert': {
        const r = (e as { recording: Recording }).recording
        const i = recordings.value.findIndex((x) => x.session === r.session && x.stream === r.stream)
        if (i >= 0) recordings.value.splice(i, 1, r)
        else recordings.value.push(r)
        return
      }
    }
    if (!e.type.startsWith('program.')) return
    const ev = e as { program: string; details: Record<string, unknown> }
    if (ev.program !== program_name.value) return
    if (!program.value) {
      // The first sign of a program that started after the page loaded.
      void load_program()
      return
    }
    if (e.type === 'program.inputs') {
      merge_inputs((ev.details as { inputs: ProgramInput[] }).inputs)
      return
    }
    if (e.type === 'program.buffer') {
      // Sent about once a second while the fill moves: no reload needed.
      const fill = Number(ev.details.buffered_ms)
      if (Number.isFinite(fill)) program.value = { ...program.value, buffered_ms: fill }
      return
    }
    if (e.type === 'program.air') {
      const on_air = ev.details.on_air
      if (on_air === 'card' || on_air === 'program') program.value = { ...program.value, on_air }
      return
    }
    const fill_now = buffer_fill_ms.value
    if (e.type === 'program.cut') {
      fill_anchor.at_ms = Date.now()
      fill_anchor.fill_ms = 0
    } else if (e.type === 'program.resume') {
      fill_anchor.at_ms = Date.now()
      fill_anchor.fill_ms = 0
    } else if (e.type === 'program.delay') {
      const next = Number(ev.details.delay_ms ?? 0)
      fill_anchor.at_ms = Date.now()
      fill_anchor.fill_ms = Math.min(fill_now, next)
    }
    // The event says what changed; the state says everything, cheaply.
    void load_program()
  }

  const unsubscribe = events.subscribe(on_event)
  const clock = window.setInterval(() => (now.value = Date.now()), 1000)
  const recordings_timer = window.setInterval(() => {
    void load_recordings()
    void load_destinations()
  }, kRecordingsEveryMs)
  // Air going between card and program comes as program.air: no polling.
  watch(
    () => events.generation,
    (g, old) => {
      if (old !== undefined && g !== old) void load()
    },
  )
  watch(session_id, () => void load(), { immediate: true })
  onBeforeUnmount(() => {
    unsubscribe()
    window.clearInterval(clock)
    window.clearInterval(recordings_timer)
  })

  return {
    session,
    broadcast,
    program,
    inputs,
    links,
    destinations,
    destination_seen,
    recordings: session_recordings,
    all_recordings: recordings,
    recordings_alert,
    steps,
    case_numbers,
    step_names,
    load_error,
    loaded,
    now,
    air,
    program_name,
    is_live,
    delay_ms,
    buffer_fill_ms,
    load,
    reload_session,
    load_program,
  }
}

export type SessionLive = ReturnType<typeof useSessionLive>
