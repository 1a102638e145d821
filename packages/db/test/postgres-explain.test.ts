import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_FLOWS, ORDER_DIRECTIONS, ORDER_KEYS, type OrderKey } from '@tokenwarden/contracts';
import { sortValue, type PageQuery, type TokenFilters, type TokenRecord } from '@tokenwarden/db';
import { newToken, openHarness, rng, type Harness } from './helpers.js';

/**
 * PostgreSQL's plans of page queries, on a few thousand rows with planner statistics: the
 * tokens are read through an index, never a sequential scan of tokens. Which index is the
 * planner's choice (any may be right at this size), so only that is asserted (the `postgres`
 * project only; SQLite's exact plans: explain.test.ts).
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const ROWS = 4000;

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
      createdAt: 1_700_000_000_000_000 + i * 1000,
      expiresAt: 1_700_000_000_000_000 + r.int(0, 1000) * 1_000_000,
      lastUsedAt: r.bool(0.5) ? null : 1_700_000_000_000_000 + r.int(0, 1000) * 1_000_000,
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
