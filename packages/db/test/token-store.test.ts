import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GRANT_FLOWS, ORDER_DIRECTIONS, ORDER_KEYS } from '@tokenwarden/contracts';
import {
  DuplicateKeyError,
  grantFlowCode,
  grantFlowOf,
  manualClock,
  sortValue,
  type EventSpec,
  type HistoricalToken,
  type PageQuery,
  type TokenFilters,
  type TokenRecord,
  type TokenStore,
} from '@tokenwarden/db';
import { insertOne, newSpec, newToken, recordOf, rejection, rng, setup, sha256, type Harness, NO_ORIGIN, issueEvent, revocation } from './helpers.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const SECOND = 1_000_000;
const T0 = 1_700_000_000 * SECOND;

const everything = (over: Partial<PageQuery> = {}): PageQuery => ({
  filters: {},
  snapshot: MAX_SAFE,
  orderKey: 'token_id',
  direction: 'ASC',
  limit: 1000,
  offset: 0,
  ...over,
});

describe('grant flow codes', () => {
  it('stores grant flows as their 1-based protobuf numbers, and back', () => {
    expect(GRANT_FLOWS.map(grantFlowCode)).toEqual([1, 2, 3, 4]);
    for (const flow of GRANT_FLOWS) expect(grantFlowOf(grantFlowCode(flow))).toBe(flow);
    expect(() => grantFlowOf(0)).toThrow();
    expect(() => grantFlowOf(5)).toThrow();
  });
});

describe('insertHistorical / get / findByHash', () => {
  it('round-trips every field, with null user/account/last use', async () => {
    const { tokens, entity } = await setup();
    const e = (await entity('E')).pk;
    const t = newToken(e, { roles: ['ENTITY_ADMIN', 'AUDITOR'], scopes: ['*'], grantFlow: 'GRANT_FLOW_ENTITY_SETUP' });
    const got = await insertOne(tokens, t);
    expect(got).toEqual(recordOf(t, got.pk));
    const u = newToken(e, { userId: randomUUID(), accountId: randomUUID(), grantFlow: 'GRANT_FLOW_PASSWORD', createdAt: -5, expiresAt: MAX_SAFE });
    const gotU = await insertOne(tokens, u);
    expect(gotU).toEqual(recordOf(u, gotU.pk));
  });

  it('keeps the history it is given: revocation and last use', async () => {
    const { tokens, entity } = await setup();
    const e = (await entity('E')).pk;
    const t = newToken(e, { revokedAt: T0 + 5, lastUsedAt: T0 + 3, roles: ['R'] });
    const got = await insertOne(tokens, t);
    expect(got).toEqual(recordOf(t, got.pk));
    expect(got.revokedAt).toBe(T0 + 5);
    expect(got.lastUsedAt).toBe(T0 + 3);
    expect(await tokens.revoke(e, t.tokenId, revocation())).toBe('already_revoked');
    expect(await tokens.touchLastUsed(e, got.pk, T0 + 2, 0, NO_ORIGIN)).toBe(false);
  });

  it('finds a token by the hash of its raw value, in whichever entity, and nothing else', async () => {
    const { tokens, entity } = await setup();
    const a = (await entity('A')).pk;
    const b = (await entity('B')).pk;
    const rawA = `tw_${randomBytes(24).toString('base64url')}`;
    const rawB = `tw_${randomBytes(24).toString('base64url')}`;
    const ta = newToken(a, { tokenHash: sha256(rawA) });
    const tb = newToken(b, { tokenHash: sha256(rawB) });
    await tokens.insertHistorical([ta, tb]);
    expect((await tokens.findByHash(sha256(rawA)))?.tokenId).toBe(ta.tokenId);
    expect((await tokens.findByHash(sha256(rawB)))?.entityPk).toBe(b);
    expect(await tokens.findByHash(sha256(`${rawA}x`))).toBeUndefined();
    expect(await tokens.findByHash(Buffer.from(rawA))).toBeUndefined();
    expect(await tokens.findByHash(Buffer.alloc(0))).toBeUndefined();
    const rec = (await tokens.findByHash(sha256(rawA))) as TokenRecord;
    expect(Object.keys(rec)).not.toContain('tokenHash');
    expect(JSON.stringify(rec)).not.toContain(rawA);
    expect(JSON.stringify(rec)).not.toContain(sha256(rawA).toString('hex'));
  });

  it('finds a token by its hash within its own entity only (getByHash)', async () => {
    const { tokens, entity } = await setup();
    const a = (await entity('A')).pk;
    const b = (await entity('B')).pk;
    const rawA = `tw_${randomBytes(24).toString('base64url')}`;
    const ta = newToken(a, { tokenHash: sha256(rawA), roles: ['R'], scopes: ['s.*'] });
    await tokens.insertHistorical([ta]);
    const found = await tokens.getByHash(a, sha256(rawA));
    expect(found).toEqual(await tokens.get(a, ta.tokenId));
    expect(found?.roles).toEqual(['R']);
    // The same hash asked for by another entity, or by an entity that does not exist: nothing.
    expect(await tokens.getByHash(b, sha256(rawA))).toBeUndefined();
    expect(await tokens.getByHash(a + b + 1000, sha256(rawA))).toBeUndefined();
    expect(await tokens.getByHash(a, sha256(`${rawA}x`))).toBeUndefined();
    expect(await tokens.getByHash(a, Buffer.alloc(0))).toBeUndefined();
  });

  it('answers undefined for an unknown or malformed token id', async () => {
    const { tokens, entity } = await setup();
    const e = (await entity('E')).pk;
    await insertOne(tokens, newToken(e));
    expect(await tokens.get(e, randomUUID())).toBeUndefined();
    expect(await tokens.get(e, '')).toBeUndefined();
    expect(await tokens.get(e, 'not-a-uuid')).toBeUndefined();
  });

  it('inserts a batch atomically: a duplicate token_id or hash inserts nothing', async () => {
    const { tokens, entity } = await setup();
    const e = (await entity('E')).pk;
    const first = newToken(e, { roles: ['R'] });
    await tokens.insertHistorical([first]);
    const fresh = newToken(e, { roles: ['R'] });
    const dupId = await rejection(tokens.insertHistorical([fresh, newToken(e, { tokenId: first.tokenId })]));
    expect(dupId).toBeInstanceOf(DuplicateKeyError);
    expect((dupId as DuplicateKeyError).key).toBe('token_id');
    const dupHash = await rejection(tokens.insertHistorical([fresh, newToken(e, { tokenHash: first.tokenHash })]));
    expect(dupHash).toBeInstanceOf(DuplicateKeyError);
    expect((dupHash as DuplicateKeyError).key).toBe('token_hash');
    expect(await tokens.get(e, fresh.tokenId)).toBeUndefined();
    expect(await tokens.count(e, {}, MAX_SAFE)).toBe(1);
    expect(await tokens.count(e, { role: 'R' }, MAX_SAFE)).toBe(1);
  });

  it('refuses a token of an entity that does not exist (foreign keys are on)', async () => {
    const { tokens } = await setup();
    await expect(tokens.insertHistorical([newToken(12345)])).rejects.toThrow(/FOREIGN KEY/i);
  });

  it('counts a token once per role filter even when a role is repeated', async () => {
    const { tokens, entity } = await setup();
    const e = (await entity('E')).pk;
    const t = newToken(e, { roles: ['AUDITOR', 'AUDITOR', 'READER'] });
    await tokens.insertHistorical([t]);
    expect(await tokens.count(e, { role: 'AUDITOR' }, MAX_SAFE)).toBe(1);
    for (const orderKey of ORDER_KEYS) {
      const page = await tokens.page(e, { filters: { role: 'AUDITOR' }, snapshot: MAX_SAFE, orderKey, direction: 'DESC', limit: 10, offset: 0 });
      expect(page.map((x) => x.tokenId)).toEqual([t.tokenId]);
      expect(page[0]?.roles).toEqual(['AUDITOR', 'AUDITOR', 'READER']);
    }
  });

  it('inserting an empty batch is a no-op', async () => {
    const { tokens, entity } = await setup();
    const e = (await entity('E')).pk;
    await tokens.insertHistorical([]);
    expect(await tokens.count(e, {}, MAX_SAFE)).toBe(0);
  });
});

