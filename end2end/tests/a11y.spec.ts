/**
 * Automated accessibility checks (axe-core, WCAG 2.x A and AA rules) of the sign-in pages and
 * the landing page, including their error states.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import {
  NEW_PASSWORD,
  SIGN_IN_FAILED,
  alertWith,
  createTenant,
  expectLandingPage,
  signIn,
  submitPasswordChange,
  waitForHydration,
} from './helpers';

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** The violations on the page, one readable line each (empty when there are none). */
async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  return results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

test('the sign-in page has no WCAG A/AA violations, with and without an error', async ({ page }) => {
  await page.goto('/sign-in');
  await waitForHydration(page);
  expect(await violations(page)).toEqual([]);

  await signIn(page, `nowhere-${Date.now().toString(36)}`, 'nobody@example.com', 'wrong password');
  await expect(alertWith(page, SIGN_IN_FAILED)).toBeVisible();
  expect(await violations(page)).toEqual([]);
});

test('the password and landing pages have no WCAG A/AA violations', async ({ page }) => {
  const tenant = createTenant('a11y');
  await signIn(page, tenant.tenant, tenant.admin_email, tenant.temporary_password);
  await expect(page).toHaveURL(/\/change-password$/);

  await submitPasswordChange(page, tenant.temporary_password, 'too short');
  await expect(page.getByText('Use at least 15 characters')).toBeVisible();
  expect(await violations(page)).toEqual([]);

  await submitPasswordChange(page, tenant.temporary_password, NEW_PASSWORD);
  await expectLandingPage(page);
  expect(await violations(page)).toEqual([]);
});
