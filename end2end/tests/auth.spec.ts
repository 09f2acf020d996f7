/**
 * Signing in, the forced password change, the landing page and signing out, with JavaScript on.
 * Each test makes its own tenant.
 */
import { expect, test } from '@playwright/test';
import {
  NEW_PASSWORD,
  SIGN_IN_FAILED,
  alertWith,
  createTenant,
  expectLandingPage,
  randomSuffix,
  screenshotPath,
  signIn,
  signInAsNewAdmin,
  submitPasswordChange,
  urlPath,
  userRow,
  waitForHydration,
} from './helpers';

test('a first sign-in forces a new password, then the portal opens and sign-out ends the session', async ({
  page,
}) => {
  const tenant = createTenant('auth');

  await test.step('sign in with the temporary password', async () => {
    await signIn(page, tenant.tenant, tenant.admin_email, tenant.temporary_password);
    await expect(page).toHaveURL(/\/change-password$/);
    await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  });

  await test.step('a too-short password is refused next to "New password"', async () => {
    await submitPasswordChange(page, tenant.temporary_password, 'too short');
    const newPassword = page.getByLabel('New password', { exact: true });
    await expect(newPassword).toHaveAttribute('aria-invalid', 'true');
    await expect(newPassword).toHaveAccessibleDescription(/Use at least 15 characters/);
    await expect(page.getByText('Use at least 15 characters')).toBeVisible();
    await expect(page.getByLabel('Temporary password')).not.toHaveAttribute('aria-invalid', 'true');
    await expect(page).toHaveURL(urlPath('/change-password'));
  });

  await test.step('a good password is saved and the portal opens', async () => {
    await submitPasswordChange(page, tenant.temporary_password, NEW_PASSWORD);
    await expectLandingPage(page);
    await page.screenshot({ path: screenshotPath('landing.png'), fullPage: true });
  });

  await test.step('sign out goes to sign-in and the portal is closed again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/sign-in$/);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await page.goto('/');
    await expect(page).toHaveURL(/\/sign-in$/);
  });

  await test.step('the new password opens the portal directly', async () => {
    await signIn(page, tenant.tenant, tenant.admin_email, NEW_PASSWORD);
    await expect(page).toHaveURL(urlPath('/'));
    await expect(page.getByRole('heading', { name: 'User Management', level: 1 })).toBeVisible();
  });

  await test.step('with a permanent password, the page is "Change password"', async () => {
    await page.goto('/change-password');
    await waitForHydration(page);
    await expect(page.getByRole('heading', { name: 'Change password', exact: true })).toBeVisible();
    await expect(page.getByLabel('Current password', { exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/sign-in$/);
  });

  await test.step('the temporary password no longer works', async () => {
    await signIn(page, tenant.tenant, tenant.admin_email, tenant.temporary_password);
    await expect(alertWith(page, SIGN_IN_FAILED)).toBeVisible();
    await expect(page).toHaveURL(urlPath('/sign-in'));
  });
});

test('a wrong password, an unknown email and an unknown workspace get the same message', async ({
  page,
}) => {
  const tenant = createTenant('wrong');
  const attempts: Array<[string, string, string, string]> = [
    ['wrong password', tenant.tenant, tenant.admin_email, 'not the right password at all'],
    ['unknown email', tenant.tenant, `nobody-${randomSuffix()}@example.com`, tenant.temporary_password],
    ['unknown workspace', `nowhere-${randomSuffix()}`, tenant.admin_email, tenant.temporary_password],
  ];
  for (const [what, workspace, email, password] of attempts) {
    await test.step(what, async () => {
      await signIn(page, workspace, email, password);
      await expect(alertWith(page, SIGN_IN_FAILED)).toBeVisible();
      await expect(page).toHaveURL(urlPath('/sign-in'));
      await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    });
  }
});

test('the portal sends a signed-out visitor to sign-in', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(urlPath('/sign-in'));
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByLabel('Workspace', { exact: true })).toBeVisible();
  await expect(page.getByLabel('Email', { exact: true })).toBeVisible();
  await expect(page.getByLabel('Password', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  await page.screenshot({ path: screenshotPath('sign-in.png'), fullPage: true });
});

test('client-side navigation between the signed-in pages keeps working', async ({ page }) => {
  const tenant = await signInAsNewAdmin(page, 'nav');
  // Set on this document: still there after a navigation means it happened in place.
  await page.evaluate(() => ((window as unknown as { inPlace: boolean }).inPlace = true));
  const inPlace = () => page.evaluate(() => (window as unknown as { inPlace?: boolean }).inPlace === true);

  await test.step('the header link opens "Change password" in place', async () => {
    await page.getByRole('banner').getByRole('link', { name: 'Change password' }).click();
    await expect(page).toHaveURL(urlPath('/change-password'));
    await expect(page.getByRole('heading', { name: 'Change password', exact: true })).toBeVisible();
    await expect(page.getByRole('banner')).toContainText('Signed in as Ada Lovelace');
    expect(await inPlace()).toBe(true);
  });

  await test.step('Cancel goes back to User Management in place, with its data', async () => {
    await page.getByRole('link', { name: 'Cancel' }).click();
    await expect(page).toHaveURL(urlPath('/'));
    await expect(page.getByRole('heading', { name: 'User Management', level: 1 })).toBeVisible();
    await expect(userRow(page, tenant.admin_email)).toBeVisible();
    expect(await inPlace()).toBe(true);
  });

  await test.step('from a public page, the portal link loads the signed-in page from the server', async () => {
    await page.goto('/no-such-page');
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    await waitForHydration(page);
    await page.getByRole('link', { name: 'Go to the portal' }).click();
    await expect(page).toHaveURL(urlPath('/'));
    await expect(page.getByRole('heading', { name: 'User Management', level: 1 })).toBeVisible();
    await expect(userRow(page, tenant.admin_email)).toBeVisible();
    await waitForHydration(page);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(page.getByRole('button', { name: 'Refresh' })).toBeEnabled();
  });
});

test('too many wrong passwords: sign-in and Change password say when to try again', async ({ page }) => {
  const tenant = await signInAsNewAdmin(page, 'limits');

  await test.step('Change password refuses the 11th check of the current password', async () => {
    await page.goto('/change-password');
    await waitForHydration(page);
    for (let i = 0; i < 10; i++) {
      await submitPasswordChange(page, `not my password ${i}`, 'another long passphrase here');
      await expect(page.getByText('This is not your current password')).toBeVisible();
    }
    await submitPasswordChange(page, NEW_PASSWORD, 'another long passphrase here');
    await expect(alertWith(page, 'Too many password attempts. Try again in 15 minutes.')).toBeVisible();
    await expect(page).toHaveURL(urlPath('/change-password'));
    await page.screenshot({ path: screenshotPath('change-password-throttled.png'), fullPage: true });
  });

  await test.step('sign-in refuses the 11th attempt, even with the right password', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(urlPath('/sign-in'));
    for (let i = 0; i < 10; i++) {
      await signIn(page, tenant.tenant, tenant.admin_email, `not my password ${i}`);
      await expect(alertWith(page, SIGN_IN_FAILED)).toBeVisible();
    }
    await signIn(page, tenant.tenant, tenant.admin_email, NEW_PASSWORD);
    await expect(alertWith(page, 'Too many sign-in attempts. Try again in 15 minutes.')).toBeVisible();
    await expect(page).toHaveURL(urlPath('/sign-in'));
  });
});
