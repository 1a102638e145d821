import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { accessTokenFormat, IssueTokenResponse, OAUTH_DESCRIPTION_PATTERN, Token, type Lang } from '@tokenwarden/contracts';
import { openTestStore, type TestStore } from '@tokenwarden/db/testing/test-store';

// Wrap the verifiers so tests can see which runs (and against the decoy) for unknown names.
vi.mock('../src/token-secrets.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/token-secrets.js')>();
  return { ...actual, verifySecret: vi.fn(actual.verifySecret), verifyHmacSecret: vi.fn(actual.verifyHmacSecret) };
});

import {
  bootstrapEntity,
  createAccount,
  createApiClient,
  createCaller,
  createContext,
  createDeps,
  DECOY_HASH,
  describeError,
  intersectScopes,
  LOGIN_CLIENT_ID,
  manualClock,
  narrowScopes,
  verifyHmacSecret,
  verifySecret,
  type Deps,
} from '../src/index.js';
import { createUser } from '../src/services/directory.js';

const SECOND = 1_000_000;
const START = Date.UTC(2026, 0, 1) * 1000;

let db: TestStore;
let deps: Deps;
let clock: ReturnType<typeof manualClock>;
const logged: object[] = [];
const A = {
  client: { id: '', secret: '' },
  accounts: [] as string[],
  user: { id: '', username: 'ua-teller', password: 'ua-password-correct-horse' },
};
const B = { client: { id: '', secret: '' }, account: '', user: { username: 'ub-user', password: 'ub-password-battery' } };

const anon = (lang: Lang = 'en', authorization?: string) => createCaller(createContext(deps, { acceptLanguage: lang, authorization }));
const bearer = (token: string) => createCaller(createContext(deps, { authorization: `Bearer ${token}` }));

/** The error a promise rejects with, as a caller would see it. */
async function rejection(p: Promise<unknown>, lang: Lang = 'en') {
  try {
    await p;
  } catch (error) {
    return describeError(error, lang);
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  clock = manualClock(START);
  const log = { info: (o: object) => logged.push(o), warn: (o: object) => logged.push(o), error: (o: object) => logged.push(o) };
  // The same fake clock for the store (creation times, snapshots) and the api (expiry, last use).
  db = await openTestStore({ clock, memory: true });
  deps = createDeps(db.store, { clock, log });
  const a = await bootstrapEntity(deps, 'Entity A');
  const client = await createApiClient(deps, a.entity_pk, {
    name: 'service',
    roles: ['SERVICE'],
    scopes: ['iam.oauth.tokens.list.get', 'iam.oauth.tokens.get', 'payments.*'],
  });
  A.client = { id: client.client_id, secret: client.client_secret };
  A.accounts = [(await createAccount(deps, a.entity_pk, 'a1')).account_id, (await createAccount(deps, a.entity_pk, 'a2')).account_id];
  const user = await createUser(deps, a.entity_pk, {
    username: A.user.username,
    password: A.user.password,
    roles: ['TELLER'],
    scopes: ['iam.oauth.*', 'accounts.read'],
    accountIds: [A.accounts[0]!],
  });
  A.user.id = user.user_id;

  const b = await bootstrapEntity(deps, 'Entity B');
  B.client = { id: b.client_id, secret: b.client_secret };
  B.account = (await createAccount(deps, b.entity_pk, 'b1')).account_id;
  await createUser(deps, b.entity_pk, { ...B.user, roles: ['X'], scopes: ['*'], accountIds: [B.account] });
});

afterAll(async () => {
  await db?.cleanup();
});

beforeEach(() => {
  vi.mocked(verifySecret).mockClear();
  vi.mocked(verifyHmacSecret).mockClear();
});

/** The stored hashes the HMAC verifier was asked to check, in order. */
const hmacChecked = () => vi.mocked(verifyHmacSecret).mock.calls.map((c) => c[1]);

const cc = (extra: object = {}) =>
  anon().oauth.issueToken({ grant_type: 'client_credentials', client_id: A.client.id, client_secret: A.client.secret, ...extra });
const pw = (extra: object = {}) =>
  anon().oauth.issueToken({
    grant_type: 'password',
    client_id: A.client.id,
    client_secret: A.client.secret,
    username: A.user.username,
    password: A.user.password,
    ...extra,
  });
const login = (extra: object = {}) =>
  anon().oauth.issueToken({ grant_type: 'login', username: A.user.username, password: A.user.password, ...extra });

