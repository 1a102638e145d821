import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_FLOWS, ORDER_DIRECTIONS, ORDER_KEYS, type OrderKey } from '@tokenwarden/contracts';
import type { PageQuery, TokenFilters, TokenStore } from '@tokenwarden/db';
import { openHarness, newToken, rng, type Harness } from './helpers.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** The dedicated (entity, key, token_id, …) index of each order key. */
const INDEX_OF: Record<OrderKey, string> = {
  created_at: 'tokens_by_created',
  expires_at: 'tokens_by_expires',
  last_used_at: 'tokens_by_last_used',
  token_id: 'tokens_by_token_id',
  user_id: 'tokens_by_user',
  account_id: 'tokens_by_account',
  grant_flow: 'tokens_by_grant',
};

function query(orderKey: OrderKey, over: Partial<PageQuery> = {}): PageQuery {
  return { filters: {}, snapshot: MAX_SAFE, orderKey, direction: 'DESC', limit: 10, offset: 0, ...over };
}

function cursorFor(orderKey: OrderKey) {
  const numeric = ['created_at', 'expires_at', 'last_used_at', 'grant_flow'].includes(orderKey);
  const tokenId = randomUUID();
  return { value: numeric ? 1_700_000_000_000_000 : orderKey === 'token_id' ? tokenId : randomUUID(), tokenId };
}

/** The plan line of the inner page select (the one that reads tokens or token_roles for ids). */
function innerSearch(plan: string[]): string {
  const lines = plan.filter((l) => /^(SEARCH|SCAN) [tr] /.test(l) && !/INTEGER PRIMARY KEY/.test(l) && !/ EXISTS /.test(l));
  expect(lines, plan.join('\n')).toHaveLength(1);
  return lines[0] as string;
}

const T = 1_700_000_000_000_000;
const CLIENTS = ['client-1', 'client-2', 'client-3'];
const SCOPE_LISTS = [['iam.oauth.*'], ['iam.oauth.tokens.get', 'payments.*'], ['*'], ['accounts.read']];

function populate(store: TokenStore, entityPk: number, n: number): Promise<void> {
  const r = rng(17);
  const users = Array.from({ length: 20 }, () => randomUUID());
  const tokens = Array.from({ length: n }, (_, i) =>
    newToken(entityPk, {
      userId: r.bool(0.2) ? null : r.pick(users),
      accountId: r.bool(0.5) ? null : randomUUID(),
      grantFlow: r.pick(GRANT_FLOWS),
      roles: r.bool() ? ['AUDITOR'] : ['ENTITY_ADMIN'],
      clientId: r.pick(CLIENTS),
      scopes: r.pick(SCOPE_LISTS),
      createdAt: T + i * 1000,
      expiresAt: T + r.int(0, 1000) * 1_000_000,
      revokedAt: r.bool(0.05) ? T + i * 1000 + 5 : null,
      lastUsedAt: r.bool(0.5) ? null : T + r.int(0, 1000) * 1_000_000,
    }),
  );
  return store.insertHistorical(tokens);
}

