import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  effectiveDirection,
  formatMicros,
  GRANT_FLOWS,
  ORDER_KEYS,
  parseTimestamp,
  microsToTimestamp,
  scopeGrants,
  STATUS_FILTERS,
  type GrantFlow,
  type ListTokensRequest,
  type Micros,
  type OrderDirection,
  type OrderKey,
  type Timestamp,
} from '@tokenwarden/contracts';
import {
  grantFlowOf,
  hasNewerFilters,
  seededRandom,
  seededUuid,
  statusAt,
  writeSyntheticTokens,
  type Dialect,
  type Store,
  type TokenFilters,
  type TokenRecord,
  type TokenStore,
} from '@tokenwarden/db';
import { createPool } from '@tokenwarden/db/postgres/client';
import { closeDatabase, openDatabase } from '@tokenwarden/db/sqlite/client';
import { openSqliteStore } from '@tokenwarden/db/sqlite/store';
import { openTestStore, type TestStoreOptions } from '@tokenwarden/db/testing/test-store';
import { createCaller, createContext, createDeps, manualClock, mintToken, presentToken } from '../src/index.js';

/*
 * The fast paths (keyset cursors, cached and derived totals, the store's counts: SQLite's
 * count worker, PostgreSQL's snapshot bounds) against a plain reference: every row of the
 * entity read back with one naive SELECT on a connection of its own, then filtered,
 * sorted and sliced in JS. Random filters, orders, page sizes, walks and jumps, with
 * tokens inserted between and during page calls that the snapshot must hide.
 */

const SECOND = 1_000_000;
const DAY = 24 * 3600 * SECOND;
const START = Date.UTC(2026, 0, 1) * 1000;
const ROLES = ['ADMIN', 'AUDITOR', 'TELLER', 'SUPPORT', 'RISK', 'CARDS'];

/** Every column of a token but its hash, with its grant set's lists as stored: the naive read. */
const PLAIN =
  'SELECT t.pk, t.entity_pk, t.token_id, t.client_id, t.user_id, t.account_id, t.grant_flow, g.roles, g.scopes, ' +
  't.created_at, t.expires_at, t.revoked_at, t.last_used_at, t.revoked_by, t.revoke_reason, t.last_used_ip, t.last_used_user_agent ' +
  'FROM tokens t JOIN grant_sets g ON g.pk = t.grant_set_pk ' +
  'WHERE t.entity_pk = ? AND t.pk > ? ORDER BY t.pk';

/**
 * What a change to the entity's tokens changes: an insert adds a row with a greater pk;
 * a use or revocation sets last_used_at or revoked_at to the present, later than any
 * value stored before.
 */
const FINGERPRINT = 'SELECT count(*) AS n, max(pk) AS max_pk, max(last_used_at) AS used, max(revoked_at) AS revoked FROM tokens WHERE entity_pk = ?';

/** A token row as both backends store it, no user / account / use as '' / '' / 0. */
interface RawRow {
  pk: number;
  entity_pk: number;
  token_id: string;
  client_id: string;
  user_id: string;
  account_id: string;
  grant_flow: number;
  roles: string;
  scopes: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  last_used_at: number;
  revoked_by: string | null;
  revoke_reason: string | null;
  last_used_ip: string | null;
  last_used_user_agent: string | null;
}

interface Fingerprint {
  n: number;
  max_pk: number | null;
  used: number | null;
  revoked: number | null;
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * Reads the database behind a store on a connection of its own, with none of the store's
 * code: plain SELECTs. Reading every row for every page is slow on a busy machine
 * (tens of ms), so the rows are kept and read again only when the fingerprint says they
 * changed: only the new ones after inserts alone, all of them after a use or revocation.
 */
class PlainReader {
  private readonly cache = new Map<number, { fingerprint: Fingerprint; rows: RawRow[] }>();

  private constructor(
    private readonly query: <T>(sql: string, params: unknown[]) => Promise<T[]>,
    readonly close: () => Promise<void>,
  ) {}

