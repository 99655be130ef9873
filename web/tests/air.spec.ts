// Conformed air in a browser (issue 15, "What it must show"): mpegts.js in
// Debian's Chromium plays air through takes among three cameras of
// different formats (1280×720 at 25 fps, 960×540 at 30 fps, 1920×1080 at
// 25 fps with 48 kHz audio) and the standby card. Pass-through air kills
// the page's video element at the first take to another picture size; air
// conformed by the air encoder never changes its format, so one player on
// one element must play through all of it: its clock keeps advancing and
// neither mpegts.js nor the element reports an error.
//
// The player is mpegts.js alone (the package's own build, as the watch
// page loads it), on a bare page of the server's origin: the watch page's
// player would hide a failure by starting a fresh player.

import { expect, test, type Page } from '@playwright/test'
import type { ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { Courtcast, kWebDir, publish, stop_process, test_media, wait_for } from './support'

const kCameras = [
  { name: 'cam-a', key: 'air-key-a-123456', media: () => test_media('720p', '1280x720', 440) },
  { name: 'cam-b', key: 'air-key-b-123456', media: () => test_media('540p30', '960x540', 880, 30) },
  { name: 'cam-c', key: 'air-key-c-123456', media: () => test_media('1080p25-48k', '1920x1080', 660, 25, 48000) },
]
// The 20 takes, each held about 2.5 s, through every pair of
// formats and the card (tests/integration/test_air_encoder.py makes the same
// number and checks air's configuration with ffprobe).
const kTakes = [
  'cam-b', 'cam-c', 'card', 'cam-a', 'cam-c', 'cam-b', 'card', 'cam-c', 'cam-a', 'cam-b',
  'cam-a', 'card', 'cam-b', 'cam-c', 'cam-a', 'card', 'cam-c', 'cam-b', 'cam-a', 'cam-c',
]
const kHoldSeconds = 2.5

let server: Courtcast
const cameras: ChildProcess[] = []

test.describe.configure({ mode: 'serial' })

test.beforeAll(async () => {
  test.setTimeout(120_000)
  const streams = kCameras.map((c) => `[[stream]]\nname = "${c.name}"\nkey = "${c.key}"\n`).join('')
  // Small air keeps x264 cheap on a loaded test machine; the format is
  // what matters here, not its size.
  server = new Courtcast(
    streams +
      '[[program]]\nname = "air1"\ninputs = ["cam-a", "cam-b", "cam-c"]\ndelay_seconds = 0\n' +
      'air_width = 640\nair_height = 360\nair_video_kbps = 800\nair_preset = "ultrafast"\n' +
      'air_title = "（2026）甘0602执1234号 强制腾退"\n',
  )
  await server.start()
  for (const c of kCameras) cameras.push(publish(server.rtmp_url(`${c.name}?key=${c.key}`), c.media()))
  await wait_for(async () => {
    const p = await server.ok('GET', '/programs/air1')
    return p.inputs.every((i: { state: string }) => i.state === 'live') && p.on_air === 'program'
  }, 30_000, 'three cameras live and the encoder on air')
})

test.afterAll(async () => {
  for (const p of cameras) await stop_process(p)
  await server?.close()
})

async function take(target: string) {
  const r =
    target === 'card'
      ? await server.api('POST', '/programs/air1/card', {})
      : await server.api('POST', '/programs/air1/take', { input: target })
  expect(r.status, JSON.stringify(r.body)).toBe(202)
  await wait_for(async () => (await server.ok('GET', '/programs/air1')).on_program === target, 10_000,
    `${target} on program`)
}

interface PlayerState {
  time: number
  width: number
  height: number
  errors: string[]
  media_infos: number
}

async function state(page: Page): Promise<PlayerState> {
  return page.evaluate(() => {
    const w = window as unknown as { air_probe: { errors: string[]; media_infos: number } }
    const v = document.querySelector('video') as HTMLVideoElement
    const errors = [...w.air_probe.errors]
    if (v.error) errors.push(`video element: code ${v.error.code} ${v.error.message}`)
    return { time: v.currentTime, width: v.videoWidth, height: v.videoHeight, errors, media_infos: w.air_probe.media_infos }
  })
}

/** Waits until the element's clock is `seconds` past where it was. */
async function advances(page: Page, seconds: number, what: string) {
  const from = (await state(page)).time
  await wait_for(async () => {
    const s = await state(page)
    if (s.errors.length) throw new Error(s.errors.join('; ')) // fails at once, below
    return s.time >= from + seconds
  }, 15_000, `${what}: the video's clock ${seconds} s past ${from.toFixed(2)}`).catch(async (e) => {
    const s = await state(page)
    throw new Error(`${e.message}; errors: ${s.errors.join('; ') || 'none'}`)
  })
}

test('mpegts.js plays conformed air through takes among three formats and the card', async ({ page }) => {
  test.setTimeout(240_000)
  const page_url = `${server.base_url}/air-player-test`
  // A page of the server's origin (so /live/air1.flv is same-origin) that
  // holds only a video element.
  await page.route(page_url, (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><meta charset="utf-8"><video muted autoplay playsinline></video>' }))
  await page.goto(page_url)
  await page.addScriptTag({ path: path.join(kWebDir, 'node_modules', 'mpegts.js', 'dist', 'mpegts.js') })
  await page.evaluate(() => {
    const mpegts = (window as unknown as { mpegts: any }).mpegts
    const probe = { errors: [] as string[], media_infos: 0 }
    ;(window as unknown as { air_probe: typeof probe }).air_probe = probe
    const v = document.querySelector('video') as HTMLVideoElement
    v.addEventListener('error', () => probe.errors.push(`video element error ${v.error?.code}`))
    // The watch page's player settings (src/watch/WatchPlayer.vue).
    const player = mpegts.createPlayer(
      { type: 'flv', isLive: true, url: '/live/air1.flv', hasAudio: true, hasVideo: true },
      {
        enableWorker: false, enableStashBuffer: false, lazyLoad: false,
        liveBufferLatencyChasing: true, liveBufferLatencyMaxLatency: 3.0, liveBufferLatencyMinRemain: 0.5,
        autoCleanupSourceBuffer: true, autoCleanupMaxBackwardDuration: 20, autoCleanupMinBackwardDuration: 10,
      },
    )
    player.on(mpegts.Events.ERROR, (type: string, detail: string, info: unknown) =>
      probe.errors.push(`mpegts.js ${type} ${detail} ${JSON.stringify(info)}`))
    player.on(mpegts.Events.LOADING_COMPLETE, () => probe.errors.push('mpegts.js: air ended'))
    player.on(mpegts.Events.MEDIA_INFO, () => probe.media_infos++)
    player.attachMediaElement(v)
    player.load()
    void Promise.resolve(player.play()).catch(() => undefined)
  })
  await advances(page, 1, 'first picture')
  const start = await state(page)
  expect([start.width, start.height]).toEqual([640, 360])

  const shots = path.join(process.env.COURTCAST_TEST_OUTPUT ?? 'test-results', 'air')
  fs.mkdirSync(shots, { recursive: true })
  for (const [n, target] of kTakes.entries()) {
    await take(target)
    await advances(page, kHoldSeconds, `take ${n + 1} (${target})`)
    if (n < kCameras.length + 1) await page.screenshot({ path: path.join(shots, `mpegts-take-${n + 1}-${target}.png`) })
  }
  const end = await state(page)
  expect(end.errors).toEqual([])
  expect([end.width, end.height]).toEqual([640, 360])
  // One configuration all along: mpegts.js saw the media once.
  expect(end.media_infos).toBe(1)
  expect(end.time - start.time).toBeGreaterThan(kTakes.length * kHoldSeconds)
  const program = await server.ok('GET', '/programs/air1')
  expect(program.air.encoder.decode_errors).toBe(0)
})
