import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapEntity, createDeps } from '@tokenwarden/api';
import { openTestStore, type TestStore } from '@tokenwarden/db/testing/test-store';
import { createApp, type App } from '../src/app.js';
import { createLogger } from '../src/logger.js';
import { openApiDocument } from '../src/openapi/docs-routes.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url));
const swaggerUiDir = (createRequire(import.meta.url)('swagger-ui-dist/absolute-path.js') as () => string)();

let db: TestStore;
let app: App;
let base: string;
let port: number;
let demoToken: string;

/** A raw GET, so the path reaches the server exactly as written (fetch would normalize `..`). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  db = await openTestStore();
  const deps = createDeps(db.store);
  demoToken = (await bootstrapEntity(deps, 'Docs demo')).access_token;
  app = createApp({ deps, log: createLogger('silent') });
  const address = await app.listen(0, '127.0.0.1');
  port = address.port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await app?.close();
  await db?.cleanup();
});

describe('GET /docs', () => {
  it('serves the reference page, loading only this server’s own files', async () => {
    const res = await fetch(`${base}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThanOrEqual(4);
    for (const ref of refs) {
      expect(ref, ref).toMatch(/^\/docs\//);
      expect((await fetch(`${base}${ref}`)).status, ref).toBe(200);
    }
    expect((await fetch(`${base}/docs/`, { redirect: 'manual' })).headers.get('location')).toBe('/docs');
  });

  it('serves swagger-ui-dist’s files byte for byte from the package directory', async () => {
    for (const [name, type] of [
      ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
      ['swagger-ui.css', 'text/css; charset=utf-8'],
      ['favicon-32x32.png', 'image/png'],
    ] as const) {
      const res = await fetch(`${base}/docs/assets/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.equals(readFileSync(join(swaggerUiDir, name))), name).toBe(true);
    }
  });

  it('serves no other file: no traversal, nothing outside the list', async () => {
    for (const path of [
      '/docs/assets/../../package.json',
      '/docs/assets/..%2F..%2Fpackage.json',
      '/docs/assets/%2e%2e/package.json',
      '/docs/assets/index.html',
      '/docs/assets/swagger-initializer.js',
      '/docs/assets/swagger-ui-bundle.js.map',
      '/docs/assets/',
      '/docs/assets/swagger-ui.css/',
      '/docs/assets/SWAGGER-UI.CSS',
      '/docs/package.json',
      '/docs//etc/passwd',
    ]) {
      const res = await rawGet(path);
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.body).code, path).toBe(5);
    }
    const post = await fetch(`${base}/docs`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('renders every operation in headless Chromium, and try-it lists tokens with a demo token', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    let browser: Browser | undefined;
    try {
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
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      const foreign: string[] = [];
      const listCalls: { url: string; authorization: string | undefined }[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('request', (r) => {
        if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreign.push(r.url());
        if (new URL(r.url()).pathname === '/v1/iam/oauth/tokens') listCalls.push({ url: r.url(), authorization: r.headers().authorization });
      });

      await page.goto(`${base}/docs`);
      await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
      const doc = openApiDocument() as { paths: Record<string, Record<string, { tags: string[]; operationId: string }>> };
      const operations: string[] = [];
      for (const item of Object.values(doc.paths)) {
        for (const op of Object.values(item)) operations.push(`operations-${op.tags[0]}-${op.operationId}`);
      }
      expect(operations.length).toBeGreaterThanOrEqual(3);
      for (const id of operations) await expect(page.locator(`[id="${id}"]`).count(), id).resolves.toBe(1);
      expect(await page.locator('.opblock').count()).toBe(operations.length);

      // Authorize with the demo token through the dialog, as a reader would. The dialog has a
      // form per scheme (bearer tokens, and the token endpoint's HTTP Basic): the bearer one.
      await page.locator('.scheme-container .btn.authorize').click();
      const bearerForm = page.locator('.modal-ux form', { has: page.locator('input[aria-label="auth-bearer-value"]') });
      expect(await page.locator('.modal-ux form').count()).toBe(2);
      await bearerForm.locator('input[aria-label="auth-bearer-value"]').fill(demoToken);
      await bearerForm.locator('.auth-btn-wrapper button.authorize').click();
      await page.locator('.modal-ux .auth-btn-wrapper button.btn-done').first().click();

      // Try it out: list tokens with the documented defaults.
      const list = page.locator('[id="operations-Tokens-listTokens"]');
      await list.locator('.opblock-summary-control').click();
      await list.locator('.try-out__btn').click();
      await list.locator('.execute').click();
      const status = list.locator('.live-responses-table tr.response .response-col_status').first();
      await status.waitFor({ timeout: 20_000 });
      mkdirSync(SCREENSHOTS, { recursive: true });
      const file = join(SCREENSHOTS, 'docs.png');
      await page.screenshot({ path: file, fullPage: true });
      expect(statSync(file).size).toBeGreaterThan(10_000);
      expect((await status.textContent())?.trim()).toBe('200');
      const shown = await list.locator('.live-responses-table tr.response .response-col_description pre').first().textContent();
      expect(JSON.parse(shown ?? '{}').pagination_info.total_elements).toBe(1);

      expect(listCalls).toHaveLength(1);
      expect(listCalls[0]?.authorization).toBe(`Bearer ${demoToken}`);
      expect(new URL(listCalls[0]?.url ?? base).searchParams.get('page_params.page_size')).toBe('10');
      expect(foreign).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await browser?.close();
    }
  }, 120_000);
});