describe('issue', () => {
  it("stamps created_at from the store's clock and expires_at = created_at + lifetime, and resolves the stored record", async () => {
    const clock = manualClock(T0);
    const { tokens, entity } = await setup({ clock });
    const e = (await entity('E')).pk;
    const spec = newSpec(e, { roles: ['AUDITOR', 'AUDITOR', 'READER'], scopes: ['iam.oauth.*'], lifetimeMicros: 600 * SECOND });
    const rec = await tokens.issue(spec, issueEvent());
    expect(rec.createdAt).toBe(T0);
    expect(rec.expiresAt).toBe(T0 + 600 * SECOND);
    expect(rec).toEqual({
      pk: rec.pk,
      entityPk: e,
      tokenId: spec.tokenId,
      clientId: spec.clientId,
      userId: null,
      accountId: null,
      grantFlow: spec.grantFlow,
      roles: ['AUDITOR', 'AUDITOR', 'READER'],
      scopes: ['iam.oauth.*'],
      createdAt: T0,
      expiresAt: T0 + 600 * SECOND,
      revokedAt: null,
      revokedBy: null,
      revokeReason: null,
      lastUsedAt: null,
      lastUsedIp: null,
      lastUsedUserAgent: null,
    });
    expect(Object.keys(rec)).not.toContain('tokenHash');
    expect(Object.keys(rec)).not.toContain('lifetimeMicros');
    expect(Object.isFrozen(rec.roles) && Object.isFrozen(rec.scopes)).toBe(true);
    expect(await tokens.get(e, spec.tokenId)).toEqual(rec);
    expect(await tokens.findByHash(spec.tokenHash)).toEqual(rec);
    // counted once per role, in the role index too
    expect(await tokens.count(e, { role: 'AUDITOR' }, MAX_SAFE)).toBe(1);
    expect((await tokens.page(e, everything({ filters: { role: 'READER' }, orderKey: 'created_at' }))).map((t) => t.tokenId)).toEqual([spec.tokenId]);
  });

  it('keeps user and account, and reads successive creation times strictly increasing', async () => {
    const clock = manualClock(T0);
    const { tokens, entity } = await setup({ clock });
    const e = (await entity('E')).pk;
    const user = randomUUID();
    const account = randomUUID();
    const a = await tokens.issue(newSpec(e, { userId: user, accountId: account, grantFlow: 'GRANT_FLOW_PASSWORD' }), issueEvent());
    const b = await tokens.issue(newSpec(e, { userId: user }), issueEvent());
    clock.advance(10 * SECOND);
    const c = await tokens.issue(newSpec(e), issueEvent());
    expect([a.userId, a.accountId, a.grantFlow]).toEqual([user, account, 'GRANT_FLOW_PASSWORD']);
    expect([b.userId, b.accountId]).toEqual([user, null]);
    expect(a.createdAt).toBeLessThan(b.createdAt);
    expect(c.createdAt).toBeGreaterThanOrEqual(b.createdAt + 10 * SECOND);
    expect(await tokens.get(e, a.tokenId)).toEqual(a);
    expect(await tokens.count(e, { userId: user }, MAX_SAFE)).toBe(2);
    expect(await tokens.count(e, { accountId: account }, MAX_SAFE)).toBe(1);
  });

  it('a snapshot contains every token issued before it and none issued after it', async () => {
    const { tokens, entity } = await setup();
    const e = (await entity('E')).pk;
    const other = (await entity('F')).pk;
    const before: TokenRecord[] = [];
    for (let i = 0; i < 5; i++) before.push(await tokens.issue(newSpec(i % 2 ? other : e, { roles: ['R'] }), issueEvent()));
    const bound = await tokens.snapshot(e);
    const after = await tokens.issue(newSpec(e, { roles: ['R'] }), issueEvent());
    const own = before.filter((t) => t.entityPk === e);
    for (const t of own) expect(t.createdAt).toBeLessThanOrEqual(bound);
    expect(after.createdAt).toBeGreaterThan(bound);
    for (const filters of [{}, { role: 'R' }]) {
      expect(await tokens.count(e, filters, bound)).toBe(own.length);
      const page = await tokens.page(e, everything({ filters, snapshot: bound, orderKey: 'created_at', direction: 'DESC' }));
      expect(page.map((t) => t.tokenId)).toEqual(own.map((t) => t.tokenId).reverse());
      expect(await tokens.count(e, filters, MAX_SAFE)).toBe(own.length + 1);
    }
    expect(await tokens.isSettled(e, bound)).toBe(true);
    expect(await tokens.isSettled(e, before[0]!.createdAt)).toBe(true);
    // a bound of the future may still gain tokens
    expect(await tokens.isSettled(e, after.createdAt + 3_600 * SECOND)).toBe(false);
    expect(await tokens.isSettled(other, after.createdAt + 3_600 * SECOND)).toBe(false);
  });

  it('findByHashWithSnapshot: the token findByHash finds, and a bound of its entity as snapshot() takes one', async () => {
    const { tokens, entity } = await setup();
    const e = (await entity('E')).pk;
    const other = (await entity('F')).pk;
    const caller = await tokens.issue(newSpec(e, { roles: ['R'] }), issueEvent());
    const unknownHash = newSpec(e).tokenHash;
    const before = await tokens.issue(newSpec(e, { roles: ['R'] }), issueEvent());
    await tokens.issue(newSpec(other), issueEvent());
    const spec = newSpec(e);
    const authToken = await tokens.issue(spec, issueEvent());
    const found = await tokens.findByHashWithSnapshot(spec.tokenHash);
    expect(found?.token).toEqual(await tokens.findByHash(spec.tokenHash));
    expect(found?.token.tokenId).toBe(authToken.tokenId);
    const bound = found!.snapshot!;
    // every token of the entity issued before is at or before the bound, and visible at it
    for (const t of [caller, before, authToken]) expect(t.createdAt).toBeLessThanOrEqual(bound);
    const page = await tokens.page(e, everything({ snapshot: bound, orderKey: 'created_at', direction: 'ASC' }));
    expect(page.map((t) => t.tokenId)).toEqual([caller, before, authToken].map((t) => t.tokenId));
    expect(await tokens.isSettled(e, bound)).toBe(true);
    // a token issued after it is created after it
    const after = await tokens.issue(newSpec(e), issueEvent());
    expect(after.createdAt).toBeGreaterThan(bound);
    expect(await tokens.count(e, {}, bound)).toBe(3);
    // bounds only grow, whichever way they are taken
    const next = await tokens.snapshot(e);
    expect(next).toBeGreaterThan(bound);
    expect((await tokens.findByHashWithSnapshot(spec.tokenHash))!.snapshot).toBeGreaterThan(next);
    expect(await tokens.findByHashWithSnapshot(unknownHash)).toBeUndefined();
    expect(await tokens.findByHashWithSnapshot(Buffer.alloc(0))).toBeUndefined();
    // A revoked token is found, and takes no bound (its caller is refused).
    expect(await tokens.revoke(e, authToken.tokenId, revocation())).toBe('revoked');
    const refused = await tokens.findByHashWithSnapshot(spec.tokenHash);
    expect(refused?.token.revokedAt).not.toBeNull();
    expect(refused).not.toHaveProperty('snapshot');
  });

  it('takes snapshots from the injected clock too', async () => {
    const clock = manualClock(T0);
    const { tokens, entity } = await setup({ clock });
    const e = (await entity('E')).pk;
    const t = await tokens.issue(newSpec(e), issueEvent());
    const bound = await tokens.snapshot(e);
    expect(bound).toBeGreaterThan(t.createdAt);
    clock.set(T0 + 100 * SECOND);
    expect(await tokens.snapshot(e)).toBe(T0 + 100 * SECOND);
    clock.set(T0 + 150 * SECOND);
    const spec = newSpec(e);
    await tokens.issue(spec, issueEvent());
    clock.set(T0 + 160 * SECOND);
    expect((await tokens.findByHashWithSnapshot(spec.tokenHash))?.snapshot).toBe(T0 + 160 * SECOND);
    expect(await tokens.isSettled(e, bound)).toBe(true);
    expect(await tokens.isSettled(e, T0 + 200 * SECOND)).toBe(false);
  });

  it('rejects a duplicate token_id or hash with DuplicateKeyError, storing nothing', async () => {
    const { tokens, entity } = await setup();
    const e = (await entity('E')).pk;
    const first = await tokens.issue(newSpec(e, { roles: ['R'] }), issueEvent());
    const dupId = await rejection(tokens.issue(newSpec(e, { tokenId: first.tokenId, roles: ['R'] }), issueEvent()));
    expect(dupId).toBeInstanceOf(DuplicateKeyError);
    expect((dupId as DuplicateKeyError).key).toBe('token_id');
    expect(await tokens.page(e, everything())).toEqual([first]);
    const spec = newSpec(e, { roles: ['NEW'] });
    await tokens.issue(spec, issueEvent());
    const dupHash = await rejection(tokens.issue(newSpec(e, { tokenHash: spec.tokenHash, roles: ['OTHER'] }), issueEvent()));
    expect(dupHash).toBeInstanceOf(DuplicateKeyError);
    expect((dupHash as DuplicateKeyError).key).toBe('token_hash');
    expect(await tokens.count(e, {}, MAX_SAFE)).toBe(2);
    expect(await tokens.count(e, { role: 'R' }, MAX_SAFE)).toBe(1);
    expect(await tokens.count(e, { role: 'OTHER' }, MAX_SAFE)).toBe(0);
    expect(await tokens.get(e, first.tokenId)).toEqual(first);
  });

  it('refuses a token of an entity that does not exist', async () => {
    const { tokens } = await setup();
    await expect(tokens.issue(newSpec(12345), issueEvent())).rejects.toThrow(/FOREIGN KEY/i);
  });
});

