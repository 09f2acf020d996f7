/**
 * The same sign-in flows with JavaScript off: every form is a plain post answered with a
 * redirect, so the portal works before (or without) the WebAssembly.
 */
import { expect, test } from '@playwright/test';
import {
  NEW_PASSWORD,
  SIGN_IN_FAILED,
  alertWith,
  createTenant,
  expectLandingPage,
  signIn,
  submitPasswordChange,
  urlPath,
} from './helpers';

test('without JavaScript: first sign-in, forced password change, portal, sign out', async ({
  page,
}) => {
  const tenant = createTenant('nojs');

  await test.step('sign in with the temporary password', async () => {
    await signIn(page, tenant.tenant, tenant.admin_email, tenant.temporary_password, false);
    await expect(page).toHaveURL(urlPath('/change-password'));
    await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  });

  await test.step('a too-short password is refused next to "New password"', async () => {
    await submitPasswordChange(page, tenant.temporary_password, 'too short');
    await expect(page).toHaveURL(urlPath('/change-password'));
    const newPassword = page.getByLabel('New password', { exact: true });
    await expect(newPassword).toHaveAttribute('aria-invalid', 'true');
    await expect(newPassword).toHaveAccessibleDescription(/Use at least 15 characters/);
    await expect(page.getByText('Use at least 15 characters')).toBeVisible();
  });

  await test.step('a good password is saved and the portal opens', async () => {
    await submitPasswordChange(page, tenant.temporary_password, NEW_PASSWORD);
    await expectLandingPage(page);
  });

  await test.step('sign out goes to sign-in and the portal is closed again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(urlPath('/sign-in'));
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await page.goto('/');
    await expect(page).toHaveURL(urlPath('/sign-in'));
  });

  await test.step('the new password opens the portal directly', async () => {
    await signIn(page, tenant.tenant, tenant.admin_email, NEW_PASSWORD, false);
    await expect(page).toHaveURL(urlPath('/'));
    await expect(page.getByRole('heading', { name: 'User Management', level: 1 })).toBeVisible();
  });
});

test('without JavaScript: a wrong password shows the error message', async ({ page }) => {
  const tenant = createTenant('nojs-wrong');
  await signIn(page, tenant.tenant, tenant.admin_email, 'not the right password at all', false);
  await expect(page).toHaveURL(urlPath('/sign-in'));
  await expect(alertWith(page, SIGN_IN_FAILED)).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
});
