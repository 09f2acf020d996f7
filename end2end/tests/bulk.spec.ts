/**
 * Bulk actions with JavaScript on: ticking rows and the header's tri-state box, a selection
 * that survives paging and clears with the filters, "Select all N users that match", and
 * Suspend, Reactivate, Add role… and Remove role… on the selection, with their report.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import {
  createUser,
  expectStats,
  matchCount,
  roleIds,
  shownEmails,
  signInAsNewAdmin,
  usersTable,
  waitForHydration,
} from './helpers';

function bar(page: Page) {
  return page.getByRole('region', { name: 'Bulk actions' });
}

function pageBox(page: Page) {
  return usersTable(page).getByRole('checkbox', { name: 'Select every user on this page' });
}

test('select rows and pages, then act on them in bulk', async ({ page }) => {
  test.setTimeout(90_000);
  const tenant = await signInAsNewAdmin(page, 'bulk');
  const domain = `${tenant.tenant}.example`;
  for (let i = 1; i <= 30; i++) {
    const n = String(i).padStart(2, '0');
    await createUser(page.request, { first_name: `Bea${n}`, last_name: 'Bulk', email: `bea${n}@${domain}` });
  }
  await page.goto('/');
  await waitForHydration(page);
  await expectStats(page, 31, 31, 0);
  const rows = usersTable(page).locator('tbody').getByRole('row');
  await expect(rows).toHaveCount(25);
  await expect(bar(page)).toBeHidden();

  await test.step('a row, then the whole page with the tri-state header box', async () => {
    await page.getByRole('checkbox', { name: 'Select Bea01 Bulk' }).check();
    await expect(bar(page)).toBeVisible();
    await expect(bar(page)).toContainText('1 user selected');
    await expect(pageBox(page)).not.toBeChecked();
    expect(await pageBox(page).evaluate((e: HTMLInputElement) => e.indeterminate)).toBe(true);
    await pageBox(page).check();
    await expect(bar(page)).toContainText('25 users selected');
    expect(await pageBox(page).evaluate((e: HTMLInputElement) => e.indeterminate)).toBe(false);
  });

  await test.step('the selection survives paging', async () => {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Next' }).click();
    await expect(rows).toHaveCount(6);
    await expect(bar(page)).toContainText('25 users selected');
    await expect(pageBox(page)).not.toBeChecked();
    await page.getByRole('checkbox', { name: 'Select Bea30 Bulk' }).check();
    await expect(bar(page)).toContainText('26 users selected');
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'First page' }).click();
    await expect(rows).toHaveCount(25);
    await expect(pageBox(page)).toBeChecked();
  });

  await test.step('Suspend asks, naming the count, then reports who was skipped', async () => {
    // The admin's own row is on the first page: they are skipped.
    await bar(page).getByRole('button', { name: 'Suspend' }).click();
    const confirm = page.getByRole('dialog', { name: 'Suspend 26 users?' });
    await expect(confirm).toBeVisible();
    await confirm.getByRole('button', { name: 'Suspend' }).click();
    await expect(confirm).toBeHidden();
    const report = page.locator('#bulk-report');
    await expect(report).toContainText('25 users suspended');
    await expect(report).toContainText('skipped: You cannot suspend yourself.');
    await expect(report).toBeFocused();
    await expect(bar(page)).toBeHidden();
    await expectStats(page, 31, 6, 25);
    await expect(page.getByRole('checkbox', { name: 'Select Bea01 Bulk' })).not.toBeChecked();
  });

  await test.step('the filters clear the selection; Select all that match', async () => {
    await page.getByRole('checkbox', { name: 'Select Bea02 Bulk' }).check();
    await expect(bar(page)).toContainText('1 user selected');
    const filters = page.getByRole('search', { name: 'Filter users' });
    await filters.getByLabel('Status').selectOption('Suspended');
    await expect(matchCount(page)).toHaveText('25 users match');
    await expect(bar(page)).toBeHidden();
    await filters.getByRole('searchbox', { name: 'Search' }).fill('bea1');
    await expect(matchCount(page)).toHaveText('10 users match');
    await pageBox(page).check();
    await expect(bar(page)).toContainText('10 users selected');
  });

  await test.step('Reactivate the selection', async () => {
    await bar(page).getByRole('button', { name: 'Reactivate' }).click();
    await page.getByRole('dialog', { name: 'Reactivate 10 users?' }).getByRole('button', { name: 'Reactivate' }).click();
    await expect(page.locator('#bulk-report')).toContainText('10 users reactivated');
    await expect(page.getByText('No users match these filters')).toBeVisible();
  });
});

test('Select all users that match, then add and remove a role', async ({ page }) => {
  test.setTimeout(90_000);
  const tenant = await signInAsNewAdmin(page, 'bulk-roles');
  const domain = `${tenant.tenant}.example`;
  const [billing] = await roleIds(page.request, ['Billing']);
  for (let i = 1; i <= 30; i++) {
    const n = String(i).padStart(2, '0');
    await createUser(page.request, { first_name: `Rae${n}`, last_name: 'Role', email: `rae${n}@${domain}` }, 'agent');
  }
  await page.goto('/?type=agent');
  await waitForHydration(page);
  await expect(matchCount(page)).toHaveText('30 users match');
  await pageBox(page).check();
  await expect(bar(page)).toContainText('25 users selected');
  await bar(page).getByRole('button', { name: 'Select all 30 users that match' }).click();
  await expect(bar(page)).toContainText('All 30 users that match are selected');
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Next' }).click();
  await expect(page.getByRole('checkbox', { name: 'Select Rae30 Role' })).toBeChecked();

  await bar(page).getByRole('button', { name: 'Add role…' }).click();
  const add = page.getByRole('dialog', { name: 'Add a role to 30 users' });
  await add.getByRole('button', { name: 'Add role' }).click();
  await expect(add.locator('#bulk-role-error')).toHaveText('Choose a role');
  await expect(add.getByLabel('Role')).toHaveAttribute('aria-invalid', 'true');
  await add.getByLabel('Role').selectOption({ label: 'Billing' });
  await add.getByRole('button', { name: 'Add role' }).click();
  await expect(page.locator('#bulk-report')).toContainText('30 users given the role');
  await page.goto(`/?role=${billing}`);
  await expect(matchCount(page)).toHaveText('30 users match');

  await waitForHydration(page);
  await page.getByRole('checkbox', { name: 'Select Rae01 Role' }).check();
  await page.getByRole('checkbox', { name: 'Select Rae02 Role' }).check();
  await bar(page).getByRole('button', { name: 'Remove role…' }).click();
  const remove = page.getByRole('dialog', { name: 'Remove a role from 2 users' });
  await remove.getByLabel('Role').selectOption({ label: 'Billing' });
  await remove.getByRole('button', { name: 'Remove role' }).click();
  await expect(page.locator('#bulk-report')).toContainText('2 users taken off the role');
  await expect(matchCount(page)).toHaveText('28 users match');
  expect(await shownEmails(page)).not.toContain(`rae01@${domain}`);
});

test('a view larger than one request runs as a job, with its progress on the page', async ({ page }) => {
  test.setTimeout(120_000);
  const tenant = await signInAsNewAdmin(page, 'bulk-job');
  const domain = `${tenant.tenant}.example`;
  for (let i = 1; i <= 120; i++) {
    const n = String(i).padStart(3, '0');
    await createUser(page.request, { first_name: `Jo${n}`, last_name: 'Job', email: `jo${n}@${domain}` }, 'viewer');
  }
  await page.goto('/?type=viewer');
  await waitForHydration(page);
  await expect(matchCount(page)).toHaveText('120 users match');
  await pageBox(page).check();
  await bar(page).getByRole('button', { name: 'Select all 120 users that match' }).click();
  await bar(page).getByRole('button', { name: 'Suspend' }).click();
  const confirm = page.getByRole('dialog', { name: 'Suspend 120 users?' });
  await confirm.getByRole('button', { name: 'Suspend' }).click();
  await expect(page.locator('#bulk-report')).toContainText('Suspending 120 users: started');
  const jobs = page.getByRole('region', { name: 'Bulk jobs' });
  const job = jobs.locator('.job').first();
  await expect(job).toHaveAttribute('data-state', 'done', { timeout: 20_000 });
  await expect(job).toContainText('Suspended 120 users');
  await expect(job).toContainText('120 of 120 worked: 120 changed, 0 already so, 0 skipped, 0 failed');
  await expect(job.getByRole('progressbar', { name: 'Suspended 120 users' })).toHaveAttribute('value', '120');
  // The table and the counts reload when the job ends.
  await expectStats(page, 121, 1, 120);
  // The jobs panel, its progress bar and report: no serious or critical axe violations.
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
});

test('the bulk bar, its dialog and the report have no serious or critical axe violations', async ({ page }) => {
  const tenant = await signInAsNewAdmin(page, 'bulk-axe');
  await createUser(page.request, { first_name: 'Tom', last_name: 'Tester', email: `tom@${tenant.tenant}.example` }, 'analyst');
  await page.goto('/');
  await waitForHydration(page);
  const serious = async () => {
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    return results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  };
  await page.getByRole('checkbox', { name: 'Select Tom Tester' }).check();
  await expect(bar(page)).toBeVisible();
  expect(await serious()).toEqual([]);
  await bar(page).getByRole('button', { name: 'Add role…' }).click();
  const add = page.getByRole('dialog', { name: 'Add a role to 1 user' });
  await expect(add).toBeVisible();
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))));
  expect(await serious()).toEqual([]);
  await page.keyboard.press('Escape');
  await expect(bar(page).getByRole('button', { name: 'Add role…' })).toBeFocused();
  // The report of what was done.
  await pageBox(page).check();
  await bar(page).getByRole('button', { name: 'Reactivate' }).click();
  await page.getByRole('dialog', { name: 'Reactivate 2 users?' }).getByRole('button', { name: 'Reactivate' }).click();
  await expect(page.locator('#bulk-report')).toContainText('2 users already so');
  expect(await serious()).toEqual([]);
});
