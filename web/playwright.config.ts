import { defineConfig } from '@playwright/test'

// Debian's chromium, never a downloaded browser (install with
// PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1). The tests start their own courtcast,
// FFmpeg cameras and nginx-rtmp platforms on free loopback ports.
export default defineConfig({
  testDir: './tests',
  // CTest (web.playwright) keeps screenshots and traces under the build tree.
  outputDir: process.env.COURTCAST_TEST_OUTPUT ?? './test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    viewport: { width: 1366, height: 768 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    },
  },
})
