// Shapes of the courtcast HTTP API (docs/api.md), as the console reads them.

export type Role = 'admin' | 'director' | 'officer' | 'moderator' | 'readonly'

export interface User {
  id: number
  name: string
  role: Role
}

export interface LoginAnswer {
  user: User
  csrf_token: string
  expires_ms: number
}

export interface MeAnswer {
  user: User
  via: 'session' | 'api_token' | 'bootstrap_token'
  csrf_token?: string
}

export type SessionState = 'draft' | 'submitted' | 'approved' | 'rejected' | 'live' | 'ended'

export interface AudienceFigure {
  platform: string
  kind: 'watch_count' | 'clicks' | 'visits'
  count: number
  source: string
  reported_ms: number
}

export interface LiveSession {
  id: number
  campaign_id: number | null
  title: string
  site: string
  scheduled_start_ms: number
  scheduled_end_ms: number | null
  actual_start_ms: number | null
  actual_end_ms: number | null
  state: SessionState
  plan: { case_order: number[]; route: string; host: string }
  inputs: string[]
  destinations: string[]
  delay_ms: number
  case_ids: number[]
  audience: AudienceFigure[]
}

export interface CourtCase {
  id: number
  number: string
  cause: string
  state: string
}

export interface Step {
  id: number
  case_id: number
  session_id: number | null
  type: string
  start_ms: number
  end_ms: number | null
}

export interface StepType {
  code: string
  name_zh: string
}

export interface ProgramInput {
  name: string
  stream?: string
  state: 'live' | 'lost'
  bitrate_bps: number
  width: number
  height: number
}

export interface ProgramState {
  name: string
  on_program: string
  pending: string | null
  on_air: 'program' | 'card'
  cut: boolean
  delay_seconds: number
  // How much program waits in the delay line now (0..delay); older servers omit it.
  buffered_ms?: number
  auto_return: boolean
  last_take_to_frame_ms: number | null
  inputs: ProgramInput[]
  air?: ProgramAir
}

export interface AirGraphics {
  clock: boolean
  live_tag: boolean
  caption: boolean
  emblem: boolean
  emblem_set: boolean
  title: string
  caption_text: string
}

export interface ProgramAir {
  mode: 'conform' | 'passthrough'
  width: number
  height: number
  fps: number
  encoder_running: boolean
  graphics: AirGraphics
  slate: { message: string; background: string }
}

export type GraphicsSwitch = 'clock' | 'live_tag' | 'caption' | 'emblem'

export interface EmblemInfo {
  set: boolean
  sha256: string | null
  size_bytes: number | null
  width: number | null
  height: number | null
  limits: { max_size_bytes: number; min_side_px: number; max_side_px: number }
}

export interface BroadcastInput extends ProgramInput {
  stream: string
  // Keys masked (****); rtmps_url only where the server listens for RTMPS.
  publish_url: string
  rtmps_url?: string
  srt_url?: string
  srt_passphrase_required?: boolean
}

export interface Broadcast {
  session_id: number
  state: SessionState
  inputs_open: boolean
  on_air: boolean
  air: { stream: string; rtmp: string; flv: string }
  program: { stream: string; flv: string; control: string; state: ProgramState | null }
  inputs: BroadcastInput[]
  destinations: { id: string; name: string; state: DestinationState; carries_air: boolean }[]
}

export interface PublishUrl {
  name: string
  server: string
  stream_key: string
  publish_url: string
  rtmps_server?: string
  rtmps_url?: string
  srt_url?: string
  srt_passphrase_required?: boolean
}

export type DestinationState = 'idle' | 'connecting' | 'live' | 'retrying' | 'stopped'

export const kPresets = [
  'douyin',
  'kuaishou',
  'wechat_channels',
  'weibo',
  'toutiao',
  'bilibili',
  'feitian_cloud',
  'custom',
] as const
export type Preset = (typeof kPresets)[number]