  static async open(backend: Dialect, location: string): Promise<PlainReader> {
    if (backend === 'sqlite') {
      const db = openDatabase(location, { readonly: true });
      return new PlainReader(
        async <T>(sql: string, params: unknown[]) => db.$client.prepare(sql).all(...params) as T[],
        async () => closeDatabase(db),
      );
    }
    const pool = createPool(location, { max: 1 });
    return new PlainReader(
      async <T>(sql: string, params: unknown[]) => {
        let n = 0;
        const { rows } = await pool.query(
          sql.replace(/\?/g, () => `$${++n}`),
          params,
        );
        return rows as T[];
      },
      () => pool.end(),
    );
  }

  /** Every token of the entity as stored now, in pk order (read afresh with `fresh`). */
  async rows(entityPk: number, o: { fresh?: boolean } = {}): Promise<readonly RawRow[]> {
    const [fingerprint] = await this.query<Fingerprint>(FINGERPRINT, [entityPk]);
    const cached = o.fresh ? undefined : this.cache.get(entityPk);
    let rows: RawRow[];
    if (cached && fingerprint!.used === cached.fingerprint.used && fingerprint!.revoked === cached.fingerprint.revoked) {
      if (fingerprint!.max_pk === cached.fingerprint.max_pk) return cached.rows;
      rows = [...cached.rows, ...(await this.read(entityPk, cached.fingerprint.max_pk ?? 0))];
    } else {
      rows = await this.read(entityPk, 0);
    }
    expect(rows.length, 'rows read back').toBe(fingerprint!.n);
    this.cache.set(entityPk, { fingerprint: fingerprint!, rows });
    return rows;
  }

  private async read(entityPk: number, afterPk: number): Promise<RawRow[]> {
    const rows = await this.query<RawRow>(PLAIN, [entityPk, afterPk]);
    // PostgreSQL's uuid columns: the nil uuid stands for no user / account.
    return rows.map((r) => ({
      ...r,
      user_id: r.user_id === NIL_UUID ? '' : r.user_id,
      account_id: r.account_id === NIL_UUID ? '' : r.account_id,
    }));
  }
}

/** The record a row stands for, mapped plainly. */
function plainRecord(r: RawRow): TokenRecord {
  return {
    pk: r.pk,
    entityPk: r.entity_pk,
    tokenId: r.token_id,
    clientId: r.client_id,
    userId: r.user_id === '' ? null : r.user_id,
    accountId: r.account_id === '' ? null : r.account_id,
    grantFlow: grantFlowOf(r.grant_flow),
    roles: JSON.parse(r.roles) as string[],
    scopes: JSON.parse(r.scopes) as string[],
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
    revokeReason: r.revoke_reason,
    lastUsedAt: r.last_used_at === 0 ? null : r.last_used_at,
    lastUsedIp: r.last_used_ip,
    lastUsedUserAgent: r.last_used_user_agent,
  };
}

const COLUMN: Record<OrderKey, 'created_at' | 'expires_at' | 'last_used_at' | 'token_id' | 'user_id' | 'account_id' | 'grant_flow'> = {
  created_at: 'created_at',
  expires_at: 'expires_at',
  last_used_at: 'last_used_at',
  token_id: 'token_id',
  user_id: 'user_id',
  account_id: 'account_id',
  grant_flow: 'grant_flow',
};

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether v lies in [after, before). */
const within = (v: number, after: number | undefined, before: number | undefined) =>
  (after === undefined || v >= after) && (before === undefined || v < before);

/** The reference: all of the entity's rows, filtered and ordered in JS. */
function reference(rows: readonly RawRow[], f: TokenFilters, snapshot: number, key: OrderKey, dir: OrderDirection): RawRow[] {
  const sign = effectiveDirection(dir) === 'ASC' ? 1 : -1;
  const col = COLUMN[key];
  const used = (r: RawRow) => r.last_used_at !== 0;
  return rows
    .filter(
      (r) =>
        r.created_at <= snapshot &&
        (f.userId === undefined || r.user_id === f.userId) &&
        (f.accountId === undefined || r.account_id === f.accountId) &&
        (f.grantFlow === undefined || grantFlowOf(r.grant_flow) === f.grantFlow) &&
        (f.role === undefined || (JSON.parse(r.roles) as string[]).includes(f.role)) &&
        (f.clientId === undefined || r.client_id === f.clientId) &&
        (f.statuses === undefined || f.statuses.includes(statusAt({ revokedAt: r.revoked_at, expiresAt: r.expires_at }, snapshot))) &&
        (f.scope === undefined || (JSON.parse(r.scopes) as string[]).some((held) => scopeGrants(held, f.scope as string))) &&
        within(r.created_at, f.createdAfter, f.createdBefore) &&
        within(r.expires_at, f.expiresAfter, f.expiresBefore) &&
        (f.lastUsedAfter === undefined || (used(r) && r.last_used_at >= f.lastUsedAfter)) &&
        (f.lastUsedBefore === undefined || (used(r) && r.last_used_at < f.lastUsedBefore)) &&
        (f.neverUsed === undefined || f.neverUsed === !used(r)),
    )
    .sort((a, b) => sign * (compare(a[col], b[col]) || compare(a.token_id, b.token_id)));
}

/** The reference's token ids, read afresh. */
async function referenceIds(w: World, f: TokenFilters, snapshot: number, key: OrderKey, dir: OrderDirection): Promise<string[]> {
  return reference(await w.reader.rows(w.entityPk), f, snapshot, key, dir).map((r) => r.token_id);
}

/** Every field of a listed token but the two that depend on the clock. */
function stable(t: Record<string, unknown>) {
  const { expires_in: _in, status: _status, ...rest } = t;
  return rest;
}

/** The tokens as the reference presents them, mapped plainly. */
function presented(rows: readonly RawRow[]) {
  return rows.map((r) => stable(presentToken(plainRecord(r), 0)));
}

type ManualClock = ReturnType<typeof manualClock>;

interface WorldStore {
  store: Store;
  backend: Dialect;
  location: string;
  /** The fake clock the store was opened with; none: the store's own (PostgreSQL: the database's). */
  clock?: ManualClock | undefined;
}

/** Stores (and readers) opened by the current test, closed and removed after it. */
const opened: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of opened.splice(0).reverse()) await cleanup();
});

