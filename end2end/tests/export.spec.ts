/**
 * Export CSV with JavaScript on: the link follows the filters as they change in place, and
 * the download holds the view's rows, in the table's order, with a formula neutralised.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { createUser, findUser, shownEmails, signInAsNewAdmin, updateUser, waitForHydration } from './helpers';
import { csvRecords } from './csv';

async function download(page: Page): Promise<{ name: string; records: string[][] }> {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export CSV' }).click(),
  ]);
  const text = await readFile(await file.path(), 'utf8');
  return { name: file.suggestedFilename(), records: csvRecords(text) };
}

test('Export CSV downloads the filtered, sorted view', async ({ page }) => {
  const tenant = await signInAsNewAdmin(page, 'export');
  const domain = `${tenant.tenant}.example`;
  const people = [
    { first_name: 'Zed', last_name: 'Quinn', email: `zed.quinn@${domain}` },
    { first_name: 'Mia', last_name: 'Stone', email: `mia.stone@${domain}` },
    { first_name: '=SUM(A1)', last_name: 'Ray', email: `bob.ray@${domain}` },
  ];
  for (const p of people) await createUser(page.request, p, 'agent');
  await updateUser(page.request, await findUser(page.request, people[1].email), {}, 'suspended');
  await page.goto('/');
  await waitForHydration(page);

  await test.step('the whole tenant, by name', async () => {
    const { name, records } = await download(page);
    expect(name).toMatch(new RegExp(`^users-${tenant.tenant}-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
    expect(records[0]).toEqual([
      'First name', 'Last name', 'Email', 'Type', 'Roles', 'Status', 'Last login', 'Phone',
      'External ID', 'Timezone', 'Created',
    ]);
    expect(records.slice(1).map((r) => r[2])).toEqual(await shownEmails(page));
    const bob = records.find((r) => r[2] === people[2].email)!;
    expect(bob[0]).toBe("'=SUM(A1)");
  });

  await test.step('the link follows the filters changed in place', async () => {
    const bar = page.getByRole('search', { name: 'Filter users' });
    await bar.getByLabel('Status').selectOption('Active');
    await bar.getByLabel('Sort by').selectOption('Email');
    await bar.getByLabel('Order').selectOption('Descending');
    await expect(page).toHaveURL(/dir=desc/);
    await expect(page.getByRole('link', { name: 'Export CSV' })).toHaveAttribute(
      'href',
      '/users.csv?status=active&sort=email&dir=desc',
    );
    await expect.poll(() => shownEmails(page)).toHaveLength(3);
    const { records } = await download(page);
    const emails = records.slice(1).map((r) => r[2]);
    expect(emails).toEqual(await shownEmails(page));
    expect([...emails].sort()).toEqual([people[0].email, people[2].email, tenant.admin_email].sort());
    expect(records.slice(1).every((r) => r[5] === 'active')).toBe(true);
  });
});
