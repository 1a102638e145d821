import { randomUUID } from 'node:crypto';
import { GRANT_FLOWS } from '@tokenwarden/contracts';
import type { SummaryQuery, TokenStore } from '@tokenwarden/db';
import { newToken, rng } from './helpers.js';

/** A population for plans of the summary statements: a year of tokens, lifetimes of an hour to 90 days. */
export const DAY = 86_400_000_000;
export const T0 = 1_700_000_000_000_000;
export const USERS = Array.from({ length: 20 }, () => randomUUID());

export async function populateForSummary(store: TokenStore, entityPk: number, n: number): Promise<void> {
  const r = rng(23);
  const tokens = Array.from({ length: n }, (_, i) => {
    const createdAt = T0 + Math.floor((i / n) * 365 * DAY);
    return newToken(entityPk, {
      userId: r.bool(0.3) ? null : r.pick(USERS),
      grantFlow: r.pick(GRANT_FLOWS),
      roles: r.bool() ? ['AUDITOR'] : ['ENTITY_ADMIN', 'TELLER'],
      createdAt,
      expiresAt: createdAt + (r.bool(0.9) ? 3_600_000_000 : r.int(1, 90) * DAY),
      revokedAt: r.bool(0.05) ? createdAt + 1 : null,
      lastUsedAt: r.bool(0.5) ? null : createdAt + 2,
    });
  });
  for (let i = 0; i < tokens.length; i += 1000) await store.insertHistorical(tokens.slice(i, i + 1000));
}

/** The summary at a snapshot late in the population's year, for the whole entity or one user. */
export function summaryQuery(userId?: string): SummaryQuery {
  const snapshot = T0 + 300 * DAY;
  return { snapshot, userId, bucket: DAY, createdFrom: snapshot - 29 * DAY, expiringBuckets: 7, idleBefore: snapshot - 30 * DAY };
}
