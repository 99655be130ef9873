// The public API the watch page reads: plain GETs a cache may answer (the
// browser revalidates them with If-None-Match), and the question form's POST.

export type PublicState = 'upcoming' | 'live' | 'paused' | 'ended'

export interface PublicSession {
  id: number
  title: string
  court: string
  site: string
  description: string
  scheduled_start_ms: number
  scheduled_end_ms: number | null
  started_ms: number | null
  ended_ms: number | null
  state: PublicState
  play: { flv: string; hls?: string } | null
  questions_answered: number
  watching?: number
}

export interface PublicQuestion {
  id: number
  text: string
  nickname: string
  source: string
  state: 'approved' | 'to_answer' | 'answered'
  repeats: number
  pinned: boolean
  answer: string
  answered_ms: number | null
}

export interface Receipt {
  receipt: string
  id: number
  state: string
}

export class PublicError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code)
  }
}

async function get<T>(path: string): Promise<T> {
  // no-cache: revalidate every poll (a 304 costs nothing); a CDN in front
  // still serves it by its max-age.
  const r = await fetch('/api/v1/public' + path, { credentials: 'same-origin', cache: 'no-cache' })
  if (!r.ok) throw new PublicError(r.status, `http_${r.status}`)
  return (await r.json()) as T
}

export const public_api = {
  sessions: () => get<{ sessions: PublicSession[] }>('/sessions'),
  session: (id: number) => get<PublicSession>(`/sessions/${id}`),
  questions: (id: number) => get<{ questions: PublicQuestion[] }>(`/sessions/${id}/questions`),
  /** Once per page: counts this browser among the session's viewers. */
  view: (id: number) =>
    fetch(`/api/v1/public/sessions/${id}/views`, { method: 'POST', credentials: 'same-origin' }).catch(
      () => undefined,
    ),
  async ask(id: number, body: { text: string; nickname?: string; contact?: string }): Promise<Receipt> {
    const r = await fetch(`/api/v1/public/sessions/${id}/questions`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })
    if (!r.ok) {
      let code = `http_${r.status}`
      try {
        code = (await r.json())?.error?.code ?? code
      } catch {
        // not JSON: the status says enough
      }
      throw new PublicError(r.status, code)
    }
    return (await r.json()) as Receipt
  },
}
