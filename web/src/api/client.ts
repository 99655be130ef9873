// The one client of the courtcast HTTP API. The browser's credential is the
// HttpOnly session cookie; the CSRF token lives in memory only (a reloaded
// page asks GET /me for it again), never in localStorage.

import type {
  Broadcast,
  Card,
  CourtCase,
  Destination,
  DestinationInput,
  GraphicsSwitch,
  LiveSession,
  LoginAnswer,
  MeAnswer,
  ProgramState,
  PublishUrl,
  Question,
  Recording,
  Step,
  StepType,
  StreamInfo,
} from './types'

/** An API refusal or a network failure, in the API's own terms. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

let csrf_token = ''
let on_unauthorized: (() => void) | null = null

export function set_csrf_token(token: string) {
  csrf_token = token
}

/** Called on any 401 except the login itself: the router sends the user to /login. */
export function set_unauthorized_handler(handler: () => void) {
  on_unauthorized = handler
}

const kBase = '/api/v1'

async function error_from(r: Response): Promise<ApiError> {
  let code = `http_${r.status}`
  let message = r.statusText || `HTTP ${r.status}`
  try {
    const body = await r.json()
    if (body?.error) {
      code = body.error.code ?? code
      message = body.error.message ?? message
    }
  } catch {
    // A body that is not JSON (a proxy's page): the status says enough.
  }
  return new ApiError(r.status, code, message)
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET' && csrf_token) headers['X-CSRF-Token'] = csrf_token
  let r: Response
  try {
    r = await fetch(kBase + path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (e) {
    throw new ApiError(0, 'network_error', e instanceof Error ? e.message : String(e))
  }
  if (!r.ok) {
    const err = await error_from(r)
    if (r.status === 401 && path !== '/login' && on_unauthorized) on_unauthorized()
    throw err
  }
  if (r.status === 204) return undefined as T
  const text = await r.text()
  return (text ? JSON.parse(text) : undefined) as T
}

/** PUT of a file with upload progress (fetch cannot report it; XHR can). */
function upload<T>(path: string, file: File, on_progress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('PUT', kBase + path)
    xhr.withCredentials = true
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream')
    if (csrf_token) xhr.setRequestHeader('X-CSRF-Token', csrf_token)
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) on_progress(e.loaded / e.total)
    }
    xhr.onload = () => {
      let body: { error?: { code: string; message: string } } | undefined
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined
      } catch {
        body = undefined
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body as T)
      if (xhr.status === 401 && on_unauthorized) on_unauthorized()
      reject(
        new ApiError(
          xhr.status,
          body?.error?.code ?? `http_${xhr.status}`,
          body?.error?.message ?? (xhr.statusText || `HTTP ${xhr.status}`),
        ),
      )
    }
    // A 413 answered before the body is read closes the connection, which
    // the browser may report as a network error.
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'the upload was interrupted'))
    xhr.send(file)
  })
}

const enc = encodeURIComponent

export const api = {
  login: (username: string, password: string) =>
    request<LoginAnswer>('POST', '/login', { username, password }),
  logout: () => request<void>('POST', '/logout'),
  me: () => request<MeAnswer>('GET', '/me'),

  sessions: () => request<{ sessions: LiveSession[] }>('GET', '/sessions').then((a) => a.sessions),
  session: (id: number) => request<LiveSession>('GET', `/sessions/${id}`),
  start_session: (id: number) => request<LiveSession>('POST', `/sessions/${id}/start`),
  end_session: (id: number) => request<LiveSession>('POST', `/sessions/${id}/end`),
  broadcast: (id: number) => request<Broadcast>('GET', `/sessions/${id}/broadcast`),
  publish_urls: (id: number) =>
    request<{ session_id: number; inputs: PublishUrl[] }>('POST', `/sessions/${id}/publish-urls`),
  session_steps: (id: number) =>
    request<{ steps: Step[] }>('GET', `/sessions/${id}/steps`).then((a) => a.steps),
  court_case: (id: number) => request<CourtCase>('GET', `/cases/${id}`),
  step_types: () =>
    request<{ step_types?: StepType[]; types?: StepType[] } | StepType[]>('GET', '/step-types').then(
      (a) => (Array.isArray(a) ? a : (a.step_types ?? a.types ?? [])),
    ),

  questions: (session_id: number) =>
    request<{
      questions: Question[]
      answered: number
      audience: { watching: number; peak: number; unique: number }
    }>('GET', `/sessions/${session_id}/questions`),
  decide_question: (
    id: number,
    action: 'approve' | 'reject' | 'to_answer' | 'answer' | 'pin' | 'unpin' | 'merge',
    body: { reason?: string; answer?: string; into?: number } = {},
  ) => request<Question>('POST', `/questions/${id}/${action}`, body),
  reveal_question: (id: number) =>
    request<{ id: number; text: string; contact: string }>('POST', `/questions/${id}/reveal`),

  program: (name: string) => request<ProgramState>('GET', `/programs/${enc(name)}`),
  take: (name: string, input: string) =>
    request<{ accepted: string }>('POST', `/programs/${enc(name)}/take`, { input }),
  card: (name: string) => request<{ accepted: string }>('POST', `/programs/${enc(name)}/card`),
  cut: (name: string) => request<{ accepted: string }>('POST', `/programs/${enc(name)}/cut`),
  resume: (name: string) => request<{ accepted: string }>('POST', `/programs/${enc(name)}/resume`),
  set_delay: (name: string, delay_seconds: number) =>
    request<{ accepted: string }>('POST', `/programs/${enc(name)}/delay`, { delay_seconds }),
  set_auto_return: (name: string, on: boolean) =>
    request<{ accepted: string }>('POST', `/programs/${enc(name)}/auto_return`, { on }),
  set_slate: (name: string, message: string) =>
    request<{ accepted: string }>('POST', `/programs/${enc(name)}/slate`, { message }),
  set_graphics: (name: string, switches: Partial<Record<GraphicsSwitch, boolean>>) =>
    request<{ accepted: string }>('POST', `/programs/${enc(name)}/graphics`, switches),

  stream: (name: string) => request<StreamInfo>('GET', `/streams/${enc(name)}`),

  destinations: () =>
    request<{ destinations: Destination[] }>('GET', '/destinations').then((a) => a.destinations),
  add_destination: (d: DestinationInput) => request<Destination>('POST', '/destinations', d),
  edit_destination: (id: string, d: DestinationInput) =>
    request<Destination>('PATCH', `/destinations/${enc(id)}`, d),
  remove_destination: (id: string) => request<void>('DELETE', `/destinations/${enc(id)}`),
  start_destination: (id: string) =>
    request<Destination>('POST', `/destinations/${enc(id)}/start`),
  stop_destination: (id: string) => request<Destination>('POST', `/destinations/${enc(id)}/stop`),

  recordings: () => request<{ alert: boolean; recordings: Recording[] }>('GET', '/recordings'),

  get_card: () => request<Card>('GET', '/card'),
  upload_card: (file: File, on_progress: (fraction: number) => void) =>
    upload<Card>('/card', file, on_progress),
  reset_card: () => request<Card>('DELETE', '/card'),
}
