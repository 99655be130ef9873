// LL-HLS latency in Chromium (bench/hls.sh): hls.js plays URL on a blank
// page; every half second after WARMUP s the page reads how far behind wall
// time the frame it shows is: Date.now() − hls.playingDate, where
// playingDate is the picture's EXT-X-PROGRAM-DATE-TIME plus its offset in
// the segment. courtcast stamps a segment's date when its first frame
// reaches the packager, which with FFmpeg publishing in real time on
// loopback is the frame's publish time within milliseconds: so this is
// publish → shown. hls.js's own `latency` (to the playlist's live edge) is
// reported next to it.
//
//   node bench/hls_latency.mjs URL [SECONDS=40] [WARMUP=15]
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(path.join(root, 'web', 'package.json'))
const { chromium } = require('@playwright/test')
const [url, seconds = '40', warmup = '15'] = process.argv.slice(2)

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'],
})
const page = await browser.newPage()
await page.setContent('<video id="v" muted autoplay playsinline></video>')
await page.addScriptTag({ path: path.join(root, 'web/node_modules/hls.js/dist/hls.min.js') })
await page.evaluate((src) => {
  const w = window
  w.samples = []
  w.errors = []
  const hls = new w.Hls({ lowLatencyMode: true, enableWorker: false })
  hls.on(w.Hls.Events.ERROR, (_e, d) => { if (d.fatal) w.errors.push(d.details) })
  hls.loadSource(src)
  hls.attachMedia(document.getElementById('v'))
  w.hls = hls
}, url)
await page.waitForTimeout(Number(warmup) * 1000)
const until = Date.now() + (Number(seconds) - Number(warmup)) * 1000
const shown = [], edge = []
let t0 = null, t1 = null
while (Date.now() < until) {
  const s = await page.evaluate(() => ({
    date: window.hls.playingDate ? window.hls.playingDate.getTime() : null,
    latency: window.hls.latency,
    t: document.getElementById('v').currentTime,
    now: Date.now(),
  }))
  if (s.date) shown.push((s.now - s.date) / 1000)
  if (Number.isFinite(s.latency)) edge.push(s.latency)
  if (t0 === null) t0 = s.t
  t1 = s.t
  await page.waitForTimeout(500)
}
const errors = await page.evaluate(() => window.errors)
await browser.close()
const q = (a, p) => { const b = [...a].sort((x, y) => x - y); return b.length ? b[Math.min(b.length - 1, Math.floor(p * b.length))] : null }
const r3 = (x) => (x === null ? null : Math.round(x * 1000) / 1000)
console.log(JSON.stringify({
  samples: shown.length,
  publish_to_shown_s: { median: r3(q(shown, 0.5)), p95: r3(q(shown, 0.95)), max: r3(q(shown, 1)) },
  hlsjs_latency_s: { median: r3(q(edge, 0.5)), max: r3(q(edge, 1)) },
  played_s: r3(t1 - t0),
  fatal_errors: errors,
}))
