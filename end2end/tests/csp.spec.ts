/**
 * The Content-Security-Policy in a real browser: the signed-in User Management page hydrates
 * and works (Add User: the dialog, a field error, a created user and their temporary password)
 * under the policy the server sends, and the browser reports no violation of it: no
 * `securitypolicyviolation` event, no CSP message or error in the console, no page error.
 */
import { expect, test, type Page } from '@playwright/test';
import { expectStats, signInAsNewAdmin, urlPath, waitForHydration } from './helpers';

/** Everything that suggests the policy blocked something, as it happens. */
function watchForViolations(page: Page, into: string[]): void {
  page.on('console', (m) => {
    const text = m.text();
    // The one expected console error: the browser logging the 422 of the field-error step.
    const expected = /Failed to load resource: .*status of 422/.test(text);
    if ((m.type() === 'error' && !expected) || /content security policy|refused to/i.test(text)) {
      into.push(`console ${m.type()}: ${text.split('\n')[0]}`);
    }
  });
  page.on('pageerror', (e) => into.push(`page error: ${e.message}`));
}

/** Records `securitypolicyviolation` events of every document the page loads. */
async function recordViolationEvents(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
}

async function violationEvents(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
}

test('the users page hydrates and works under the CSP with no violation', async ({ page }) => {
  const problems: string[] = [];
  watchForViolations(page, problems);
  await recordViolationEvents(page);
  const tenant = await signInAsNewAdmin(page, 'csp');

  // A fresh load, to read the policy of the page itself.
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  const csp = response?.headers()['content-security-policy'] ?? '';
  const script = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src')) ?? '';
  expect(script, 'scripts run by nonce').toMatch(/'nonce-[A-Za-z0-9_-]{22,}'/);
  expect(script).toContain("'wasm-unsafe-eval'");
  expect(script).not.toContain("'unsafe-inline'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).toContain("base-uri 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  await waitForHydration(page);
  await expect(page).toHaveURL(urlPath('/'));

  // The hydrated page works: the dialog opens, checks a field, and creates a user.
  await page.getByRole('button', { name: 'Add User' }).click();
  const d = page.getByRole('dialog', { name: 'Add User' });
  await expect(d).toBeVisible();
  await d.getByLabel(/^First Name/).fill('Content');
  await d.getByLabel(/^Last Name/).fill('Policy');
  await d.getByLabel(/^Email/).fill(`content.policy@${tenant.tenant}.example`);
  await d.getByRole('radio', { name: /^agent\b/ }).check();
  // A phone number the server cannot parse: its message comes back next to the field.
  const phone = d.getByLabel(/^Phone Number/);
  await phone.fill('12345');
  await d.getByRole('button', { name: 'Create' }).click();
  await expect(phone).toHaveAttribute('aria-invalid', 'true');
  await phone.fill('');
  await d.getByRole('button', { name: 'Create' }).click();
  const shown = page.getByRole('dialog', { name: 'User created' });
  await expect(shown).toBeVisible();
  await expect(shown.getByRole('textbox', { name: 'Temporary password' })).not.toHaveValue('');
  await shown.getByRole('button', { name: /^(Done|Close)$/ }).first().click();
  await expectStats(page, 2, 2, 0);
  // The avatars keep their colour: style attributes are allowed, nothing else inline.
  await expect(page.locator('.avatar').first()).toBeVisible();

  expect(await violationEvents(page), 'securitypolicyviolation events').toEqual([]);
  expect(problems, 'console errors and page errors').toEqual([]);
});

test('an inline script without the nonce is blocked (the policy is enforced)', async ({ page }) => {
  await recordViolationEvents(page);
  await page.goto('/sign-in');
  await waitForHydration(page);
  const ran = await page.evaluate(async () => {
    const w = window as unknown as { __injected?: boolean };
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true;';
    document.body.appendChild(s);
    await new Promise((r) => setTimeout(r, 100));
    return w.__injected === true;
  });
  expect(ran, 'a script injected without the nonce does not run').toBe(false);
  const events = await violationEvents(page);
  expect(events.some((e) => e.startsWith('script-src'))).toBe(true);
});
