import { createHash, randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { onTestFinished } from 'vitest';
import { effectiveDirection, scopeGrants, type OrderDirection, type OrderKey } from '@tokenwarden/contracts';
import {
  seededRandom,
  sortValue,
  statusAt,
  type Cursor,
  type Dialect,
  type DirectoryStore,
  type EntityRecord,
  type EventSpec,
  type HistoricalToken,
  type IssueEventSpec,
  type NewTokenSpec,
  type PageQuery,
  type SortValue,
  type Store,
  type TokenFilters,
  type TokenRecord,
  type TokenStore,
  type UseOrigin,
} from '@tokenwarden/db';
import { openTestStore, type TestStore, type TestStoreOptions } from '@tokenwarden/db/testing/test-store';

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

export const NIL_UUID = '00000000-0000-0000-0000-000000000000';
export const MAX_UUID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/** Raw SQL on the store's database, beside the store (schema checks, rows the store never writes). `?` placeholders on both backends. */
export type RawSql = <T = Record<string, unknown>>(text: string, params?: readonly unknown[]) => Promise<T[]>;

export interface Harness {
  backend: Dialect;
  store: Store;
  tokens: TokenStore;
  dir: DirectoryStore;
  /** What a second process would open: the SQLite file or the PostgreSQL URL. */
  location: string;
  entity(name: string): Promise<EntityRecord>;
  sql: RawSql;
  cleanup(): Promise<void>;
}

/**
 * A fresh, migrated, empty store of the run's backend (TOKENWARDEN_TEST_BACKEND), on a
 * file (SQLite) or a database of its own (PostgreSQL), so raw SQL can reach it too.
 * For use inside a test: it is removed when the test ends.
 */
export async function setup(o: TestStoreOptions = {}): Promise<Harness> {
  const h = await openHarness(o);
  onTestFinished(() => h.cleanup());
  return h;
}

/** As `setup`, for a store shared by a suite (beforeAll): the caller calls `cleanup()`. */
export async function openHarness(o: TestStoreOptions = {}): Promise<Harness> {
  return harness(await openTestStore(o));
}

function harness(ts: TestStore): Harness {
  let sqlite: Database.Database | undefined;
  let client: Promise<pg.Client> | undefined;
  const sql: RawSql = async <T>(text: string, params: readonly unknown[] = []): Promise<T[]> => {
    if (ts.backend === 'sqlite') {
      if (ts.location === ':memory:') throw new Error('raw SQL needs a database file');
      sqlite ??= new Database(ts.location);
      const stmt = sqlite.prepare(text);
      if (stmt.reader) return stmt.all(...params) as T[];
      stmt.run(...params);
      return [];
    }
    client ??= (async () => {
      const c = new pg.Client({ connectionString: ts.location });
      c.on('error', () => {});
      await c.connect();
      return c;
    })();
    let i = 0;
    const { rows } = await (await client).query(
      text.replace(/\?/g, () => `$${++i}`),
      [...params],
    );
    return rows as T[];
  };
  let cleaning: Promise<void> | undefined;
  return {
    backend: ts.backend,
    store: ts.store,
    tokens: ts.store.tokens,
    dir: ts.store.directory,
    location: ts.location,
    entity: (name) => ts.store.directory.createEntity({ entityId: randomUUID(), name, createdAt: 0 }),
    sql,
    cleanup: () =>
      (cleaning ??= (async () => {
        sqlite?.close();
        if (client) await (await client).end().catch(() => {});
        await ts.cleanup();
      })()),
  };
}

/** A historical token to insert, with sensible defaults. */
export function newToken(entityPk: number, over: Partial<HistoricalToken> = {}): HistoricalToken {
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

/** A token to issue now, with sensible defaults. */
export function newSpec(entityPk: number, over: Partial<NewTokenSpec> = {}): NewTokenSpec {
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
    lifetimeMicros: 3_600_000_000,
    ...over,
  };
}

/** What the store must answer for a token: the inserted token, as a record, with its pk. */
export function recordOf(t: HistoricalToken, pk: number): TokenRecord {
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
    revokedAt: t.revokedAt ?? null,
    revokedBy: null,
    revokeReason: null,
    lastUsedAt: t.lastUsedAt ?? null,
    lastUsedIp: null,
    lastUsedUserAgent: null,
  };
}

/** An issuance's event (a new id, no request). */
export const issueEvent = (requestId: string | null = null): IssueEventSpec => ({ eventId: randomUUID(), requestId });

/** A revocation's event: by a token (a new id unless given), with a reason. */
export function revocation(over: Partial<EventSpec> = {}): EventSpec {
  return {
    eventId: randomUUID(),
    actor: { tokenId: randomUUID(), clientId: 'auditor-client', userId: null },
    requestId: null,
    reason: 'test',
    ...over,
  };
}

/** A use from nowhere in particular. */
export const NO_ORIGIN: UseOrigin = { ip: null, userAgent: null };

/** Inserts one historical token and answers it as the store reads it back. */
export async function insertOne(store: TokenStore, t: HistoricalToken): Promise<TokenRecord> {
  await store.insertHistorical([t]);
  const got = await store.get(t.entityPk, t.tokenId);
  if (!got) throw new Error('not inserted');
  return got;
}

/** The rejection of a promise that must reject. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
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

/** Whether a value lies in [after, before) (an absent bound is no bound). */
function within(v: number, after: number | undefined, before: number | undefined): boolean {
  return (after === undefined || v >= after) && (before === undefined || v < before);
}

/** Whether a record passes the filters at the snapshot: the contract's rules, in plain JS. */
export function referenceMatch(r: TokenRecord, filters: TokenFilters, snapshot: number): boolean {
  const f = filters;
  const usedFilter = f.lastUsedAfter !== undefined || f.lastUsedBefore !== undefined;
  return (
    r.createdAt <= snapshot &&
    (f.accountId === undefined || r.accountId === f.accountId) &&
    (f.userId === undefined || r.userId === f.userId) &&
    (f.grantFlow === undefined || r.grantFlow === f.grantFlow) &&
    (f.role === undefined || r.roles.includes(f.role)) &&
    (f.clientId === undefined || r.clientId === f.clientId) &&
    (f.statuses === undefined || f.statuses.includes(statusAt(r, snapshot))) &&
    (f.scope === undefined || r.scopes.some((held) => scopeGrants(held, f.scope as string))) &&
    within(r.createdAt, f.createdAfter, f.createdBefore) &&
    within(r.expiresAt, f.expiresAfter, f.expiresBefore) &&
    (!usedFilter || (r.lastUsedAt !== null && within(r.lastUsedAt, f.lastUsedAfter, f.lastUsedBefore))) &&
    (f.neverUsed === undefined || f.neverUsed === (r.lastUsedAt === null))
  );
}

/** The reference implementation of a list: plain JS over every record the test inserted. */
export function referenceSelect(all: readonly TokenRecord[], entityPk: number, filters: TokenFilters, snapshot: number): TokenRecord[] {
  return all.filter((r) => r.entityPk === entityPk && referenceMatch(r, filters, snapshot));
}

export function referenceOrder(records: readonly TokenRecord[], key: OrderKey, direction: OrderDirection): TokenRecord[] {
  const sign = effectiveDirection(direction) === 'ASC' ? 1 : -1;
  return [...records].sort(
    (a, b) => sign * cmpKey({ value: sortValue(a, key), tokenId: a.tokenId }, { value: sortValue(b, key), tokenId: b.tokenId }, key),
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

/** Runs one statement on a connection of its own to `url` (admin work beside a store). */
export async function pgQuery<T extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  text: string,
  params: readonly unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<T>(text, [...params])).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
