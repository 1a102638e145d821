import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  effectiveDirection,
  GRANT_FLOWS,
  ORDER_KEYS,
  parseTimestamp,
  microsToTimestamp,
  type GrantFlow,
  type ListTokensInput,
  type OrderDirection,
  type OrderKey,
  type Timestamp,
} from '@tokenwarden/contracts';
import {
  closeDatabase,
  grantFlowOf,
  openDatabase,
  seededRandom,
  seededUuid,
  writeSyntheticTokens,
  type TokenFilters,
  type TokenRecord,
} from '@tokenwarden/db';
import {
  createCaller,
  createContext,
  createDeps,
  inlineCounter,
  manualClock,
  mintToken,
  presentToken,
  workerCounter,
  type Counter,
  type Deps,
} from '../src/index.js';

/*
 * The fast paths (keyset cursors, cached and derived totals, the count worker) against a
 * plain reference: every row of the entity read back with one naive SELECT, then
 * filtered, sorted and sliced in JS. Random filters, orders, page sizes, walks and jumps,
 * with tokens inserted between page calls that the snapshot must hide.
 */

const SECOND = 1_000_000;
const DAY = 24 * 3600 * SECOND;
const START = Date.UTC(2026, 0, 1) * 1000;
const ROLES = ['ADMIN', 'AUDITOR', 'TELLER', 'SUPPORT', 'RISK', 'CARDS'];

/** Every column of a token, with its grant set's lists as stored: the naive read. */
const PLAIN = 'SELECT t.*, g.roles, g.scopes FROM tokens t JOIN grant_sets g ON g.pk = t.grant_set_pk';

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
    lastUsedAt: r.last_used_at === 0 ? null : r.last_used_at,
  };
}

