import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller, createContext, createDeps, mintToken } from '@tokenwarden/api';
import { openDatabase } from '@tokenwarden/db/sqlite/client';
import { createPool } from '@tokenwarden/db/postgres/client';
import { openPostgresStore } from '@tokenwarden/db/postgres/store';
import { ensureTestPostgres, type TestPostgres } from '@tokenwarden/db/testing/postgres-server';
import { ensureDataset } from '../src/dataset.js';
import { ensurePgDataset, type PgDataset } from '../src/pg/dataset.js';
import { rawPgLister } from '../src/servers/raw-core-pg.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-bench-pg-'));
const database = `tw_bench_test_${process.pid}_${Date.now().toString(36)}`;
let server: TestPostgres;
let d: PgDataset;

beforeAll(async () => {
  server = await ensureTestPostgres();
  d = await ensurePgDataset(server.url, 4000, 3, () => {}, { database });
}, 120_000);

afterAll(async () => {
  if (server) {
    const admin = createPool(server.url, { max: 1 });
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    await server.stop();
  }
  rmSync(dir, { recursive: true, force: true });
});

const NIL = '00000000-0000-0000-0000-000000000000';

describe('PostgreSQL bench dataset', () => {
  it("holds the SQLite dataset's population (same entities, ids, times, flows, roles), VACUUMed", async () => {
    expect(d.loadSeconds).toBeGreaterThan(0);
    const lite = await ensureDataset(dir, 4000, 3, () => {});
    const { file: _file, ...population } = lite;
    expect({ ...d, url: undefined, database: undefined, loadSeconds: undefined, optimizeSeconds: undefined }).toEqual({
      ...population,
      url: undefined,
      database: undefined,
      loadSeconds: undefined,
      optimizeSeconds: undefined,
    });
    const db = openDatabase(lite.file, { readonly: true });
    const liteRows = db.$client
      .prepare(
        "SELECT t.entity_pk, t.token_id, t.client_id, coalesce(t.user_id, '') AS u, coalesce(t.account_id, '') AS a, t.grant_flow, t.created_at, t.expires_at, t.revoked_at, t.last_used_at, " +
          "(SELECT group_concat(role, ',') FROM (SELECT role FROM token_roles r WHERE r.token_pk = t.pk ORDER BY role)) AS roles FROM tokens t ORDER BY t.token_id",
      )
      .all() as Record<string, unknown>[];
    db.$client.close();
    const pool = createPool(d.url, { max: 1 });
    try {
      const { rows } = await pool.query<Record<string, unknown>>(
        'SELECT t.entity_pk, t.token_id::text, t.client_id, t.user_id::text AS u, t.account_id::text AS a, t.grant_flow, t.created_at, t.expires_at, t.revoked_at, t.last_used_at, ' +
          "(SELECT string_agg(role, ',' ORDER BY role) FROM token_roles r WHERE r.token_pk = t.pk) AS roles FROM tokens t ORDER BY t.token_id",
      );
      // The bench bearers (one per measured entity) are written with the PostgreSQL load.
      expect(rows).toHaveLength(4003);
      const bearerIds = new Set(
        rows
          .filter((r) => r.grant_flow === 1 && r.client_id === `client-${r.entity_pk}-0` && r.expires_at === Date.UTC(2100, 0, 1) * 1000)
          .map((r) => r.token_id),
      );
      expect(bearerIds.size).toBe(3);
      const pgRows = rows
        .filter((r) => !bearerIds.has(r.token_id))
        .map((r) => ({ ...r, u: r.u === NIL ? '' : r.u, a: r.a === NIL ? '' : r.a, last_used_at: r.last_used_at === 0 ? null : r.last_used_at }));
      expect(pgRows).toEqual(liteRows.map((r) => ({ ...r, last_used_at: r.last_used_at === 0 ? null : r.last_used_at })));
      const vacuumed = await pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_user_tables WHERE relname IN ('tokens', 'token_roles') AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL",
      );
      expect(vacuumed.rows[0]!.n).toBe(2);
    } finally {
      await pool.end();
    }
  });

  it('is reused when complete, and loaded again when its marker is missing', async () => {
    const lines: string[] = [];
    const again = await ensurePgDataset(server.url, 4000, 3, (l) => lines.push(l), { database });
    expect(lines.some((l) => l.includes('reusing'))).toBe(true);
    expect(again.loadSeconds).toBeUndefined();
    expect(again.big).toEqual(d.big);
    const pool = createPool(d.url, { max: 1 });
    await pool.query('DROP TABLE tw_bench_dataset');
    await pool.end();
    lines.length = 0;
    const reloaded = await ensurePgDataset(server.url, 4000, 3, (l) => lines.push(l), { database });
    expect(lines.some((l) => l.includes('incomplete'))).toBe(true);
    expect(reloaded.loadSeconds).toBeGreaterThan(0);
  }, 120_000);
});

describe('P3-pg request handler', () => {
  it('answers with the same JSON as Tokenwarden on PostgreSQL for the same request', async () => {
    const store = await openPostgresStore(d.url, { max: 2 });
    const raw = rawPgLister(d.url, 2);
    try {
      const deps = createDeps(store);
      const { accessToken: bearer } = await mintToken(deps, {
        entityPk: d.big.pk,
        clientId: 'c',
        userId: null,
        accountId: null,
        grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS',
        roles: [],
        scopes: ['*'],
        lifetimeSeconds: 3600,
      });
      const caller = createCaller(createContext(deps, { authorization: `Bearer ${bearer}` }));
      const seconds = Math.floor(d.anchor / 1_000_000) + 1;
      // The clock's field differs by a second now and then; the page token is the product's own
      // (sealed under its server key, a fresh IV each time), which the minimal endpoints do not mint.
      const dropClock = (body: unknown) =>
        JSON.parse(JSON.stringify(body), (k, v) => (k === 'expires_in' || k === 'next_page_token' ? undefined : v)) as unknown;
      const cases = [
        [1, 'created_at', undefined],
        [3, 'expires_at', 'TELLER'],
        [2, 'token_id', undefined],
        [2, 'user_id', undefined],
        [1, 'last_used_at', 'AUDITOR'],
      ] as const;
      for (const [page, order, role] of cases) {
        const query = new URLSearchParams({
          'page_params.page_size': '20',
          'page_params.page_number': String(page),
          'page_params.first_request_timestamp.seconds': String(seconds),
          'order_params.order_key': order,
          ...(role ? { role } : {}),
        });
        const ours = await raw(`Bearer ${bearer}`, query);
        const theirs = await caller.tokens.list({
          page_params: { page_size: 20, page_number: page, first_request_timestamp: { seconds, nanos: 0 } },
          order_params: { order_key: order, order_direction: 'DESC' },
          ...(role ? { role } : {}),
        });
        expect(ours.status).toBe(200);
        expect(theirs.tokens).toHaveLength(20);
        expect(dropClock(ours.body)).toEqual(dropClock(theirs));
        expect(typeof theirs.pagination_info.next_page_token).toBe('string');
      }
      expect((await raw('Bearer twat_unknown', new URLSearchParams())).status).toBe(401);
    } finally {
      await raw.close();
      await store.close();
    }
  });
});
