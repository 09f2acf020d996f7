// Ad-hoc screenshots of a running server: node shot.mjs BASE PASSWORD
import { chromium } from '@playwright/test';
const [base, password] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
for (const scheme of ['light', 'dark']) {
  const ctx = await browser.newContext({ colorScheme: scheme, viewport: { width: 1360, height: 900 } });
  const page = await ctx.newPage();
  page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') console.log('console:', m.text()); });
  page.on('pageerror', e => console.log('pageerror:', e.message));
  await page.goto(base + '/sign-in');
  await page.locator('body[data-hydrated]').waitFor();
  await page.getByLabel('Workspace').fill('demo');
  await page.getByLabel('Email').fill('admin@demo.example');
  await page.getByLabel('Password').fill(process.env.PW2 || password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/change-password|\/$/);
  if (page.url().includes('change-password')) {
    await page.getByLabel('Temporary password').fill(password);
    await page.getByLabel('New password', { exact: true }).fill('a demo passphrase of mine');
    await page.getByLabel('Repeat the new password').fill('a demo passphrase of mine');
    await page.getByRole('button', { name: 'Save password' }).click();
    await page.waitForURL(/\/$/);
    process.env.PW2 = 'a demo passphrase of mine';
  }
  await page.getByRole('table').waitFor();
  await page.screenshot({ path: `/tmp/shots/users-${scheme}.png`, fullPage: false });
  if (scheme === 'light') {
    await page.getByRole('button', { name: 'Add User' }).click();
    await page.getByRole('dialog').waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: `/tmp/shots/add-user.png` });
  }
  await ctx.close();
}
await browser.close();
