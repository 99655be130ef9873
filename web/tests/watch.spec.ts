// The public watch page on a phone and the questions it sends through
// moderation (issue 14, "What it must show"): a viewer watches a live
// session through takes between a 1280×720 and a 960×540 camera, asks a
// question with a phone and an ID number in it; the moderator sees it
// masked, approves it and marks it to be answered; an officer answers; the
// viewer's page shows the masked question and the answer within 5 s,
// without a reload. The tests run in order on one server.

import { expect, test, type BrowserContext, type Page } from '@playwright/test'
import type { ChildProcess } from 'node:child_process'
import { Courtcast, start_public_session, stop_process, wait_for } from './support'

const kPassword = 'correct-horse-battery'
const kPhone = '13812345678'
const kIdNumber = '620102199001011233'
const kQuestion = `我的电话${kPhone}，身份证${kIdNumber}，被执行人没钱还怎么办？`
const kAnswer = '法院将依法查控被执行人的财产，拒不履行的将依法惩戒。'

let server: Courtcast
let session_id = 0
let air = ''
const cameras: ChildProcess[] = []
let viewer_context: BrowserContext
let viewer: Page

test.describe.configure({ mode: 'serial' })

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000)
  server = new Courtcast('[watch]\ncourt = "武威市凉州区人民法院"\n')
  await server.start()
  for (const role of ['director', 'moderator', 'officer'])
    await server.ok('POST', '/users', { username: `${role}1`, role, password: kPassword })
  ;({ session_id, air } = await start_public_session(server, kPassword, cameras, {
    title: '陇原风暴·凉州 现场执行直播',
    description: '执行法官带您直击执行现场，在线解答网友提问。',
    case_number: '（2024）甘0602执4321号',
  }))

  // A phone held upright: an iPhone-sized screen, touch, WeChat's browser name.
  viewer_context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 3,
    isMobile: true,
    hasTouch: true,
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
      'Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN',
  })
  viewer = await viewer_context.newPage()
  if (process.env.CONSOLE_DEBUG) {
    viewer.on('console', (m) => console.log('[viewer]', m.type(), m.text()))
    viewer.on('pageerror', (e) => console.log('[viewer error]', e.message))
  }
})

test.afterAll(async () => {
  await viewer_context?.close()
  for (const p of cameras) await stop_process(p)
  await server?.close()
})

async function take(input: string) {
  const r = await server.api('POST', `/programs/${air}/take`, { input })
  expect(r.status, JSON.stringify(r.body)).toBe(202)
}

/** The clock and picture size of each video the player shows now, by a
 * name the page keeps on the element (a recreated player is a new one). */
async function videos(page: Page): Promise<Record<string, { t: number; w: number }>> {
  return page.evaluate(() => {
    const out: Record<string, { t: number; w: number }> = {}
    document.querySelectorAll<HTMLVideoElement>('.watch-player video.current').forEach((v) => {
      if (!v.dataset.probe) v.dataset.probe = Math.random().toString(36).slice(2)
      out[v.dataset.probe] = { t: v.currentTime, w: v.videoWidth }
    })
    return out
  })
}

/** Waits until the viewer's video plays at `width` pixels wide: its clock
 * moves between two looks at one element showing that size. */
async function plays_at(page: Page, width: number, timeout_ms: number) {
  let last = await videos(page)
  await wait_for(async () => {
    const now = await videos(page)
    const moved = Object.entries(now).some(([k, v]) => v.w === width && last[k] && v.t > last[k].t + 0.1)
    last = now
    return moved
  }, timeout_ms, `the viewer's video playing at ${width} wide`)
}

async function login(page: Page, username: string) {
  await page.goto(`${server.base_url}/login`)
  await page.locator('input[name=username]').fill(username)
  await page.locator('input[name=password]').fill(kPassword)
  await page.locator('[data-test=login-form] button[type=submit]').click()
  await expect(page.locator('[data-test=who]')).toContainText(username)
}

