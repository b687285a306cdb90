// Browser tests in a real Chromium against the real app (embedded PostgreSQL, `next dev`).
// Chromium comes from CHROMIUM_PATH, else Debian's /usr/bin/chromium, else the binary that
// ships inside the @sparticuz/chromium npm package, so a fresh machine needs no downloads.
import { existsSync } from 'node:fs'
import chromium from '@sparticuz/chromium'
import { defineConfig, devices } from '@playwright/test'

const port = Number(process.env.E2E_PORT || 3210)
const executablePath =
  process.env.CHROMIUM_PATH || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : await chromium.executablePath())

export default defineConfig({
  testDir: 'e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: `http://localhost:${port}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'warm-up', testMatch: /warm-up\.setup\.ts/ },
    {
      name: 'chromium',
      dependencies: ['warm-up'],
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--disable-dev-shm-usage',
          ],
        },
      },
    },
  ],
  webServer: {
    // CI has just run `npm run build`: test that build. Locally, `next dev` tests the code as it
    // is now, with no build to go stale.
    command: `node --import tsx scripts/serve.ts ${process.env.CI ? 'start' : 'dev'}`,
    url: `http://localhost:${port}/api/health`,
    timeout: 120_000,
    reuseExistingServer: !process.env.CI,
    env: {
      PORT: String(port),
      DATA_DIR: '.data/e2e',
      ...(process.env.CI ? {} : { NEXT_DIST_DIR: '.next-e2e' }),
      NEXT_TELEMETRY_DISABLED: '1',
    },
  },
})
