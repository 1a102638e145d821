import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_FLOWS, ORDER_DIRECTIONS, ORDER_KEYS, type OrderKey } from '@tokenwarden/contracts';
import { sortValue, type PageQuery, type TokenFilters, type TokenRecord } from '@tokenwarden/db';
import { pgPageQuery, values } from '@tokenwarden/db/postgres/list-query';
import { newToken, openHarness, rng, type Harness } from './helpers.js';

/**
 * PostgreSQL's plans of page queries, on a few thousand rows with planner statistics: the
 * tokens are read through an index, never a sequential scan of tokens. Which index is the
 * planner's choice (any may be right at this size), so only that is asserted (the `postgres`
 * project only; SQLite's exact plans: explain.test.ts).
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const ROWS = 4000;
const T = 1_700_000_000_000_000;
const CLIENTS = ['client-1', 'client-2', 'client-3'];
const SCOPE_LISTS = [['iam.oauth.*'], ['iam.oauth.tokens.get', 'payments.*'], ['*'], ['accounts.read']];

let h: Harness;
let e: number;
let sample: TokenRecord;
const users = Array.from({ length: 20 }, () => randomUUID());
const accounts = Array.from({ length: 40 }, () => randomUUID());

beforeAll(async () => {
  h = await openHarness({ backend: 'postgres' });
  e = (await h.entity('E')).pk;
  const other = (await h.entity('Other')).pk;
  const r = rng(17);
  const token = (entityPk: number, i: number) =>
    newToken(entityPk, {
      userId: r.bool(0.2) ? null : r.pick(users),
      accountId: r.bool(0.5) ? null : r.pick(accounts),
      grantFlow: r.pick(GRANT_FLOWS),
      roles: r.bool() ? ['AUDITOR'] : r.bool() ? ['ENTITY_ADMIN'] : ['ENTITY_ADMIN', 'READER'],
      clientId: r.pick(CLIENTS),
      scopes: r.pick(SCOPE_LISTS),
      createdAt: T + i * 1000,
      expiresAt: T + r.int(0, 1000) * 1_000_000,
      revokedAt: r.bool(0.05) ? T + i * 1000 + 5 : null,
      lastUsedAt: r.bool(0.5) ? null : T + r.int(0, 1000) * 1_000_000,
    });
  for (let i = 0; i < ROWS; i += 1000) {
    await h.tokens.insertHistorical(Array.from({ length: 1000 }, (_, k) => token(e, i + k)));
    await h.tokens.insertHistorical(Array.from({ length: 250 }, (_, k) => token(other, i + k)));
  }
  await h.store.optimize();
  const [middle] = await h.tokens.page(e, { filters: {}, snapshot: MAX_SAFE, orderKey: 'created_at', direction: 'DESC', limit: 1, offset: 2000 });
  if (!middle) throw new Error('no rows');
  sample = middle;
}, 120_000);
afterAll(() => h?.cleanup());

function query(orderKey: OrderKey, over: Partial<PageQuery> = {}): PageQuery {
  return { filters: {}, snapshot: MAX_SAFE, orderKey, direction: 'DESC', limit: 25, offset: 0, ...over };
}

/**
 * The plan reads tokens (or token_roles, for a role-driven list) through an index, and never
 * scans tokens sequentially. (A role probe may hash all of an entity's token_roles rows at
 * this size: a legitimate plan, so token_roles is not held to the same rule.)
 */
async function expectIndexed(q: PageQuery): Promise<string> {
  const plan = (await h.tokens.explainPage(e, q)).join('\n');
  const what = `${JSON.stringify(q)}\n${plan}`;
  expect(plan, what).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
  expect(plan, what).toMatch(/ on tokens\b| on token_roles\b/);
  expect(plan, what).not.toMatch(/Seq Scan on tokens/);
  return plan;
}