/** Every filter added after the first four, one at a time and all together, with values the data holds. */
const NEWER_FILTERS: [string, TokenFilters][] = [
  ['client', { clientId: 'client-2' }],
  ['status ACTIVE', { statuses: ['ACTIVE'] }],
  ['status EXPIRED', { statuses: ['EXPIRED'] }],
  ['status REVOKED', { statuses: ['REVOKED'] }],
  ['status ACTIVE or REVOKED', { statuses: ['ACTIVE', 'REVOKED'] }],
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
const FIRST_FILTERS: [string, () => TokenFilters][] = [
  ['no other filter', () => ({})],
  ['user', () => ({ userId: randomUUID() })],
  ['account', () => ({ accountId: randomUUID() })],
  ['grant flow', () => ({ grantFlow: 'GRANT_FLOW_PASSWORD' })],
  ['role', () => ({ role: 'AUDITOR' })],
  ['role + grant flow + user', () => ({ role: 'AUDITOR', grantFlow: 'GRANT_FLOW_LOGIN', userId: randomUUID() })],
];

/** The plan reads tokens by an index range of the entity (or token_roles'), never by a scan of tokens or of grant_set_scopes. */
function expectIndexRange(plan: string[], what: string): string {
  const text = `${what}\n${plan.join('\n')}`;
  expect(
    plan.filter((l) => /^SCAN (?!j VIRTUAL TABLE)/.test(l)),
    text,
  ).toEqual([]);
  const inner = innerSearch(plan);
  expect(inner, text).toMatch(/^SEARCH [tr] USING (COVERING )?INDEX \w+ \(entity_pk=\?/);
  return inner;
}

/** SQLite's EXPLAIN QUERY PLAN (the `sqlite` project only; PostgreSQL's plans: postgres-explain.test.ts). */
describe('explainPage (SQLite): the inner page select reads only an index', () => {
  for (const stats of [false, true]) {
    describe(stats ? 'with planner statistics (after ANALYZE)' : 'without planner statistics', () => {
      let h: Harness;
      let store: TokenStore;
      let entityPk: number;
      beforeAll(async () => {
        h = await openHarness({ backend: 'sqlite', memory: true });
        store = h.tokens;
        entityPk = (await h.entity('E')).pk;
        await h.entity('Other');
        await populate(store, entityPk, 3000);
        if (stats) await h.store.optimize();
      });
      afterAll(() => h?.cleanup());

      it('default order (created_at DESC, no filter) uses a covering index', async () => {
        const plan = await store.explainPage(entityPk, query('created_at'));
        expect(plan.join('\n')).toContain('COVERING INDEX');
        const inner = innerSearch(plan);
        expect(inner).toContain('COVERING INDEX tokens_by_created');
        expect(inner).toMatch(/created_at<\?/);
        expect(plan.filter((l) => l.includes('TEMP B-TREE'))).toHaveLength(1); // only the final re-order of one page
      });

      for (const orderKey of ORDER_KEYS) {
        it(`order ${orderKey}: covering index, with and without a cursor, both directions`, async () => {
          for (const direction of ORDER_DIRECTIONS) {
            for (const after of [undefined, cursorFor(orderKey)]) {
              const plan = await store.explainPage(entityPk, query(orderKey, { direction, after }));
              const inner = innerSearch(plan);
              expect(inner, plan.join('\n')).toMatch(/^SEARCH t USING COVERING INDEX /);
              expect(
                plan.some((l) => /^SCAN t\b/.test(l)),
                plan.join('\n'),
              ).toBe(false);
              if (after) {
                // the cursor is a seek into the order key's own index, not a filter over a scan
                expect(inner, plan.join('\n')).toContain(`COVERING INDEX ${INDEX_OF[orderKey]} `);
                expect(inner).toMatch(orderKey === 'token_id' ? /token_id[<>]\?/ : /\(\w+,token_id\)[<>]\(\?,\?\)/);
              }
              if (stats || after) {
                expect(inner, plan.join('\n')).toContain(`COVERING INDEX ${INDEX_OF[orderKey]} `);
                expect(
                  plan.filter((l) => l.includes('TEMP B-TREE')),
                  plan.join('\n'),
                ).toHaveLength(1);
              }
            }
          }
        });
      }

      it('role filter in the default order is one covering range of token_roles', async () => {
        for (const filters of [{ role: 'AUDITOR' }, { role: 'AUDITOR', grantFlow: 'GRANT_FLOW_LOGIN' }] as TokenFilters[]) {
          for (const after of [undefined, cursorFor('created_at')]) {
            const plan = await store.explainPage(entityPk, query('created_at', { filters, after }));
            expect(plan.join('\n')).toContain('COVERING INDEX');
            const inner = innerSearch(plan);
            expect(inner).toMatch(/^SEARCH r USING COVERING INDEX token_roles_order \(entity_pk=\? AND role=\?/);
            expect(
              plan.some((l) => /^SCAN /.test(l)),
              plan.join('\n'),
            ).toBe(false);
          }
        }
      });

      for (const orderKey of ORDER_KEYS.filter((k) => k !== 'created_at')) {
        it(`role filter in ${orderKey} order probes token_roles through its covering index`, async () => {
          const plan = await store.explainPage(entityPk, query(orderKey, { filters: { role: 'AUDITOR' } }));
          expect(innerSearch(plan)).toMatch(/^SEARCH t USING COVERING INDEX /);
          const probe = plan.filter((l) => / EXISTS /.test(l));
          expect(probe, plan.join('\n')).toHaveLength(1);
          expect(probe[0]).toContain('COVERING INDEX token_roles_order (entity_pk=? AND role=? AND created_at=? AND token_id=?)');
        });
      }

      it('equality filters in the default order use their (entity, filter, created_at) index', async () => {
        const cases: [TokenFilters, string][] = [
          [{ userId: randomUUID() }, 'tokens_user_created'],
          [{ accountId: randomUUID() }, 'tokens_account_created'],
          [{ grantFlow: 'GRANT_FLOW_PASSWORD' }, 'tokens_grant_created'],
        ];
        for (const [filters, index] of cases) {
          const inner = innerSearch(await store.explainPage(entityPk, query('created_at', { filters })));
          expect(inner).toContain(`COVERING INDEX ${index} `);
        }
      });
    });
  }
});

describe('explainPage (SQLite): the newer filters keep every list an index range of the entity', () => {
  for (const stats of [false, true]) {
    describe(stats ? 'with planner statistics (after ANALYZE)' : 'without planner statistics', () => {
      let h: Harness;
      let store: TokenStore;
      let entityPk: number;
      beforeAll(async () => {
        // A short range drives under 1,000 rows here (of 3,000 tokens), so both plans show.
        h = await openHarness({ backend: 'sqlite', memory: true, rangeDriveCap: 1000 });
        store = h.tokens;
        entityPk = (await h.entity('E')).pk;
        await h.entity('Other');
        await populate(store, entityPk, 3000);
        if (stats) await h.store.optimize();
      });
      afterAll(() => h?.cleanup());

      for (const [name, newer] of NEWER_FILTERS) {
        it(`${name}: with each of the first filters, every order key, both directions, with and without a cursor`, async () => {
          let plans = 0;
          for (const [firstName, first] of FIRST_FILTERS) {
            for (const orderKey of ORDER_KEYS) {
              for (const direction of ['ASC', 'DESC'] as const) {
                for (const after of [undefined, cursorFor(orderKey)]) {
                  const filters = { ...first(), ...newer };
                  const plan = await store.explainPage(entityPk, query(orderKey, { filters, direction, after }));
                  expectIndexRange(plan, `${name} + ${firstName}, ${orderKey} ${direction}${after ? ' after a cursor' : ''}`);
                  plans++;
                }
              }
            }
          }
          expect(plans).toBe(FIRST_FILTERS.length * ORDER_KEYS.length * 2 * 2);
        });
      }

      it('a client filter drives its (entity, client, created_at) index in created_at order, and is a per-row check in any other', async () => {
        for (const after of [undefined, cursorFor('created_at')]) {
          const inner = expectIndexRange(
            await store.explainPage(entityPk, query('created_at', { filters: { clientId: 'client-2' }, after })),
            'client',
          );
          expect(inner).toMatch(/INDEX tokens_client_created \(entity_pk=\? AND client_id=\?/);
        }
        for (const orderKey of ORDER_KEYS.filter((k) => k !== 'created_at')) {
          for (const after of [undefined, cursorFor(orderKey)]) {
            if (!stats && !after) continue; // without statistics SQLite may sort (as without the client filter)
            const plan = await store.explainPage(entityPk, query(orderKey, { filters: { clientId: 'client-2' }, after }));
            const inner = expectIndexRange(plan, `client, ${orderKey}`);
            expect(inner, plan.join('\n')).toContain(`INDEX ${INDEX_OF[orderKey]} `);
            expect(plan.filter((l) => l.includes('TEMP B-TREE'))).toHaveLength(1); // only the page's final re-order
          }
        }
        // a user or account filter still drives
        const byUser = expectIndexRange(
          await store.explainPage(entityPk, query('created_at', { filters: { clientId: 'client-2', userId: randomUUID() } })),
          'user',
        );
        expect(byUser).toContain('INDEX tokens_user_created ');
      });

      it("a time range on the order key's column bounds its index range; a cursor replaces the bound on its side", async () => {
        const cases: [OrderKey, TokenFilters, string][] = [
          ['created_at', { createdAfter: T + 100_000, createdBefore: T + 2_000_000 }, 'created_at'],
          ['expires_at', { expiresAfter: T + 100_000_000, expiresBefore: T + 900_000_000 }, 'expires_at'],
          ['last_used_at', { lastUsedAfter: T + 100_000_000, lastUsedBefore: T + 900_000_000 }, 'last_used_at'],
          // ACTIVE alone is expires_at > snapshot: one more lower bound, merged with expires_after
          ['expires_at', { expiresAfter: T, expiresBefore: T + 900_000_000, statuses: ['ACTIVE'] }, 'expires_at'],
        ];
        for (const [orderKey, filters, column] of cases) {
          const plain = expectIndexRange(await store.explainPage(entityPk, query(orderKey, { filters })), column);
          expect(plain).toContain(`INDEX ${INDEX_OF[orderKey]} (entity_pk=? AND ${column}>? AND ${column}<?)`);
          const desc = expectIndexRange(await store.explainPage(entityPk, query(orderKey, { filters, after: cursorFor(orderKey) })), column);
          expect(desc).toContain(`INDEX ${INDEX_OF[orderKey]} (entity_pk=? AND ${column}>? AND (${column},token_id)<(?,?))`);
          const asc = expectIndexRange(
            await store.explainPage(entityPk, query(orderKey, { filters, direction: 'ASC', after: cursorFor(orderKey) })),
            column,
          );
          expect(asc).toContain(`INDEX ${INDEX_OF[orderKey]} (entity_pk=? AND (${column},token_id)>(?,?) AND ${column}<?)`);
        }
        // in created_at order the snapshot and created_before are one bound
        const both = expectIndexRange(
          await store.explainPage(entityPk, query('created_at', { filters: { createdBefore: T + 2_000_000 } })),
          'created_before',
        );
        expect(both).toContain('INDEX tokens_by_created (entity_pk=? AND created_at<?)');
        // a role in created_at order: the range is token_roles'
        const role = expectIndexRange(
          await store.explainPage(entityPk, query('created_at', { filters: { role: 'AUDITOR', createdAfter: T, createdBefore: T + 5 } })),
          'role',
        );
        expect(role).toContain('INDEX token_roles_order (entity_pk=? AND role=? AND created_at>? AND created_at<?)');
      });

      it('never used in last_used_at order is one key of its index, walked in token_id order', async () => {
        const inner = expectIndexRange(
          await store.explainPage(entityPk, query('last_used_at', { filters: { neverUsed: true }, after: cursorFor('last_used_at') })),
          'never used',
        );
        expect(inner).toContain('INDEX tokens_by_last_used (entity_pk=? AND last_used_at=? AND token_id<?)');
      });

      it("a short range of another time column drives, then is sorted; a long one is checked along the order key's index", async () => {
        // At the end of the data no token is unexpired: ACTIVE's expires_at range is empty, and drives.
        const short = await store.explainPage(entityPk, query('created_at', { filters: { statuses: ['ACTIVE'] } }));
        expect(expectIndexRange(short, 'short')).toContain('INDEX tokens_by_expires (entity_pk=? AND expires_at>?)');
        expect(
          short.filter((l) => l.includes('TEMP B-TREE')),
          short.join('\n'),
        ).toHaveLength(2); // the range sorted, then the page
        // Three seconds in, nearly every token is unexpired: 3,000 rows, over the cap.
        const long = await store.explainPage(entityPk, query('created_at', { filters: { statuses: ['ACTIVE'] }, snapshot: T + 3_000_000 }));
        expect(expectIndexRange(long, 'long')).toContain('INDEX tokens_by_created (entity_pk=? AND created_at<?)');
        // A short created_at window in expires_at order, a last-use window in token_id order, with a cursor.
        const created = await store.explainPage(
          entityPk,
          query('expires_at', { filters: { createdAfter: T, createdBefore: T + 500_000 }, after: cursorFor('expires_at') }),
        );
        expect(expectIndexRange(created, 'created window')).toContain('INDEX tokens_by_created (entity_pk=? AND created_at>? AND created_at<?)');
        const used = await store.explainPage(
          entityPk,
          query('token_id', { filters: { lastUsedAfter: T + 990_000_000 }, direction: 'ASC', after: cursorFor('token_id') }),
        );
        expect(expectIndexRange(used, 'last-use window')).toContain('INDEX tokens_by_last_used (entity_pk=? AND last_used_at>?)');
        // A user filter's own index stays the driver.
        const user = await store.explainPage(entityPk, query('created_at', { filters: { statuses: ['ACTIVE'], userId: randomUUID() } }));
        expect(expectIndexRange(user, 'user')).toContain('INDEX tokens_user_created ');
      });

      it("the scope filter looks its candidates up in grant_set_scopes' key, once per query", async () => {
        for (const orderKey of ORDER_KEYS) {
          const plan = await store.explainPage(entityPk, query(orderKey, { filters: { scope: 'iam.oauth.tokens.get' } }));
          expectIndexRange(plan, orderKey);
          expect(plan, plan.join('\n')).toContain('SEARCH s USING COVERING INDEX sqlite_autoindex_grant_set_scopes_1 (entity_pk=? AND scope=?)');
          expect(plan.some((l) => /CORRELATED/.test(l))).toBe(false);
        }
      });
    });
  }
});
