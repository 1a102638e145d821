import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { effectiveDirection, type OrderDirection, type OrderKey } from '@tokenwarden/contracts';
import {
  DirectoryStore,
  openDatabase,
  seededRandom,
  sortValue,
  TokenStore,
  type Cursor,
  type Db,
  type NewToken,
  type PageQuery,
  type SortValue,
  type TokenFilters,
  type TokenRecord,
} from '@tokenwarden/db';

/** The package's seeded PRNG with helpers, so random query sequences are reproducible. */
export function rng(seed: number) {
  const next = seededRandom(seed);
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(next() * items.length)] as T;
  };
  const bool = (p = 0.5): boolean => next() < p;
  return { next, int, pick, bool };
}
export type Rng = ReturnType<typeof rng>;

export function sha256(raw: string): Buffer {
  return createHash('sha256').update(raw).digest();
}

export function setup() {
  const db = openDatabase(':memory:');
  const dir = new DirectoryStore(db);
  const store = new TokenStore(db);
  const entity = (name: string) => dir.createEntity({ entityId: randomUUID(), name, createdAt: 0 });
  return { db, dir, store, entity };
}

/** A token to insert, with sensible defaults. */
export function newToken(entityPk: number, over: Partial<NewToken> = {}): NewToken {
  return {
    entityPk,
    tokenId: randomUUID(),
    tokenHash: randomBytes(32),
    clientId: 'client-1',
    userId: null,
    accountId: null,
    grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS',
    roles: [],
    scopes: ['iam.oauth.*'],
    createdAt: 1_700_000_000_000_000,
    expiresAt: 1_700_000_360_000_000,
    ...over,
  };
}

/** What the store must answer for a token: the inserted token, as a record, with its pk. */
export function recordOf(t: NewToken, pk: number): TokenRecord {
  return {
    pk,
    entityPk: t.entityPk,
    tokenId: t.tokenId,
    clientId: t.clientId,
    userId: t.userId,
    accountId: t.accountId,
    grantFlow: t.grantFlow,
    roles: [...t.roles],
    scopes: [...t.scopes],
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    revokedAt: null,
    lastUsedAt: null,
  };
}

function cmpValue(a: SortValue, b: SortValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Compares (order-key value, token_id) ascending; the caller flips it for DESC. */
function cmpKey(a: { value: SortValue; tokenId: string }, b: { value: SortValue; tokenId: string }, key: OrderKey): number {
  if (key !== 'token_id') {
    const c = cmpValue(a.value, b.value);
    if (c !== 0) return c;
  }
  return cmpValue(a.tokenId, b.tokenId);
}

/** The reference implementation of a list: plain JS over every record the test inserted. */
export function referenceSelect(all: readonly TokenRecord[], entityPk: number, filters: TokenFilters, snapshot: number): TokenRecord[] {
  return all.filter(
    (r) =>
      r.entityPk === entityPk &&
      r.createdAt <= snapshot &&
      (filters.accountId === undefined || r.accountId === filters.accountId) &&
      (filters.userId === undefined || r.userId === filters.userId) &&
      (filters.grantFlow === undefined || r.grantFlow === filters.grantFlow) &&
      (filters.role === undefined || r.roles.includes(filters.role)),
  );
}

export function referenceOrder(records: readonly TokenRecord[], key: OrderKey, direction: OrderDirection): TokenRecord[] {
  const sign = effectiveDirection(direction) === 'ASC' ? 1 : -1;
  return [...records].sort(
    (a, b) =>
      sign * cmpKey({ value: sortValue(a, key), tokenId: a.tokenId }, { value: sortValue(b, key), tokenId: b.tokenId }, key),
  );
}

export function referencePage(all: readonly TokenRecord[], entityPk: number, q: PageQuery): TokenRecord[] {
  const sign = effectiveDirection(q.direction) === 'ASC' ? 1 : -1;
  let rows = referenceOrder(referenceSelect(all, entityPk, q.filters, q.snapshot), q.orderKey, q.direction);
  const after: Cursor | undefined = q.after;
  if (after) {
    rows = rows.filter((r) => sign * cmpKey({ value: sortValue(r, q.orderKey), tokenId: r.tokenId }, after, q.orderKey) > 0);
  }
  return rows.slice(q.offset, q.offset + q.limit);
}

export type { Db };