describe('revoke', () => {
  it("answers revoked, then already_revoked, keeping the first revocation's time, actor and reason", async () => {
    const clock = manualClock(1000);
    const { tokens, entity } = await setup({ clock });
    const e = (await entity('E')).pk;
    const t = await insertOne(tokens, newToken(e));
    const first = revocation({ reason: 'leaked in a ticket' });
    expect(await tokens.revoke(e, t.tokenId, first)).toBe('revoked');
    expect(await tokens.get(e, t.tokenId)).toMatchObject({ revokedAt: 1000, revokedBy: first.actor.tokenId, revokeReason: 'leaked in a ticket' });
    clock.set(2000);
    expect(await tokens.revoke(e, t.tokenId, revocation({ reason: 'again' }))).toBe('already_revoked');
    expect(await tokens.get(e, t.tokenId)).toMatchObject({ revokedAt: 1000, revokedBy: first.actor.tokenId, revokeReason: 'leaked in a ticket' });
  });

  it('of concurrent revocations of one token exactly one answers revoked, and only its event is written', async () => {
    const { tokens, entity, store } = await setup();
    const e = (await entity('E')).pk;
    const t = await tokens.issue(newSpec(e), issueEvent());
    const events = Array.from({ length: 8 }, (_, i) => revocation({ reason: `r${i}` }));
    const outcomes = await Promise.all(events.map((ev) => tokens.revoke(e, t.tokenId, ev)));
    expect(outcomes.filter((o) => o === 'revoked')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'already_revoked')).toHaveLength(7);
    const winner = events[outcomes.indexOf('revoked')] as EventSpec;
    expect((await tokens.get(e, t.tokenId))?.revokeReason).toBe(winner.reason);
    const trail = await store.events.list(e, { tokenId: t.tokenId, limit: 100 });
    expect(trail.map((ev) => [ev.type, ev.eventId])).toEqual([
      ['TOKEN_REVOKED', winner.eventId],
      ['TOKEN_ISSUED', expect.any(String)],
    ]);
  });

  it('answers not_found for an unknown token id, writing no event', async () => {
    const { tokens, entity, store } = await setup();
    const e = (await entity('E')).pk;
    await insertOne(tokens, newToken(e));
    expect(await tokens.revoke(e, randomUUID(), revocation())).toBe('not_found');
    expect(await tokens.revoke(e, '', revocation())).toBe('not_found');
    expect(await store.events.list(e, { limit: 10 })).toEqual([]);
  });

  it("answers not_found for another entity's token, and leaves it untouched", async () => {
    const clock = manualClock(1000);
    const { tokens, entity, store } = await setup({ clock });
    const a = (await entity('A')).pk;
    const b = (await entity('B')).pk;
    const tb = await insertOne(tokens, newToken(b));
    expect(await tokens.revoke(a, tb.tokenId, revocation())).toBe('not_found');
    expect((await tokens.get(b, tb.tokenId))?.revokedAt).toBeNull();
    // even once revoked by its owner, the other entity still cannot tell it exists
    clock.set(1000);
    expect(await tokens.revoke(b, tb.tokenId, revocation())).toBe('revoked');
    expect(await tokens.revoke(a, tb.tokenId, revocation())).toBe('not_found');
    expect((await tokens.get(b, tb.tokenId))?.revokedAt).toBe(1000);
    // and its event is only in its own entity's trail
    expect(await store.events.list(a, { limit: 10 })).toEqual([]);
    expect((await store.events.list(b, { limit: 10 })).map((ev) => ev.type)).toEqual(['TOKEN_REVOKED']);
  });

  it('revokes only the named token', async () => {
    const clock = manualClock(7);
    const { tokens, entity } = await setup({ clock });
    const e = (await entity('E')).pk;
    const ts = Array.from({ length: 5 }, () => newToken(e));
    await tokens.insertHistorical(ts);
    clock.set(7);
    expect(await tokens.revoke(e, ts[2]?.tokenId ?? '', revocation())).toBe('revoked');
    const revokedAt = await Promise.all(ts.map(async (t) => (await tokens.get(e, t.tokenId))?.revokedAt ?? null));
    expect(revokedAt).toEqual([null, null, 7, null, null]);
  });

  it('is visible to findByHash at once', async () => {
    const clock = manualClock(42);
    const { tokens, entity } = await setup({ clock });
    const e = (await entity('E')).pk;
    const t = newToken(e);
    await tokens.insertHistorical([t]);
    clock.set(42);
    await tokens.revoke(e, t.tokenId, revocation());
    expect((await tokens.findByHash(t.tokenHash))?.revokedAt).toBe(42);
  });
});

