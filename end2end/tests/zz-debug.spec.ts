import { expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { signInAsNewAdmin, createUser } from './helpers';
test('debug hydration', async ({ page }) => {
  test.setTimeout(300_000);
  let panic = '';
  page.on('console', (m) => { if (m.type() === 'error') panic += m.text() + '\n'; });
  const t = await signInAsNewAdmin(page, 'dbg');
  for (let i = 0; i < 5; i++) await createUser(page.request, { first_name: `A${i}`, last_name: 'B', email: `ab${i}@${t.tenant}.example` });
  let ok = 0, bad = 0;
  for (let i = 0; i < 40; i++) {
    panic = '';
    const respP = page.waitForResponse((r) => r.request().resourceType() === 'document');
    await page.reload();
    const html = await (await respP).text();
    try {
      await page.locator('body[data-hydrated]').waitFor({ timeout: 5000 });
      ok++;
      writeFileSync(`/tmp/e2e-h/dbg/ok.html`, html);
    } catch {
      bad++;
      writeFileSync(`/tmp/e2e-h/dbg/bad-${bad}.html`, html);
      writeFileSync(`/tmp/e2e-h/dbg/bad-${bad}.txt`, panic);
    }
  }
  console.log({ ok, bad });
});