describe('explainPage (PostgreSQL): page queries read tokens through an index', () => {
  it('has the rows and the statistics to plan with', async () => {
    expect(await h.tokens.count(e, {}, MAX_SAFE)).toBe(ROWS);
    const [stats] = await h.sql<{ n: string }>("SELECT reltuples::bigint::text AS n FROM pg_class WHERE relname = 'tokens'");
    expect(Number(stats?.n)).toBeGreaterThan(ROWS);
  });

  it('default order (created_at DESC, no filter) uses an index on tokens', async () => {
    const plan = await expectIndexed(query('created_at'));
    expect(plan).toMatch(/Index (Only )?Scan (Backward )?using \w+ on tokens/);
  });

  for (const orderKey of ORDER_KEYS) {
    it(`order ${orderKey}: an index, with and without a cursor, every direction`, async () => {
      for (const direction of ORDER_DIRECTIONS) {
        for (const after of [undefined, { value: sortValue(sample, orderKey), tokenId: sample.tokenId }]) {
          await expectIndexed(query(orderKey, { direction, after }));
        }
      }
    });
  }

  const filters: [string, TokenFilters][] = [
    ['user', { userId: users[3] }],
    ['account', { accountId: accounts[5] }],
    ['grant flow', { grantFlow: 'GRANT_FLOW_PASSWORD' }],
    ['role', { role: 'READER' }],
    ['role + grant flow', { role: 'AUDITOR', grantFlow: 'GRANT_FLOW_LOGIN' }],
    ['role + user', { role: 'AUDITOR', userId: users[1] }],
    ['user + account + grant flow', { userId: users[2], accountId: accounts[2], grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS' }],
  ];
  for (const [name, f] of filters) {
    it(`filter ${name}: an index in the default order, with and without a cursor`, async () => {
      for (const after of [undefined, { value: sample.createdAt, tokenId: sample.tokenId }]) {
        await expectIndexed(query('created_at', { filters: f, after }));
      }
    });
  }

  it('the role filter in the default order is driven from token_roles by its index', async () => {
    const plan = await expectIndexed(query('created_at', { filters: { role: 'READER' } }));
    expect(plan).toMatch(/Index (Only )?Scan (Backward )?using token_roles_order on token_roles/);
  });
});

/** Every filter added after the first four, one at a time and all together, with values the data holds. */
const NEWER_FILTERS: [string, TokenFilters][] = [
  ['client', { clientId: 'client-2' }],
  ['status ACTIVE', { statuses: ['ACTIVE'] }],
  ['status EXPIRED', { statuses: ['EXPIRED'] }],
  ['status REVOKED', { statuses: ['REVOKED'] }],
  ['status EXPIRED or REVOKED', { statuses: ['EXPIRED', 'REVOKED'] }],
  ['scope', { scope: 'iam.oauth.tokens.get' }],
  ['created range', { createdAfter: T + 100_000, createdBefore: T + 2_000_000 }],
  ['expires range', { expiresAfter: T + 100_000_000, expiresBefore: T + 900_000_000 }],
  ['last used range', { lastUsedAfter: T + 100_000_000, lastUsedBefore: T + 900_000_000 }],
  ['never used', { neverUsed: true }],
  ['used', { neverUsed: false }],
  [
    'all together',
    {
      clientId: 'client-1',
      statuses: ['EXPIRED'],
      scope: 'payments.create',
      createdAfter: T,
      createdBefore: T + 2_000_000,
      expiresAfter: T,
      expiresBefore: T + 900_000_000,
      lastUsedAfter: T,
      lastUsedBefore: T + 900_000_000,
      neverUsed: false,
    },
  ],
];

/** The first four filters, which the newer ones combine with. */
const FIRST_FILTERS: [string, TokenFilters][] = [
  ['no other filter', {}],
  ['user', { userId: users[3] }],
  ['account', { accountId: accounts[5] }],
  ['grant flow', { grantFlow: 'GRANT_FLOW_PASSWORD' }],
  ['role', { role: 'READER' }],
  ['role + grant flow + user', { role: 'AUDITOR', grantFlow: 'GRANT_FLOW_LOGIN', userId: users[1] }],
];

/** A value as an SQL literal, for EXECUTE of a statement prepared with untyped parameters. */
function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `ARRAY[${v.map(literal).join(', ')}]::text[]`;
  return `'${String(v).replace(/'/g, "''")}'`;
}

/**
 * The plan PostgreSQL uses once a prepared statement switches to its generic plan (the
 * parameters unknown when planning), as the store's named statements do after a few runs.
 */
async function genericPlan(q: PageQuery): Promise<string> {
  const query = pgPageQuery(q);
  const args = values(query, e, q);
  await h.sql('SET plan_cache_mode = force_generic_plan');
  await h.sql(`PREPARE tw_generic AS ${query.text}`);
  try {
    const rows = await h.sql<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE tw_generic(${args.map(literal).join(', ')})`);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await h.sql('DEALLOCATE tw_generic');
    await h.sql('RESET plan_cache_mode');
  }
}

function expectNoTokenScan(plan: string, what: string): void {
  expect(plan, `${what}\n${plan}`).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
  expect(plan, `${what}\n${plan}`).not.toMatch(/Seq Scan on tokens/);
  // the scope's grant sets: one subplan, hashed, checked per row (never a join that drives)
  if (/grant_set_scopes/.test(plan)) expect(plan, `${what}\n${plan}`).toMatch(/Filter: .*\(hashed SubPlan \d+\) IS TRUE/);
}

describe('explainPage (PostgreSQL): the newer filters keep every list on indexes', () => {
  it('has a few grant sets per scope to look up', async () => {
    const [n] = await h.sql<{ n: string }>('SELECT count(*)::text AS n FROM grant_set_scopes WHERE entity_pk = ?', [e]);
    expect(Number(n?.n)).toBeGreaterThan(4);
  });

  for (const [name, newer] of NEWER_FILTERS) {
    it(`${name}: with each of the first filters, every order key, both directions, with and without a cursor (custom and generic plans)`, async () => {
      let plans = 0;
      for (const [firstName, first] of FIRST_FILTERS) {
        for (const orderKey of ORDER_KEYS) {
          for (const direction of ['ASC', 'DESC'] as const) {
            for (const after of [undefined, { value: sortValue(sample, orderKey), tokenId: sample.tokenId }]) {
              const q = query(orderKey, { filters: { ...first, ...newer }, direction, after });
              const what = `${name} + ${firstName}, ${orderKey} ${direction}${after ? ' after a cursor' : ''}`;
              expectNoTokenScan(await expectIndexed(q), what);
              expectNoTokenScan(await genericPlan(q), `${what} (generic plan)`);
              plans++;
            }
          }
        }
      }
      expect(plans).toBe(FIRST_FILTERS.length * ORDER_KEYS.length * 2 * 2);
    }, 120_000);
  }

  it("a time range on the order key's column is an index condition", async () => {
    for (const [orderKey, filters, column] of [
      ['created_at', { createdAfter: T + 100_000, createdBefore: T + 2_000_000 }, 'created_at'],
      ['expires_at', { expiresAfter: T + 100_000_000, expiresBefore: T + 900_000_000 }, 'expires_at'],
      ['last_used_at', { lastUsedAfter: T + 100_000_000, lastUsedBefore: T + 900_000_000 }, 'last_used_at'],
    ] as const) {
      const plan = await expectIndexed(query(orderKey, { filters }));
      expect(plan).toMatch(new RegExp(`Index Cond: \\(.*${column} >= .*${column} < `));
    }
  });
});