describe('touchLastUsed', () => {
  it('writes at most once per coarseness window', async () => {
    const { tokens, entity } = await setup();
    const e = (await entity('E')).pk;
    const t = await insertOne(tokens, newToken(e));
    const c = 60 * SECOND;
    const t0 = T0;
    expect(await tokens.touchLastUsed(e, t.pk, t0, c, NO_ORIGIN)).toBe(true);
    expect((await tokens.get(e, t.tokenId))?.lastUsedAt).toBe(t0);
    expect(await tokens.touchLastUsed(e, t.pk, t0 + 1, c, NO_ORIGIN)).toBe(false);
    expect(await tokens.touchLastUsed(e, t.pk, t0 + c, c, NO_ORIGIN)).toBe(false); // exactly one window later: t0 < t0 is false
    expect((await tokens.get(e, t.tokenId))?.lastUsedAt).toBe(t0);
    expect(await tokens.touchLastUsed(e, t.pk, t0 + c + 1, c, NO_ORIGIN)).toBe(true);
    expect((await tokens.get(e, t.tokenId))?.lastUsedAt).toBe(t0 + c + 1);
  });

  it('never moves last use backwards', async () => {
    const { tokens, entity } = await setup();
    const e = (await entity('E')).pk;
    const t = await insertOne(tokens, newToken(e));
    expect(await tokens.touchLastUsed(e, t.pk, 5000, 0, NO_ORIGIN)).toBe(true);
    expect(await tokens.touchLastUsed(e, t.pk, 4000, 0, NO_ORIGIN)).toBe(false);
    expect(await tokens.touchLastUsed(e, t.pk, 5000, 0, NO_ORIGIN)).toBe(false);
    expect((await tokens.get(e, t.tokenId))?.lastUsedAt).toBe(5000);
  });

  it("does not touch another entity's token, nor an unknown pk", async () => {
    const { tokens, entity } = await setup();
    const a = (await entity('A')).pk;
    const b = (await entity('B')).pk;
    const tb = await insertOne(tokens, newToken(b));
    expect(await tokens.touchLastUsed(a, tb.pk, 1_000 * SECOND, 0, NO_ORIGIN)).toBe(false);
    expect((await tokens.get(b, tb.tokenId))?.lastUsedAt).toBeNull();
    expect(await tokens.touchLastUsed(b, tb.pk + 1000, 1_000 * SECOND, 0, NO_ORIGIN)).toBe(false);
    expect(await tokens.touchLastUsed(b, tb.pk, 1_000 * SECOND, 0, NO_ORIGIN)).toBe(true);
  });
});

