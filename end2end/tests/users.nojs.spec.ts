/**
 * The User Management page with JavaScript off: the table renders on the server, and the
 * filter bar, the sortable headers, the paging links and Clear filters are plain GET links and
 * forms, so the list works before (or without) the WebAssembly. Data is made through the
 * server functions with the admin's cookies (`page.request` shares them).
 */
import { expect, test, type Page } from '@playwright/test';
import {
  createUser,
  expectStats,
  findUser,
  matchCount,
  roleIds,
  shownEmails,
  signInAsNewAdmin,
  updateUser,
  urlPath,
  userRow,
  usersTable,
} from './helpers';

/** The accessible name of a sortable column header's link ("User, sort"). */
function sortName(label: string): RegExp {
  return new RegExp(`^${label}\\s*, sort\\b`);
}

function filterBar(page: Page) {
  return page.getByRole('search', { name: 'Filter users' });
}

test('without JavaScript: the table, filtering with the GET form, and Clear filters', async ({
  page,
}) => {
  const tenant = await signInAsNewAdmin(page, 'nojs-users');
  const domain = `${tenant.tenant}.example`;
  const [billing, reporting, teamLead] = await roleIds(page.request, ['Billing', 'Reporting', 'Team Lead']);
  const zed = `zed.quinn@${domain}`;
  const mia = `mia.stone@${domain}`;
  const bob = `bob.ray@${domain}`;
  await createUser(page.request, { first_name: 'Zed', last_name: 'Quinn', email: zed, role_ids: [billing] }, 'agent');
  await createUser(
    page.request,
    { first_name: 'Mia', last_name: 'Stone', email: mia, role_ids: [billing, reporting, teamLead] },
    'supervisor',
  );
  await createUser(page.request, { first_name: 'Bob', last_name: 'Ray', email: bob }, 'analyst');
  await updateUser(page.request, await findUser(page.request, mia), {}, 'suspended');
  const all = [tenant.admin_email, zed, mia, bob];

  await test.step('the table as the server renders it', async () => {
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'User Management', level: 1 })).toBeVisible();
    await expectStats(page, 4, 3, 1);
    await expect(matchCount(page)).toHaveText('4 users match');
    const table = usersTable(page);
    for (const header of ['User', 'Type', 'Roles', 'Status', 'Last Login', 'Actions']) {
      await expect(table.getByRole('columnheader', { name: new RegExp(`^${header}\\b`) })).toBeVisible();
    }
    expect((await shownEmails(page)).sort()).toEqual([...all].sort());
    const miaRow = userRow(page, mia);
    await expect(miaRow).toContainText('Mia Stone');
    await expect(miaRow.getByText('supervisor', { exact: true })).toBeVisible();
    await expect(miaRow.getByText('Suspended', { exact: true })).toBeVisible();
    await expect(miaRow.getByText('+1')).toBeVisible();
    await expect(miaRow.getByText('Never', { exact: true })).toBeVisible();
    await expect(miaRow.getByRole('button', { name: 'Reactivate Mia Stone' })).toBeVisible();
    const ada = userRow(page, tenant.admin_email);
    await expect(ada.getByText('tenant_admin', { exact: true })).toBeVisible();
    await expect(ada.locator('time[datetime]')).toBeVisible();
    await expect(ada.getByRole('button', { name: 'Edit Ada Lovelace' })).toBeVisible();
    await expect(ada.getByRole('button', { name: 'Suspend Ada Lovelace' })).toBeVisible();
  });

  await test.step('Status "Suspended" and Apply', async () => {
    await filterBar(page).getByLabel('Status').selectOption('Suspended');
    // Without JavaScript nothing happens until the form is sent.
    await expect(page).toHaveURL(urlPath('/'));
    await expect(page).not.toHaveURL(/\?/);
    await filterBar(page).getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/[?&]status=suspended(&|$)/);
    expect(await shownEmails(page)).toEqual([mia]);
    await expect(matchCount(page)).toHaveText('1 user matches');
    await expect(filterBar(page).getByLabel('Status')).toHaveValue('suspended');
  });

  await test.step('User Type, Role and Search together', async () => {
    await filterBar(page).getByLabel('Status').selectOption('All');
    await filterBar(page).getByLabel('User Type').selectOption('agent');
    await filterBar(page).getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/[?&]type=agent(&|$)/);
    expect(await shownEmails(page)).toEqual([zed]);

    await filterBar(page).getByLabel('User Type').selectOption('All');
    await filterBar(page).getByLabel('Role', { exact: true }).selectOption({ label: 'Billing' });
    await filterBar(page).getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(new RegExp(`[?&]role=${billing}(&|$)`));
    expect((await shownEmails(page)).sort()).toEqual([mia, zed].sort());

    await filterBar(page).getByRole('searchbox', { name: 'Search' }).fill('STONE');
    await filterBar(page).getByRole('searchbox', { name: 'Search' }).press('Enter');
    await expect(page).toHaveURL(/[?&]q=STONE(&|$)/);
    await expect(page).toHaveURL(new RegExp(`[?&]role=${billing}(&|$)`));
    expect(await shownEmails(page)).toEqual([mia]);
    await expect(filterBar(page).getByRole('searchbox', { name: 'Search' })).toHaveValue('STONE');
  });

  await test.step('Clear filters', async () => {
    await filterBar(page).getByRole('link', { name: 'Clear filters' }).click();
    await expect(page).toHaveURL(urlPath('/'));
    await expect(page).not.toHaveURL(/\?/);
    expect((await shownEmails(page)).sort()).toEqual([...all].sort());
    await expect(filterBar(page).getByRole('searchbox', { name: 'Search' })).toHaveValue('');
    await expect(filterBar(page).getByLabel('Status')).toHaveValue('');
  });

  await test.step('the empty state and its Clear filters', async () => {
    await filterBar(page).getByRole('searchbox', { name: 'Search' }).fill('no-such-user-xyz');
    await filterBar(page).getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/[?&]q=no-such-user-xyz(&|$)/);
    const empty = page.getByRole('status').filter({ hasText: 'No users match these filters' });
    await expect(empty).toBeVisible();
    await empty.getByRole('link', { name: 'Clear filters' }).click();
    await expect(page).not.toHaveURL(/\?/);
    expect((await shownEmails(page)).sort()).toEqual([...all].sort());
  });
});

