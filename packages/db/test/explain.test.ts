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

function populate(store: TokenStore, entityPk: number, n: number): Promise<void> {
  const r = rng(17);
  const users = Array.from({ length: 20 }, () => randomUUID());
  const tokens = Array.from({ length: n }, (_, i) =>
    newToken(entityPk, {
      userId: r.bool(0.2) ? null : r.pick(users),
      accountId: r.bool(0.5) ? null : randomUUID(),
      grantFlow: r.pick(GRANT_FLOWS),
      roles: r.bool() ? ['AUDITOR'] : ['ENTITY_ADMIN'],
      createdAt: 1_700_000_000_000_000 + i * 1000,
      expiresAt: 1_700_000_000_000_000 + r.int(0, 1000) * 1_000_000,
    }),
  );
  return store.insertHistorical(tokens);
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
