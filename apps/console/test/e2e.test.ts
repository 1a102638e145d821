// @vitest-environment node
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CSV_COLUMNS, csvHeader, csvRow, restListTokens, walkTokens } from '@tokenwarden/client';
import {
  decodeQuery,
  encodeQuery,
  ListTokenEventsResponse,
  ListTokensInput,
  type ListTokensRequest,
  type ListTokensResponse,
  parseTimestamp,
  readQuery,
  type Token,
  TokenSummary,
} from '@tokenwarden/contracts';
import { DEMO, ensureDemoData } from '@tokenwarden/server';
import { startTestServer, type TestServer } from '@tokenwarden/server/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The console end to end: headless Debian Chromium against a real server (SQLite, demo
 * data, the console's own build found by package resolution), every step a person takes,
 * each checked against the REST API. Screenshots go to screenshots/ (not committed).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url));
const DEMO_TOKENS = 5_000;

let server: TestServer;
let browser: Browser;
let admin: string;
let otherIds: Set<string>;

const password = (username: string) => DEMO.users.find((u) => u.username === username)?.password as string;

async function issue(body: object): Promise<{ access_token: string; token_id: string }> {
  const res = await fetch(`${server.url}/v1/iam/oauth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; token_id: string };
}

const rest = (token: string, input: ListTokensRequest): Promise<ListTokensResponse> => restListTokens({ url: server.url, accessToken: token }, input);

/** Every token of a filter at a snapshot, page after page over REST. */
async function restAll(token: string, input: ListTokensRequest): Promise<Token[]> {
  const out: Token[] = [];
  for await (const t of walkTokens((i) => rest(token, i), input)) out.push(t);
  return out;
}

const REASON = 'found in a public repository';
const BULK_REASON = 'tellers move to the new payments client';

const restToken = async (id: string): Promise<Token> =>
  (await (await fetch(`${server.url}/v1/iam/oauth/tokens/${id}`, { headers: { authorization: `Bearer ${admin}` } })).json()) as Token;

/** A page of the audit trail over REST. */
async function restEvents(query: object): Promise<ListTokenEventsResponse> {
  const res = await fetch(`${server.url}/v1/iam/oauth/token-events?${encodeQuery(query)}`, { headers: { authorization: `Bearer ${admin}` } });
  expect(res.status).toBe(200);
  return ListTokenEventsResponse.parse(await res.json());
}

/** A token without the one field that changes between two reads (seconds left). */
const stable = ({ expires_in: _, ...t }: Token) => t;

/** The list's input in the page's address (its snapshot included), read as the server reads a REST query. */
function addressInput(page: Page): ListTokensRequest {
  const search = new URL(page.url()).search;
  if (!decodeQuery(ListTokensInput, search).ok) throw new Error(`the address is not a list query: ${page.url()}`);
  // As a caller writes it (a time bound as RFC 3339 text, not the µs the schema reads it as).
  return readQuery(ListTokensInput, search).raw as ListTokensRequest;
}

/** Saves a screenshot (the whole page unless told), once the page is known to fit the laptop-sized window's width (no sideways scrolling). */
async function shot(page: Page, name: string, o: { fullPage?: boolean } = {}): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), `${name} scrolls sideways`).toBeLessThanOrEqual(0);
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: o.fullPage ?? true });
  expect(statSync(file).size).toBeGreaterThan(5_000);
}

const rowIds = (page: Page) => page.locator('table.tokens tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-token-id')));

/**
 * Signs in with the login grant; resolves how long the first page (the overview, with its
 * figures) took to render after the sign-in answer came, and after the click.
 */
async function signIn(page: Page, username: string): Promise<{ afterSignIn: number; afterClick: number }> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password(username));
  const clicked = performance.now();
  const answered = page.waitForResponse((r) => r.url().includes('/trpc/oauth.issueToken') && r.status() === 200).then(() => performance.now());
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  await page.getByTestId('active-total').waitFor();
  const rendered = performance.now();
  return { afterSignIn: rendered - (await answered), afterClick: rendered - clicked };
}

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
  server = await startTestServer({ backend: 'sqlite' });
  await ensureDemoData(server.deps, { seed: 42, tokens: DEMO_TOKENS });
  admin = (await issue({ grant_type: 'client_credentials', client_id: DEMO.admin.clientId, client_secret: DEMO.admin.clientSecret })).access_token;
  const other = await issue({ grant_type: 'client_credentials', client_id: DEMO.other.clientId, client_secret: DEMO.other.clientSecret });
  otherIds = new Set((await restAll(other.access_token, { page_params: { page_size: 100 } })).map((t) => t.token_id));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the web console, end to end in Chromium', () => {
  it('is served from the console package’s build at /console', async () => {
    expect(await server.app.consoleSite()).toBeDefined();
    const res = await fetch(`${server.url}/console/tokens`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="root">');
  });

  it('signs in, filters, pages, revokes a token with a reason, exports, revokes the filtered set, reads the Activity page, shows the overview; only this server is called', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    let phase = 'start';
    const problems: string[] = [];
    const foreign: string[] = [];
    const leaks: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${phase}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${phase}: ${e.message}`));
    if (process.env.E2E_TIMINGS) {
      page.on('requestfinished', (r) => {
        const t = r.timing();
        process.stdout.write(`${(t.startTime % 100000).toFixed(0)} +${t.responseEnd.toFixed(0)}ms ${r.method()} ${r.url().slice(0, 110)}\n`);
      });
    }
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url)) foreign.push(r.url());
      if (/twat_/.test(r.url())) leaks.push(r.url());
    });

    // A wrong password, in Spanish: the server's own message, in the user's language.
    phase = 'wrong-password';
    await page.goto(`${server.url}/console/`);
    await page.getByLabel('Language').selectOption('es');
    await page.getByLabel('Usuario').fill('alice');
    await page.getByLabel('Contraseña').fill('not-her-password');
    await page.getByRole('button', { name: 'Entrar' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('el usuario o la contraseña no son válidos');
    await shot(page, 'console-sign-in-error-es');
    await page.getByLabel('Idioma').selectOption('en');

    // Sign in as alice (ENTITY_ADMIN) with the login grant: the overview is the first page.
    phase = 'alice';
    const firstPage = await signIn(page, 'alice');
    process.stdout.write(
      `console: first page (overview, its figures) rendered ${firstPage.afterSignIn.toFixed(0)} ms after the sign-in answer ` +
        `(${firstPage.afterClick.toFixed(0)} ms after the click, scrypt included; ${DEMO_TOKENS} demo tokens)\n`,
    );
    const token = await page.evaluate(() => sessionStorage.getItem('tokenwarden.console.token'));
    expect(token).toMatch(/^twat_/);
    expect(page.url()).not.toContain(token as string);

    // The overview's figures are the summary's at the snapshot in the address.
    const summarySearch = new URL(page.url()).search;
    expect(summarySearch).toContain('first_request_timestamp.seconds=');
    const summaryRes = await fetch(`${server.url}/v1/iam/oauth/tokens:summary${summarySearch}`, { headers: { authorization: `Bearer ${admin}` } });
    const summary = TokenSummary.parse(await summaryRes.json());
    expect(summary.active.total).toBeGreaterThan(20);
    expect(await page.getByTestId('active-total').textContent()).toBe(summary.active.total.toLocaleString('en-US'));
    const byFlow = page.locator('figure', { hasText: 'Active tokens by grant flow' }).locator('tbody tr');
    expect(await byFlow.count()).toBe(4);
    expect(await byFlow.locator('td.num').allTextContents()).toEqual(summary.active.by_grant_flow.map((f) => String(f.count)));
    const roles = page.locator('figure', { hasText: 'Active tokens by role' }).locator('tbody th');
    expect(await roles.allTextContents()).toEqual(summary.active.by_role.map((r) => r.role));
    const created = page.getByRole('img', { name: 'Tokens created per day (last 30 days, UTC)' }).locator('rect');
    expect(await created.count()).toBe(30);
    expect(await page.getByRole('img', { name: 'Active tokens expiring in the next 7 days' }).locator('rect').count()).toBe(7);
    await shot(page, 'console-overview');

    // The list: the first page in one pinned snapshot.
    const listStarted = performance.now();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tokens' }).click();
    await page.locator('table.tokens tbody tr').first().waitFor();
    process.stdout.write(`console: token list rendered ${(performance.now() - listStarted).toFixed(0)} ms after the click\n`);
    await expect.poll(() => page.url()).toContain('page_params.first_request_timestamp.seconds=');
    const snapshot = addressInput(page).page_params?.first_request_timestamp;
    expect(snapshot).toBeDefined();
    const listPage1 = await rest(admin, { page_params: { first_request_timestamp: snapshot } });
    expect(await rowIds(page)).toEqual(listPage1.tokens.map((t) => t.token_id));
    expect(await page.locator('.total').textContent()).toBe(`${listPage1.pagination_info.total_elements.toLocaleString('en-US')} tokens`);
    await shot(page, 'console-list');

    // Filter: grant flow, role, order key and direction, page size; the address holds them.
    await page.getByLabel('Grant flow', { exact: true }).selectOption('GRANT_FLOW_PASSWORD');
    await page.getByLabel('Role', { exact: true }).fill('TELLER');
    await page.getByLabel('Order by').selectOption('expires_at');
    await page.getByLabel('Direction').selectOption('ASC');
    await page.getByLabel('Page size').selectOption('25');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.url()).toContain('role=TELLER');
    const filtered = addressInput(page);
    expect(filtered).toMatchObject({
      grant_flow: 'GRANT_FLOW_PASSWORD',
      role: 'TELLER',
      order_params: { order_key: 'expires_at', order_direction: 'ASC' },
      page_params: { page_size: 25, first_request_timestamp: snapshot },
    });
    const want1 = await rest(admin, filtered);
    expect(want1.pagination_info.total_pages).toBeGreaterThan(2);
    await expect.poll(() => rowIds(page)).toEqual(want1.tokens.map((t) => t.token_id));

    // Page 2 of the same snapshot; the address alone shows the same page (a shared link).
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.url()).toContain('page_params.page_number=2');
    const want2 = await rest(admin, { ...filtered, page_params: { ...filtered.page_params, page_number: 2 } });
    await expect.poll(() => rowIds(page)).toEqual(want2.tokens.map((t) => t.token_id));
    const shared = page.url();
    const second = await browser.newPage();
    await second.goto(shared);
    await second.evaluate((t) => sessionStorage.setItem('tokenwarden.console.token', t), token as string);
    await second.reload();
    await expect.poll(() => rowIds(second)).toEqual(want2.tokens.map((t) => t.token_id));
    await second.close();
    await shot(page, 'console-list-filtered');

    // Open an active token of this page, revoke it with a reason (Escape first cancels); the details say who and why.
    const target = want2.tokens.find((t) => t.status === 'TOKEN_STATUS_ACTIVE') ?? want2.tokens[0];
    if (!target) throw new Error('no token on page 2');
    const aliceTokenId = (JSON.parse((await page.evaluate(() => sessionStorage.getItem('tokenwarden.console.grant'))) ?? '{}') as { tokenId: string })
      .tokenId;
    expect(aliceTokenId).toMatch(/^[0-9a-f-]{36}$/);
    await page.locator(`tr[data-token-id="${target.token_id}"] a`).click();
    await page.getByRole('heading', { level: 1, name: `Token ${target.token_id.slice(0, 8)}` }).waitFor();
    expect(await page.locator('dd[data-field="token_id"]').textContent()).toBe(target.token_id);
    expect(await page.locator('dd[data-field="client_id"]').textContent()).toBe(target.client_id);
    await page.getByRole('button', { name: 'Revoke…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke this token?' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect((await restToken(target.token_id)).revoked_at).toBeNull();
    await page.getByRole('button', { name: 'Revoke…' }).click();
    // Focus starts on the reason; the button waits for one.
    expect(await dialog.getByRole('button', { name: 'Revoke token' }).isDisabled()).toBe(true);
    await page.keyboard.type(REASON);
    // The window only: a modal's backdrop covers the window, not the whole page.
    await shot(page, 'console-revoke-dialog', { fullPage: false });
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await page.getByText('The token was revoked.').waitFor();
    await expect.poll(() => page.locator('dd[data-field="status"]').textContent()).toBe('Revoked');
    const after = await restToken(target.token_id);
    expect(after).toMatchObject({ status: 'TOKEN_STATUS_REVOKED', revoke_reason: REASON, revoked_by: aliceTokenId });
    expect(await page.locator('dd[data-field="revoke_reason"]').textContent()).toBe(REASON);
    expect(await page.locator('dd[data-field="revoked_by"] a').getAttribute('href')).toBe(`/console/tokens/${aliceTokenId}`);
    expect(await page.getByRole('button', { name: 'Revoke…' }).count()).toBe(0);
    // Its own events: the revocation, with the reason and alice's token as the actor.
    const ownEvents = page.getByRole('region', { name: 'Activity of this token' }).locator('tbody tr');
    await expect.poll(() => ownEvents.first().getAttribute('data-type')).toBe('TOKEN_REVOKED');
    expect(await ownEvents.first().locator('td.reason').textContent()).toBe(REASON);
    expect(await ownEvents.first().locator(`td.actor a[href="/console/tokens/${aliceTokenId}"]`).count()).toBe(1);
    await shot(page, 'console-token');
    await page.goBack();
    await expect.poll(() => page.locator(`tr[data-token-id="${target.token_id}"] .badge`).textContent()).toBe('Revoked');

    // Export the filter's whole snapshot (not only the page shown), as CSV and as JSON,
    // with the pages slowed so the progress bar shows; compare with the REST pages.
    await page.route('**/trpc/tokens.list**', async (route) => {
      await new Promise((r) => setTimeout(r, 250));
      await route.continue();
    });
    const everything = await restAll(admin, { ...filtered, page_params: { ...filtered.page_params, page_size: 100, page_number: 1 } });
    expect(everything.length).toBe(want1.pagination_info.total_elements);
    const csvDownload = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    await page.locator('.export progress').waitFor();
    await page.getByText(/^Exporting: [1-9]\d* of \d+ tokens$/).waitFor();
    await shot(page, 'console-export-progress');
    const csvFile = await (await csvDownload).path();
    const csv = readFileSync(csvFile, 'utf8');
    await page.getByText(/^Exported \d+ tokens to tokens-.*\.csv\.$/).waitFor();
    expect(csv).not.toContain('"');
    const lines = csv.split('\r\n').slice(0, -1);
    expect(`${lines[0]}\r\n`).toBe(csvHeader());
    const withoutSecondsLeft = (line: string) => line.split(',').filter((_, i) => CSV_COLUMNS[i] !== 'expires_in');
    expect(lines.slice(1).map(withoutSecondsLeft)).toEqual(everything.map((t) => withoutSecondsLeft(csvRow(t).trimEnd())));
    const jsonDownload = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export JSON' }).click();
    const exported = JSON.parse(readFileSync(await (await jsonDownload).path(), 'utf8')) as Token[];
    expect(exported.map(stable)).toEqual(everything.map(stable));
    expect(exported.some((t) => otherIds.has(t.token_id))).toBe(false);
    await page.unroute('**/trpc/tokens.list**');

    // Revoke the filtered set: the list's button opens the dry run at the list's own filters and snapshot.
    const beforeBulk = parseTimestamp((await rest(admin, { page_params: { page_size: 1 } })).pagination_info.first_request_timestamp);
    // Every token of the entity at a snapshot taken now, before and after, by id.
    const everyToken = async () =>
      new Map((await restAll(admin, { page_params: { page_size: 100, first_request_timestamp: beforeBulk } })).map((t) => [t.token_id, t]));
    const entityBefore = await everyToken();
    await page.getByRole('link', { name: 'Revoke all matching…' }).click();
    await page.getByRole('heading', { level: 1, name: 'Revoke tokens by filter' }).waitFor();
    expect(addressInput(page)).toMatchObject({
      grant_flow: 'GRANT_FLOW_PASSWORD',
      role: 'TELLER',
      page_params: { first_request_timestamp: snapshot },
    });
    const toRevoke = everything.filter((t) => t.revoked_at === null).map((t) => t.token_id);
    expect(toRevoke.length).toBeGreaterThan(100);
    await expect.poll(() => page.getByTestId('bulk-matched').textContent()).toBe(toRevoke.length.toLocaleString('en-US'));
    const sample = page.getByRole('list', { name: 'Tokens that would be revoked' }).locator('li');
    expect(await sample.evaluateAll((li) => li.map((l) => l.getAttribute('data-token-id')))).toEqual([...toRevoke].sort().slice(0, 100));
    // By keyboard: from the heading, past "Take a new snapshot", to the reason, then the count; Enter confirms.
    await page.getByRole('heading', { level: 1, name: 'Revoke tokens by filter' }).focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('bulk-reason');
    await page.keyboard.type(BULK_REASON);
    await page.keyboard.press('Tab');
    await page.keyboard.type(String(toRevoke.length));
    await shot(page, 'console-revoke-by-filter');
    // The confirmation held back a moment, so its progress shows.
    await page.route('**/trpc/tokens.revokeByFilter**', async (route) => {
      if (route.request().postData()?.includes('idempotency_key')) await new Promise((r) => setTimeout(r, 600));
      await route.continue();
    });
    expect(await page.getByRole('button', { name: `Revoke ${toRevoke.length} tokens` }).isEnabled()).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByText(`Revoking ${toRevoke.length} tokens…`).waitFor();
    await page.getByText(`${toRevoke.length} tokens revoked.`).waitFor();
    await page.unroute('**/trpc/tokens.revokeByFilter**');
    const revokedIds = page.getByRole('list', { name: 'Revoked tokens' }).locator('li');
    const idsShown = () => revokedIds.evaluateAll((li) => li.map((l) => l.getAttribute('data-token-id')));
    expect(await idsShown()).toEqual([...toRevoke].sort().slice(0, 100));
    await page.getByRole('navigation', { name: 'Pages of revoked ids' }).getByRole('button', { name: 'Next' }).click();
    await expect.poll(idsShown).toEqual([...toRevoke].sort().slice(100, 200));
    await shot(page, 'console-revoke-by-filter-done');
    // Exactly the dry run's tokens are revoked now, with the reason; nothing outside the filter changed.
    const entityAfter = await everyToken();
    expect(entityAfter.size).toBe(entityBefore.size);
    const changed = [...entityAfter.values()].filter((t) => t.revoked_at !== entityBefore.get(t.token_id)?.revoked_at);
    expect(changed.map((t) => t.token_id).sort()).toEqual([...toRevoke].sort());
    expect(changed.every((t) => t.revoke_reason === BULK_REASON && t.revoked_by === aliceTokenId)).toBe(true);

    // The Activity page, filtered by type: the revocation by filter, then the single revocation with its reason and actor.
    await page.getByRole('link', { name: 'See it in Activity' }).click();
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    const eventRows = page.locator('table.events tbody tr');
    const eventIds = () => eventRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event-id')));
    const byFilter = await restEvents({ type: ['TOKENS_REVOKED_BY_FILTER'] });
    expect(byFilter.events[0]).toMatchObject({ reason: BULK_REASON, token_count: toRevoke.length, completed: true });
    await expect.poll(eventIds).toEqual(byFilter.events.map((e) => e.event_id));
    await page.getByLabel('Revoked by filter').uncheck();
    await page.getByLabel('Revoked', { exact: true }).check();
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.getAll('type')).toEqual(['TOKEN_REVOKED']);
    const single = await restEvents({ type: ['TOKEN_REVOKED'] });
    expect(single.events.map((e) => [e.reason, e.actor.token_id, e.token_ids])).toEqual([[REASON, aliceTokenId, [target.token_id]]]);
    await expect.poll(eventIds).toEqual(single.events.map((e) => e.event_id));
    expect(await eventRows.first().locator('td.reason').textContent()).toBe(REASON);
    expect(await eventRows.first().locator(`td.actor a[href="/console/tokens/${aliceTokenId}"]`).count()).toBe(1);
    expect(await eventRows.first().locator(`td.event-tokens a[href="/console/tokens/${target.token_id}"]`).count()).toBe(1);
    await page.getByLabel('Issued').check();
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.getAll('type')).toEqual(['TOKEN_ISSUED', 'TOKEN_REVOKED']);
    const issuedOrRevoked = await restEvents({ type: ['TOKEN_ISSUED', 'TOKEN_REVOKED'] });
    await expect.poll(eventIds).toEqual(issuedOrRevoked.events.map((e) => e.event_id));
    expect(new Set(await eventRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type'))))).toEqual(
      new Set(['TOKEN_ISSUED', 'TOKEN_REVOKED']),
    );
    // With the revocations by filter too: the three kinds side by side (the README's picture).
    await page.getByLabel('Revoked by filter').check();
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.getAll('type').length).toBe(3);
    const threeKinds = await restEvents({ type: ['TOKEN_ISSUED', 'TOKEN_REVOKED', 'TOKENS_REVOKED_BY_FILTER'] });
    await expect.poll(eventIds).toEqual(threeKinds.events.map((e) => e.event_id));
    expect(await eventRows.first().getAttribute('data-type')).toBe('TOKENS_REVOKED_BY_FILTER');
    expect(await eventRows.first().locator('td.event-tokens .count').textContent()).toBe(`${toRevoke.length} tokens: `);
    await shot(page, 'console-activity');

    // A filter nothing matches: the empty state, with true totals.
    await page.goto(`${server.url}/console/tokens?role=NO_SUCH_ROLE`);
    await page.getByText('No token matches these filters in this snapshot.').waitFor();
    expect(await page.locator('.total').textContent()).toBe('0 tokens');
    expect(await page.getByRole('navigation', { name: 'Pages' }).getByText('Page 1 of 1').count()).toBe(1);

    // An address the list cannot take is said so, in the user's language.
    await page.getByLabel('Language').selectOption('es');
    await page.goto(`${server.url}/console/tokens?page_params.page_size=500`);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('page_params.page_size');
    expect(await page.getByRole('alert').textContent()).toContain('Esta dirección tiene un parámetro');
    await shot(page, 'console-address-error-es');
    await page.getByLabel('Idioma').selectOption('en');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();

    // Sign out (alice's login token is revoked), then carol by keyboard alone.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('tokenwarden.console.token'))).toBeNull();
    await expect
      .poll(async () => (await fetch(`${server.url}/v1/iam/oauth/tokens`, { headers: { authorization: `Bearer ${token}` } })).status)
      .toBe(401);

    phase = 'carol';
    await page.getByLabel('Username').focus();
    await page.keyboard.type('carol');
    await page.keyboard.press('Tab');
    await page.keyboard.type(password('carol'));
    await page.keyboard.press('Enter');
    await page.getByTestId('active-total').waitFor();
    await page.goto(`${server.url}/console/tokens?page_params.page_size=100`);
    await page.locator('table.tokens tbody tr').first().waitFor();
    await shot(page, 'console-list-carol');
    const carol = await server.deps.directory.findUserByUsername('carol');
    const carolSnapshot = addressInput(page).page_params?.first_request_timestamp;
    const hers = await rest(admin, { user_id: carol?.userId, page_params: { page_size: 100, first_request_timestamp: carolSnapshot } });
    expect(hers.pagination_info.total_elements).toBeGreaterThan(0);
    expect(hers.pagination_info.total_elements).toBeLessThan(listPage1.pagination_info.total_elements);
    await expect.poll(() => rowIds(page)).toEqual(hers.tokens.map((t) => t.token_id));
    const userCells = await page.locator('table.tokens tbody tr td:nth-child(5)').evaluateAll((cells) => cells.map((c) => c.getAttribute('title')));
    expect(new Set(userCells)).toEqual(new Set([carol?.userId]));
    expect((await rowIds(page)).some((id) => otherIds.has(id as string))).toBe(false);
    // Her overview is of her tokens only.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
    await page.getByTestId('active-total').waitFor();
    const carolToken = await page.evaluate(() => sessionStorage.getItem('tokenwarden.console.token'));
    const carolSummary = TokenSummary.parse(
      await (
        await fetch(`${server.url}/v1/iam/oauth/tokens:summary${new URL(page.url()).search}`, { headers: { authorization: `Bearer ${carolToken}` } })
      ).json(),
    );
    expect(await page.getByTestId('active-total').textContent()).toBe(String(carolSummary.active.total));
    expect(carolSummary.active.total).toBeLessThan(summary.active.total);
    // Asking the list for another user's tokens in the address is refused by the server, in words.
    const alice = await server.deps.directory.findUserByUsername('alice');
    await page.goto(`${server.url}/console/tokens?user_id=${alice?.userId}`);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain("this token may list only its own user's tokens");

    expect(foreign).toEqual([]);
    expect(leaks).toEqual([]);
    // The browser reports each refused call as a failed resource: the wrong password (RFC 6749
    // invalid_grant, 400) and carol's forbidden filter (403); nothing else.
    expect(
      problems.filter(
        (p) =>
          !/^wrong-password: Failed to load resource: the server responded with a status of 400/.test(p) &&
          !/^carol: Failed to load resource: the server responded with a status of 403/.test(p),
      ),
    ).toEqual([]);
    await page.close();
  }, 240_000);
});
