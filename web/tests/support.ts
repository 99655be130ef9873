// The real peers the console tests drive: courtcast itself (COURTCAST_BIN),
// FFmpeg cameras and nginx-rtmp platforms, each on loopback ports picked at
// start and kept across restarts (the page's origin must not change).

import { expect } from '@playwright/test'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const kWebDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const kDist = process.env.COURTCAST_WEB_DIR ?? path.join(kWebDir, 'dist')
const kRepo = path.resolve(kWebDir, '..')

export function courtcast_bin(): string {
  const bin = process.env.COURTCAST_BIN ?? path.join(kRepo, 'build', 'courtcast')
  if (!fs.existsSync(bin)) throw new Error(`no courtcast binary at ${bin}: build it or set COURTCAST_BIN`)
  return bin
}

/** Polls `probe` until it gives a truthy value or `timeout_ms` passes. */
export async function wait_for<T>(probe: () => Promise<T> | T, timeout_ms: number, what: string): Promise<T> {
  const deadline = Date.now() + timeout_ms
  for (;;) {
    try {
      const v = await probe()
      if (v) return v
    } catch {
      // Not yet: the peer may still be starting.
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout_ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

export async function free_port(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1')
    c.once('connect', () => {
      c.destroy()
      resolve(true)
    })
    c.once('error', () => resolve(false))
  })
}

async function stop_process(p: ChildProcess | null, signal: NodeJS.Signals = 'SIGTERM') {
  if (!p || p.exitCode !== null || p.signalCode !== null) return
  const exited = new Promise((r) => p.once('exit', r))
  p.kill(signal)
  const timer = setTimeout(() => p.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

// --- test media ------------------------------------------------------------

/** An H.264/AAC FLV test pattern, as tests/integration/harness.py makes it
 * (a 2 s GOP at `rate` fps; the tone at `audio_rate` Hz). */
export function test_media(name: string, size: string, tone: number, rate = 25, audio_rate = 44100): string {
  const dir = process.env.COURTCAST_TEST_MEDIA ?? path.join(os.tmpdir(), 'courtcast-web-media')
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${name}.flv`)
  if (fs.existsSync(file)) return file
  const tmp = `${file}.${process.pid}.part`
  const r = spawnSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}`,
    '-f', 'lavfi', '-i', `sine=frequency=${tone}:sample_rate=${audio_rate}`,
    '-t', '30', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
    '-profile:v', 'high', '-b:v', '2500k', '-g', `${2 * rate}`, '-keyint_min', `${2 * rate}`,
    '-sc_threshold', '0', '-c:a', 'aac', '-b:a', '96k', '-ac', '2', '-f', 'flv', tmp,
  ])
  if (r.status !== 0) throw new Error(`ffmpeg could not make ${file}: ${r.stderr}`)
  fs.renameSync(tmp, file)
  return file
}

/** FFmpeg publishing a file in real time, looping, without re-encoding. */
export function publish(url: string, media: string): ChildProcess {
  return spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', media,
    '-c', 'copy', '-f', 'flv', url], { stdio: 'ignore' })
}

export { stop_process }

// --- nginx-rtmp, a platform stand-in ------------------------------------------

export class NginxRtmp {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'courtcast-web-nginx-'))
  port = 0
  private proc: ChildProcess | null = null

  async start() {
    if (!this.port) this.port = await free_port()
    const conf = path.join(this.dir, 'nginx.conf')
    fs.writeFileSync(conf,
      'load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;\n' +
      `daemon off;\nmaster_process off;\npid ${this.dir}/nginx.pid;\n` +
      `error_log ${this.dir}/error.log warn;\nevents { worker_connections 1024; }\n` +
      `rtmp {\n  server { listen 127.0.0.1:${this.port}; application live { live on; } }\n}\n`)
    this.proc = spawn('nginx', ['-p', this.dir, '-c', conf], { stdio: 'ignore' })
    await wait_for(() => accepts(this.port), 10_000, `nginx on port ${this.port}`)
  }

  /** Gone at once, as a platform that drops off the network. */
  async kill() {
    await stop_process(this.proc, 'SIGKILL')
    this.proc = null
  }

  async stop() {
    await stop_process(this.proc)
    this.proc = null
  }
}

// --- courtcast -----------------------------------------------------------------

export interface ApiAnswer<T = any> {
  status: number
  body: T
}

