import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { IntrospectionResponse, SCOPES } from '@tokenwarden/contracts';
import { openTestStore, type TestStore } from '@tokenwarden/db/testing/test-store';

// The one revocation path: counted, to show both revoke operations go through it.
vi.mock('../src/services/revocation.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/services/revocation.js')>();
  return { revokeVisibleToken: vi.fn(actual.revokeVisibleToken) };
});

import {
  bootstrapEntity,
  createCaller,
  createContext,
  createDeps,
  describeError,
  manualClock,
  mintToken,
  operatorEvent,
  type Deps,
  type MintSpec,
} from '../src/index.js';
import { revokeVisibleToken } from '../src/services/revocation.js';

const SECOND = 1_000_000;
const START = Date.UTC(2026, 2, 1) * 1000;

let db: TestStore;
let deps: Deps;
let clock: ReturnType<typeof manualClock>;
let entityA: number;
let entityB: number;
let clientA: string;
const USER = randomUUID();
const OTHER_USER = randomUUID();

const as = (token: string) => createCaller(createContext(deps, { authorization: `Bearer ${token}` }));

async function mint(entityPk: number, spec: Partial<MintSpec> = {}) {
  return mintToken(deps, {
    entityPk,
    clientId: entityPk === entityA ? clientA : 'client-b',
    userId: null,
    accountId: null,
    grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS',
    roles: [],
    scopes: ['*'],
    lifetimeSeconds: 3600,
    ...spec,
  });
}

const userToken = (entityPk: number, userId: string, roles: string[] = ['TELLER']) =>
  mint(entityPk, { grantFlow: 'GRANT_FLOW_LOGIN', userId, roles, scopes: ['iam.oauth.*'] });

async function rejection(p: Promise<unknown>) {
  try {
    await p;
  } catch (error) {
    return describeError(error, 'en');
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  clock = manualClock(START);
  db = await openTestStore({ clock, memory: true });
  deps = createDeps(db.store, { clock });
  const a = await bootstrapEntity(deps, 'A');
  entityA = a.entity_pk;
  clientA = a.client_id;
  entityB = (await bootstrapEntity(deps, 'B')).entity_pk;
});
afterAll(async () => {
  await db?.cleanup();
});
beforeEach(() => {
  vi.mocked(revokeVisibleToken).mockClear();
});