const COLUMN: Record<OrderKey, Exclude<keyof RawRow, 'revoked_at'>> = {
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

/** The reference: all of the entity's rows, filtered and ordered in JS. */
function reference(deps: Deps, entityPk: number, f: TokenFilters, snapshot: number, key: OrderKey, dir: OrderDirection) {
  const rows = deps.db.$client.prepare(`${PLAIN} WHERE t.entity_pk = ?`).all(entityPk) as RawRow[];
  const sign = effectiveDirection(dir) === 'ASC' ? 1 : -1;
  const col = COLUMN[key];
  return rows
    .filter(
      (r) =>
        r.created_at <= snapshot &&
        (f.userId === undefined || r.user_id === f.userId) &&
        (f.accountId === undefined || r.account_id === f.accountId) &&
        (f.grantFlow === undefined || grantFlowOf(r.grant_flow) === f.grantFlow) &&
        (f.role === undefined || (JSON.parse(r.roles) as string[]).includes(f.role)),
    )
    .sort((a, b) => sign * (compare(a[col], b[col]) || compare(a.token_id, b.token_id)))
    .map((r) => r.token_id);
}

/** Every field of a listed token but the two that depend on the clock. */
function stable(t: Record<string, unknown>) {
  const { expires_in: _in, status: _status, ...rest } = t;
  return rest;
}

/** The tokens as the reference presents them, read back one by one. */
function presented(deps: Deps, ids: string[]) {
  const byId = deps.db.$client.prepare(`${PLAIN} WHERE t.token_id = ?`);
  return ids.map((id) => stable(presentToken(plainRecord(byId.get(id) as RawRow), 0)));
}

async function world(file: string, makeCounter: (deps: Deps) => Counter) {
  const db = openDatabase(file);
  const clock = manualClock(START);
  const base = createDeps(db, { clock });
  let counts = 0;
  const inner = makeCounter(base);
  const counter: Counter = { count: (...args) => ((counts += 1), inner.count(...args)) };
  const deps = createDeps(db, { clock, counter });
  const rand = seededRandom(20260101);
  const users = Array.from({ length: 12 }, () => ({ userId: seededUuid(rand), accountIds: [seededUuid(rand), seededUuid(rand)] }));
  const entities = [1, 2].map((i) => deps.directory.createEntity({ entityId: seededUuid(rand), name: `e${i}`, createdAt: START - 40 * DAY }));
  const [mine, other] = entities as [(typeof entities)[0], (typeof entities)[0]];
  for (const [e, count, seed] of [[mine, 2500, 7], [other, 400, 8]] as const) {
    writeSyntheticTokens(
      deps.tokens,
      { entityPk: e.pk, clientIds: ['c1', 'c2'], users, accountIds: users.flatMap((u) => u.accountIds), roles: ROLES },
      { count, seed, anchor: START - SECOND, spanMicros: 30 * DAY, revokedShare: 0.1 },
    );
  }
  const admin = mintToken(deps, {
    entityPk: mine.pk, clientId: 'c1', userId: null, accountId: null,
    grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS', roles: ['ADMIN'], scopes: ['*'], lifetimeSeconds: 365 * 24 * 3600,
  }).accessToken;
  const caller = createCaller(createContext(deps, { authorization: `Bearer ${admin}` }));
  return { db, deps, clock, rand, users, entityPk: mine.pk, caller, counts: () => counts };
}

type World = Awaited<ReturnType<typeof world>>;

function randomFilters(w: World): TokenFilters {
  const { rand } = w;
  const rows = w.deps.db.$client
    .prepare(`${PLAIN} WHERE t.entity_pk = ? ORDER BY t.pk LIMIT 1 OFFSET ?`)
    .get(w.entityPk, Math.floor(rand() * 2000)) as RawRow;
  const f: TokenFilters = {};
  // Values taken from one real token, so combined filters usually select something.
  if (rand() < 0.3) f.userId = rand() < 0.9 ? rows.user_id || w.users[0]!.userId : seededUuid(rand);
  if (rand() < 0.3) f.accountId = rows.account_id || w.users[1]!.accountIds[0]!;
  if (rand() < 0.3) f.grantFlow = grantFlowOf(rows.grant_flow);
  if (rand() < 0.3) f.role = (JSON.parse(rows.roles) as string[])[0];
  return f;
}

function inputFor(f: TokenFilters, key: OrderKey, dir: OrderDirection, size: number, page: number, snapshot?: Timestamp) {
  return {
    page_params: { page_size: size, page_number: page, ...(snapshot ? { first_request_timestamp: snapshot } : {}) },
    order_params: { order_key: key, order_direction: dir },
    ...(f.userId !== undefined ? { user_id: f.userId } : {}),
    ...(f.accountId !== undefined ? { account_id: f.accountId } : {}),
    ...(f.grantFlow !== undefined ? { grant_flow: f.grantFlow } : {}),
    ...(f.role !== undefined ? { role: f.role } : {}),
  };
}

/** A token the filters would select if the snapshot did not hide it. */
function insertMatching(w: World, f: TokenFilters): void {
  w.clock.advance(SECOND);
  mintToken(w.deps, {
    entityPk: w.entityPk, clientId: 'c1',
    userId: f.userId ?? w.users[0]!.userId,
    accountId: f.accountId ?? null,
    grantFlow: f.grantFlow ?? (GRANT_FLOWS[Math.floor(w.rand() * 4)] as GrantFlow),
    roles: f.role ? [f.role] : ['ADMIN'], scopes: [], lifetimeSeconds: 60,
  });
}

/** Random walks through createCaller, each page compared with the reference. */
async function randomWalks(w: World, walks: number): Promise<{ pages: number; keys: Set<string> }> {
  const { rand } = w;
  const sizes = [1, 3, 10, 25, 50, 100];
  const keys = new Set<string>();
  let pages = 0;
  for (let i = 0; i < walks; i++) {
    const f = randomFilters(w);
    const key = ORDER_KEYS[i % ORDER_KEYS.length] as OrderKey;
    const dir = (['ASC', 'DESC', 'ORDER_DIRECTION_ENUM_UNSPECIFIED'] as const)[Math.floor(rand() * 3)]!;
    const size = sizes[Math.floor(rand() * sizes.length)]!;
    // Half the walks start fresh (the server picks the snapshot); half pin a past instant
    // that is some token's exact creation time (ties with the bound).
    let snapshot: Timestamp | undefined;
    if (rand() < 0.5) {
      const at = w.deps.db.$client
        .prepare('SELECT created_at FROM tokens WHERE entity_pk = ? ORDER BY created_at LIMIT 1 OFFSET ?')
        .pluck()
        .get(w.entityPk, Math.floor(rand() * 2500)) as number;
      snapshot = microsToTimestamp(at);
    }
    let page = 1;
    for (let step = 0; step < 8; step++) {
      if (rand() < 0.5) insertMatching(w, f);
      const res = await w.caller.tokens.list(inputFor(f, key, dir, size, page, snapshot));
      snapshot = parseTimestamp(res.pagination_info.first_request_timestamp);
      const snapMicros = snapshot.seconds * SECOND + Math.floor(snapshot.nanos / 1000);
      keys.add(JSON.stringify([f, snapMicros]));
      const expected = reference(w.deps, w.entityPk, f, snapMicros, key, dir);
      expect(res.pagination_info.total_elements).toBe(expected.length);
      expect(res.pagination_info.total_pages).toBe(Math.ceil(expected.length / size));
      expect(res.tokens.map((t) => t.token_id)).toEqual(expected.slice((page - 1) * size, page * size));
      // Field by field too (the page path maps rows itself).
      expect(res.tokens.map(stable)).toEqual(presented(w.deps, expected.slice((page - 1) * size, page * size)));
      pages += 1;
      const last = Math.max(1, res.pagination_info.total_pages);
      const r = rand();
      page = r < 0.65 ? page + 1 : r < 0.8 ? Math.max(1, page - 1) : 1 + Math.floor(rand() * (last + 2));
    }
    // The same snapshot's pages requested at once share one total.
    const burst = await Promise.all(
      [1, 2, 3].map((p) => w.caller.tokens.list(inputFor(f, key, dir, size, p, snapshot))),
    );
    const snapMicros = snapshot!.seconds * SECOND + Math.floor(snapshot!.nanos / 1000);
    const expected = reference(w.deps, w.entityPk, f, snapMicros, key, dir);
    burst.forEach((res, i) => {
      expect(res.tokens.map((t) => t.token_id)).toEqual(expected.slice(i * size, (i + 1) * size));
      expect(res.pagination_info.total_elements).toBe(expected.length);
    });
  }
  return { pages, keys };
}

describe('list fast paths equal a naive reference', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-equiv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('through createCaller with the count worker on a database file', async () => {
    const file = join(dir, 'equiv.db');
    let closeCounter: (() => Promise<void>) | undefined;
    const w = await world(file, (d) => {
      // Every count through the worker thread (no inline shortcut for small sets).
      const c = workerCounter(d.db, file, { inlineCap: 0 });
      closeCounter = c.close;
      return c;
    });
    try {
      const { pages, keys } = await randomWalks(w, 42);
      expect(pages).toBe(42 * 8);
      // At most one full count per (entity, filters, snapshot): walks, jumps and bursts
      // of the same snapshot never count again.
      expect(w.counts()).toBeLessThanOrEqual(keys.size);
      expect(w.counts()).toBeGreaterThan(0);
    } finally {
      await closeCounter?.();
      closeDatabase(w.db);
    }
  });

  it('with the inline counter on an in-memory database, every order key both ways', async () => {
    const w = await world(':memory:', (d) => inlineCounter(d.tokens));
    const { pages } = await randomWalks(w, 28);
    expect(pages).toBe(28 * 8);
    // Deep walks in every order, from page 1 to the end with a page size of 100.
    for (const key of ORDER_KEYS) {
      for (const dir of ['ASC', 'DESC'] as const) {
        const first = await w.caller.tokens.list(inputFor({}, key, dir, 100, 1));
        const snapshot = parseTimestamp(first.pagination_info.first_request_timestamp);
        insertMatching(w, {});
        const seen = first.tokens.map((t) => t.token_id);
        for (let p = 2; p <= first.pagination_info.total_pages; p++) {
          const res = await w.caller.tokens.list(inputFor({}, key, dir, 100, p, snapshot));
          seen.push(...res.tokens.map((t) => t.token_id));
        }
        const snapMicros = snapshot.seconds * SECOND + Math.floor(snapshot.nanos / 1000);
        expect(seen).toEqual(reference(w.deps, w.entityPk, {}, snapMicros, key, dir));
      }
    }
  });

  it('a future snapshot (not cacheable) still matches the reference as tokens arrive', async () => {
    const w = await world(':memory:', (d) => inlineCounter(d.tokens));
    const future = microsToTimestamp(START + 3600 * SECOND);
    const input = inputFor({ role: 'TELLER' }, 'expires_at', 'ASC', 50, 1, future) as ListTokensInput;
    for (let i = 0; i < 3; i++) {
      const res = await w.caller.tokens.list(input);
      const expected = reference(w.deps, w.entityPk, { role: 'TELLER' }, START + 3600 * SECOND, 'expires_at', 'ASC');
      expect(res.pagination_info.total_elements).toBe(expected.length);
      expect(res.tokens.map((t) => t.token_id)).toEqual(expected.slice(0, 50));
      insertMatching(w, { role: 'TELLER' });
    }
  });
});
