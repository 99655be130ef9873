// An SRT camera's link figures in the control room's input tile (issue 16):
// the events carry them every 2 s, the tile shows round-trip time, loss,
// retransmits and the receive buffer, and clears them when the camera leaves.

import { expect, test } from '@playwright/test'
import { spawn, type ChildProcess } from 'node:child_process'
import { Courtcast, free_port, stop_process, test_media } from './support'

const kT0 = 1723075200000
let server: Courtcast
let camera: ChildProcess | null = null

test.afterAll(async () => {
  await stop_process(camera)
  await server?.close()
})

test('an SRT camera tile shows its link: round trip, loss, retransmits and buffer', async ({ page }) => {
  const srt_port = await free_port()
  server = new Courtcast(`[srt]\nlisten = "127.0.0.1:${srt_port}"\n`)
  await server.start()
  // One person plans and submits, another approves (一案一审核).
  await server.ok('POST', '/users', { username: 'director1', role: 'director', password: 'correct-horse-battery' })
  const as_director = await server.as_user('director1', 'correct-horse-battery')
  const kase = await server.ok('POST', '/cases', {
    number: '（2024）甘0602执7788号', cause: '借款合同纠纷', handler: '王某',
    applicants: [{ name: '张某' }], respondents: [{ name: '李某', kind: 'person' }],
    claimed_fen: 100_000_000, filed_ms: kT0 - 30 * 86_400_000,
  })
  const created = await as_director('POST', '/sessions', {
    title: '现场执行直播', site: '武威市凉州区', scheduled_start_ms: kT0,
    scheduled_end_ms: kT0 + 3 * 3_600_000, inputs: ['cam-a'], delay_ms: 0,
    plan: { route: '凉州区', host: '孙某', officers: [{ name: '王某', role: 'judge' }] },
  })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  const session = created.body
  expect((await as_director('POST', `/sessions/${session.id}/cases`, { case_id: kase.id })).status).toBeLessThan(300)
  expect((await as_director('PATCH', `/sessions/${session.id}`, { plan: { case_order: [kase.id] } })).status).toBe(200)
  const urls = (await as_director('POST', `/sessions/${session.id}/publish-urls`)).body
  const key = (urls.inputs as { name: string; publish_url: string }[])
    .find((i) => i.name === 'cam-a')!.publish_url.split('key=')[1]
  expect((await as_director('POST', `/sessions/${session.id}/submit`)).status).toBe(200)
  await server.ok('POST', `/sessions/${session.id}/approve`)
  await server.ok('POST', `/sessions/${session.id}/start`)
  const stream_id = `#!::r=live/session-${session.id}.cam-a,m=publish,s=${key}`
  camera = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1',
    '-i', test_media('720p', '1280x720', 440), '-c', 'copy', '-f', 'mpegts',
    `srt://127.0.0.1:${srt_port}?streamid=${stream_id}`], { stdio: 'ignore' })

  await page.goto(`${server.base_url}/login`)
  await page.locator('input[name=username]').fill('admin')
  await page.locator('input[name=password]').fill(server.admin_password())
  await page.locator('[data-test=login-form] button[type=submit]').click()
  await expect(page.locator('[data-test=who]')).toContainText('admin')
  await page.goto(`${server.base_url}/sessions/${session.id}/control`)

  const link = page.locator('[data-test=tile-cam-a] [data-test=tile-link]')
  await expect(link).toBeVisible({ timeout: 20_000 })
  await expect(link).toContainText('SRT')
  await expect(link.locator('[data-test=link-rtt]')).toHaveText(/^往返 \d+ ms$/)
  await expect(link.locator('[data-test=link-loss]')).toHaveText(/^丢包 \d+（\d+\.\d%）$/)
  await expect(link.locator('[data-test=link-retransmits]')).toHaveText(/^重传 \d+$/)
  await expect(link.locator('[data-test=link-buffer]')).toHaveText(/^缓冲 \d+ ms$/)
  await page.screenshot({ path: test.info().outputPath('srt-link-tile.png') })

  // The camera leaves: its figures go with it.
  await stop_process(camera)
  camera = null
  await expect(link).toHaveCount(0, { timeout: 20_000 })
})
