import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatMicros, parseTimestamp, type GrantFlow } from '@tokenwarden/contracts';
import type { PageQuery, Store, TokenStore } from '@tokenwarden/db';
import { openTestStore, type TestStoreOptions } from '@tokenwarden/db/testing/test-store';
import { bootstrapEntity, createCaller, createContext, createDeps, manualClock, mintToken, type Deps } from '../src/index.js';

const SECOND = 1_000_000;
const START = Date.UTC(2026, 0, 1) * 1000;

/** Stores opened by the current test, removed after it. */
const opened: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((cleanup) => cleanup()));
});

async function testStore(o: TestStoreOptions): Promise<Store> {
  const t = await openTestStore({ memory: true, ...o });
  opened.push(t.cleanup);
  return t.store;
}

/**
 * The store with its token counts observed (`counts()`: how many `tokens.count` calls ran),
 * and its lookups and snapshots (`calls`, in order; `bounds`: what findByHashWithSnapshot took).
 */
function countingCounts(store: Store) {
  let n = 0;
  const calls: string[] = [];
  const bounds: number[] = [];
  const tokens: TokenStore = Object.create(store.tokens);
  tokens.count = (...args) => {
    n += 1;
    return store.tokens.count(...args);
  };
  tokens.findByHash = (hash) => {
    calls.push('findByHash');
    return store.tokens.findByHash(hash);
  };
  tokens.snapshot = (entityPk) => {
    calls.push('snapshot');
    return store.tokens.snapshot(entityPk);
  };
  tokens.findByHashWithSnapshot = async (hash) => {
    calls.push('findByHashWithSnapshot');
    const found = await store.tokens.findByHashWithSnapshot(hash);
    if (found?.snapshot !== undefined) bounds.push(found.snapshot);
    return found;
  };
  return { store: { ...store, tokens }, counts: () => n, calls, bounds };
}

async function setup() {
  const clock = manualClock(START);
  // The same fake clock for the store (creation times, snapshots) and the api.
  const counted = countingCounts(await testStore({ clock }));
  const deps = createDeps(counted.store, { clock });
  const entity = await bootstrapEntity(deps, 'Acme');
  const token = async (spec: { grantFlow?: GrantFlow; userId?: string | null; roles?: string[]; scopes?: string[] } = {}) =>
    (
      await mintToken(deps, {
        entityPk: entity.entity_pk,
        clientId: 'c1',
        userId: spec.userId ?? null,
        accountId: null,
        grantFlow: spec.grantFlow ?? 'GRANT_FLOW_CLIENT_CREDENTIALS',
        roles: spec.roles ?? [],
        scopes: spec.scopes ?? ['*'],
        lifetimeSeconds: 3600,
      })
    ).accessToken;
  const caller = (accessToken: string, lang = 'en') =>
    createCaller(createContext(deps, { authorization: `Bearer ${accessToken}`, acceptLanguage: lang }));
  return { deps, clock, entity, token, caller, counts: counted.counts, calls: counted.calls, bounds: counted.bounds };
}

async function seedPast(deps: Deps, entityPk: number, n: number, userId: string | null = null) {
  const now = deps.clock.nowMicros();
  await deps.tokens.insertHistorical(
    Array.from({ length: n }, (_, i) => ({
      entityPk,
      tokenId: randomUUID(),
      tokenHash: randomBytes(32),
      clientId: 'c1',
      userId,
      accountId: null,
      grantFlow: 'GRANT_FLOW_PASSWORD' as const,
      roles: ['TELLER'],
      scopes: ['x'],
      createdAt: now - (i + 1) * SECOND,
      expiresAt: now + 3600 * SECOND,
    })),
  );
}

/** An entity with `n` past tokens, an admin token, and a snapshot after all of them. */
async function seededSnapshot(n: number) {
  const env = await setup();
  await seedPast(env.deps, env.entity.entity_pk, n);
  const admin = await env.token();
  env.clock.advance(SECOND);
  return { ...env, admin, snapshot: parseTimestamp(formatMicros(env.clock.nowMicros() - 1)) };
}