/** The issued token as the API lists it, fetched with the token itself. */
async function stored(res: IssueTokenResponse) {
  return Token.parse(await bearer(res.access_token).tokens.get({ token_id: res.token_id }));
}

describe('client_credentials', () => {
  it('issues a token carrying the client roles and scopes, with no user', async () => {
    const res = IssueTokenResponse.parse(await cc());
    expect(res.token_type).toBe('Bearer');
    expect(res.access_token).toMatch(/^twat_[0-9A-Za-z]{49}$/);
    expect(accessTokenFormat(res.access_token)).toBe('checksummed');
    expect(res.expires_in).toBe(3600);
    expect(Date.parse(res.expires_at) - Date.parse(res.created_at)).toBe(3600_000);
    expect(res.roles).toEqual(['SERVICE']);
    expect(res.scopes).toEqual(['iam.oauth.tokens.list.get', 'iam.oauth.tokens.get', 'payments.*']);
    const t = await stored(res);
    expect(t).toMatchObject({
      grant_flow: 'GRANT_FLOW_CLIENT_CREDENTIALS',
      client_id: A.client.id,
      user_id: null,
      account_id: null,
      roles: ['SERVICE'],
      status: 'TOKEN_STATUS_ACTIVE',
    });
  });

  it('binds any account of its own entity, lower-cased', async () => {
    const res = await cc({ account_id: A.accounts[1]!.toUpperCase() });
    expect((await stored(res)).account_id).toBe(A.accounts[1]);
  });

  it('refuses an account of another entity or an unknown one with 400 account_id, invalid_grant', async () => {
    for (const account_id of [B.account, randomUUID()]) {
      const err = await rejection(cc({ account_id }));
      expect(err.httpStatus).toBe(400);
      expect(err.body.details).toEqual([{ field: 'account_id', description: 'is not an account these credentials may act for' }]);
      expect(err.body.error).toBe('invalid_grant');
    }
  });

  it('uses the configured lifetime', async () => {
    const short = createDeps(deps.store, { clock, config: { lifetimes: { ...deps.config.lifetimes, client_credentials: 120 } } });
    const res = await createCaller(createContext(short, {})).oauth.issueToken({
      grant_type: 'client_credentials',
      client_id: A.client.id,
      client_secret: A.client.secret,
    });
    expect(res.expires_in).toBe(120);
  });
});

describe('password', () => {
  it('issues a user token: user roles, the scopes both user and client grant', async () => {
    const res = await pw();
    expect(res.roles).toEqual(['TELLER']);
    // user iam.oauth.* ∩ client {list.get, get, payments.*}; accounts.read is not the client's
    expect(res.scopes).toEqual(['iam.oauth.tokens.list.get', 'iam.oauth.tokens.get']);
    expect(res.expires_in).toBe(3600);
    expect(await stored(res)).toMatchObject({
      grant_flow: 'GRANT_FLOW_PASSWORD',
      client_id: A.client.id,
      user_id: A.user.id,
      account_id: null,
    });
  });

  it("binds only the user's own accounts", async () => {
    expect((await stored(await pw({ account_id: A.accounts[0] }))).account_id).toBe(A.accounts[0]);
    const err = await rejection(pw({ account_id: A.accounts[1] }));
    expect(err.httpStatus).toBe(400);
    expect(err.body.details[0]?.field).toBe('account_id');
    expect(err.body.error).toBe('invalid_grant');
  });

  it('refuses a user of another entity than the client as it refuses a wrong password: 400 invalid_grant', async () => {
    const foreign = await rejection(pw({ username: B.user.username, password: B.user.password }));
    const wrong = await rejection(pw({ password: 'nope' }));
    expect(foreign.httpStatus).toBe(400);
    expect(foreign.body).toEqual(wrong.body);
    expect(foreign.body).toMatchObject({ code: 3, message: 'the username or password is not valid', details: [], error: 'invalid_grant' });
  });

  it('answers a bad client as invalid_client (401), whatever the user', async () => {
    for (const extra of [
      { client_secret: 'wrong' },
      { client_secret: 'wrong', password: 'nope' },
      { client_id: 'no-such-client', username: 'nobody' },
    ]) {
      const err = await rejection(pw(extra));
      expect(err.httpStatus).toBe(401);
      expect(err.body.error).toBe('invalid_client');
    }
  });

  it('checks both the client and the user even when one of them is unknown', async () => {
    const err = await rejection(pw({ client_id: 'no-such-client' }));
    expect(err.httpStatus).toBe(401);
    // The client against the HMAC decoy (a MAC of zeros), the real user's password with scrypt.
    expect(hmacChecked()).toHaveLength(1);
    expect(hmacChecked()[0]).toMatch(/^hmac-sha256\$[\w-]{12}\$A{43}$/);
    const hashes = vi.mocked(verifySecret).mock.calls.map((c) => c[1]);
    expect(hashes).toHaveLength(1);
    expect(hashes[0]).not.toBe(DECOY_HASH);
  });
});

