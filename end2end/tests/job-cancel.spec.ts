/**
 * Cancelling a running bulk job from its panel: the batch under way finishes, no other starts,
 * the job says it was cancelled and how far it got, and the table shows exactly that many
 * users changed. A job over a few hundred users ends before a person could press Cancel, so
 * this test starts its own server on a database of its own whose demo tenant holds
 * `USERS` users (`omnibots seed-demo`): a job over all of them runs for several seconds.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import {
  NEW_PASSWORD,
  matchCount,
  usersTable,
  REPO_ROOT,
  SERVER_BIN,
  rememberSecrets,
  submitPasswordChange,
  urlPath,
  waitForHydration,
} from './helpers';

/** The demo tenant's users in all (its admin among them): suspending them takes seconds. */
const USERS = 60_000;

const port = 3700 + Math.floor(Math.random() * 200);
const base = `http://127.0.0.1:${port}`;
test.use({ baseURL: base });

test('a running bulk job is cancelled from its panel and stops where it was', async ({ page }) => {
  // Its own SQLite server: once is enough (the PostgreSQL run would start the same one).
  test.skip(!!process.env.DATABASE_URL?.startsWith('postgres'), 'runs in the SQLite pass');
  test.setTimeout(180_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'omnibots-cancel-'));
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${dir}/cancel.db`,
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_SITE_ROOT: 'target/site',
  };
  const seeded = execFileSync(SERVER_BIN, ['seed-demo', '--users', String(USERS)], {
    cwd: REPO_ROOT,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const temporary = /Password:\s+(\S+)\s+\(temporary/.exec(seeded)?.[1];
  expect(temporary, seeded).toBeTruthy();
  rememberSecrets(temporary as string);
  const server: ChildProcess = spawn(SERVER_BIN, ['serve'], { cwd: REPO_ROOT, env, stdio: 'ignore' });
  try {
    await expect
      .poll(async () => (await fetch(`${base}/healthz`).catch(() => null))?.status, { timeout: 20_000 })
      .toBe(200);
    await page.goto('/sign-in');
    await waitForHydration(page);
    await page.getByLabel('Workspace', { exact: true }).fill('demo');
    await page.getByLabel('Email', { exact: true }).fill('admin@demo.example');
    await page.getByLabel('Password', { exact: true }).fill(temporary as string);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(urlPath('/change-password'));
    await waitForHydration(page);
    await submitPasswordChange(page, temporary as string, NEW_PASSWORD);
    await expect(page).toHaveURL(urlPath('/'));

    // The suspended before the job, then the whole tenant suspended as a job.
    const matching = async (view: string): Promise<number> => {
      await page.goto(view);
      await waitForHydration(page);
      const text = await matchCount(page).innerText();
      expect(text).toMatch(/^[\d,]+ users match$/);
      return Number(text.replace(/[^0-9]/g, ''));
    };
    const suspendedBefore = await matching('/?status=suspended');
    const everyone = await matching('/');
    expect(everyone).toBe(USERS);
    const bar = page.getByRole('region', { name: 'Bulk actions' });
    await usersTable(page).getByRole('checkbox', { name: 'Select every user on this page' }).check();
    await bar.getByRole('button', { name: /^Select all [\d,]+ users that match$/ }).click();
    await bar.getByRole('button', { name: 'Suspend' }).click();
    await page.getByRole('dialog', { name: /^Suspend [\d,]+ users\?$/ }).getByRole('button', { name: 'Suspend' }).click();

    const job = page.getByRole('region', { name: 'Bulk jobs' }).locator('.job').first();
    // Some batches done, not all; then Cancel, from the keyboard.
    await expect
      .poll(async () => Number((await job.getByRole('progressbar').getAttribute('value')) ?? 0), { timeout: 20_000 })
      .toBeGreaterThan(0);
    await expect(job).toHaveAttribute('data-state', 'running');
    await job.getByRole('button', { name: 'Cancel' }).focus();
    await page.keyboard.press('Enter');
    await expect(job).toHaveAttribute('data-state', 'cancelled', { timeout: 10_000 });
    await expect(job.getByRole('button', { name: 'Cancel' })).toHaveCount(0);
    await expect(job.locator('strong')).toHaveText(`Cancelled: suspending ${everyone.toLocaleString('en-US')} users`);

    // The job as the server keeps it, once the page is loaded again: it stopped short of the
    // end, and exactly the users it changed are suspended.
    const suspendedAfter = await matching('/?status=suspended');
    const counts = await page.getByRole('region', { name: 'Bulk jobs' }).locator('.job .job-counts').first().innerText();
    const m = counts.match(/^([\d,]+) of ([\d,]+) worked: ([\d,]+) changed/);
    expect(m, counts).not.toBeNull();
    const [worked, total, changed] = (m as RegExpMatchArray).slice(1, 4).map((n) => Number(n.replace(/,/g, '')));
    expect(total).toBe(everyone);
    expect(changed).toBeGreaterThan(0);
    expect(worked, 'it stopped before the end').toBeLessThan(total);
    expect(suspendedAfter).toBe(suspendedBefore + changed);
  } finally {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