test('the list shows the live session and the page its title, court and state', async () => {
  await viewer.goto(`${server.base_url}/watch`)
  const card = viewer.locator(`a.card[href="/watch/${session_id}"]`)
  await expect(card).toContainText('陇原风暴·凉州 现场执行直播')
  await expect(card).toContainText('直播中')
  await card.click()
  await expect(viewer).toHaveURL(new RegExp(`/watch/${session_id}$`))
  await expect(viewer.locator('.top .brand')).toHaveText('武威市凉州区人民法院')
  await expect(viewer.locator('.about h1')).toHaveText('陇原风暴·凉州 现场执行直播')
  await expect(viewer.locator('.description')).toContainText('直击执行现场')
  // The phone plays in the page, never in a native full-screen player.
  const video = viewer.locator('.watch-player video').first()
  await expect(video).toHaveAttribute('playsinline', '')
  await expect(video).toHaveAttribute('webkit-playsinline', '')
  await expect(video).toHaveAttribute('x5-playsinline', '')
  await expect(video).toHaveAttribute('x5-video-player-type', 'h5')
})

test('the video plays and keeps playing through takes between 1280×720 and 960×540', async () => {
  test.setTimeout(150_000)
  await plays_at(viewer, 1280, 30_000)
  for (const [input, width] of [['cam-b', 960], ['cam-a', 1280], ['cam-b', 960]] as const) {
    await take(input)
    await plays_at(viewer, width, 25_000)
  }
  // The viewer saw a new player at each change of picture size, not a dead one.
  const made = Number(await viewer.locator('.watch-player').getAttribute('data-generation'))
  expect(made).toBeGreaterThanOrEqual(1)
  await expect(viewer.locator('.watch-player .notice')).toHaveCount(0)
})

test('a question with a phone and an ID number is masked, moderated, answered and shown', async ({ browser }) => {
  test.setTimeout(120_000)
  await viewer.locator('textarea[name=question]').fill(kQuestion)
  await viewer.locator('input[name=nickname]').fill('凉州网友')
  await viewer.locator('input[name=contact]').fill('wx-viewer-1')
  await viewer.locator('form.ask button[type=submit]').click()
  await expect(viewer.locator('.form-message')).toContainText('回执')

  // The moderator's queue shows it masked, live, with what was found.
  const moderator_context = await browser.newContext()
  const moderator = await moderator_context.newPage()
  await login(moderator, 'moderator1')
  await moderator.goto(`${server.base_url}/sessions/${session_id}/questions`)
  const item = moderator.locator('article.question').filter({ hasText: '被执行人没钱还怎么办' })
  await expect(item).toHaveCount(1)
  const shown = await item.locator('[data-test=question-text]').innerText()
  expect(shown).toContain('138****5678')
  expect(shown).not.toContain(kPhone)
  expect(shown).not.toContain(kIdNumber)
  expect(shown).toContain('620102')
  await expect(item.locator('[data-test=question-findings]')).not.toBeEmpty()
  await item.locator('[data-test=approve]').click()
  await moderator.locator('[data-test=tab-approved]').click()
  const approved = moderator.locator('article.question').filter({ hasText: '被执行人没钱还怎么办' })
  await approved.locator('[data-test=to-answer]').click()
  await moderator.locator('[data-test=tab-to_answer]').click()
  await expect(moderator.locator('[data-state=to_answer]')).toHaveCount(1)
  await moderator_context.close()

  // The officer answers it from the to-answer list.
  const officer_context = await browser.newContext()
  const officer = await officer_context.newPage()
  await login(officer, 'officer1')
  await officer.goto(`${server.base_url}/sessions/${session_id}/questions`)
  const to_answer = officer.locator('[data-state=to_answer]')
  await expect(to_answer).toHaveCount(1)
  await to_answer.locator('[data-test=answer-input]').fill(kAnswer)
  await to_answer.locator('[data-test=answer]').click()
  const answered_at = Date.now()
  await expect(officer.locator('[data-test=tab-to_answer]')).toContainText('(0)')
  await officer_context.close()

  // The viewer's page, never reloaded, shows both within 5 s.
  const q = viewer.locator('.qa .question').filter({ hasText: '被执行人没钱还怎么办' })
  await expect(q.locator('.a-text')).toHaveText(kAnswer, { timeout: 5_000 })
  expect(Date.now() - answered_at).toBeLessThan(5_000)
  const text = await q.locator('.q-text').innerText()
  expect(text).toContain('138****5678')
  expect(text).not.toContain(kPhone)
  expect(text).not.toContain(kIdNumber)
  // The contact is never shown, nor is it anywhere in the public feed.
  const feed = await (await fetch(`http://127.0.0.1:${server.http_port}/api/v1/public/sessions/${session_id}/questions`)).text()
  expect(feed).not.toContain('wx-viewer-1')
  expect(feed).not.toContain(kPhone)
  // The answer counts into the session's statistics.
  expect((await server.ok('GET', `/sessions/${session_id}`)).questions_answered).toBe(1)
})

