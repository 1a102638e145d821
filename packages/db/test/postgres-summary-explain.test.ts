import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness, type Harness } from './helpers.js';
import { populateForSummary, summaryQuery, USERS } from './summary-fixture.js';

/**
 * PostgreSQL's plans of the overview's statements on a few thousand rows with planner
 * statistics: tokens are read through an index, never by a sequential scan (the `postgres`
 * project only; SQLite's exact plans: sqlite-summary-explain.test.ts).
 */
let h: Harness;
let entityPk: number;
beforeAll(async () => {
  h = await openHarness({ backend: 'postgres' });
  entityPk = (await h.entity('E')).pk;
  await populateForSummary(h.tokens, (await h.entity('Other')).pk, 1000);
  await populateForSummary(h.tokens, entityPk, 6000);
  await h.store.optimize();
}, 120_000);
afterAll(() => h?.cleanup());

describe('explainSummary (PostgreSQL): every statement reads tokens through an index', () => {
  for (const [who, userId] of [
    ['the whole entity', undefined],
    ['one user', USERS[2]],
  ] as const) {
    it(who, async () => {
      const plans = await h.store.summary.explainSummary(entityPk, summaryQuery(userId));
      expect(Object.keys(plans).sort()).toEqual(['byFlow', 'byRole', 'created', 'expiring']);
      for (const [name, lines] of Object.entries(plans)) {
        const plan = lines.join('\n');
        const what = `${name}:\n${plan}`;
        expect(plan, what).toMatch(/(Index (Only )?Scan|Bitmap Index Scan) (Backward )?(using|on) tokens_\w+/);
        expect(plan, what).not.toMatch(/Seq Scan on tokens/);
        if (name === 'created') expect(plan, what).toMatch(/created/);
        else expect(plan, what).toMatch(/tokens_by_expires|tokens_by_user|tokens_user_created/);
      }
    });
  }
});
