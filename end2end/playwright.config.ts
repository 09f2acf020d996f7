import { defineConfig } from '@playwright/test';

/**
 * Browser tests of the portal. The server is started outside Playwright (already built, already
 * listening on BASE_URL, with DATABASE_URL pointing at its database); `global-setup.ts` waits
 * until it answers. Debian's Chromium is used: never `npx playwright install`.
 *
 * Two projects: `js` runs every spec with JavaScript on (after hydration); `nojs` runs the
 * `*.nojs.spec.ts` specs with JavaScript off, to prove the forms work as plain posts.
 */
const baseURL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  testDir: './tests',
  globalSetup: './global-setup.ts',
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  workers: 2,
  retries: 0,
  reporter: 'list',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    {
      name: 'js',
      testIgnore: /.*\.nojs\.spec\.ts$/,
      use: { browserName: 'chromium', viewport: { width: 1280, height: 800 }, javaScriptEnabled: true },
    },
    {
      name: 'nojs',
      testMatch: /.*\.nojs\.spec\.ts$/,
      use: { browserName: 'chromium', viewport: { width: 1280, height: 800 }, javaScriptEnabled: false },
    },
  ],
});
