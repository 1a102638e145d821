import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ListTokensResponse } from '@tokenwarden/contracts';
import { freshDatabase, newEntity, startServer } from './support/harness.js';

const dist = (file: string) => new URL(`../dist/${file}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tokenwarden-proc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the server process (what npm start runs)', () => {
  it('seeds demo data, prints a working token, and stops cleanly on SIGTERM', async () => {
    const db = await freshDatabase(dir, 'demo.db');
    const child = spawn(process.execPath, [dist('main.js')], {
      env: {
        ...process.env,
        PORT: '0',
        ...db.env,
        TOKENWARDEN_DEMO: '1',
        TOKENWARDEN_DEMO_TOKENS: '300',
        LOG_LEVEL: 'info',
      },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!/curl -s '(http[^']+)'[\s\\]+-H 'Authorization: Bearer (twat_[\w-]+)'/.test(out)) {
      if (Date.now() > deadline) throw new Error(`no banner: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const [, url, token] = /curl -s '(http[^']+)'[\s\\]+-H 'Authorization: Bearer (twat_[\w-]+)'/.exec(out)!;
    const res = await fetch(url!, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = ListTokensResponse.parse(await res.json());
    expect(body.tokens).toHaveLength(5);
    // 300 seeded + the setup token + this run's demo token
    expect(body.pagination_info.total_elements).toBe(302);
    const flows = new Set(
      ListTokensResponse.parse(
        await (await fetch(url!.replace('page_size=5', 'page_size=100'), { headers: { authorization: `Bearer ${token}` } })).json(),
      ).tokens.map((t) => t.grant_flow),
    );
    expect(flows.size).toBeGreaterThanOrEqual(3);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/"msg":"stopped"/);
    expect(out.split(token!).length).toBe(2); // the banner only: never in a log line
    await db.drop();
  });

  it('refuses a bad configuration with a clear message', () => {
    const r = spawnSync(process.execPath, [dist('main.js')], { env: { ...process.env, PORT: 'eighty' }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/invalid configuration: PORT/);
  });
});

describe('graceful shutdown', () => {
  // The two ways a response head is written: explicitly (REST's sendJson) and implicitly by
  // write/end (the tRPC adapter); both must tell the client to close the connection.
  it.each([
    ['REST', 'DELETE', (id: string) => `/v1/iam/oauth/tokens/${id}`],
    ['tRPC', 'POST', () => '/trpc/tokens.revoke'],
  ])('lets an in-flight %s request finish on a closing connection, then refuses new ones', async (_, method, path) => {
    const server = await startServer();
    const e = await newEntity(server.deps, 'Acme');
    const { port } = new URL(server.url);
    const tokenId = ListTokensResponse.parse(
      await (await fetch(`${server.url}/v1/iam/oauth/tokens?page_params.page_size=1`, { headers: { authorization: `Bearer ${e.admin}` } })).json(),
    ).tokens[0]!.token_id;
    // A revoke whose body is still arriving when shutdown starts, on a keep-alive connection.
    const body = JSON.stringify({ token_id: tokenId });
    const agent = new Agent({ keepAlive: true });
    const response = new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method,
          path: path(tokenId),
          agent,
          headers: { authorization: `Bearer ${e.admin}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 5));
      setTimeout(() => req.end(body.slice(5)), 300);
    });
    await new Promise((r) => setTimeout(r, 100));
    const closed = server.app.close();
    expect(await response).toEqual({ status: 200, connection: 'close' });
    await closed;
    agent.destroy();
    await expect(server.deps.store.ping()).rejects.toThrow();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});

describe('tokenwarden-admin', () => {
  it('creates an entity whose setup token lists its tokens, and prints usage on bad input', async () => {
    const db = await freshDatabase(dir, 'admin.db');
    const env = { ...process.env, ...db.env };
    const r = spawnSync(process.execPath, [dist('admin.js'), 'entity', 'create', '--name', 'Acme', ...db.args], { encoding: 'utf8', env });
    expect(r.status).toBe(0);
    const created = JSON.parse(r.stdout);
    expect(Object.keys(created).sort()).toEqual(['access_token', 'client_id', 'client_secret', 'entity_id', 'token_id']);
    expect(created.access_token).toMatch(/^twat_/);
    expect(created.client_secret).toMatch(/^twcs_/);
    const { openStore } = await import('@tokenwarden/db');
    const { createDeps } = await import('@tokenwarden/api');
    const { createApp, createLogger, loadConfig } = await import('../src/index.js');
    const deps = createDeps(await openStore(loadConfig(env).store));
    const app = createApp({ deps, log: createLogger('silent') });
    const { port } = await app.listen(0, '127.0.0.1');
    const res = await fetch(`http://127.0.0.1:${port}/v1/iam/oauth/tokens`, { headers: { authorization: `Bearer ${created.access_token}` } });
    const listed = ListTokensResponse.parse(await res.json());
    expect(listed.tokens.map((t) => [t.token_id, t.grant_flow])).toEqual([[created.token_id, 'GRANT_FLOW_ENTITY_SETUP']]);
    await app.close();
    const bad = spawnSync(process.execPath, [dist('admin.js'), 'entity', 'create', ...db.args], { encoding: 'utf8', env });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--name is required/);
    const unknown = spawnSync(process.execPath, [dist('admin.js'), 'frobnicate'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stdout).toMatch(/usage: tokenwarden-admin/);
    await db.drop();
  });
});