/** A store of the run's backend (SQLite: a file, which a second connection can read). */
async function testStore(o: TestStoreOptions = {}): Promise<WorldStore> {
  const t = await openTestStore(o);
  opened.push(t.cleanup);
  return { store: t.store, backend: t.backend, location: t.location, clock: o.clock as ManualClock | undefined };
}

/**
 * Two entities of synthetic tokens (ours: 2500, another: 400) created before `start`, an
 * admin token, and a caller with it; the store's counts are counted.
 */
async function world(ws: WorldStore, start: Micros) {
  const { clock } = ws;
  let counts = 0;
  const tokens: TokenStore = Object.create(ws.store.tokens);
  tokens.count = (...args) => {
    counts += 1;
    return ws.store.tokens.count(...args);
  };
  // The api gets the store's fake clock, if any (else its own system clock: expiry, last use).
  // The caller's token records its first use only: a later one would move it between pages
  // in last_used_at order and last-use filters, which no snapshot pins (the property test's
  // model follows such moves; this reference reads the rows as they are now).
  const deps = createDeps({ ...ws.store, tokens }, { ...(clock ? { clock } : {}), config: { lastUsedGranularitySeconds: 1e9 } });
  const reader = await PlainReader.open(ws.backend, ws.location);
  opened.push(() => reader.close());
  const rand = seededRandom(20260101);
  const users = Array.from({ length: 12 }, () => ({ userId: seededUuid(rand), accountIds: [seededUuid(rand), seededUuid(rand)] }));
  const entities = [];
  for (const i of [1, 2]) {
    entities.push(await deps.directory.createEntity({ entityId: seededUuid(rand), name: `e${i}`, createdAt: start - 40 * DAY }));
  }
  const [mine, other] = entities as [(typeof entities)[0], (typeof entities)[0]];
  for (const [e, count, seed] of [
    [mine, 2500, 7],
    [other, 400, 8],
  ] as const) {
    await writeSyntheticTokens(
      deps.tokens,
      { entityPk: e.pk, clientIds: ['c1', 'c2'], users, accountIds: users.flatMap((u) => u.accountIds), roles: ROLES },
      { count, seed, anchor: start - SECOND, spanMicros: 30 * DAY, revokedShare: 0.1 },
    );
  }
  const { accessToken: admin } = await mintToken(deps, {
    entityPk: mine.pk,
    clientId: 'c1',
    userId: null,
    accountId: null,
    grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS',
    roles: ['ADMIN'],
    scopes: ['*'],
    lifetimeSeconds: 365 * 24 * 3600,
  });
  const caller = createCaller(createContext(deps, { authorization: `Bearer ${admin}` }));
  return { deps, clock, reader, rand, users, entityPk: mine.pk, caller, counts: () => counts };
}