describe('entity isolation', () => {
  /** Two entities whose tokens are interleaved and share user, account, role and grant values. */
  async function world() {
    const { tokens: store, entity } = await setup();
    const a = (await entity('A')).pk;
    const b = (await entity('B')).pk;
    const user = randomUUID();
    const account = randomUUID();
    const r = rng(3);
    const tokens: HistoricalToken[] = [];
    for (let i = 0; i < 200; i++) {
      tokens.push(
        newToken(i % 2 === 0 ? a : b, {
          userId: r.bool() ? user : null,
          accountId: r.bool() ? account : null,
          grantFlow: r.pick(GRANT_FLOWS),
          roles: r.bool() ? ['AUDITOR'] : ['ENTITY_ADMIN', 'AUDITOR'],
          createdAt: 1000 + (i % 10),
          expiresAt: 5000,
        }),
      );
    }
    await store.insertHistorical(tokens);
    return { store, a, b, user, account, tokens };
  }

  it('page never returns the other entity, for every order key, direction, filter and cursor', async () => {
    const { store, a, b, user, account, tokens } = await world();
    const filterSets = [
      {},
      { userId: user },
      { accountId: account },
      { role: 'AUDITOR' },
      { grantFlow: 'GRANT_FLOW_LOGIN' as const },
      { role: 'AUDITOR', userId: user },
    ];
    for (const entityPk of [a, b]) {
      const own = new Set(tokens.filter((t) => t.entityPk === entityPk).map((t) => t.tokenId));
      const other = recordOf(tokens.find((t) => t.entityPk !== entityPk) as HistoricalToken, 0);
      for (const filters of filterSets) {
        for (const orderKey of ORDER_KEYS) {
          for (const direction of ORDER_DIRECTIONS) {
            const page = await store.page(entityPk, { filters, snapshot: MAX_SAFE, orderKey, direction, limit: 100, offset: 0 });
            expect(page.length).toBeGreaterThan(0);
            for (const rec of page) {
              expect(rec.entityPk).toBe(entityPk);
              expect(own.has(rec.tokenId)).toBe(true);
            }
            // a cursor taken from the other entity's rows still only yields own rows
            const after = { value: sortValue(other, orderKey), tokenId: other.tokenId };
            for (const rec of await store.page(entityPk, { filters, snapshot: MAX_SAFE, orderKey, direction, limit: 100, offset: 0, after })) {
              expect(rec.entityPk).toBe(entityPk);
            }
          }
        }
        expect(await store.count(entityPk, filters, MAX_SAFE)).toBeLessThanOrEqual(own.size);
      }
      expect(await store.count(entityPk, {}, MAX_SAFE)).toBe(own.size);
      expect(await store.count(entityPk, { role: 'AUDITOR' }, MAX_SAFE)).toBe(own.size);
    }
  });

  it('an entity without tokens sees none, even with filters matching the others', async () => {
    const { store, user } = await world();
    for (const orderKey of ORDER_KEYS) {
      for (const filters of [{}, { userId: user }, { role: 'AUDITOR' }]) {
        expect(await store.page(9999, { filters, snapshot: MAX_SAFE, orderKey, direction: 'ASC', limit: 100, offset: 0 })).toEqual([]);
        expect(await store.count(9999, filters, MAX_SAFE)).toBe(0);
      }
    }
  });

  it("get / revoke / touchLastUsed cannot reach the other entity's tokens", async () => {
    const { store, a, b, tokens } = await world();
    for (const t of tokens.slice(0, 40)) {
      const other = t.entityPk === a ? b : a;
      const own = (await store.get(t.entityPk, t.tokenId)) as TokenRecord;
      expect(own.tokenId).toBe(t.tokenId);
      expect(await store.get(other, t.tokenId)).toBeUndefined();
      expect(await store.revoke(other, t.tokenId, revocation())).toBe('not_found');
      expect(await store.touchLastUsed(other, own.pk, 10 * SECOND, 0, NO_ORIGIN)).toBe(false);
      expect(await store.get(t.entityPk, t.tokenId)).toEqual(own);
    }
  });
});

