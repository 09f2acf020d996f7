/**
 * Export CSV with JavaScript off: a plain link carrying the view's query, which downloads the
 * same rows the server-rendered table shows.
 */
import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { createUser, findUser, shownEmails, signInAsNewAdmin, updateUser } from './helpers';
import { csvRecords } from './csv';

test('without JavaScript: Export CSV is a link to the view as CSV', async ({ page }) => {
  const tenant = await signInAsNewAdmin(page, 'nojs-export');
  const domain = `${tenant.tenant}.example`;
  for (const name of ['ann', 'bea', 'cyd']) {
    await createUser(page.request, { first_name: name, last_name: 'Lee', email: `${name}@${domain}` }, 'agent');
  }
  await updateUser(page.request, await findUser(page.request, `bea@${domain}`), {}, 'suspended');
  await page.goto('/?type=agent&sort=email&dir=desc');
  const link = page.getByRole('link', { name: 'Export CSV' });
  await expect(link).toHaveAttribute('href', '/users.csv?type=agent&sort=email&dir=desc');
  const [file] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const records = csvRecords(await readFile(await file.path(), 'utf8'));
  const emails = records.slice(1).map((r) => r[2]);
  expect(emails).toEqual([`cyd@${domain}`, `bea@${domain}`, `ann@${domain}`]);
  expect(emails).toEqual(await shownEmails(page));
  expect(records.slice(1).map((r) => r[5])).toEqual(['active', 'suspended', 'active']);
});