export class Courtcast {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'courtcast-web-test-'))
  http_port = 0
  rtmp_port = 0
  /** Where the browser goes: courtcast itself, or the stand-in front below. */
  base_url = ''
  private proc: ChildProcess | null = null
  private log_file = path.join(this.dir, 'server.log')
  private front: http.Server | null = null
  private front_port = 0

  constructor(private readonly extra_config = '') {}

  private config(with_web_dir: boolean): string {
    const file = path.join(this.dir, 'courtcast.toml')
    fs.writeFileSync(file, [
      '[server]', `data_dir = "${this.dir}/var"`,
      '[rtmp]', `listen = "127.0.0.1:${this.rtmp_port}"`,
      '[http]', `listen = "127.0.0.1:${this.http_port}"`,
      ...(with_web_dir ? [`web_dir = "${kDist}"`] : []),
      '[log]', 'level = "info"',
      // SRT on a port of its own: the default (10080) may be another
      // courtcast's on this machine, and a failed bind stops the server.
      ...(/^\[srt\]/m.test(this.extra_config) ? [] : ['[srt]', 'listen = "127.0.0.1:0"']),
    ].join('\n') + '\n' + this.extra_config)
    return file
  }

  log(): string {
    try {
      return fs.readFileSync(this.log_file, 'utf8')
    } catch {
      return ''
    }
  }

  async start() {
    if (!fs.existsSync(path.join(kDist, 'index.html')))
      throw new Error(`no console build in ${kDist}: run npm run build in web/`)
    if (!this.http_port) this.http_port = await free_port()
    if (!this.rtmp_port) this.rtmp_port = await free_port()
    if (!(await this.launch(true))) {
      // A courtcast without [http] web_dir (before the console was served by
      // it): the same origin comes from a small front that serves dist/ and
      // passes /api and /live through.
      if (!(await this.launch(false))) throw new Error(`courtcast did not start:\n${this.log()}`)
      await this.start_front()
    }
    if (!this.base_url) this.base_url = `http://127.0.0.1:${this.http_port}`
  }

  private async launch(with_web_dir: boolean): Promise<boolean> {
    const config = this.config(with_web_dir)
    const out = fs.openSync(this.log_file, 'a')
    const proc = spawn(courtcast_bin(), ['serve', '--config', config], { stdio: ['ignore', out, out] })
    fs.closeSync(out)
    this.proc = proc
    try {
      await wait_for(async () => (proc.exitCode !== null ? Promise.reject(new Error('exited')) : accepts(this.http_port)),
        15_000, 'the HTTP listener')
    } catch {
      if (proc.exitCode !== null) return false
      throw new Error(`courtcast did not listen:\n${this.log()}`)
    }
    await wait_for(() => accepts(this.rtmp_port), 10_000, 'the RTMP listener')
    return true
  }

  private async start_front() {
    if (this.front) return
    this.front_port = await free_port()
    const backend = () => this.http_port
    this.front = http.createServer((req, res) => {
      const url = req.url ?? '/'
      if (url.startsWith('/api/') || url.startsWith('/live/')) {
        const up = http.request({ host: '127.0.0.1', port: backend(), method: req.method, path: url, headers: req.headers },
          (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers)
            r.pipe(res)
          })
        up.on('error', () => {
          res.writeHead(502)
          res.end()
        })
        req.pipe(up)
        res.on('close', () => up.destroy())
        return
      }
      const clean = path.normalize(decodeURIComponent(url.split('?')[0])).replace(/^(\.\.[/\\])+/, '')
      let file = path.join(kDist, clean)
      if (!file.startsWith(kDist) || !fs.existsSync(file) || fs.statSync(file).isDirectory())
        file = path.join(kDist, 'index.html')
      const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' }
      res.writeHead(200, { 'Content-Type': types[path.extname(file)] ?? 'application/octet-stream' })
      fs.createReadStream(file).pipe(res)
    })
    this.front.on('upgrade', (req, socket, head) => {
      const up = net.connect(backend(), '127.0.0.1', () => {
        const lines = [`${req.method} ${req.url} HTTP/1.1`]
        for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
        up.write(lines.join('\r\n') + '\r\n\r\n')
        up.write(head)
        socket.pipe(up).pipe(socket)
      })
      up.on('error', () => socket.destroy())
      socket.on('error', () => up.destroy())
    })
    await new Promise<void>((r) => this.front!.listen(this.front_port, '127.0.0.1', r))
    this.base_url = `http://127.0.0.1:${this.front_port}`
  }

  async stop() {
    await stop_process(this.proc)
    this.proc = null
  }

  async restart() {
    await this.stop()
    if (!(await this.launch(!this.front))) throw new Error(`courtcast did not restart:\n${this.log()}`)
  }

  async close() {
    await this.stop()
    await new Promise((r) => (this.front ? this.front.close(r) : r(null)))
    this.front?.closeAllConnections?.()
  }

  token(): string {
    return fs.readFileSync(path.join(this.dir, 'var', 'keys', 'api-token'), 'utf8').trim()
  }

  admin_password(): string {
    return fs.readFileSync(path.join(this.dir, 'var', 'keys', 'admin-initial-password'), 'utf8').trim()
  }

  rtmp_url(stream: string): string {
    return `rtmp://127.0.0.1:${this.rtmp_port}/live/${stream}`
  }

  /** A call with the bootstrap token, as a script would make it. */
  async api<T = any>(method: string, api_path: string, body?: unknown): Promise<ApiAnswer<T>> {
    const r = await fetch(`http://127.0.0.1:${this.http_port}/api/v1${api_path}`, {
      method,
      headers: { Authorization: `Bearer ${this.token()}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await r.text()
    return { status: r.status, body: text ? JSON.parse(text) : null }
  }

  async ok<T = any>(method: string, api_path: string, body?: unknown): Promise<T> {
    const a = await this.api<T>(method, api_path, body)
    if (a.status >= 300) throw new Error(`${method} ${api_path} -> ${a.status} ${JSON.stringify(a.body)}`)
    return a.body
  }

  /** Calls as a console user (cookie and CSRF token), like the browser. */
  async as_user(username: string, password: string) {
    const base = `http://127.0.0.1:${this.http_port}/api/v1`
    const login = await fetch(`${base}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    })
    if (login.status !== 200) throw new Error(`login ${username} -> ${login.status}`)
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]
    const csrf = (await login.json()).csrf_token as string
    const call = async (method: string, api_path: string, body?: unknown): Promise<ApiAnswer> => {
      const r = await fetch(`${base}${api_path}`, {
        method,
        headers: { Cookie: cookie, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await r.text()
      return { status: r.status, body: text ? JSON.parse(text) : null }
    }
    /** The status a GET of any path (e.g. /live/X.flv) answers; the body is not read. */
    call.status_of = async (any_path: string): Promise<number> => {
      const controller = new AbortController()
      const r = await fetch(`http://127.0.0.1:${this.http_port}${any_path}`, {
        headers: { Cookie: cookie },
        signal: controller.signal,
      })
      controller.abort()
      return r.status
    }
    return call
  }
}