export interface DestinationHealth {
  state: DestinationState
  bitrate_bps: number
  bytes_sent: number
  dropped_packets: number
  reconnects: number
  last_error: string | null
  live_since_ms: number | null
  // Epoch ms; optional because older servers do not send them.
  last_error_at_ms?: number | null
  next_retry_ms?: number | null
}

export interface Destination {
  id: string
  name: string
  preset: Preset | null
  url: string
  stream_key_set: boolean
  stream: string
  enabled: boolean
  health: DestinationHealth
}

export interface DestinationInput {
  name?: string
  stream?: string
  preset?: Preset
  server_url?: string
  stream_key?: string
  url?: string
  enabled?: boolean
}

export interface Recording {
  session: string
  stream: string
  state: 'idle' | 'recording' | 'refused' | 'failed'
  alert: boolean
  alert_reason: string | null
  segments: number // closed this run; the one being written is not among them
  gaps: number
  bytes_written: number // every segment on disk, the open one included
  open_segment_bytes: number // of those, the open segment's (0: none open)
  dropped_packets: number
  free_bytes: number
  last_error: string | null
}

export interface Card {
  source: 'built-in' | 'config' | 'uploaded'
  duration_ms: number
  width: number
  height: number
  uploaded_by: string | null
  uploaded_at_ms: number | null
  format: string | null
  sha256: string | null
  size_bytes: number | null
  limits: { max_size_bytes: number; max_duration_ms: number }
}

export interface StreamInfo {
  name: string
  live: boolean
  uptime_ms: number
  bitrate_bps: number
  video?: { codec: string; width: number; height: number; frame_rate: number }
}

// A viewer's question as the moderation queue shows it (masked; the text as
// asked comes only from POST /questions/ID/reveal, audited).
export type QuestionState = 'pending' | 'approved' | 'to_answer' | 'answered' | 'rejected' | 'merged'
export interface QuestionFinding {
  kind: string
  action: 'mask' | 'flag' | 'reject'
  confidence: string
  reason: string
  category?: string
}
export interface Question {
  id: number
  session_id: number
  source: string
  author: string
  masked_text: string
  findings: QuestionFinding[]
  verdict: 'accept' | 'flag' | 'reject'
  state: QuestionState
  reason: string
  merged_into: number | null
  repeats: number
  pinned: boolean
  answer: string
  answered_by: string
  has_contact: boolean
  created_ms: number
  updated_ms: number
  answered_ms: number | null
}

// An ingest link's own figures (SRT), as the streams API and the
// stream.links event carry them.
export interface LinkStats {
  protocol: string
  rtt_ms: number
  receive_rate_mbps: number
  bandwidth_mbps: number
  latency_ms: number
  packets_received: number
  packets_lost: number
  packets_retransmitted: number
  packets_dropped: number
  receive_buffer_ms: number
  receive_buffer_bytes: number
  continuity_errors: number
}

// One message of /api/v1/events.
export type ServerEvent =
  | { type: 'destination'; destination: Destination }
  | {
      type:
        | 'program.take'
        | 'program'
        | 'card'
        | 'delay'
        | 'cut'
        | 'resume'
        | 'card_set'
        | 'program.card'
        | 'program.delay'
        | 'program.cut'
        | 'program.resume'
        | 'program.card_set'
        | 'program.buffer'
        | 'program.air'
      program: string
      details: Record<string, unknown>
    }
  | { type: 'program.inputs'; program: string; details: { inputs: ProgramInput[] } }
  | { type: 'session.input'; session_id: number; input: string; state: 'live' | 'lost' }
  | { type: 'card'; action: 'upload' | 'reset'; by: string; card: Card }
  | { type: 'recording.alert'; recording: Recording }
  | { type: 'question'; session_id: number; question: Question }
  | { type: 'stream.links'; links: { stream: string; link: LinkStats }[] }
  | { type: string; [k: string]: unknown }
