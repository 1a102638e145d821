import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapEntity, createDeps, mintToken, type Deps } from '@tokenwarden/api';
import { formatTimestamp, ListTokenEventsResponse, ListTokensResponse, parseTimestamp } from '@tokenwarden/contracts';
import type { HistoricalToken } from '@tokenwarden/db';
import { openTestStore, type TestStore } from '@tokenwarden/db/testing/test-store';
import { createApp, type App } from '../src/app.js';
import { createLogger } from '../src/logger.js';
import { request } from './support/harness.js';

/** The operator command (built dist/admin.js) against the database a running server uses. */
const dist = (file: string) => new URL(`../dist/${file}`, import.meta.url).pathname;
const HOUR = 3600 * 1_000_000;

let target: TestStore;
let deps: Deps;
let app: App;
let url: string;
let a: { pk: number; id: string; admin: string };
let b: { pk: number; id: string; admin: string };

function adminArgs(args: string[]) {
  const where = target.backend === 'postgres' ? [] : ['--db', target.location];
  const env = { ...process.env, TOKENWARDEN_DATABASE_URL: target.backend === 'postgres' ? target.location : '' };
  return { argv: [dist('admin.js'), ...args, ...where], env };
}
function admin(args: string[]) {
  const { argv, env } = adminArgs(args);
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Tokens of an entity with their history: `expired` of them expired two days ago, `live` valid for a year. */
async function tokensOf(entityPk: number, expired: number, live: number): Promise<void> {
  const now = Date.now() * 1000;
  const token = (createdAt: number, expiresAt: number): HistoricalToken => ({
    entityPk,
    tokenId: randomUUID(),
    tokenHash: randomBytes(32),
    clientId: 'svc',
    userId: null,
    accountId: null,
    grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS',
    roles: ['REPORTING'],
    scopes: ['payments.read'],
    createdAt,
    expiresAt,
  });
  await deps.tokens.insertHistorical([
    ...Array.from({ length: expired }, (_, i) => token(now - 72 * HOUR + i, now - 48 * HOUR)),
    ...Array.from({ length: live }, (_, i) => token(now - 24 * HOUR + i, now + 8760 * HOUR)),
  ]);
}

const list = (token: string, query: string) => request(`${url}/v1/iam/oauth/tokens?${query}`, 'GET', { token });

beforeAll(async () => {
  target = await openTestStore();
  const log = createLogger('warn');
  deps = createDeps(target.store, { log });
  app = createApp({ deps, log, shutdownGraceMs: 1_000 });
  url = `http://127.0.0.1:${(await app.listen(0, '127.0.0.1')).port}`;
  for (const [name, expired, live] of [
    ['Retained A', 30, 20],
    ['Retained B', 5, 3],
  ] as const) {
    const e = await bootstrapEntity(deps, name);
    await tokensOf(e.entity_pk, expired, live);
    const token = await mintToken(deps, {
      entityPk: e.entity_pk,
      clientId: e.client_id,
      userId: null,
      accountId: null,
      grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS',
      roles: ['ENTITY_ADMIN'],
      scopes: ['*'],
      lifetimeSeconds: 3600,
    });
    const entity = { pk: e.entity_pk, id: e.entity_id, admin: token.accessToken };
    if (name === 'Retained A') a = entity;
    else b = entity;
  }
});
afterAll(async () => {
  await app?.close();
  await target?.cleanup();
});

describe('tokenwarden-admin tokens purge', () => {
  it('counts per entity on a dry run and deletes nothing', () => {
    const before = new Date().toISOString();
    const r = admin(['tokens', 'purge', '--expired-before', before, '--dry-run']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ dryRun: true, tokens: 35, horizon: null });
    expect(out.entities).toEqual(
      expect.arrayContaining([
        { entity_id: a.id, tokens: 30 },
        { entity_id: b.id, tokens: 5 },
      ]),
    );
  });

  it('refuses bad options with exit code 2', () => {
    for (const args of [[], ['--expired-before', 'soon'], ['--expired-before', '2026-01-01', '--batch', '0']]) {
      const r = admin(['tokens', 'purge', ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/--expired-before|--batch/);
    }
  });

  it('deletes in batches with progress, refuses every walk started before it, and serves new walks the purged sets', async () => {
    // A walk of A taken before the purge: page 1 is served.
    const first = await list(a.admin, 'page_params.page_size=10&role=REPORTING');
    expect(first.status).toBe(200);
    expect(first.body.pagination_info.total_elements).toBe(50);
    const ts = parseTimestamp(first.body.pagination_info.first_request_timestamp);
    const page = (n: number) =>
      list(
        a.admin,
        `page_params.page_size=10&role=REPORTING&page_params.page_number=${n}` +
          `&page_params.first_request_timestamp.seconds=${ts.seconds}&page_params.first_request_timestamp.nanos=${ts.nanos}`,
      );
    expect((await page(2)).status).toBe(200);

    const { argv, env } = adminArgs(['tokens', 'purge', '--expired-before', new Date().toISOString(), '--batch', '7']);
    const child = spawn(process.execPath, argv, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    let code: number | null | undefined;
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve)).then((c) => {
      code = c;
      return c;
    });
    // Once the purge has marked the entity (and before it deletes: its notice outlasts a server's
    // horizon cache), the running walk is refused. Polled: the command's start-up takes a while.
    let during: Awaited<ReturnType<typeof page>> | undefined;
    while (code === undefined) {
      const res = await page(3);
      if (res.status !== 200) {
        during = res;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(during?.status).toBe(409);
    expect(during?.body).toMatchObject({ code: 9 });
    expect(during?.body.message).toMatch(/purged/);
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/purge: 35\/35 tokens \(100%\), 2\/2 entities/);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ dryRun: false, tokens: 35 });

    // After it: the old walk stays refused (its set lost tokens), in Spanish too.
    const after = await request(
      `${url}/v1/iam/oauth/tokens?page_params.page_size=10&role=REPORTING&page_params.page_number=3&page_params.first_request_timestamp.seconds=${ts.seconds}&page_params.first_request_timestamp.nanos=${ts.nanos}`,
      'GET',
      {
        token: a.admin,
        headers: { 'accept-language': 'es' },
      },
    );
    expect(after.status).toBe(409);
    expect(after.body.message).toMatch(/purgaron/);
    // A new walk is answered: the purged set, whole, pages and role rows consistent.
    const fresh = await list(a.admin, 'page_params.page_size=100&role=REPORTING');
    expect(fresh.status).toBe(200);
    const listed = ListTokensResponse.parse(fresh.body);
    expect(listed.pagination_info.total_elements).toBe(20);
    expect(listed.tokens.every((t) => Date.parse(t.expires_at) > Date.now())).toBe(true);
    const all = ListTokensResponse.parse((await list(a.admin, 'page_params.page_size=100')).body);
    expect(all.pagination_info.total_elements).toBe(22); // the 20, the entity's setup token and the admin's own token
    const later = formatTimestamp(parseTimestamp(fresh.body.pagination_info.first_request_timestamp));
    expect(Date.parse(later)).toBeGreaterThan(Date.parse(result.horizon));
    // B, purged too, and its trail records it
    expect(ListTokensResponse.parse((await list(b.admin, 'page_params.page_size=100&role=REPORTING')).body).pagination_info.total_elements).toBe(3);
    const events = ListTokenEventsResponse.parse(
      (await request(`${url}/v1/iam/oauth/token-events?type=TOKENS_PURGED`, 'GET', { token: b.admin })).body,
    ).events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: { token_id: null, client_id: null, user_id: null }, reason: 'retention', details: { deleted: 5 } });
  });
});