describe('tokens.list through createCaller', () => {
  it('counts each (entity, filters, snapshot) once and walks later pages from keyset cursors', async () => {
    const { deps, clock, entity, token, caller, counts } = await setup();
    await seedPast(deps, entity.entity_pk, 95);
    const admin = await token();
    clock.advance(SECOND);
    const pageSpy = vi.spyOn(deps.tokens, 'page');
    const first = await caller(admin).tokens.list({ page_params: { page_size: 10 } });
    expect(first.tokens).toHaveLength(10);
    expect(counts()).toBe(1);
    const snap = parseTimestamp(first.pagination_info.first_request_timestamp);
    clock.advance(SECOND);
    const seen = [...first.tokens];
    for (let page = 2; page <= first.pagination_info.total_pages; page++) {
      await mintToken(deps, {
        entityPk: entity.entity_pk,
        clientId: 'c1',
        userId: null,
        accountId: null,
        grantFlow: 'GRANT_FLOW_LOGIN',
        roles: [],
        scopes: [],
        lifetimeSeconds: 60,
      });
      const res = await caller(admin).tokens.list({
        page_params: { page_size: 10, page_number: page, first_request_timestamp: snap },
      });
      seen.push(...res.tokens);
    }
    // The first page counted; the same snapshot's later pages did not.
    expect(counts()).toBe(1);
    const calls = pageSpy.mock.calls.map((c) => c[1] as PageQuery);
    expect(calls).toHaveLength(first.pagination_info.total_pages);
    expect(calls.slice(1).every((q) => q.after !== undefined && q.offset === 0)).toBe(true);
    expect(new Set(seen.map((t) => t.token_id)).size).toBe(first.pagination_info.total_elements);
  });

  it('jumps from the nearest cursor and answers a page past the end without a page query', async () => {
    const { deps, caller, admin, snapshot } = await seededSnapshot(50);
    const pageSpy = vi.spyOn(deps.tokens, 'page');
    const p2 = await caller(admin).tokens.list({ page_params: { page_size: 5, page_number: 2, first_request_timestamp: snapshot } });
    const p5 = await caller(admin).tokens.list({ page_params: { page_size: 5, page_number: 5, first_request_timestamp: snapshot } });
    expect(pageSpy.mock.calls[1]![1]).toMatchObject({ offset: 10, after: expect.any(Object) });
    const reference = await caller(admin).tokens.list({
      page_params: { page_size: 25, page_number: 1, first_request_timestamp: snapshot },
    });
    expect(p2.tokens.map((t) => t.token_id)).toEqual(reference.tokens.slice(5, 10).map((t) => t.token_id));
    expect(p5.tokens.map((t) => t.token_id)).toEqual(reference.tokens.slice(20, 25).map((t) => t.token_id));
    pageSpy.mockClear();
    const beyond = await caller(admin).tokens.list({ page_params: { page_size: 5, page_number: 1000, first_request_timestamp: snapshot } });
    expect(beyond.tokens).toEqual([]);
    expect(beyond.pagination_info.total_elements).toBe(p2.pagination_info.total_elements);
    expect(pageSpy).not.toHaveBeenCalled();
  });

  it('keeps the deeper cursors of a walk when its page 1 is asked again', async () => {
    const { deps, caller, admin, snapshot } = await seededSnapshot(40);
    const page = (n: number) => caller(admin).tokens.list({ page_params: { page_size: 5, page_number: n, first_request_timestamp: snapshot } });
    for (let n = 1; n <= 4; n++) await page(n);
    const again = await page(1);
    const pageSpy = vi.spyOn(deps.tokens, 'page');
    const p5 = await page(5);
    // Page 5 still seeks from page 4's cursor: asking for page 1 again did not reset the walk.
    expect(pageSpy.mock.calls[0]![1]).toMatchObject({ offset: 0, after: expect.any(Object) });
    const reference = await caller(admin).tokens.list({ page_params: { page_size: 25, first_request_timestamp: snapshot } });
    expect(again.tokens.map((t) => t.token_id)).toEqual(reference.tokens.slice(0, 5).map((t) => t.token_id));
    expect(p5.tokens.map((t) => t.token_id)).toEqual(reference.tokens.slice(20, 25).map((t) => t.token_id));
  });

  it('does not cache a snapshot in the future, whose set can still grow', async () => {
    const { clock, token, caller, counts } = await setup();
    const admin = await token();
    const future = parseTimestamp(formatMicros(clock.nowMicros() + 3600 * SECOND));
    const before = await caller(admin).tokens.list({ page_params: { first_request_timestamp: future } });
    await token();
    const after = await caller(admin).tokens.list({ page_params: { first_request_timestamp: future } });
    expect(after.pagination_info.total_elements).toBe(before.pagination_info.total_elements + 1);
    expect(counts()).toBe(2);
  });

  it('uses the request time as snapshot when none is given, and returns it', async () => {
    const { caller, token, clock } = await setup();
    const admin = await token();
    clock.set(START + 10 * SECOND + 123_456);
    const res = await caller(admin).tokens.list();
    expect(res.pagination_info.first_request_timestamp).toBe(formatMicros(START + 10 * SECOND + 123_456 + 1));
  });

  it('takes a new snapshot with the authentication (one store call for both), and no snapshot for a request that names one', async () => {
    const { deps, entity, token, caller, calls, bounds } = await setup();
    const api = caller(await token());
    await seedPast(deps, entity.entity_pk, 3);
    const asked = async (call: () => Promise<unknown>) => {
      calls.length = 0;
      await call();
      return [...calls];
    };
    // A new walk: the lookup takes the bound, and the answer is at that bound.
    let first: Awaited<ReturnType<typeof api.tokens.list>> | undefined;
    expect(await asked(async () => (first = await api.tokens.list({ page_params: { page_size: 2 } })))).toEqual(['findByHashWithSnapshot']);
    expect(first!.pagination_info.first_request_timestamp).toBe(formatMicros(bounds.at(-1)!));
    expect(first!.tokens).toHaveLength(2);
    // Its next pages, by snapshot or by page token, and any other operation: a lookup alone.
    const snapshot = parseTimestamp(first!.pagination_info.first_request_timestamp);
    expect(await asked(() => api.tokens.list({ page_params: { page_size: 2, page_number: 2, first_request_timestamp: snapshot } }))).toEqual([
      'findByHash',
    ]);
    expect(await asked(() => api.tokens.list({ page_params: { page_size: 2 }, page_token: first!.pagination_info.next_page_token! }))).toEqual([
      'findByHash',
    ]);
    expect(await asked(() => api.tokens.get({ token_id: first!.tokens[0]!.token_id }))).toEqual(['findByHash']);
    // The summary at a new snapshot likewise.
    let summary: { first_request_timestamp: string } | undefined;
    expect(await asked(async () => (summary = await api.tokens.summary()))).toEqual(['findByHashWithSnapshot']);
    expect(summary!.first_request_timestamp).toBe(formatMicros(bounds.at(-1)!));
    expect(await asked(() => api.tokens.summary({ first_request_timestamp: snapshot }))).toEqual(['findByHash']);
  });

  it('applies the user-token rules: own tokens only, 403 for another user, admin roles see all', async () => {
    const { deps, entity, token, caller } = await setup();
    const alice = randomUUID();
    const bob = randomUUID();
    await seedPast(deps, entity.entity_pk, 4, alice);
    await seedPast(deps, entity.entity_pk, 6, bob);
    const aliceToken = await token({ grantFlow: 'GRANT_FLOW_PASSWORD', userId: alice, roles: ['TELLER'], scopes: ['iam.oauth.tokens.*'] });
    const own = await caller(aliceToken).tokens.list();
    expect(own.tokens.every((t) => t.user_id === alice)).toBe(true);
    expect(own.pagination_info.total_elements).toBe(5);
    await expect(caller(aliceToken).tokens.list({ user_id: bob })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const bobsId = (await caller(await token()).tokens.list({ user_id: bob })).tokens[0]!.token_id;
    await expect(caller(aliceToken).tokens.get({ token_id: bobsId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const auditor = await token({ grantFlow: 'GRANT_FLOW_LOGIN', userId: alice, roles: ['AUDITOR'], scopes: ['*'] });
    expect((await caller(auditor).tokens.list({ user_id: bob })).pagination_info.total_elements).toBe(6);
  });

  it('honours configured admin roles', async () => {
    // The store's own clock and the api's system clock (no fake clock to share).
    const deps = createDeps(await testStore({}), { config: { adminRoles: ['SECURITY'] } });
    const entity = await bootstrapEntity(deps, 'Acme');
    const mint = async (roles: string[]) =>
      (
        await mintToken(deps, {
          entityPk: entity.entity_pk,
          clientId: 'c',
          userId: randomUUID(),
          accountId: null,
          grantFlow: 'GRANT_FLOW_PASSWORD',
          roles,
          scopes: ['*'],
          lifetimeSeconds: 60,
        })
      ).accessToken;
    const call = (t: string) => createCaller(createContext(deps, { authorization: `Bearer ${t}` }));
    await expect(call(await mint(['AUDITOR'])).tokens.list({ user_id: randomUUID() })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await call(await mint(['SECURITY'])).tokens.list({ user_id: randomUUID() })).tokens).toEqual([]);
  });

  it('revokes once: the token stops authenticating at once and a repeat is 409', async () => {
    const { token, caller } = await setup();
    const admin = await token();
    const victim = await token({ scopes: ['iam.oauth.tokens.list.get'] });
    const victimId = (await caller(victim).tokens.list({ page_params: { page_size: 1 } })).tokens[0]!.token_id;
    expect(await caller(admin).tokens.revoke({ token_id: victimId })).toEqual({});
    await expect(caller(victim).tokens.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(caller(admin).tokens.revoke({ token_id: victimId })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(caller(admin).tokens.revoke({ token_id: randomUUID(), body: { token_id: randomUUID() } })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('records last use at most once per granularity', async () => {
    const { deps, clock, token, caller } = await setup();
    const admin = await token();
    await caller(admin).tokens.list();
    const id = (await caller(admin).tokens.list({ order_params: { order_key: 'last_used_at' } })).tokens[0]!;
    expect(id.last_used_at).not.toBeNull();
    const firstUse = id.last_used_at;
    clock.advance(30 * SECOND);
    await caller(admin).tokens.list();
    expect((await caller(admin).tokens.get({ token_id: id.token_id })).last_used_at).toBe(firstUse);
    clock.advance(31 * SECOND);
    await caller(admin).tokens.list();
    expect((await caller(admin).tokens.get({ token_id: id.token_id })).last_used_at).not.toBe(firstUse);
    expect(deps.config.lastUsedGranularitySeconds).toBe(60);
  });
});
