/**
 * The Activity page with JavaScript on: linked from the header, every change of the tenant
 * newest first, filtered by action and by who made it (in the URL, focus kept on Apply), a
 * wrong filter's message next to its field, paged older and back newer; axe-clean.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import {
  createUser,
  findUser,
  screenshotPath,
  setStatuses,
  signInAsNewAdmin,
  waitForHydration,
} from './helpers';

test('Activity lists the tenant’s changes, filters them and pages through them', async ({ page }) => {
  const tenant = await signInAsNewAdmin(page, 'activity');
  const domain = `${tenant.tenant}.example`;
  const ids: number[] = [];
  for (const name of ['ada', 'bob', 'cy']) {
    await createUser(page.request, { first_name: name, last_name: 'Park', email: `${name}@${domain}` }, 'agent');
    ids.push((await findUser(page.request, `${name}@${domain}`)).id);
  }
  // The workspace's creation, Ada's new password, 3 creations and 20 × 3 status changes.
  for (let i = 0; i < 10; i++) {
    await setStatuses(page.request, ids, 'suspend');
    await setStatuses(page.request, ids, 'reactivate');
  }
  await page.goto('/');
  await waitForHydration(page);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Activity' }).click();
  await expect(page).toHaveURL(/\/activity$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Activity' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Activity' })).toHaveAttribute('aria-current', 'page');
  const entries = page.locator('.history-entry');
  await expect(entries).toHaveCount(50);
  await expect(entries.first()).toContainText('Reactivated');
  await expect(entries.first()).toContainText('by Ada Lovelace');

  // Filter by action: the URL holds it, focus stays on Apply.
  await page.getByLabel('Action').selectOption({ label: 'Suspended' });
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/\/activity\?action=user\.suspend$/);
  await expect(entries).toHaveCount(30);
  for (const text of await entries.locator('.history-head strong').allTextContents()) {
    expect(text).toBe('Suspended');
  }
  await expect(page.getByRole('button', { name: 'Apply' })).toBeFocused();

  // A wrong email: the message next to the field, nothing listed.
  await page.getByLabel('Made by (email)').fill(`nobody@${domain}`);
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.locator('#field-actor-error')).toHaveText('No one in your organisation has this email');
  await expect(page.getByLabel('Made by (email)')).toHaveAttribute('aria-invalid', 'true');
  await expect(entries).toHaveCount(0);

  // Clear, then page older and back newer.
  await page.getByRole('link', { name: 'Clear' }).click();
  await expect(page).toHaveURL(/\/activity$/);
  await expect(entries).toHaveCount(50);
  // The fields show the view, not what was typed before.
  await expect(page.getByLabel('Made by (email)')).toHaveValue('');
  await expect(page.getByLabel('Action')).toHaveValue('');
  const firstPage = await entries.locator('time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
  await page.getByRole('link', { name: 'Older →' }).click();
  await expect(page).toHaveURL(/\/activity\?before=\d+$/);
  // 65 records: 15 older ones.
  await expect(entries).toHaveCount(15);
  await expect(entries.last()).toContainText('Created with the workspace');
  await expect(page.getByRole('link', { name: 'Older →' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: '← Newer' })).toBeFocused();
  await page.screenshot({ path: screenshotPath('activity.png'), fullPage: true });
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  await page.getByRole('link', { name: '← Newer' }).click();
  await expect(entries).toHaveCount(50);
  expect(await entries.locator('time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')))).toEqual(
    firstPage,
  );
  await expect(page.getByRole('link', { name: '← Newer' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Older →' })).toBeFocused();

  // The actor's name filters by them.
  await entries.first().getByRole('link', { name: 'Ada Lovelace' }).click();
  await expect(page).toHaveURL(`/activity?actor=${encodeURIComponent(tenant.admin_email)}`);
  await expect(page.getByLabel('Made by (email)')).toHaveValue(tenant.admin_email);
  await expect(entries).toHaveCount(50);
});
