// HLS out (issue 16): hls.js in Chromium plays a live session's air on the
// watch page (forced with ?player=hls, as a phone without Media Source
// Extensions gets it) through takes between a 1280×720 and a 960×540 camera
// and the standby card on pass-through air — each a real change of codec
// configuration, carried as a discontinuity with a new init segment — and
// the video's clock keeps moving with no fatal hls.js error.

import { expect, test, type Page } from '@playwright/test'
import type { ChildProcess } from 'node:child_process'
import { Courtcast, start_public_session, stop_process, wait_for } from './support'

const kPassword = 'correct-horse-battery'

let server: Courtcast
let session_id = 0
let air = ''
const cameras: ChildProcess[] = []

test.describe.configure({ mode: 'serial' })

test.beforeAll(async () => {
  test.setTimeout(120_000)
  server = new Courtcast('[watch]\ncourt = "武威市凉州区人民法院"\n')
  await server.start()
  await server.ok('POST', '/users', { username: 'director1', role: 'director', password: kPassword })
  ;({ session_id, air } = await start_public_session(server, kPassword, cameras, {
    title: '现场执行直播', description: '执行法官带您直击执行现场。', case_number: '（2024）甘0602执4322号',
  }))
})

test.afterAll(async () => {
  for (const p of cameras) await stop_process(p)
  await server?.close()
})

async function take(input: string) {
  const r = input === 'card'
    ? await server.api('POST', `/programs/${air}/card`, {})
    : await server.api('POST', `/programs/${air}/take`, { input })
  expect(r.status, JSON.stringify(r.body)).toBe(202)
}

async function video_state(page: Page) {
  return page.evaluate(() => {
    const v = document.querySelector<HTMLVideoElement>('.watch-player video.current')
    const box = document.querySelector<HTMLElement>('.watch-player')
    return { t: v?.currentTime ?? -1, w: v?.videoWidth ?? 0, fatal: Number(box?.dataset.hlsFatal ?? 0), mode: box?.dataset.mode ?? '' }
  })
}

/** The clock moves by `seconds` (of wall time, within `timeout_ms`) at `width` when given. */
async function advances(page: Page, seconds: number, timeout_ms: number, width?: number) {
  const start = await video_state(page)
  await wait_for(async () => {
    const now = await video_state(page)
    return now.t > start.t + seconds && (width === undefined || now.w === width)
  }, timeout_ms, `the video to advance ${seconds}s${width ? ` at ${width} wide` : ''}`)
}

test('hls.js plays air through takes between 1280×720, 960×540 and the card', async ({ page }, info) => {
  test.setTimeout(150_000)
  await page.goto(`${server.base_url}/watch/${session_id}?player=hls`)
  await wait_for(async () => (await video_state(page)).mode === 'hls.js', 15_000, 'hls.js chosen')
  await advances(page, 2, 30_000, 1280)
  await page.screenshot({ path: info.outputPath('hls-0-cam-a.png') })
  let n = 0
  for (const [input, width] of [['cam-b', 960], ['card', undefined], ['cam-a', 1280]] as const) {
    await take(input)
    await advances(page, 3, 30_000, width)
    await page.screenshot({ path: info.outputPath(`hls-${++n}-${input}.png`) })
  }
  const end = await video_state(page)
  expect(end.fatal).toBe(0)
  await expect(page.locator('.watch-player .notice')).toHaveCount(0)
})