type World = Awaited<ReturnType<typeof world>>;

async function randomFilters(w: World): Promise<TokenFilters> {
  const { rand } = w;
  const rows = (await w.reader.rows(w.entityPk))[Math.floor(rand() * 2000)]!;
  const f: TokenFilters = {};
  // Values taken from one real token, so combined filters usually select something.
  if (rand() < 0.3) f.userId = rand() < 0.9 ? rows.user_id || w.users[0]!.userId : seededUuid(rand);
  if (rand() < 0.3) f.accountId = rows.account_id || w.users[1]!.accountIds[0]!;
  if (rand() < 0.3) f.grantFlow = grantFlowOf(rows.grant_flow);
  if (rand() < 0.3) f.role = (JSON.parse(rows.roles) as string[])[0];
  // The newer filters, also from that token (bounds around its own times).
  if (rand() < 0.2) f.clientId = rows.client_id;
  if (rand() < 0.2) f.statuses = STATUS_FILTERS.filter(() => rand() < 0.5);
  if (f.statuses?.length === 0) f.statuses = undefined;
  if (rand() < 0.2) f.scope = rand() < 0.5 ? 'iam.oauth.tokens.get' : ((JSON.parse(rows.scopes) as string[])[0] ?? 'accounts.read').replace('*', 'x');
  const around = (v: number) => v + Math.floor((rand() - 0.5) * 10 * DAY);
  if (rand() < 0.15) f.createdAfter = around(rows.created_at);
  if (rand() < 0.15) f.createdBefore = around(rows.created_at);
  if (rand() < 0.15) f.expiresAfter = around(rows.expires_at);
  if (rand() < 0.15) f.expiresBefore = around(rows.expires_at);
  if (rand() < 0.1 && rows.last_used_at !== 0) f.lastUsedAfter = around(rows.last_used_at);
  if (rand() < 0.1 && rows.last_used_at !== 0) f.lastUsedBefore = around(rows.last_used_at);
  if (rand() < 0.1) f.neverUsed = rand() < 0.5;
  return f;
}

/** A list input as a caller writes it: time bounds as RFC 3339 text, statuses by name. */
function inputFor(
  f: TokenFilters,
  key: OrderKey,
  dir: OrderDirection,
  size: number,
  page: number | undefined,
  snapshot?: Timestamp,
  pageToken?: string,
) {
  const instant = (v: number | undefined) => (v === undefined ? undefined : formatMicros(v));
  const input = {
    page_params: {
      page_size: size,
      ...(page !== undefined ? { page_number: page } : {}),
      ...(snapshot ? { first_request_timestamp: snapshot } : {}),
    },
    order_params: { order_key: key, order_direction: dir },
    page_token: pageToken,
    user_id: f.userId,
    account_id: f.accountId,
    grant_flow: f.grantFlow,
    role: f.role,
    client_id: f.clientId,
    status: f.statuses ? [...f.statuses] : undefined,
    scope: f.scope,
    created_after: instant(f.createdAfter),
    created_before: instant(f.createdBefore),
    expires_after: instant(f.expiresAfter),
    expires_before: instant(f.expiresBefore),
    last_used_after: instant(f.lastUsedAfter),
    last_used_before: instant(f.lastUsedBefore),
    never_used: f.neverUsed,
  };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as ListTokensRequest;
}

/** A token the filters would select if the snapshot did not hide it. */
async function insertMatching(w: World, f: TokenFilters): Promise<void> {
  w.clock?.advance(SECOND);
  await mintToken(w.deps, {
    entityPk: w.entityPk,
    clientId: 'c1',
    userId: f.userId ?? w.users[0]!.userId,
    accountId: f.accountId ?? null,
    grantFlow: f.grantFlow ?? (GRANT_FLOWS[Math.floor(w.rand() * 4)] as GrantFlow),
    roles: f.role ? [f.role] : ['ADMIN'],
    scopes: [],
    lifetimeSeconds: 60,
  });
}