/** The columns of a table, and their declared types, as the backend describes them. */
async function columnsOf(h: Harness, table: string): Promise<{ name: string; type: string }[]> {
  if (h.backend === 'sqlite') return h.sql<{ name: string; type: string }>(`PRAGMA table_info(${table})`);
  return h.sql<{ name: string; type: string }>(
    'SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?',
    [table],
  );
}

/** Every table of the product (and the migrations' own), as `FROM` can name them. */
async function tablesOf(h: Harness): Promise<string[]> {
  if (h.backend === 'sqlite') {
    return (await h.sql<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")).map((t) => `"${t.name}"`);
  }
  const rows = await h.sql<{ schema: string; name: string }>(
    "SELECT table_schema AS schema, table_name AS name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')",
  );
  return rows.map((t) => `"${t.schema}"."${t.name}"`);
}

describe('tokens table holds no raw token', () => {
  it('has exactly the expected columns, of which token_hash is the only secret', async () => {
    const h = await setup();
    const cols = await columnsOf(h, 'tokens');
    expect(cols.map((c) => c.name).sort()).toEqual(
      [
        'pk',
        'entity_pk',
        'token_id',
        'token_hash',
        'client_id',
        'user_id',
        'account_id',
        'revoked_by',
        'revoke_reason',
        'last_used_ip',
        'last_used_user_agent',
        'grant_flow',
        'grant_set_pk',
        'created_at',
        'expires_at',
        'revoked_at',
        'last_used_at',
      ].sort(),
    );
    const secretish = cols.filter((c) => /token|secret|raw|access|password|hash|value/i.test(c.name)).map((c) => c.name);
    expect(secretish.sort()).toEqual(['token_hash', 'token_id']);
    expect(cols.find((c) => c.name === 'token_hash')?.type.toLowerCase()).toBe(h.backend === 'sqlite' ? 'blob' : 'bytea');
    const roleCols = await columnsOf(h, 'token_roles');
    expect(roleCols.map((c) => c.name).sort()).toEqual(['created_at', 'entity_pk', 'role', 'token_id', 'token_pk']);
    const setCols = await columnsOf(h, 'grant_sets');
    expect(setCols.map((c) => c.name).sort()).toEqual(['entity_pk', 'pk', 'roles', 'scopes']);
  });

  it('stores the SHA-256 of the raw token and the raw value appears in no cell of any table', async () => {
    const h = await setup();
    const e = (await h.entity('E')).pk;
    const raws = Array.from({ length: 5 }, () => `tw_${randomBytes(32).toString('base64url')}`);
    await h.tokens.insertHistorical(raws.slice(0, 3).map((raw) => newToken(e, { tokenHash: sha256(raw), roles: ['AUDITOR'] })));
    for (const raw of raws.slice(3)) await h.tokens.issue(newSpec(e, { tokenHash: sha256(raw), roles: ['AUDITOR'] }), issueEvent());
    const hashes = await h.sql<{ token_hash: Buffer }>('SELECT token_hash FROM tokens');
    expect(hashes.map((x) => x.token_hash.toString('hex')).sort()).toEqual(raws.map((raw) => sha256(raw).toString('hex')).sort());
    for (const x of hashes) expect(x.token_hash.length).toBe(32);
    const tables = await tablesOf(h);
    expect(tables.length).toBeGreaterThan(5);
    for (const name of tables) {
      for (const row of await h.sql(`SELECT * FROM ${name}`)) {
        for (const cell of Object.values(row)) {
          const text = Buffer.isBuffer(cell) ? cell.toString('latin1') : String(cell);
          for (const raw of raws) expect(text.includes(raw), `${name} holds a raw token`).toBe(false);
        }
      }
    }
  });
});

describe('cursors past the snapshot', () => {
  it('never let a page show tokens created after the snapshot, in any order', async () => {
    const { tokens, entity } = await setup();
    const e = (await entity('E')).pk;
    const older = newToken(e, { createdAt: 100, roles: ['A'] });
    const newer = newToken(e, { createdAt: 200, roles: ['A'] });
    await tokens.insertHistorical([older, newer]);
    for (const filters of [{}, { role: 'A' }]) {
      for (const direction of ['DESC', 'ORDER_DIRECTION_ENUM_UNSPECIFIED', 'ASC'] as const) {
        const page = await tokens.page(e, {
          filters,
          snapshot: 150,
          orderKey: 'created_at',
          direction,
          limit: 10,
          offset: 0,
          after: { value: direction === 'ASC' ? 0 : 300, tokenId: randomUUID() },
        });
        expect(
          page.map((t) => t.tokenId),
          `${direction} ${JSON.stringify(filters)}`,
        ).toEqual([older.tokenId]);
      }
    }
  });
});

describe('grant sets', () => {
  const page = (store: TokenStore, e: number) => store.page(e, everything());
  const sets = (h: Harness) =>
    h.sql<{ entity_pk: number; roles: string; scopes: string }>('SELECT entity_pk, roles, scopes FROM grant_sets ORDER BY pk');

  it('stores each distinct (roles, scopes) pair once per entity, keeping list order', async () => {
    const h = await setup();
    const a = (await h.entity('A')).pk;
    const b = (await h.entity('B')).pk;
    const x = { roles: ['TELLER', 'AUDITOR'], scopes: ['iam.oauth.*'] };
    const y = { roles: ['AUDITOR', 'TELLER'], scopes: ['iam.oauth.*'] };
    await h.tokens.insertHistorical([newToken(a, x), newToken(a, x)]);
    await h.tokens.insertHistorical([newToken(a, x), newToken(a, y), newToken(b, x)]);
    // issuing reuses the sets too
    await h.tokens.issue(newSpec(a, y), issueEvent());
    await h.tokens.issue(newSpec(b, x), issueEvent());
    expect(await sets(h)).toEqual([
      { entity_pk: a, roles: '["TELLER","AUDITOR"]', scopes: '["iam.oauth.*"]' },
      { entity_pk: a, roles: '["AUDITOR","TELLER"]', scopes: '["iam.oauth.*"]' },
      { entity_pk: b, roles: '["TELLER","AUDITOR"]', scopes: '["iam.oauth.*"]' },
    ]);
    expect((await page(h.tokens, a)).map((t) => t.roles.join())).toEqual(expect.arrayContaining(['TELLER,AUDITOR', 'AUDITOR,TELLER']));
  });

  it('hands out one frozen list per set: records share it and nobody can change it', async () => {
    const { tokens, entity } = await setup();
    const e = (await entity('E')).pk;
    await tokens.insertHistorical([newToken(e, { roles: ['AUDITOR'] }), newToken(e, { roles: ['AUDITOR'] })]);
    const [first, second] = await page(tokens, e);
    expect(first!.roles).toBe(second!.roles);
    expect(Object.isFrozen(first!.roles) && Object.isFrozen(first!.scopes)).toBe(true);
    expect(() => (first!.roles as string[]).push('ADMIN')).toThrow(TypeError);
    expect((await page(tokens, e))[0]!.roles).toEqual(['AUDITOR']);
    expect(Object.isFrozen((await tokens.get(e, first!.tokenId))!.roles)).toBe(true);
  });

  it('resolves a set only for the entity that owns it', async () => {
    const h = await setup();
    const a = (await h.entity('A')).pk;
    const b = (await h.entity('B')).pk;
    const t = newToken(a, { roles: ['MINE'] });
    await h.tokens.insertHistorical([t]);
    expect(await page(h.tokens, a)).toHaveLength(1);
    // A token row of B pointing at A's set (never written by the store) is refused, not served.
    const [row] = await h.sql<{ grant_set_pk: number }>('SELECT grant_set_pk FROM tokens WHERE token_id = ?', [t.tokenId]);
    await h.tokens.insertHistorical([newToken(b, { roles: ['THEIRS'] })]);
    await h.sql('UPDATE tokens SET grant_set_pk = ? WHERE entity_pk = ?', [row!.grant_set_pk, b]);
    await expect(page(h.tokens, b)).rejects.toThrow(/grant set/);
  });
});

describe('prepared statements per filter shape', () => {
  it('stay bounded however many shapes callers combine, and every shape still answers right', async () => {
    const { tokens, entity, backend } = await setup();
    const e = (await entity('E')).pk;
    const user = randomUUID();
    const mine = [0, 1, 2].map((i) => newToken(e, { userId: user, grantFlow: 'GRANT_FLOW_PASSWORD', createdAt: T0 + i }));
    await tokens.insertHistorical([...mine, newToken(e, { createdAt: T0 + 5 })]);
    const want = mine.map((t) => t.tokenId).sort();
    // Eight optional filters, each present or not, that all of `mine` pass: 256 shapes per order.
    const optional: Partial<TokenFilters>[] = [
      { createdAfter: T0 - 1 },
      { createdBefore: T0 + 1000 * SECOND },
      { expiresAfter: 0 },
      { expiresBefore: MAX_SAFE },
      { statuses: ['ACTIVE', 'EXPIRED'] },
      { neverUsed: true },
      { grantFlow: 'GRANT_FLOW_PASSWORD' },
      { accountId: undefined, clientId: 'client-1' },
    ];
    let shapes = 0;
    for (const orderKey of ['created_at', 'token_id', 'expires_at'] as const) {
      for (let bits = 0; bits < 256; bits++) {
        const filters: TokenFilters = { userId: user };
        optional.forEach((f, i) => {
          if (bits & (1 << i)) Object.assign(filters, f);
        });
        const got = await tokens.page(e, everything({ filters, orderKey, snapshot: T0 + 10 * SECOND }));
        expect(got.map((t) => t.tokenId).sort(), `${orderKey} ${bits}`).toEqual(want);
        shapes += 1;
      }
    }
    expect(shapes).toBe(768);
    // What each adapter keeps: SQLite's prepared statements, PostgreSQL's named ones.
    const kept = tokens as unknown as { pageStatements?: { size: number }; named?: Set<string> };
    if (backend === 'sqlite') expect(kept.pageStatements?.size).toBeLessThanOrEqual(256);
    else expect(kept.named?.size).toBeLessThanOrEqual(256);
  });
});