/** Where `selector`'s box is on the page (throws when it is not shown). */
async function box_of(page: Page, selector: string) {
  const b = await page.locator(selector).first().boundingBox()
  if (!b) throw new Error(`${selector} has no box`)
  return b
}

const overlaps = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

/** The element a tap at the centre of `selector` lands on is inside it: nothing covers it. */
async function uncovered(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel)
    if (!el) return false
    const r = el.getBoundingClientRect()
    const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)
    return !!hit && el.contains(hit)
  }, selector)
}

test('on the standby card a small paused notice covers neither the header, the status nor the controls', async ({}, info) => {
  test.setTimeout(90_000)
  const r = await server.api('POST', `/programs/${air}/card`, {})
  expect(r.status, JSON.stringify(r.body)).toBe(202)
  const status = viewer.locator('.about .status-line')
  await expect(status).toContainText('直播暂停', { timeout: 10_000 })
  // The card plays (the unmute button shows only while a video plays).
  await expect(viewer.locator('.watch-player .unmute')).toBeVisible({ timeout: 30_000 })
  const viewports = [[390, 844], [1280, 800]] as const
  for (const [w, h] of viewports) {
    await viewer.setViewportSize({ width: w, height: h })
    await viewer.screenshot({ path: info.outputPath(`watch-card-zh-CN-${w}x${h}.png`) })
  }
  await expect(viewer.locator('.watch-player .paused-notice')).toHaveText('直播暂停 · 请稍候')
  for (const [w, h] of viewports) {
    await viewer.setViewportSize({ width: w, height: h })
    // The notice sits on the player, small, clear of the header and the unmute button.
    const player = await box_of(viewer, '.watch-player')
    const notice = await box_of(viewer, '.watch-player .paused-notice')
    expect(notice.y).toBeGreaterThanOrEqual(player.y)
    expect(notice.y + notice.height).toBeLessThanOrEqual(player.y + player.height)
    expect(notice.width).toBeLessThan(player.width)
    expect(notice.height).toBeLessThan(player.height / 4)
    expect(overlaps(notice, await box_of(viewer, '.top'))).toBe(false)
    expect(overlaps(notice, await box_of(viewer, '.watch-player .unmute'))).toBe(false)
    expect(await uncovered(viewer, '.top')).toBe(true)
    expect(await uncovered(viewer, '.watch-player .unmute')).toBe(true)
    expect(await uncovered(viewer, '.about .status-line .state')).toBe(true)
    // The status line: the state in its place, a separator only between items.
    const line = await box_of(viewer, '.about .status-line')
    const state = await box_of(viewer, '.about .status-line .state')
    expect(state.y).toBeGreaterThanOrEqual(line.y - 1)
    expect(state.y + state.height).toBeLessThanOrEqual(line.y + line.height + 1)
    const text = (await status.innerText()).trim()
    expect(text).toMatch(/^● 直播暂停 · \d[\d,]* 人在看$/)
    // The unmute icon is a drawn picture, not a glyph a font may lack.
    const icon = await box_of(viewer, '.watch-player .unmute svg')
    expect(icon.width).toBeGreaterThan(8)
    expect(await viewer.locator('.watch-player .unmute').innerText()).not.toMatch(/\p{Extended_Pictographic}/u)
  }
  // English, on the desktop viewport.
  await viewer.locator('.top .lang').click()
  await expect(status).toContainText('Paused')
  expect((await status.innerText()).trim()).toMatch(/^● Paused · \d[\d,]* watching$/)
  // Every word follows the language: the site line and the receipt of the question sent earlier.
  await expect(viewer.getByText(/^Site: 武威市凉州区 · /)).toBeVisible()
  await expect(viewer.locator('.form-message')).toHaveText(/^Received; shown once reviewed\. Receipt: Q\d+$/)
  await viewer.screenshot({ path: info.outputPath('watch-card-en-1280x800.png') })
  await viewer.locator('.top .lang').click()
  await viewer.setViewportSize({ width: 390, height: 844 })
  await take('cam-a')
})
