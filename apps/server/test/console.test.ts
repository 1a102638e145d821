import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeps } from '@tokenwarden/api';
import { openTestStore, type TestStore } from '@tokenwarden/db/testing/test-store';
import { createApp, type App } from '../src/app.js';
import { createLogger } from '../src/logger.js';

/** A console build as `vite build` writes one: index.html, hashed assets, a public file. */
const INDEX =
  '<!doctype html><html><head><script type="module" src="/console/assets/index-Ab12Cd34.js"></script></head><body><div id="root"></div></body></html>';
const JS = 'console.info("console");';
const CSS = 'body{margin:0}';
const SVG = '<svg xmlns="http://www.w3.org/2000/svg"/>';

let db: TestStore;
let dir: string;
const servers: { app: App; base: string; port: number }[] = [];

async function serve(consoleDir: string | null) {
  const app = createApp({ deps: createDeps(db.store), log: createLogger('silent'), consoleDir });
  const { port } = await app.listen(0, '127.0.0.1');
  const s = { app, base: `http://127.0.0.1:${port}`, port };
  servers.push(s);
  return s;
}

/** A raw GET, so the path reaches the server exactly as written (fetch would normalize `..`). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
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
  dir = mkdtempSync(join(tmpdir(), 'tw-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'index-Ab12Cd34.js'), JS);
  writeFileSync(join(dir, 'assets', 'index-Ef56Gh78.css'), CSS);
  writeFileSync(join(dir, 'favicon.svg'), SVG);
});
afterAll(async () => {
  for (const s of servers) await s.app.close().catch(() => {});
  await db?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /console (a built console)', () => {
  it('serves index.html for the console and each of its client routes, never cached, under a strict CSP', async () => {
    const { base } = await serve(dir);
    for (const path of ['/console', '/console/', '/console/tokens', '/console/tokens/249a0a2e-028a-4e15-a841-de9fd4e4cd84', '/console/sign-in']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain("connect-src 'self';");
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).toBe(INDEX);
    }
  });

  it('serves each built file byte for byte with its type; hashed assets are cached for good', async () => {
    const { base } = await serve(dir);
    for (const [path, type, body, cache] of [
      ['/console/assets/index-Ab12Cd34.js', 'text/javascript; charset=utf-8', JS, 'public, max-age=31536000, immutable'],
      ['/console/assets/index-Ef56Gh78.css', 'text/css; charset=utf-8', CSS, 'public, max-age=31536000, immutable'],
      ['/console/favicon.svg', 'image/svg+xml', SVG, 'public, max-age=3600'],
    ] as const) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe(type);
      expect(res.headers.get('cache-control'), path).toBe(cache);
      expect(await res.text(), path).toBe(body);
    }
    const head = await fetch(`${base}/console/assets/index-Ab12Cd34.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(JS)));
  });

  it('serves no other file: a missing asset, traversal and odd paths are 404; other methods 405', async () => {
    const { base, port } = await serve(dir);
    for (const path of [
      '/console/assets/missing.js',
      '/console/assets/',
      '/console/../package.json',
      '/console/assets/../../package.json',
      '/console/%2e%2e/package.json',
      '/console/..%2F..%2Fpackage.json',
      '/console//etc/passwd',
    ]) {
      const res = await rawGet(port, path);
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.body).code, path).toBe(5);
    }
    // A path that normalizes to a client route is the page itself, never a file outside the build.
    for (const path of ['/console/assets/../index.html', '/console/./index.html'])
      expect(await rawGet(port, path)).toEqual({ status: 200, body: INDEX });
    expect((await rawGet(port, '/consoles')).status).toBe(404);
    const post = await fetch(`${base}/console`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('GET /console (no build)', () => {
  it('answers 404 saying how to build it, in the caller’s language, and the API still works', async () => {
    const missing = await serve(join(dir, 'not-built'));
    const none = await serve(null);
    for (const { base } of [missing, none]) {
      const res = await fetch(`${base}/console/tokens`);
      expect(res.status).toBe(404);
      const body = (await res.json()) as { code: number; message: string };
      expect(body.code).toBe(5);
      expect(body.message).toContain('pnpm build');
      const es = await fetch(`${base}/console`, { headers: { 'accept-language': 'es' } });
      expect(((await es.json()) as { message: string }).message).toContain('no está compilada');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    }
    expect(await missing.app.consoleSite()).toBeUndefined();
  });
});