test('without JavaScript: sorting with the column header links', async ({ page }) => {
  const tenant = await signInAsNewAdmin(page, 'nojs-sort');
  const domain = `${tenant.tenant}.example`;
  for (const [first, last, type] of [
    ['Carla', 'Bruni', 'viewer'],
    ['Bea', 'Arthur', 'agent'],
    ['Dan', 'Zed', 'bot_admin'],
  ]) {
    await createUser(
      page.request,
      { first_name: first, last_name: last, email: `${first}.${last}@${domain}`.toLowerCase() },
      type,
    );
  }
  await page.goto('/');
  const table = usersTable(page);
  const user = table.getByRole('columnheader', { name: sortName('User') });
  await expect(user).toHaveAttribute('aria-sort', 'ascending');
  const ascending = await shownEmails(page);
  expect(ascending).toHaveLength(4);

  await table.getByRole('link', { name: sortName('User') }).click();
  await expect(page).toHaveURL(/[?&]dir=desc(&|$)/);
  await expect(user).toHaveAttribute('aria-sort', 'descending');
  expect(await shownEmails(page)).toEqual([...ascending].reverse());
  await expect(filterBar(page).getByLabel('Order')).toHaveValue('desc');

  await table.getByRole('link', { name: sortName('User') }).click();
  await expect(page).not.toHaveURL(/dir=desc/);
  await expect(user).toHaveAttribute('aria-sort', 'ascending');
  expect(await shownEmails(page)).toEqual(ascending);

  await table.getByRole('link', { name: sortName('Type') }).click();
  await expect(page).toHaveURL(/[?&]sort=type(&|$)/);
  await expect(table.getByRole('columnheader', { name: sortName('Type') })).toHaveAttribute(
    'aria-sort',
    'ascending',
  );
  await expect(user).toHaveAttribute('aria-sort', 'none');
  await expect(filterBar(page).getByLabel('Sort by')).toHaveValue('type');
  const types = await table.locator('tbody').getByRole('row').evaluateAll((rows) =>
    rows.map((r) => r.querySelectorAll('td')[1]?.textContent?.trim() ?? ''),
  );
  expect(types).toHaveLength(4);
  // Each type appears once, so the order is a strict one either way the key sorts.
  expect(new Set(types).size).toBe(4);

  await filterBar(page).getByLabel('Sort by').selectOption('Email');
  await filterBar(page).getByLabel('Order').selectOption('Descending');
  await filterBar(page).getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/[?&]sort=email(&|$)/);
  await expect(page).toHaveURL(/[?&]dir=desc(&|$)/);
  expect(await shownEmails(page)).toEqual([...ascending].sort().reverse());
});

test('without JavaScript: paging with Next, Previous and First page', async ({ page }) => {
  test.setTimeout(60_000);
  const tenant = await signInAsNewAdmin(page, 'nojs-page');
  for (let i = 1; i <= 30; i++) {
    const n = String(i).padStart(2, '0');
    await createUser(page.request, {
      first_name: `Pat${n}`,
      last_name: 'Pager',
      email: `pat${n}@${tenant.tenant}.example`,
    });
  }
  await page.goto('/');
  await expect(matchCount(page)).toHaveText('31 users match');
  const rows = usersTable(page).locator('tbody').getByRole('row');
  const pages = page.getByRole('navigation', { name: 'Pages' });
  await expect(rows).toHaveCount(25);
  const first = await shownEmails(page);
  await expect(pages.getByRole('link', { name: 'Previous' })).toHaveCount(0);
  await expect(pages.getByRole('link', { name: 'First page' })).toHaveCount(0);

  await pages.getByRole('link', { name: 'Next' }).click();
  await expect(page).toHaveURL(/[?&]after=\d+(&|$)/);
  await expect(rows).toHaveCount(6);
  const second = await shownEmails(page);
  expect(new Set([...first, ...second]).size).toBe(31);
  await expect(pages.getByRole('link', { name: 'Next' })).toHaveCount(0);

  await pages.getByRole('link', { name: 'Previous' }).click();
  await expect(page).toHaveURL(/[?&]before=\d+(&|$)/);
  await expect(rows).toHaveCount(25);
  expect(await shownEmails(page)).toEqual(first);

  await pages.getByRole('link', { name: 'Next' }).click();
  await expect(rows).toHaveCount(6);
  await pages.getByRole('link', { name: 'First page' }).click();
  await expect(page).not.toHaveURL(/after=|before=/);
  expect(await shownEmails(page)).toEqual(first);

  await filterBar(page).getByLabel('Per page').selectOption('50');
  await filterBar(page).getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/[?&]size=50(&|$)/);
  await expect(rows).toHaveCount(31);
  await expect(pages.getByRole('link', { name: 'Next' })).toHaveCount(0);
});