/** A live session as a court starts one for the public: planned by director1 (who must
 * exist, with `password`) with one case, submitted, approved, its two cameras (cam-a
 * 1280×720, cam-b 960×540) publishing on the session's own URLs (pushed to `cameras`, so
 * the caller stops them even when this fails), started, cam-a taken. Pass-through air
 * changes picture size at each take: the hard case for the watch page's players
 * (conformed air never changes its format). */
export async function start_public_session(
  server: Courtcast,
  password: string,
  cameras: ChildProcess[],
  o: { title: string; description: string; case_number: string },
): Promise<{ session_id: number; air: string }> {
  const media = { 'cam-a': test_media('720p', '1280x720', 440), 'cam-b': test_media('540p', '960x540', 660) }
  const director = await server.as_user('director1', password)
  const now = Date.now()
  const created = await director('POST', '/sessions', {
    title: o.title, site: '武威市凉州区', scheduled_start_ms: now,
    scheduled_end_ms: now + 3 * 3_600_000, inputs: ['cam-a', 'cam-b'], delay_ms: 0,
    public_description: o.description,
    air: { mode: 'passthrough' },
    plan: { route: '凉州区', host: '孙某', officers: [{ name: '王某', role: 'judge' }] },
  })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  const session_id = created.body.id as number
  const air = `session-${session_id}`
  const kase = await server.ok('POST', '/cases', {
    number: o.case_number, cause: '借款合同纠纷', handler: '王某',
    applicants: [{ name: '张某' }], respondents: [{ name: '李某', kind: 'person' }],
    claimed_fen: 100_000_000, filed_ms: now - 30 * 86_400_000,
  })
  expect((await director('POST', `/sessions/${session_id}/cases`, { case_id: kase.id })).status).toBeLessThan(300)
  expect((await director('PATCH', `/sessions/${session_id}`, { plan: { case_order: [kase.id], host: '孙某' } })).status).toBe(200)
  expect((await director('POST', `/sessions/${session_id}/submit`)).status).toBe(200)
  await server.ok('POST', `/sessions/${session_id}/approve`)
  const urls = await director('POST', `/sessions/${session_id}/publish-urls`)
  for (const input of urls.body.inputs as { name: 'cam-a' | 'cam-b'; publish_url: string }[])
    cameras.push(publish(input.publish_url, media[input.name]))
  await wait_for(async () => {
    const b = await director('GET', `/sessions/${session_id}/broadcast`)
    return b.body.inputs.every((i: { state: string }) => i.state === 'live')
  }, 20_000, 'both cameras live')
  expect((await director('POST', `/sessions/${session_id}/start`)).status).toBe(200)
  const taken = await server.api('POST', `/programs/${air}/take`, { input: 'cam-a' })
  expect(taken.status, JSON.stringify(taken.body)).toBe(202)
  return { session_id, air }
}

// --- what the browser costs ------------------------------------------------------

/** CPU ticks (user + system) of the live Chromium processes below `root`.
 *  Only Chromium's: courtcast, FFmpeg and nginx are started by the same test
 *  worker, and counting them made the server's air encoder look like the
 *  browser's cost. */
export function browser_cpu_ticks(root: number): number {
  const parent = new Map<number, number>()
  const ticks = new Map<number, number>()
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      parent.set(Number(entry), Number(fields[1]))
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === 'chromium')
        ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]))
    } catch {
      // Gone while we looked.
    }
  }
  let total = 0
  for (const [pid, t] of ticks) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        total += t
        break
      }
    }
  }
  return total
}

export const kClockTicks = 100 // USER_HZ on Linux
