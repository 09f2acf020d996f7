/**
 * The Activity page with JavaScript off: the filters are a plain GET form and the pages plain
 * links, so the server-rendered page filters and pages by itself.
 */
import { expect, test } from '@playwright/test';
import { createUser, findUser, setStatuses, signInAsNewAdmin } from './helpers';

test('without JavaScript: Activity filters with a plain form', async ({ page }) => {
  const tenant = await signInAsNewAdmin(page, 'nojs-activity');
  const email = `dee@${tenant.tenant}.example`;
  await createUser(page.request, { first_name: 'Dee', last_name: 'Park', email }, 'agent');
  await setStatuses(page.request, [(await findUser(page.request, email)).id], 'suspend');
  await page.goto('/activity');
  const entries = page.locator('.history-entry');
  // The workspace's creation, Ada's new password, Dee's creation and suspension.
  await expect(entries).toHaveCount(4);
  await page.getByLabel('Action').selectOption({ label: 'Suspended' });
  await page.getByLabel('From', { exact: true }).fill('2000-01-01');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/\/activity\?actor=&action=user\.suspend&from=2000-01-01&to=$/);
  await expect(entries).toHaveCount(1);
  await expect(entries.first()).toContainText('Suspended');
  await expect(entries.first().getByRole('link', { name: 'Dee Park' })).toHaveAttribute(
    'href',
    `/?q=${encodeURIComponent(email)}`,
  );
  await page.getByLabel('To', { exact: true }).fill('1999-12-31');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.locator('#field-to-error')).toHaveText('The last day cannot be before the first');
  await expect(entries).toHaveCount(0);
});
