/**
 * A full queue of password checks: the sign-in form says the server is busy and to try again in
 * a moment (429 with Retry-After), instead of waiting without end. This test starts its own
 * server with one hashing thread and one place in its queue, and keeps that queue full.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { REPO_ROOT, SERVER_BIN, alertWith, rememberSecrets, waitForHydration } from './helpers';

const BUSY = 'The server is busy checking passwords. Try again in a moment.';

test('a full password-check queue is refused at once, with a plain message', async ({ page }) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'omnibots-busy-'));
  const port = 3200 + Math.floor(Math.random() * 500);
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${dir}/busy.db`,
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_SITE_ROOT: 'target/site',
    OMNIBOTS_HASH_CONCURRENCY: '1',
    OMNIBOTS_HASH_QUEUE: '1',
    OMNIBOTS_SIGN_IN_MAX_PER_ACCOUNT: '1000000',
    OMNIBOTS_SIGN_IN_MAX_PER_ACCOUNT_ALL: '1000000',
    OMNIBOTS_SIGN_IN_MAX_PER_ADDRESS: '1000000',
  };
  const created = JSON.parse(
    execFileSync(
      SERVER_BIN,
      ['create-tenant', '--slug', 'busy', '--name', 'Busy', '--admin-email', 'admin@busy.example', '--json'],
      { cwd: REPO_ROOT, env, encoding: 'utf8' },
    )
      .trim()
      .split('\n')
      .pop() as string,
  ) as { temporary_password: string };
  rememberSecrets(created.temporary_password);
  const server: ChildProcess = spawn(SERVER_BIN, ['serve'], { cwd: REPO_ROOT, env, stdio: 'ignore' });
  let flooding = true;
  try {
    await expect
      .poll(async () => (await fetch(`${base}/healthz`).catch(() => null))?.status, { timeout: 20_000 })
      .toBe(200);
    await page.goto(`${base}/sign-in`);
    await waitForHydration(page);
    await page.getByLabel('Workspace', { exact: true }).fill('busy');
    await page.getByLabel('Email', { exact: true }).fill('admin@busy.example');
    await page.getByLabel('Password', { exact: true }).fill('not the password at all');

    // Eight wrong sign-ins always in flight: one hashing, one waiting, the rest refused.
    const flood = Array.from({ length: 8 }, async () => {
      while (flooding) {
        await fetch(`${base}/api/sign_in`, {
          method: 'POST',
          headers: { Origin: base, Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
          body: 'workspace=busy&email=admin%40busy.example&password=wrong+password+here',
        }).catch(() => null);
      }
    });
    const button = page.getByRole('button', { name: 'Sign in' });
    await expect
      .poll(
        async () => {
          await button.click();
          await expect(page.getByRole('alert').filter({ hasText: /./ }).first()).toBeVisible();
          return alertWith(page, BUSY).isVisible();
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    flooding = false;
    await Promise.all(flood);
    await expect(alertWith(page, BUSY)).toBeVisible();
  } finally {
    flooding = false;
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
