import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness, type Harness } from './helpers.js';
import { populateForSummary, summaryQuery, USERS } from './summary-fixture.js';

/** SQLite's plans of the overview's statements: ranges of the tokens' indexes, never a scan of tokens (the `sqlite` project only). */
describe('explainSummary (SQLite): every statement searches an index of tokens', () => {
  for (const stats of [false, true]) {
    describe(stats ? 'with planner statistics (after ANALYZE)' : 'without planner statistics', () => {
      let h: Harness;
      let entityPk: number;
      beforeAll(async () => {
        h = await openHarness({ backend: 'sqlite', memory: true });
        entityPk = (await h.entity('E')).pk;
        await populateForSummary(h.tokens, (await h.entity('Other')).pk, 500);
        await populateForSummary(h.tokens, entityPk, 4000);
        if (stats) await h.store.optimize();
      });
      afterAll(() => h?.cleanup());

      it('the whole entity: active figures from a range of tokens_by_expires, creations from tokens_by_created', async () => {
        const plans = await h.store.summary.explainSummary(entityPk, summaryQuery());
        expect(Object.keys(plans).sort()).toEqual(['byFlow', 'byRole', 'created', 'expiring']);
        for (const [name, plan] of Object.entries(plans)) {
          const text = `${name}:\n${plan.join('\n')}`;
          expect(
            plan.some((l) => /^SCAN (t|g)\b/.test(l)),
            text,
          ).toBe(false);
          const tokens = plan.filter((l) => /^SEARCH t /.test(l));
          expect(tokens, text).toHaveLength(1);
          if (name === 'created')
            expect(tokens[0], text).toMatch(/^SEARCH t USING COVERING INDEX tokens_by_created \(entity_pk=\? AND created_at>\? AND created_at<\?\)/);
          else expect(tokens[0], text).toMatch(/^SEARCH t USING INDEX tokens_by_expires \(entity_pk=\? AND expires_at>\?/);
        }
        // The roles come from the entity's grant sets: each by its key, or the entity's few sets by their index.
        expect(
          plans.byRole?.some((l) => /^SEARCH g USING (INTEGER PRIMARY KEY|COVERING INDEX grant_sets_lists \(entity_pk=\?\))/.test(l)),
          plans.byRole?.join('\n'),
        ).toBe(true);
      });

      it('one user: the same expiry range, and creations from the user’s own (entity, user_id, created_at) range', async () => {
        const plans = await h.store.summary.explainSummary(entityPk, summaryQuery(USERS[4]));
        for (const [name, plan] of Object.entries(plans)) {
          const text = `${name}:\n${plan.join('\n')}`;
          expect(
            plan.some((l) => /^SCAN (t|g)\b/.test(l)),
            text,
          ).toBe(false);
          const tokens = plan.filter((l) => /^SEARCH t /.test(l));
          expect(tokens, text).toHaveLength(1);
          if (name === 'created') {
            expect(tokens[0], text).toMatch(
              /^SEARCH t USING COVERING INDEX tokens_user_created \(entity_pk=\? AND user_id=\? AND created_at>\? AND created_at<\?\)/,
            );
          } else expect(tokens[0], text).toMatch(/^SEARCH t USING INDEX tokens_by_expires \(entity_pk=\? AND expires_at>\?/);
        }
      });
    });
  }
});