const micros = (t: Timestamp) => t.seconds * SECOND + Math.floor(t.nanos / 1000);

/**
 * Random walks through createCaller, each page compared with the reference. Tokens are
 * inserted before half the page calls, or (`concurrent`) while they run.
 */
async function randomWalks(
  w: World,
  walks: number,
  o: { concurrent?: boolean } = {},
): Promise<{ pages: number; keys: Set<string>; byToken: number; newer: number }> {
  const { rand } = w;
  const sizes = [1, 3, 10, 25, 50, 100];
  const keys = new Set<string>();
  let pages = 0;
  /** Pages asked by a page token, and pages with a newer filter that were not empty. */
  let byToken = 0;
  let newer = 0;
  for (let i = 0; i < walks; i++) {
    const f = await randomFilters(w);
    const key = ORDER_KEYS[i % ORDER_KEYS.length] as OrderKey;
    const dir = (['ASC', 'DESC', 'ORDER_DIRECTION_ENUM_UNSPECIFIED'] as const)[Math.floor(rand() * 3)]!;
    const size = sizes[Math.floor(rand() * sizes.length)]!;
    // Half the walks start fresh (the server picks the snapshot); half pin a past instant
    // that is some token's exact creation time (ties with the bound).
    let snapshot: Timestamp | undefined;
    if (rand() < 0.5) {
      const byCreation = (await w.reader.rows(w.entityPk)).map((r) => r.created_at).sort((a, b) => a - b);
      snapshot = microsToTimestamp(byCreation[Math.floor(rand() * 2500)]!);
    }
    let page = 1;
    // Some walks follow next_page_token (sent with or without the snapshot), the others page numbers.
    const viaTokens = rand() < 0.4;
    let token: string | null = null;
    for (let step = 0; step < 8; step++) {
      const input: ListTokensRequest = token
        ? inputFor(f, key, dir, size, undefined, rand() < 0.5 ? snapshot : undefined, token)
        : inputFor(f, key, dir, size, page, snapshot);
      const list = () => w.caller.tokens.list(input);
      let res: Awaited<ReturnType<typeof list>>;
      if (o.concurrent) {
        // Issuance racing the page call (and its snapshot, when it takes one).
        const inserts = Array.from({ length: Math.floor(rand() * 3) }, () => insertMatching(w, f));
        [res] = await Promise.all([list(), ...inserts]);
      } else {
        if (rand() < 0.5) await insertMatching(w, f);
        res = await list();
      }
      snapshot = parseTimestamp(res.pagination_info.first_request_timestamp);
      const snapMicros = micros(snapshot);
      keys.add(JSON.stringify([f, snapMicros]));
      const expected = reference(await w.reader.rows(w.entityPk), f, snapMicros, key, dir);
      expect(res.pagination_info.total_elements).toBe(expected.length);
      expect(res.pagination_info.total_pages).toBe(Math.ceil(expected.length / size));
      const slice = expected.slice((page - 1) * size, page * size);
      expect(res.tokens.map((t) => t.token_id)).toEqual(slice.map((r) => r.token_id));
      // Field by field too (the page path maps rows itself).
      expect(res.tokens.map(stable)).toEqual(presented(slice));
      expect(res.pagination_info.current_page).toBe(page);
      if (token) byToken += 1;
      if (hasNewerFilters(f) && slice.length > 0) newer += 1;
      // A next page token exactly when a full page is not the walk's last.
      const next: string | null = res.pagination_info.next_page_token;
      expect(next !== null, `next_page_token on page ${page} of ${expected.length} rows by ${size}`).toBe(page * size < expected.length);
      pages += 1;
      const last = Math.max(1, res.pagination_info.total_pages);
      const r = rand();
      if (viaTokens) {
        token = next;
        page = next ? page + 1 : 1;
      } else {
        page = r < 0.65 ? page + 1 : r < 0.8 ? Math.max(1, page - 1) : 1 + Math.floor(rand() * (last + 2));
      }
    }
    // The same snapshot's pages requested at once share one total.
    const burst = await Promise.all([1, 2, 3].map((p) => w.caller.tokens.list(inputFor(f, key, dir, size, p, snapshot))));
    const expected = await referenceIds(w, f, micros(snapshot!), key, dir);
    burst.forEach((res, i) => {
      expect(res.tokens.map((t) => t.token_id)).toEqual(expected.slice(i * size, (i + 1) * size));
      expect(res.pagination_info.total_elements).toBe(expected.length);
    });
    pages += burst.length;
  }
  // The kept rows are the rows as stored.
  expect(await w.reader.rows(w.entityPk)).toEqual(await w.reader.rows(w.entityPk, { fresh: true }));
  return { pages, keys, byToken, newer };
}

