/**
 * Shared steps of the browser tests: a fresh tenant per test (through the server binary's
 * `create-tenant` command), waiting for hydration, and signing in through the form.
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';

/** The workspace root (the directory with Cargo.toml). */
export const REPO_ROOT = path.resolve(__dirname, '../..');

/** The built server binary, which also runs the operator commands. */
export const SERVER_BIN =
  process.env.OMNIBOTS_BIN ?? path.join(REPO_ROOT, 'target', 'release', 'omnibots');

/** Where the tests save screenshots to look at. */
export const SCREENSHOT_DIR = path.resolve(__dirname, '..', 'screenshots');

/** A password that passes every rule (15+ characters, not a common one). */
export const NEW_PASSWORD = 'correct horse battery staple 42';

/** The site's origin, which a browser sends as `Origin` with every POST. */
export const ORIGIN = new URL(process.env.BASE_URL ?? 'http://127.0.0.1:3000').origin;

/**
 * Where the secrets the tests see (passwords, session cookies) are written, one a line, for
 * `scripts/test.sh` to check that none of them reached the server's log.
 */
export const SECRETS_FILE =
  process.env.E2E_SECRETS_FILE ?? path.join(REPO_ROOT, 'target', 'e2e-secrets.txt');

/** Notes secrets for the log check (see `SECRETS_FILE`). */
export function rememberSecrets(...values: string[]): void {
  const lines = values.filter((v) => v.length >= 8).map((v) => `${v}\n`);
  if (lines.length > 0) {
    mkdirSync(path.dirname(SECRETS_FILE), { recursive: true });
    appendFileSync(SECRETS_FILE, lines.join(''));
  }
}

rememberSecrets(NEW_PASSWORD);

/** The one message for an unknown workspace, an unknown email or a wrong password. */
export const SIGN_IN_FAILED = 'That workspace, email and password do not match an account.';