describe('login', () => {
  it('issues a short-lived user token under the login pseudo-client with every user scope', async () => {
    const res = await login();
    expect(res.expires_in).toBe(900);
    expect(res.scopes).toEqual(['iam.oauth.*', 'accounts.read']);
    expect(await stored(res)).toMatchObject({
      grant_flow: 'GRANT_FLOW_LOGIN',
      client_id: LOGIN_CLIENT_ID,
      user_id: A.user.id,
      roles: ['TELLER'],
    });
  });

  it("binds the user's account and refuses another one", async () => {
    expect((await stored(await login({ account_id: A.accounts[0] }))).account_id).toBe(A.accounts[0]);
    const err = await rejection(login({ account_id: A.accounts[1] }));
    expect(err.body.details[0]?.field).toBe('account_id');
    expect(err.body.error).toBe('invalid_grant');
  });
});

describe('bad credentials', () => {
  // RFC 6749 5.2: the client failing to authenticate is invalid_client (401); the resource
  // owner's credentials being wrong is invalid_grant (400). Within each, one and the same answer.
  const clientCases: [string, () => Promise<unknown>][] = [
    ['wrong client secret', () => cc({ client_secret: `${A.client.secret}x` })],
    ['unknown client', () => cc({ client_id: 'no-such-client' })],
    ["another entity's client with our secret", () => cc({ client_id: B.client.id })],
    ['wrong client secret (password grant)', () => pw({ client_secret: `${A.client.secret}x` })],
  ];
  const userCases: [string, () => Promise<unknown>][] = [
    ['wrong password (password grant)', () => pw({ password: 'nope' })],
    ['unknown user (password grant)', () => pw({ username: 'nobody' })],
    ['wrong password (login)', () => login({ password: 'nope' })],
    ['unknown user (login)', () => login({ username: 'nobody' })],
  ];
  it.each(clientCases)('%s: 401 invalid_client, one and the same answer, no Bearer challenge', async (_name, call) => {
    const err = await rejection(call());
    expect(err.httpStatus).toBe(401);
    expect(err.body).toEqual({
      code: 16,
      message: 'the client credentials are not valid',
      details: [],
      error: 'invalid_client',
      error_description: 'the client credentials are not valid',
    });
    // Credentials in the body: no challenge at all (a Bearer one would be wrong here).
    expect(err.wwwAuthenticate).toBeUndefined();
  });

  it.each(userCases)('%s: 400 invalid_grant, one and the same answer', async (_name, call) => {
    const err = await rejection(call());
    expect(err.httpStatus).toBe(400);
    expect(err.body).toEqual({
      code: 3,
      message: 'the username or password is not valid',
      details: [],
      error: 'invalid_grant',
      error_description: 'the username or password is not valid',
    });
    expect(err.wwwAuthenticate).toBeUndefined();
  });

  it('checks an unknown client against the HMAC decoy and an unknown user against the scrypt decoy', async () => {
    await rejection(cc({ client_id: 'no-such-client' }));
    await rejection(login({ username: 'nobody' }));
    expect(hmacChecked()).toEqual([expect.stringMatching(/^hmac-sha256\$[\w-]{12}\$A{43}$/)]);
    expect(vi.mocked(verifySecret).mock.calls.map((c) => c[1])).toEqual([DECOY_HASH]);
  });

  it('never runs scrypt for a client secret stored as an HMAC', async () => {
    await cc();
    await rejection(cc({ client_secret: `${A.client.secret}x` }));
    expect(verifySecret).not.toHaveBeenCalled();
    expect(hmacChecked()).toHaveLength(2);
  });

  it('answers in Spanish when asked, the error_description in RFC 6749 ASCII', async () => {
    const user = await rejection(anon('es').oauth.issueToken({ grant_type: 'login', username: 'x', password: 'y' }), 'es');
    expect(user.body.message).toBe('el usuario o la contraseña no son válidos');
    expect(user.body.error_description).toBe('el usuario o la contrasena no son validos');
    const client = await rejection(anon('es').oauth.issueToken({ grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' }), 'es');
    expect(client.body.message).toBe('las credenciales del cliente no son válidas');
    expect(client.body.error_description).toMatch(OAUTH_DESCRIPTION_PATTERN);
    expect(client.body.error_description).toBe('las credenciales del cliente no son validas');
  });

  it('judges scope and account only after the credentials', async () => {
    const err = await rejection(cc({ client_secret: 'wrong', scope: 'not.held', account_id: B.account }));
    expect(err.httpStatus).toBe(401);
    expect(err.body.error).toBe('invalid_client');
    const user = await rejection(login({ password: 'wrong', scope: 'not.held', account_id: B.account }));
    expect(user.body.error).toBe('invalid_grant');
    expect(user.body.details).toEqual([]);
  });
});

describe('scope narrowing', () => {
  it('carries exactly the requested scopes when each is held (wildcards included)', async () => {
    const res = await cc({ scope: 'payments.create  iam.oauth.tokens.get payments.create' });
    expect(res.scopes).toEqual(['payments.create', 'iam.oauth.tokens.get']);
    expect((await stored(res)).scopes).toEqual(['payments.create', 'iam.oauth.tokens.get']);
    expect((await cc({ scope: 'payments.*' })).scopes).toEqual(['payments.*']);
  });

  it('refuses a scope not held with 400 naming it, wildcard widenings included', async () => {
    for (const [scope, culprit] of [
      ['accounts.read', 'accounts.read'],
      ['payments.refund *', '*'],
      ['iam.oauth.*', 'iam.oauth.*'],
      ['payments', 'payments'],
    ] as const) {
      const err = await rejection(cc({ scope }));
      expect(err.httpStatus).toBe(400);
      expect(err.body.details).toEqual([{ field: 'scope', description: `asks for scope ${culprit}, which the credentials do not hold` }]);
      expect(err.body.message).toContain(culprit);
      expect(err.body.error).toBe('invalid_scope');
    }
  });

  it('narrows a password token within the user ∩ client scopes only', async () => {
    // accounts.read is the user's but not the client's
    const err = await rejection(pw({ scope: 'accounts.read' }));
    expect(err.body.details[0]).toEqual({
      field: 'scope',
      description: 'asks for scope accounts.read, which the credentials do not hold',
    });
    expect((await pw({ scope: 'iam.oauth.tokens.get' })).scopes).toEqual(['iam.oauth.tokens.get']);
  });

  it('refuses a malformed scope list', async () => {
    for (const scope of ['   ', 'a..b', 'a.*.b', '*x', 'x'.repeat(5000)]) {
      const err = await rejection(cc({ scope }));
      expect(err.httpStatus).toBe(400);
      expect(err.body.details[0]?.field).toBe('scope');
      // RFC 6749 5.2: a malformed scope is invalid_scope too.
      expect(err.body.error).toBe('invalid_scope');
    }
  });

  it('intersectScopes and narrowScopes never widen', () => {
    expect(intersectScopes(['iam.oauth.*'], ['iam.oauth.tokens.get', 'payments.*'])).toEqual(['iam.oauth.tokens.get']);
    expect(intersectScopes(['*'], ['a.b'])).toEqual(['a.b']);
    expect(intersectScopes(['a.*'], ['b.*'])).toEqual([]);
    expect(narrowScopes(['a.*'], undefined)).toEqual(['a.*']);
    expect(narrowScopes(['a.*'], 'a.b.c')).toEqual(['a.b.c']);
    expect(() => narrowScopes(['a.*'], 'a')).toThrow();
  });
});

describe('malformed requests', () => {
  it('an unknown grant_type is a 400 naming grant_type', async () => {
    const err = await rejection(anon().oauth.issueToken({ grant_type: 'implicit' } as never));
    expect(err.httpStatus).toBe(400);
    expect(err.body.details).toEqual([{ field: 'grant_type', description: 'must be one of client_credentials, password, login' }]);
    expect(err.body.error).toBe('unsupported_grant_type');
  });

  it('a missing grant_type (or one of another type) is invalid_request, not unsupported_grant_type', async () => {
    for (const input of [{}, { grant_type: '' }, { grant_type: 7 }, { client_id: 'x' }]) {
      const err = await rejection(anon().oauth.issueToken(input as never));
      expect(err.httpStatus, JSON.stringify(input)).toBe(400);
      expect(err.body.details.map((d) => d.field)).toEqual(['grant_type']);
      expect(err.body.error).toBe('invalid_request');
    }
  });

  it('missing fields are a 400 naming each of them, invalid_request', async () => {
    const err = await rejection(anon().oauth.issueToken({ grant_type: 'password', client_id: 'x' } as never));
    expect(err.httpStatus).toBe(400);
    expect(err.body.details.map((d) => d.field)).toEqual(['client_secret', 'username', 'password']);
    expect(err.body.details[0]?.description).toBe('is required');
    expect(err.body.error).toBe('invalid_request');
    expect(err.body.error_description).toBe('client_secret is required');
  });

  it('treats a field sent without a value as omitted (RFC 6749 3.2)', async () => {
    const err = await rejection(anon().oauth.issueToken({ grant_type: 'client_credentials', client_id: A.client.id, client_secret: '' }));
    expect(err.body.details).toEqual([{ field: 'client_secret', description: 'is required' }]);
    // An empty scope asks for nothing in particular: the token carries every scope the client holds.
    const res = await cc({ scope: '', account_id: '' });
    expect(res.scopes).toEqual(['iam.oauth.tokens.list.get', 'iam.oauth.tokens.get', 'payments.*']);
  });

  it('a malformed account_id is a 400 (invalid_request) before any credential check', async () => {
    const err = await rejection(cc({ account_id: 'not-a-uuid' }));
    expect(err.body.details).toEqual([{ field: 'account_id', description: 'must be a UUID' }]);
    expect(err.body.error).toBe('invalid_request');
    expect(verifySecret).not.toHaveBeenCalled();
    expect(verifyHmacSecret).not.toHaveBeenCalled();
  });
});

/** `Authorization: Basic` as RFC 6749 2.3.1 builds it: each half form-urlencoded, then base64. */
const formEncode = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64')}`;
const viaBasic = (authorization: string, input: object) => anon('en', authorization).oauth.issueToken(input as never);

describe('HTTP Basic client authentication (RFC 6749 2.3.1)', () => {
  it('authenticates the client of a client_credentials or password grant instead of the body', async () => {
    const cc = await viaBasic(basic(A.client.id, A.client.secret), { grant_type: 'client_credentials' });
    expect(await stored(cc)).toMatchObject({ client_id: A.client.id, grant_flow: 'GRANT_FLOW_CLIENT_CREDENTIALS' });
    const pw = await viaBasic(basic(A.client.id, A.client.secret), { grant_type: 'password', username: A.user.username, password: A.user.password });
    expect(await stored(pw)).toMatchObject({ client_id: A.client.id, user_id: A.user.id, grant_flow: 'GRANT_FLOW_PASSWORD' });
  });

  it('form-decodes each half, so a secret may hold : + % and spaces', async () => {
    const entityPk = (await deps.directory.findClient(A.client.id))!.entityPk;
    const odd = await createApiClient(deps, entityPk, {
      name: 'odd',
      roles: [],
      scopes: ['a.b'],
      clientSecret: 'a secret: with+plus/%25 and ünïcode',
    });
    const res = await viaBasic(basic(odd.client_id, odd.client_secret), { grant_type: 'client_credentials' });
    expect(res.scopes).toEqual(['a.b']);
  });

  it('accepts the same credentials in the body too; different ones are 400 invalid_request naming the field', async () => {
    const header = basic(A.client.id, A.client.secret);
    const same = await viaBasic(header, { grant_type: 'client_credentials', client_id: A.client.id, client_secret: A.client.secret });
    expect(same.token_type).toBe('Bearer');
    vi.mocked(verifyHmacSecret).mockClear();
    const other = await rejection(viaBasic(header, { grant_type: 'client_credentials', client_id: A.client.id, client_secret: 'twcs_other' }));
    expect(other.httpStatus).toBe(400);
    expect(other.body).toMatchObject({ code: 3, error: 'invalid_request' });
    expect(other.body.details).toEqual([{ field: 'client_secret', description: 'differs between the Authorization header and the body' }]);
    const both = await rejection(viaBasic(header, { grant_type: 'client_credentials', client_id: B.client.id, client_secret: 'x' }));
    expect(both.body.details.map((d) => d.field)).toEqual(['client_id', 'client_secret']);
    for (const e of [other, both]) {
      expect(JSON.stringify(e.body)).not.toContain(A.client.secret);
      expect(JSON.stringify(e.body)).not.toContain('twcs_other');
    }
    // Refused before any secret was checked.
    expect(verifyHmacSecret).not.toHaveBeenCalled();
  });

  it('answers a header that does not decode with 400 invalid_request naming authorization, checking no secret', async () => {
    for (const header of [
      'Basic',
      'Basic ',
      'Basic !!!!',
      'Basic abc', // not a whole number of base64 quanta
      `Basic ${Buffer.from('no colon at all').toString('base64')}`,
      `Basic ${Buffer.from('%zz:secret').toString('base64')}`,
      `Basic ${Buffer.from('a:b').toString('base64')} extra`,
    ]) {
      const err = await rejection(viaBasic(header, { grant_type: 'client_credentials' }));
      expect(err.httpStatus, header).toBe(400);
      expect(err.body.details.map((d) => d.field)).toEqual(['authorization']);
      expect(err.body.error).toBe('invalid_request');
    }
    expect(verifyHmacSecret).not.toHaveBeenCalled();
  });

  it('answers a failed Basic authentication with 401 invalid_client and a Basic challenge; an unknown client costs the decoy', async () => {
    for (const header of [basic(A.client.id, `${A.client.secret}x`), basic('no-such-client', A.client.secret)]) {
      const err = await rejection(viaBasic(header, { grant_type: 'client_credentials' }));
      expect(err.httpStatus).toBe(401);
      expect(err.body.error).toBe('invalid_client');
      expect(err.wwwAuthenticate).toBe('Basic realm="tokenwarden"');
      expect(JSON.stringify(err.body)).not.toContain(A.client.secret);
    }
    const checked = hmacChecked();
    expect(checked).toHaveLength(2);
    expect(checked[1]).toMatch(/^hmac-sha256\$[\w-]{12}\$A{43}$/);
  });

  it('is ignored by the login grant, which has no client', async () => {
    const res = await viaBasic(basic('no-such-client', 'x'), { grant_type: 'login', username: A.user.username, password: A.user.password });
    expect((await stored(res)).client_id).toBe(LOGIN_CLIENT_ID);
  });
});

describe('last_used_at', () => {
  it('is set on first use and written at most once per granularity', async () => {
    const res = await cc();
    const touch = vi.spyOn(deps.tokens, 'touchLastUsed');
    const before = Token.parse(await anonGet(res));
    expect(before.last_used_at).not.toBeNull();
    expect(await touch.mock.results.at(-1)?.value).toBe(true);
    clock.advance(30 * SECOND);
    const again = await anonGet(res);
    expect(again.last_used_at).toBe(before.last_used_at);
    // Within the granularity no write is even attempted.
    expect(touch).toHaveBeenCalledTimes(1);
    clock.advance(31 * SECOND);
    const later = await anonGet(res);
    expect(Date.parse(later.last_used_at!)).toBeGreaterThan(Date.parse(before.last_used_at!));
    expect(touch).toHaveBeenCalledTimes(2);
    expect(await touch.mock.results.at(-1)?.value).toBe(true);
    touch.mockRestore();
  });

  it('is not touched by a failed authentication (missing scope)', async () => {
    const res = await cc({ scope: 'payments.create' });
    await rejection(bearer(res.access_token).tokens.get({ token_id: res.token_id }));
    const row = (await deps.tokens.get((await deps.directory.findClient(A.client.id))!.entityPk, res.token_id))!;
    expect(row.lastUsedAt).toBeNull();
  });
});

function anonGet(res: IssueTokenResponse) {
  return bearer(res.access_token).tokens.get({ token_id: res.token_id });
}

describe('logs', () => {
  it('record issuance and denial without any secret, password or raw token', async () => {
    const res = await pw();
    await rejection(login({ password: 'wrong-password-xyz' }));
    const text = JSON.stringify(logged);
    expect(text).toContain('token.issued');
    expect(text).toContain('token.denied');
    for (const secret of [res.access_token, A.client.secret, A.user.password, 'wrong-password-xyz', 'scrypt$']) {
      expect(text).not.toContain(secret);
    }
  });
});
