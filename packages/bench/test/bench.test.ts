import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCaller, createContext, createDeps, mintToken } from '@tokenwarden/api';
import { openDatabase } from '@tokenwarden/db/sqlite/client';
import { openSqliteStore } from '@tokenwarden/db/sqlite/store';
import { ensureDataset } from '../src/dataset.js';
import { rawLister } from '../src/servers/raw-core.js';
import { summarize, table } from '../src/stats.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench dataset', () => {
  it('is skewed as described, reproducible, and cached by size and seed', async () => {
    const lines: string[] = [];
    const d = await ensureDataset(dir, 4000, 3, (l) => lines.push(l));
    expect(d.big.tokens).toBe(2000);
    expect(d.mid).toHaveLength(10);
    expect(d.mid.every((e) => e.tokens === 120)).toBe(true);
    expect(d.tiny.length).toBeGreaterThan(50);
    const db = openDatabase(d.file, { readonly: true });
    const per = db.$client.prepare('SELECT entity_pk AS pk, count(*) AS n FROM tokens GROUP BY entity_pk').all() as { pk: number; n: number }[];
    expect(per.reduce((s, r) => s + r.n, 0)).toBe(4000);
    expect(per.find((r) => r.pk === d.big.pk)?.n).toBe(2000);
    const flows = db.$client.prepare('SELECT count(DISTINCT grant_flow) AS n FROM tokens').get() as { n: number };
    expect(flows.n).toBe(4);
    const roles = db.$client.prepare('SELECT min(c) AS lo, max(c) AS hi FROM (SELECT count(*) AS c FROM token_roles GROUP BY token_pk)').get() as {
      lo: number;
      hi: number;
    };
    expect([roles.lo, roles.hi]).toEqual([1, 3]);
    const revoked = db.$client.prepare('SELECT count(*) AS n FROM tokens WHERE revoked_at IS NOT NULL').get() as { n: number };
    expect(revoked.n).toBeGreaterThan(0);
    db.$client.close();
    const mtime = statSync(d.file).mtimeMs;
    const again = await ensureDataset(dir, 4000, 3, (l) => lines.push(l));
    expect(again).toEqual(d);
    expect(statSync(d.file).mtimeMs).toBe(mtime);
    expect(lines.some((l) => l.includes('reusing'))).toBe(true);
  });
});

describe('P2/P3 request handler', () => {
  it('answers with the same JSON as Tokenwarden for the same request', async () => {
    const d = await ensureDataset(dir, 4000, 3, () => {});
    const store = openSqliteStore(d.file, { counts: 'inline' });
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
    const raw = rawLister(d.file);
    const caller = createCaller(createContext(deps, { authorization: `Bearer ${bearer}` }));
    const seconds = Math.floor(d.anchor / 1_000_000) + 1;
    // The clock's field differs by a second now and then; the page token is the product's own
    // (sealed under its server key, a fresh IV each time), which the minimal endpoints do not mint.
    const dropClock = (body: unknown) =>
      JSON.parse(JSON.stringify(body), (k, v) => (k === 'expires_in' || k === 'next_page_token' ? undefined : v)) as unknown;
    for (const [page, order, role] of [
      [1, 'created_at', undefined],
      [3, 'expires_at', 'TELLER'],
      [2, 'token_id', undefined],
    ] as const) {
      const query = new URLSearchParams({
        'page_params.page_size': '20',
        'page_params.page_number': String(page),
        'page_params.first_request_timestamp.seconds': String(seconds),
        'order_params.order_key': order,
        ...(role ? { role } : {}),
      });
      const ours = raw(`Bearer ${bearer}`, query);
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
    expect(raw('Bearer twat_unknown', new URLSearchParams()).status).toBe(401);
    await store.close();
  });
});

describe('stats', () => {
  it('summarizes medians and p99 and prints aligned tables', () => {
    const s = summarize(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(s).toEqual({ n: 100, median: 50, p99: 99 });
    expect(
      table(
        ['a', 'bb'],
        [
          ['x', 1],
          ['yyy', 22],
        ],
      ).split('\n'),
    ).toEqual(['a    bb', '---  --', 'x     1', 'yyy  22']);
  });
});
