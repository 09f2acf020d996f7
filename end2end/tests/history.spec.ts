/**
 * A user's History with JavaScript on: each change, newest first, who and when, and what
 * changed from what to what; keyboard focus in and back; axe-clean.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { createUser, findUser, signInAsNewAdmin, updateUser, waitForHydration } from './helpers';

test('History lists a user’s changes, newest first, with before and after', async ({ page }) => {
  const tenant = await signInAsNewAdmin(page, 'history');
  const email = `hal.story@${tenant.tenant}.example`;
  await createUser(page.request, { first_name: 'Hal', last_name: 'Story', email }, 'agent');
  let hal = await findUser(page.request, email);
  hal = await updateUser(page.request, hal, { first_name: 'Harold' });
  await updateUser(page.request, hal, {}, 'suspended');
  await page.goto('/');
  await waitForHydration(page);

  const opener = page.getByRole('button', { name: 'History of Harold Story' });
  await opener.click();
  const dialog = page.getByRole('dialog', { name: 'History of Harold Story' });
  await expect(dialog).toBeVisible();
  const entries = dialog.locator('.history-entry');
  await expect(entries).toHaveCount(3);
  await expect(entries.nth(0)).toContainText('Edited');
  await expect(entries.nth(0)).toContainText(/Status: active\W+changed to suspended/);
  await expect(entries.nth(1)).toContainText(/First name: Hal\W+changed to Harold/);
  await expect(entries.nth(2)).toContainText('Created');
  await expect(entries.nth(2)).toContainText(`Email: ${email}`);
  await expect(entries.nth(0).locator('time')).toHaveAttribute('datetime', /^\d{4}-\d{2}-\d{2}T/);
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
});
