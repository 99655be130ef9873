// LL-HLS latency in Chromium (bench/hls.sh): hls.js plays URL on a blank
// page. The stream carries bench/hls_clock.py's barcode on the top 48 rows
// of its picture: the wall-clock time (ms, low 32 bits) at which the frame
// was made, before FFmpeg encoded and published it. On every frame the
// video element presents (requestVideoFrameCallback) the page draws the
// strip to a canvas, reads the 40 cells back, checks them and takes
// Date.now() − stamp: publish → shown, encoder included. Samples from
// WARMUP s on. hls.js's own `latency` (to the playlist's live edge) is
// reported next to it, and frames whose check bits failed are counted.
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
// A blank page (courtcast's CSP would refuse the inline hls.js): the
// playlist and media come cross-origin, which courtcast's CORS allows.
await page.setContent('<video id="v" muted autoplay playsinline></video>')
await page.addScriptTag({ path: path.join(root, 'web/node_modules/hls.js/dist/hls.min.js') })
await page.evaluate((src) => {
  const w = window
  w.samples = []
  w.edge = []
  w.errors = []
  w.unreadable = 0
  w.recording = false
  const v = document.getElementById('v')
  const canvas = document.createElement('canvas')
  canvas.width = 640
  canvas.height = 24
  const g = canvas.getContext('2d', { willReadFrequently: true })
  const on_frame = () => {
    const now = Date.now()
    if (w.recording && v.videoWidth > 0) {
      g.drawImage(v, 0, 0, v.videoWidth, (48 * v.videoWidth) / 1280, 0, 0, 640, 24)
      const d = g.getImageData(0, 0, 640, 24).data
      let value = 0
      let check = 0
      for (let k = 0; k < 40; k++) {
        const i = (12 * 640 + k * 16 + 8) * 4
        const bit = d[i] > 128 ? 1 : 0
        if (k < 32) value = value * 2 + bit
        else check = check * 2 + bit
      }
      const xor = (value ^ (value >>> 8) ^ (value >>> 16) ^ (value >>> 24)) & 0xff
      if (xor === check) {
        const t32 = 4294967296
        w.samples.push((((now % t32) - value) % t32 + t32) % t32)
        if (Number.isFinite(w.hls.latency)) w.edge.push(w.hls.latency * 1000)
      } else {
        w.unreadable++
      }
    }
    v.requestVideoFrameCallback(on_frame)
  }
  v.requestVideoFrameCallback(on_frame)
  // The watch page's settings (web/src/watch/WatchPlayer.vue, kHlsConfig).
  const hls = new w.Hls({ enableWorker: false, lowLatencyMode: true, maxLiveSyncPlaybackRate: 1.25 })
  hls.on(w.Hls.Events.ERROR, (_e, d) => {
    if (d.fatal) w.errors.push(d.details)
  })
  hls.loadSource(src)
  hls.attachMedia(v)
  w.hls = hls
}, url)
await page.waitForTimeout(Number(warmup) * 1000)
const t0 = await page.evaluate(() => {
  window.recording = true
  return document.getElementById('v').currentTime
})
await page.waitForTimeout((Number(seconds) - Number(warmup)) * 1000)
const r = await page.evaluate(() => ({
  samples: window.samples,
  edge: window.edge,
  errors: window.errors,
  unreadable: window.unreadable,
  t: document.getElementById('v').currentTime,
  hlsjs: window.Hls.version,
}))
await page.screenshot({ path: process.env.SCREENSHOT ?? path.join(root, 'bench/out/hls-latency.png') })
await browser.close()
const q = (a, p) => {
  const b = [...a].sort((x, y) => x - y)
  return b.length ? b[Math.min(b.length - 1, Math.floor(p * b.length))] : null
}
const s3 = (ms) => (ms === null ? null : Math.round(ms) / 1000)
console.log(
  JSON.stringify({
    hlsjs: r.hlsjs,
    frames_read: r.samples.length,
    frames_unreadable: r.unreadable,
    publish_to_shown_s: {
      min: s3(q(r.samples, 0)),
      median: s3(q(r.samples, 0.5)),
      p95: s3(q(r.samples, 0.95)),
      max: s3(q(r.samples, 1)),
    },
    hlsjs_latency_s: { median: s3(q(r.edge, 0.5)), max: s3(q(r.edge, 1)) },
    played_s: Math.round((r.t - t0) * 1000) / 1000,
    fatal_errors: r.errors,
  }),
)