/** What `omnibots create-tenant --json` prints. */
export interface CreatedTenant {
  /** The workspace slug to sign in with. */
  tenant: string;
  admin_email: string;
  temporary_password: string;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `length` random lower-case letters and digits. */
export function randomSuffix(length = 8): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/**
 * Creates a tenant named `<prefix>-<8 random characters>` whose first admin is Ada Lovelace,
 * and returns its workspace, admin email and temporary password. Runs the real binary against
 * the server's database (DATABASE_URL is inherited).
 */
export function createTenant(prefix: string): CreatedTenant {
  const slug = `${prefix}-${randomSuffix()}`;
  if (!/^[a-z][a-z0-9-]*[a-z0-9]$/.test(slug) || slug.length > 63) {
    throw new Error(
      `createTenant(${JSON.stringify(prefix)}): the prefix must start with a letter, use only ` +
        `lower-case letters, digits and '-', and be at most 54 characters`,
    );
  }
  const args = [
    'create-tenant',
    '--slug', slug,
    '--name', `E2E ${prefix} ${slug.slice(prefix.length + 1)}`,
    '--admin-email', `admin@${slug}.example`,
    '--admin-first-name', 'Ada',
    '--admin-last-name', 'Lovelace',
    '--json',
  ];
  let stdout: string;
  try {
    stdout = execFileSync(SERVER_BIN, args, {
      cwd: REPO_ROOT,
      env: process.env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
  } catch (err) {
    const e = err as { message?: string; stderr?: string | Buffer };
    throw new Error(
      `${SERVER_BIN} create-tenant failed: ${e.message ?? err}\n${e.stderr?.toString() ?? ''}`,
    );
  }
  // The JSON object is the last line of stdout (logs go to stderr).
  const line = stdout.trim().split('\n').pop() ?? '';
  let created: CreatedTenant;
  try {
    created = JSON.parse(line) as CreatedTenant;
  } catch {
    throw new Error(`create-tenant printed no JSON object; stdout was:\n${stdout}`);
  }
  if (!created.tenant || !created.admin_email || !created.temporary_password) {
    throw new Error(`create-tenant printed an incomplete object: ${line}`);
  }
  rememberSecrets(created.temporary_password);
  return created;
}

/** Waits until the WebAssembly has hydrated the page (it marks `<body data-hydrated>`). */
export async function waitForHydration(page: Page): Promise<void> {
  await page.locator('body[data-hydrated]').waitFor();
}

/** Whether the running test's project has JavaScript on. */
export function javaScriptEnabled(): boolean {
  return test.info().project.use.javaScriptEnabled !== false;
}

/**
 * Opens the sign-in page and submits the form. Waits for hydration first when JavaScript is on
 * (`js` defaults to the project's setting), since a click before hydration does nothing.
 */
export async function signIn(
  page: Page,
  workspace: string,
  email: string,
  password: string,
  js: boolean = javaScriptEnabled(),
): Promise<void> {
  await page.goto('/sign-in');
  if (js) await waitForHydration(page);
  await page.getByLabel('Workspace', { exact: true }).fill(workspace);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Fills "Choose a new password" / "Change password" and saves. */
export async function submitPasswordChange(
  page: Page,
  current: string,
  next: string,
  repeat: string = next,
): Promise<void> {
  const currentLabel = /^(Temporary|Current) password$/;
  await page.getByLabel(currentLabel).fill(current);
  await page.getByLabel('New password', { exact: true }).fill(next);
  await page.getByLabel('Repeat the new password', { exact: true }).fill(repeat);
  await page.getByRole('button', { name: 'Save password' }).click();
}

/** The page's alert that says `text` (empty field-error alerts are ignored). */
export function alertWith(page: Page, text: string): Locator {
  return page.getByRole('alert').filter({ hasText: text });
}

/** A URL pattern for a path on the server, with or without a query. */
export function urlPath(pathname: string): RegExp {
  const escaped = pathname.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^https?://[^/]+${escaped}(\\?.*)?$`);
}

/** Checks the landing page a fresh tenant's admin sees. */
export async function expectLandingPage(page: Page): Promise<void> {
  await expect(page).toHaveURL(urlPath('/'));
  await expect(page.getByRole('heading', { name: 'User Management', level: 1 })).toBeVisible();
  const banner = page.getByRole('banner');
  await expect(banner).toContainText('Signed in as Ada Lovelace');
  await expect(banner.getByRole('link', { name: 'Change password' })).toBeVisible();
  await expect(banner.getByRole('button', { name: 'Sign out' })).toBeVisible();
  const stats = page.getByRole('region', { name: 'Users', exact: true });
  await expect(stats.getByText('Total Users', { exact: true })).toBeVisible();
  // A fresh tenant has its one admin: Total Users 1, Active 1, Suspended 0.
  await expect(stats).toHaveText(/Total Users\s*1\s*Active\s*1\s*Suspended\s*0/);
}

/** A path under `end2end/screenshots/` (created on first use). */
export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return path.join(SCREENSHOT_DIR, name);
}

// ---------------------------------------------------------------------------------------------
// User Management
// ---------------------------------------------------------------------------------------------

/** The default role catalog every new tenant starts with, as the Role filter lists it. */
export const DEFAULT_ROLES = [
  'Billing',
  'Bot Builder',
  'Bot Publisher',
  'Channel Manager',
  'Integrations',
  'Knowledge Editor',
  'Live Agent',
  'QA Reviewer',
  'Reporting',
  'Team Lead',
];

/** The six user types, in the order the filter and the form list them. */
export const USER_TYPES = ['tenant_admin', 'bot_admin', 'supervisor', 'agent', 'analyst', 'viewer'];

/**
 * Makes a fresh tenant, signs its admin (Ada Lovelace) in, chooses a permanent password
 * (`NEW_PASSWORD`) and waits for the User Management page (hydrated, when JavaScript is on).
 */
export async function signInAsNewAdmin(page: Page, prefix: string): Promise<CreatedTenant> {
  const tenant = createTenant(prefix);
  const js = javaScriptEnabled();
  await signIn(page, tenant.tenant, tenant.admin_email, tenant.temporary_password, js);
  await expect(page).toHaveURL(urlPath('/change-password'));
  if (js) await waitForHydration(page);
  await submitPasswordChange(page, tenant.temporary_password, NEW_PASSWORD);
  await expect(page).toHaveURL(urlPath('/'));
  await expect(page.getByRole('heading', { name: 'User Management', level: 1 })).toBeVisible();
  if (js) await waitForHydration(page);
  rememberSecrets(...(await page.context().cookies()).map((c) => c.value));
  return tenant;
}

/** A role as the server functions return it. */
export interface RoleOption {
  id: number;
  name: string;
  description: string;
}

/** A user as the server functions return it (one row of the table). */
export interface UserRow {
  id: number;
  first_name: string;
  last_name: string;
  email: string;
  phone: string | null;
  external_id: string | null;
  timezone: string | null;
  user_type: string;
  status: 'active' | 'suspended';
  roles: Array<{ id: number; name: string }>;
  last_login: { iso: string; relative: string; exact: string } | null;
  version: number;
}

/** What the Add User form sends. */
export interface UserFormData {
  first_name: string;
  last_name: string;
  email: string;
  phone?: string;
  external_id?: string;
  timezone?: string;
  role_ids?: number[];
}

/** The user and their one-time temporary password, as `create_user` answers. */
export interface IssuedPassword {
  user: UserRow;
  temporary_password: string;
  expires_in_hours: number;
}

/** Anything with the cookies of a signed-in admin: `page.request` or `context.request`. */
type Requester = Page['request'];

async function callServer<T>(request: Requester, name: string, data?: unknown): Promise<T> {
  // Sent from the page's origin, as the page's own fetch would be (the server refuses POSTs
  // from anywhere else).
  const res =
    data === undefined
      ? await request.post(`/api/${name}`, {
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
          data: '',
        })
      : await request.post(`/api/${name}`, { data, headers: { origin: ORIGIN } });
  if (!res.ok()) {
    throw new Error(`POST /api/${name} answered ${res.status()}: ${await res.text()}`);
  }
  const body = (await res.json()) as T;
  const issued = body as { temporary_password?: unknown };
  if (issued && typeof issued.temporary_password === 'string') {
    rememberSecrets(issued.temporary_password);
  }
  return body;
}

/** The tenant's roles (`list_roles`), with the signed-in admin's cookies. */
export async function listRoles(request: Requester): Promise<RoleOption[]> {
  return callServer<RoleOption[]>(request, 'list_roles');
}

/** The ids of the named roles of the tenant, in the order given. */
export async function roleIds(request: Requester, names: string[]): Promise<number[]> {
  const roles = await listRoles(request);
  return names.map((n) => {
    const role = roles.find((r) => r.name === n);
    if (!role) throw new Error(`no role named ${JSON.stringify(n)}`);
    return role.id;
  });
}

/**
 * Creates a user through the `create_user` server function with the signed-in admin's cookies,
 * and returns them with their temporary password.
 */
export async function createUser(
  request: Requester,
  form: UserFormData,
  userType = 'agent',
): Promise<IssuedPassword> {
  return callServer<IssuedPassword>(request, 'create_user', {
    form: {
      phone: '',
      external_id: '',
      timezone: '',
      role_ids: [],
      ...form,
    },
    user_type: userType,
  });
}

/** The user with exactly this email, from `list_users` (searching by the email). */
export async function findUser(request: Requester, email: string): Promise<UserRow> {
  const page = await callServer<{ rows: UserRow[] }>(request, 'list_users', {
    query: {
      q: email,
      status: null,
      user_type: null,
      role: null,
      sort: 'name',
      desc: false,
      size: 25,
      after: null,
      before: null,
    },
  });
  const user = page.rows.find((u) => u.email.toLowerCase() === email.toLowerCase());
  if (!user) throw new Error(`list_users found no user with email ${email}`);
  return user;
}

/** Saves an edit through `update_user` (as another admin tab would). */
export async function updateUser(
  request: Requester,
  user: UserRow,
  changes: Partial<UserFormData>,
  status: 'active' | 'suspended' = user.status,
): Promise<UserRow> {
  return callServer<UserRow>(request, 'update_user', {
    id: user.id,
    version: user.version,
    form: {
      first_name: user.first_name,
      last_name: user.last_name,
      email: user.email,
      phone: user.phone ?? '',
      external_id: user.external_id ?? '',
      timezone: user.timezone ?? '',
      role_ids: user.roles.map((r) => r.id),
      ...changes,
    },
    status,
  });
}

/** Suspends or reactivates users by id through `bulk_change` (at most 100: one request). */
export async function setStatuses(
  request: Requester,
  ids: number[],
  action: 'suspend' | 'reactivate',
): Promise<void> {
  await callServer(request, 'bulk_change', { action, target: { users: ids } });
}

/** The user table (its caption is "Users"). */
export function usersTable(page: Page): Locator {
  return page.getByRole('table', { name: 'Users' });
}

/** The table row of the user with this email. */
export function userRow(page: Page, email: string): Locator {
  return usersTable(page).getByRole('row').filter({ hasText: email });
}

/** The e-mail addresses shown in the table, top to bottom. */
export async function shownEmails(page: Page): Promise<string[]> {
  const rows = usersTable(page).locator('tbody').getByRole('row');
  const texts = await rows.allInnerTexts();
  return texts.map((t) => (t.match(/[^\s@]+@[^\s@]+/) ?? [''])[0]);
}

/** Checks the stat cards: Total Users, Active, Suspended. */
export async function expectStats(
  page: Page,
  total: number,
  active: number,
  suspended: number,
): Promise<void> {
  const fmt = (n: number) => n.toLocaleString('en-US');
  await expect(page.getByRole('region', { name: 'Users', exact: true })).toHaveText(
    new RegExp(
      `Total Users\\s*${fmt(total)}\\s*Active\\s*${fmt(active)}\\s*Suspended\\s*${fmt(suspended)}`,
    ),
  );
}

/** The "N users match" line. */
export function matchCount(page: Page): Locator {
  return page.getByRole('status').filter({ hasText: /\busers? match(es)?$/ });
}

/**
 * Collects into `into` every panic of the WebAssembly on `page` (the panic hook logs
 * "panicked at …" to the console), with the first lines of its message. A panic leaves the
 * page half dead, so tests check that there was none.
 */
export function watchForPanics(page: Page, into: string[]): void {
  page.on('console', (m) => {
    const text = m.text();
    if (m.type() === 'error' && text.includes('panicked at')) {
      into.push(`${page.url()}: ${text.split('\n').slice(0, 2).join(' ')}`);
    }
  });
}