describe('introspection', () => {
  it('describes an active token of the entity with the RFC 7662 claims and the token fields', async () => {
    const admin = (await mint(entityA)).accessToken;
    const account = randomUUID();
    const subject = await mint(entityA, {
      grantFlow: 'GRANT_FLOW_PASSWORD',
      userId: USER,
      accountId: account,
      roles: ['TELLER', 'AUDITOR'],
      scopes: ['payments.create', 'iam.oauth.tokens.get'],
    });
    const res = IntrospectionResponse.parse(await as(admin).oauth.introspect({ token: subject.accessToken }));
    expect(res).toEqual({
      active: true,
      scope: 'payments.create iam.oauth.tokens.get',
      client_id: clientA,
      token_type: 'Bearer',
      exp: Math.floor(subject.record.expiresAt / SECOND),
      iat: Math.floor(subject.record.createdAt / SECOND),
      sub: USER,
      jti: subject.record.tokenId,
      token_id: subject.record.tokenId,
      grant_flow: 'GRANT_FLOW_PASSWORD',
      roles: ['TELLER', 'AUDITOR'],
      account_id: account,
      user_id: USER,
    });
    expect(res.active && res.exp - res.iat).toBe(3600);
    // A client token's subject is its client.
    const cc = await as(admin).oauth.introspect({ token: admin });
    expect(cc).toMatchObject({ active: true, sub: clientA, user_id: null, account_id: null });
  });

  it('answers exactly {active: false} for unknown, malformed, expired, revoked and foreign tokens', async () => {
    const admin = (await mint(entityA)).accessToken;
    const foreign = (await mint(entityB)).accessToken;
    const revoked = await mint(entityA);
    await deps.tokens.revoke(entityA, revoked.record.tokenId, operatorEvent());
    const expiring = await mint(entityA, { lifetimeSeconds: 60 });
    clock.advance(61 * SECOND);
    const fresh = (await mint(entityA)).accessToken;
    // One character changed (never to itself: one token in 62 ends in 0).
    const altered = `${fresh.slice(0, -1)}${fresh.endsWith('0') ? '1' : '0'}`;
    for (const token of [foreign, revoked.accessToken, expiring.accessToken, altered, 'x', 'twat_nope', randomUUID()]) {
      expect(await as(admin).oauth.introspect({ token })).toEqual({ active: false });
    }
  });

  it('lets a user token without an admin role see only its own user’s tokens', async () => {
    const mine = (await userToken(entityA, USER)).accessToken;
    const myOther = (await userToken(entityA, USER)).accessToken;
    const theirs = (await userToken(entityA, OTHER_USER)).accessToken;
    const client = (await mint(entityA)).accessToken;
    expect(await as(mine).oauth.introspect({ token: myOther })).toMatchObject({ active: true, user_id: USER });
    expect(await as(mine).oauth.introspect({ token: theirs })).toEqual({ active: false });
    expect(await as(mine).oauth.introspect({ token: client })).toEqual({ active: false });
    // An admin role sees the whole entity.
    const auditor = (await userToken(entityA, USER, ['AUDITOR'])).accessToken;
    expect(await as(auditor).oauth.introspect({ token: theirs })).toMatchObject({ active: true, user_id: OTHER_USER });
  });

  it('needs the introspect scope, which iam.oauth.* grants', async () => {
    const without = (await mint(entityA, { scopes: [SCOPES.get, SCOPES.list, SCOPES.revoke] })).accessToken;
    const err = await rejection(as(without).oauth.introspect({ token: without }));
    expect(err.httpStatus).toBe(401);
    expect(err.wwwAuthenticate).toContain(`scope="${SCOPES.introspect}"`);
    // A bearer token's 401 is RFC 6750's: no OAuth error code in the body.
    expect(err.body).not.toHaveProperty('error');
    const narrow = (await mint(entityA, { scopes: ['iam.oauth.*'] })).accessToken;
    expect(await as(narrow).oauth.introspect({ token: narrow })).toMatchObject({ active: true });
  });

  it('is no use of the token: its last_used_at stays as it was', async () => {
    const admin = (await mint(entityA)).accessToken;
    const subject = await mint(entityA);
    await as(admin).oauth.introspect({ token: subject.accessToken });
    expect((await deps.tokens.get(entityA, subject.record.tokenId))?.lastUsedAt).toBeNull();
  });

  it('looks a token up within the caller’s entity only, and a malformed one nowhere', async () => {
    const admin = (await mint(entityA)).accessToken;
    const foreign = (await mint(entityB)).accessToken;
    const byHash = vi.spyOn(deps.tokens, 'getByHash');
    try {
      await as(admin).oauth.introspect({ token: foreign });
      expect(byHash.mock.calls.map((c) => c[0])).toEqual([entityA]);
      byHash.mockClear();
      await as(admin).oauth.introspect({ token: `${admin.slice(0, -1)}${admin.endsWith('0') ? '1' : '0'}` });
      await as(admin).oauth.introspect({ token: 'not a token' });
      expect(byHash).not.toHaveBeenCalled();
    } finally {
      byHash.mockRestore();
    }
  });

  it('names a missing token: 400 invalid_request', async () => {
    const admin = (await mint(entityA)).accessToken;
    for (const input of [{}, { token: '' }, { token: 5 }]) {
      const err = await rejection(as(admin).oauth.introspect(input as never));
      expect(err.httpStatus).toBe(400);
      expect(err.body.details.map((d) => d.field)).toEqual(['token']);
      expect(err.body.error).toBe('invalid_request');
    }
  });
});

describe('revocation by value (RFC 7009) and by id: one path', () => {
  it('both operations revoke through revokeVisibleToken', async () => {
    const admin = (await mint(entityA)).accessToken;
    const byValue = await mint(entityA);
    const byId = await mint(entityA);
    expect(await as(admin).oauth.revoke({ token: byValue.accessToken })).toEqual({});
    expect(await as(admin).tokens.revoke({ token_id: byId.record.tokenId })).toEqual({});
    expect(vi.mocked(revokeVisibleToken)).toHaveBeenCalledTimes(2);
    const outcomes = await Promise.all(vi.mocked(revokeVisibleToken).mock.results.map((r) => r.value));
    expect(outcomes).toEqual(['revoked', 'revoked']);
    for (const t of [byValue, byId]) expect((await deps.tokens.get(entityA, t.record.tokenId))?.revokedAt).not.toBeNull();
  });

  it('answers {} for unknown, malformed, already revoked and foreign tokens, and touches none of them', async () => {
    const admin = (await mint(entityA)).accessToken;
    const foreign = await mint(entityB);
    const theirs = await userToken(entityA, OTHER_USER);
    const mine = (await userToken(entityA, USER)).accessToken;
    const revoked = await mint(entityA);
    expect(await as(admin).oauth.revoke({ token: revoked.accessToken })).toEqual({});
    for (const token of [foreign.accessToken, revoked.accessToken, 'x', `${admin}x`]) {
      expect(await as(admin).oauth.revoke({ token })).toEqual({});
    }
    // Another user's token, by a user token without an admin role.
    expect(await as(mine).oauth.revoke({ token: theirs.accessToken })).toEqual({});
    expect((await deps.tokens.get(entityB, foreign.record.tokenId))?.revokedAt).toBeNull();
    expect((await deps.tokens.get(entityA, theirs.record.tokenId))?.revokedAt).toBeNull();
  });
});