describe('list fast paths equal a naive reference', () => {
  it('through createCaller with the count worker on a SQLite file', async () => {
    // SQLite's count worker specifically, whatever the run's backend. Every count goes
    // through the worker thread (no inline shortcut for small sets), which openTestStore
    // cannot ask for, so the store is opened here.
    const dir = mkdtempSync(join(tmpdir(), 'tw-equiv-'));
    const file = join(dir, 'equiv.db');
    const clock = manualClock(START);
    const store = openSqliteStore(file, { clock, counts: 'worker', inlineCountCap: 0 });
    opened.push(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const w = await world({ store, backend: 'sqlite', location: file, clock }, START);
    const { pages, keys, byToken, newer } = await randomWalks(w, 42);
    expect(pages).toBe(42 * 11);
    expect(byToken).toBeGreaterThan(20);
    expect(newer).toBeGreaterThan(20);
    // At most one full count per (entity, filters, snapshot): walks, jumps and bursts
    // of the same snapshot never count again.
    expect(w.counts()).toBeLessThanOrEqual(keys.size);
    expect(w.counts()).toBeGreaterThan(0);
  });

  it("on the run's backend with its own clock, tokens issued while pages are served", async () => {
    // No fake clock: creation times and snapshot bounds from the store's clock (on
    // PostgreSQL the database's, under the snapshot lock), racing issuance.
    const w = await world(await testStore(), Date.now() * 1000);
    const { pages, keys, byToken, newer } = await randomWalks(w, 30, { concurrent: true });
    expect(pages).toBe(30 * 11);
    expect(byToken).toBeGreaterThan(10);
    expect(newer).toBeGreaterThan(10);
    expect(w.counts()).toBeLessThanOrEqual(keys.size);
    expect(w.counts()).toBeGreaterThan(0);
  });

  it("on the run's backend counting inline, every order key both ways", async () => {
    const w = await world(await testStore({ clock: manualClock(START), counts: 'inline' }), START);
    const { pages, keys } = await randomWalks(w, 28);
    expect(pages).toBe(28 * 11);
    expect(w.counts()).toBeLessThanOrEqual(keys.size);
    // Deep walks in every order, from page 1 to the end with a page size of 100.
    for (const key of ORDER_KEYS) {
      for (const dir of ['ASC', 'DESC'] as const) {
        const first = await w.caller.tokens.list(inputFor({}, key, dir, 100, 1));
        const snapshot = parseTimestamp(first.pagination_info.first_request_timestamp);
        await insertMatching(w, {});
        const seen = first.tokens.map((t) => t.token_id);
        for (let p = 2; p <= first.pagination_info.total_pages; p++) {
          const res = await w.caller.tokens.list(inputFor({}, key, dir, 100, p, snapshot));
          seen.push(...res.tokens.map((t) => t.token_id));
        }
        expect(seen).toEqual(await referenceIds(w, {}, micros(snapshot), key, dir));
      }
    }
  });

  it('a future snapshot (not cacheable) still matches the reference as tokens arrive', async () => {
    const w = await world(await testStore({ clock: manualClock(START), counts: 'inline' }), START);
    const future = microsToTimestamp(START + 3600 * SECOND);
    const input = inputFor({ role: 'TELLER' }, 'expires_at', 'ASC', 50, 1, future);
    for (let i = 0; i < 3; i++) {
      const res = await w.caller.tokens.list(input);
      const expected = await referenceIds(w, { role: 'TELLER' }, START + 3600 * SECOND, 'expires_at', 'ASC');
      expect(res.pagination_info.total_elements).toBe(expected.length);
      expect(res.tokens.map((t) => t.token_id)).toEqual(expected.slice(0, 50));
      await insertMatching(w, { role: 'TELLER' });
    }
    // Each request counted afresh: nothing about a future snapshot is cached.
    expect(w.counts()).toBe(3);
  });
});
