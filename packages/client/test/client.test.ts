import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '@tokenwarden/api';
import { API } from '@tokenwarden/contracts';
import { createTokenwardenClient, TokenwardenError, type TokenwardenClient } from '../src/index.js';
import { mint, newEntity, startServer, type TestServer } from './support/server.js';

let server: TestServer;
let entity: Awaited<ReturnType<typeof newEntity>>;
let client: TokenwardenClient;

beforeAll(async () => {
  server = await startServer();
  entity = await newEntity(server.deps, 'Client Test Corp');
  client = createTokenwardenClient({ url: server.url, accessToken: entity.access_token });
});
afterAll(async () => {
  await server?.close();
});

/** Expects `promise` to reject with a TokenwardenError and returns it. */
async function failure(promise: Promise<unknown>): Promise<TokenwardenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenwardenError);
  return error as TokenwardenError;
}

describe('typed calls against a running server', () => {
  it('lists, retrieves and revokes tokens', async () => {
    const { record } = await mint(server.deps, { entityPk: entity.entity_pk, roles: ['AUDITOR'] });
    const page = await client.tokens.list({ page_params: { page_size: 100 }, role: 'AUDITOR' });
    expect(page.tokens.map((t) => t.token_id)).toEqual([record.tokenId]);
    expect(page.pagination_info).toMatchObject({ total_elements: 1, total_pages: 1, current_page: 1, page_size: 100 });
    expect(page.pagination_info.first_request_timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);

    const token = await client.tokens.get({ token_id: record.tokenId });
    expect(token).toMatchObject({ token_id: record.tokenId, status: 'TOKEN_STATUS_ACTIVE', roles: ['AUDITOR'] });

    await expect(client.tokens.revoke({ token_id: record.tokenId })).resolves.toEqual({});
    const after = await client.tokens.get({ token_id: record.tokenId });
    expect(after.status).toBe('TOKEN_STATUS_REVOKED');
    expect(after.revoked_at).not.toBeNull();
  });

  it('issues a token with client credentials and uses it', async () => {
    const anonymous = createTokenwardenClient({ url: server.url });
    const issued = await anonymous.oauth.issueToken({
      grant_type: 'client_credentials',
      client_id: entity.client_id,
      client_secret: entity.client_secret,
      scope: 'iam.oauth.tokens.get',
    });
    expect(issued.token_type).toBe('Bearer');
    expect(issued.scopes).toEqual(['iam.oauth.tokens.get']);
    const narrow = createTokenwardenClient({ url: server.url, accessToken: issued.access_token });
    const self = await narrow.tokens.get({ token_id: issued.token_id });
    expect(self.grant_flow).toBe('GRANT_FLOW_CLIENT_CREDENTIALS');
    // The narrowed scope does not grant listing.
    const denied = await failure(narrow.tokens.list());
    expect(denied.status).toBe(401);
  });
});

describe('introspection and RFC 7009 revocation', () => {
  it('introspects a token, revokes it by value, and then finds it inactive', async () => {
    const userId = randomUUID();
    const subject = await mint(server.deps, {
      entityPk: entity.entity_pk,
      grantFlow: 'GRANT_FLOW_LOGIN',
      userId,
      roles: ['TELLER'],
      scopes: ['payments.create'],
    });
    const active = await client.oauth.introspect({ token: subject.accessToken, token_type_hint: 'access_token' });
    expect(active).toEqual({
      active: true,
      scope: 'payments.create',
      client_id: 'test-client',
      token_type: 'Bearer',
      exp: Math.floor(subject.record.expiresAt / 1_000_000),
      iat: Math.floor(subject.record.createdAt / 1_000_000),
      sub: userId,
      jti: subject.record.tokenId,
      token_id: subject.record.tokenId,
      grant_flow: 'GRANT_FLOW_LOGIN',
      roles: ['TELLER'],
      account_id: null,
      user_id: userId,
    });
    // The union narrows on `active`: the claims are typed where the token is active.
    if (active.active) expect(active.sub).toBe(userId);

    await expect(client.oauth.revoke({ token: subject.accessToken })).resolves.toEqual({});
    await expect(client.oauth.introspect({ token: subject.accessToken })).resolves.toEqual({ active: false });
    await expect(client.tokens.get({ token_id: subject.record.tokenId })).resolves.toMatchObject({ status: 'TOKEN_STATUS_REVOKED' });
    // Revoking it again, or anything else, is {} too.
    await expect(client.oauth.revoke({ token: subject.accessToken })).resolves.toEqual({});
    await expect(client.oauth.revoke({ token: 'nonsense' })).resolves.toEqual({});
  });

  it('says nothing of another entity’s tokens, and names a missing token (invalid_request)', async () => {
    const other = await newEntity(server.deps, 'Introspected Elsewhere');
    await expect(client.oauth.introspect({ token: other.access_token })).resolves.toEqual({ active: false });
    await expect(client.oauth.revoke({ token: other.access_token })).resolves.toEqual({});
    const theirs = createTokenwardenClient({ url: server.url, accessToken: other.access_token });
    await expect(theirs.oauth.introspect({ token: other.access_token })).resolves.toMatchObject({ active: true });
    const missing = await failure(client.oauth.introspect({ token: '' }));
    expect(missing).toMatchObject({ status: 400, code: 3, oauthError: 'invalid_request', details: [{ field: 'token' }] });
  });

  it('are mutations, so never retried', async () => {
    let calls = 0;
    const counting: typeof fetch = async () => {
      calls++;
      return new Response('<html>bad gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } });
    };
    const c = createTokenwardenClient({ url: server.url, accessToken: entity.access_token, fetch: counting, retry: { attempts: 3, baseDelayMs: 1 } });
    expect((await failure(c.oauth.introspect({ token: 'x' }))).status).toBe(502);
    expect((await failure(c.oauth.revoke({ token: 'x' }))).status).toBe(502);
    expect(calls).toBe(2);
  });
});

describe('a method for every operation', () => {
  it('calls each scoped operation as its kind (query or mutation): an anonymous client gets 401 from each, not 405', async () => {
    const anonymous = createTokenwardenClient({ url: server.url }) as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>;
    const scoped = OPERATIONS.filter(({ op }) => 'scope' in op.access);
    expect(scoped.length).toBeGreaterThan(0);
    for (const { path, op } of scoped) {
      const [group, key] = path.split('.') as [string, string];
      const method = anonymous[group]?.[key];
      expect(typeof method, path).toBe('function');
      const e = await failure((method as (input: unknown) => Promise<unknown>)(op.docs.example.input));
      expect([path, e.status, e.code]).toEqual([path, 401, 16]);
    }
    // and every group and key of the contracts has one
    const methods = Object.entries(API).flatMap(([group, ops]) => Object.keys(ops).map((key) => `${group}.${key}`));
    expect(methods).toEqual(OPERATIONS.map(({ path }) => path));
  });
});

describe('pages() and all(): one snapshot, while the set grows', () => {
  it('yields exactly the tokens of the first page’s snapshot, once each, while tokens are inserted between pages', async () => {
    const grow = await newEntity(server.deps, 'Growing Corp');
    // What the snapshot must hold: everything created before the walk starts, newest first.
    const expected = [grow.token_id];
    for (let i = 0; i < 24; i++) expected.unshift((await mint(server.deps, { entityPk: grow.entity_pk })).record.tokenId);
    const c = createTokenwardenClient({ url: server.url, accessToken: grow.access_token });

    const seen: string[] = [];
    const inserted: string[] = [];
    let pages = 0;
    let snapshot: string | undefined;
    for await (const page of c.tokens.pages({ page_params: { page_size: 10 } })) {
      pages += 1;
      snapshot ??= page.pagination_info.first_request_timestamp;
      expect(page.pagination_info.first_request_timestamp).toBe(snapshot);
      expect(page.pagination_info.total_elements).toBe(25);
      seen.push(...page.tokens.map((t) => t.token_id));
      // Newest tokens sort first (created_at DESC): without the snapshot they would push
      // every later page down and repeat tokens already seen.
      for (let i = 0; i < 4; i++) inserted.push((await mint(server.deps, { entityPk: grow.entity_pk })).record.tokenId);
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(25);
    expect(seen.filter((id) => inserted.includes(id))).toEqual([]);
    // The inserted tokens are really there: a new snapshot holds them too.
    const fresh = await c.tokens.list({ page_params: { page_size: 100 } });
    expect(fresh.pagination_info.total_elements).toBe(25 + inserted.length);
    expect(fresh.tokens.slice(0, inserted.length).map((t) => t.token_id)).toEqual([...inserted].reverse());
  });

  it('a walk without the snapshot would repeat tokens (the growth above is real)', async () => {
    const grow = await newEntity(server.deps, 'Naive Corp');
    for (let i = 0; i < 14; i++) await mint(server.deps, { entityPk: grow.entity_pk });
    const c = createTokenwardenClient({ url: server.url, accessToken: grow.access_token });
    const first = await c.tokens.list({ page_params: { page_size: 10, page_number: 1 } });
    for (let i = 0; i < 4; i++) await mint(server.deps, { entityPk: grow.entity_pk });
    const second = await c.tokens.list({ page_params: { page_size: 10, page_number: 2 } });
    const firstIds = new Set(first.tokens.map((t) => t.token_id));
    expect(second.tokens.some((t) => firstIds.has(t.token_id))).toBe(true);
  });

  it('all() yields every token of the snapshot with filters and order, and stops on an empty set', async () => {
    const e = await newEntity(server.deps, 'Filter Corp');
    const user = randomUUID();
    const mine: string[] = [];
    for (let i = 0; i < 7; i++) {
      mine.push(
        (await mint(server.deps, { entityPk: e.entity_pk, grantFlow: 'GRANT_FLOW_PASSWORD', userId: user, roles: ['TELLER'] })).record.tokenId,
      );
      await mint(server.deps, { entityPk: e.entity_pk, roles: ['OTHER'] });
    }
    const c = createTokenwardenClient({ url: server.url, accessToken: e.access_token });
    const ids: string[] = [];
    for await (const t of c.tokens.all({
      page_params: { page_size: 2 },
      order_params: { order_key: 'token_id', order_direction: 'ASC' },
      user_id: user,
      role: 'TELLER',
    })) {
      ids.push(t.token_id);
      if (ids.length === 3) mint(server.deps, { entityPk: e.entity_pk, grantFlow: 'GRANT_FLOW_PASSWORD', userId: user, roles: ['TELLER'] });
    }
    expect(ids).toEqual([...mine].sort());

    const empty: unknown[] = [];
    for await (const page of c.tokens.pages({ role: 'NOBODY' })) empty.push(page);
    expect(empty).toHaveLength(1);
  });

  it('starts at a given page and keeps a given snapshot', async () => {
    const e = await newEntity(server.deps, 'Resume Corp');
    for (let i = 0; i < 9; i++) await mint(server.deps, { entityPk: e.entity_pk });
    const c = createTokenwardenClient({ url: server.url, accessToken: e.access_token });
    const first = await c.tokens.list({ page_params: { page_size: 4 } });
    for (let i = 0; i < 5; i++) await mint(server.deps, { entityPk: e.entity_pk });
    const { parseTimestamp } = await import('@tokenwarden/contracts');
    const rest: number[] = [];
    const ids: string[] = [...first.tokens.map((t) => t.token_id)];
    for await (const page of c.tokens.pages({
      page_params: { page_size: 4, page_number: 2, first_request_timestamp: parseTimestamp(first.pagination_info.first_request_timestamp) },
    })) {
      rest.push(page.pagination_info.current_page);
      expect(page.pagination_info.total_elements).toBe(10);
      ids.push(...page.tokens.map((t) => t.token_id));
    }
    expect(rest).toEqual([2, 3]);
    expect(new Set(ids).size).toBe(10);
  });
});

describe('pages() follows next_page_token', () => {
  it('asks each next page by the previous answer’s token, with the same other parameters, and stops when there is none', async () => {
    const e = await newEntity(server.deps, 'Token Walk Corp');
    for (let i = 0; i < 11; i++) await mint(server.deps, { entityPk: e.entity_pk, clientId: i % 2 ? 'odd' : 'even' });
    const sent: Record<string, unknown>[] = [];
    // A fetch that records the tRPC inputs it carries, then lets the call through.
    const recording: typeof fetch = (input, init) => {
      const url = new URL(String(input));
      const raw = url.searchParams.get('input');
      if (raw) sent.push(JSON.parse(raw) as Record<string, unknown>);
      return fetch(input, init);
    };
    const c = createTokenwardenClient({ url: server.url, accessToken: e.access_token, fetch: recording });
    const ask = { page_params: { page_size: 2 }, client_id: 'even', status: ['ACTIVE' as const], order_params: { order_key: 'token_id' as const } };
    const pages = [];
    for await (const page of c.tokens.pages(ask)) pages.push(page);
    // 6 tokens of client "even": 3 pages, the last without a token.
    expect(pages.map((p) => p.pagination_info.current_page)).toEqual([1, 2, 3]);
    expect(pages.map((p) => p.pagination_info.next_page_token === null)).toEqual([false, false, true]);
    const ids = pages.flatMap((p) => p.tokens.map((t) => t.token_id));
    expect(ids).toEqual([...ids].sort().reverse()); // token_id, DESC by default
    expect(new Set(ids).size).toBe(6);
    expect(sent).toHaveLength(3);
    expect(sent[0]).toEqual(ask);
    for (const [i, next] of sent.slice(1).entries()) {
      // The token of the page before, the same filters, order and size, no page number, no snapshot.
      expect(next).toEqual({ ...ask, page_params: { page_size: 2 }, page_token: pages[i]!.pagination_info.next_page_token });
    }
  });

  it('walks REST pages by token too', async () => {
    const { restListTokens, walkPages } = await import('../src/index.js');
    const e = await newEntity(server.deps, 'Rest Walk Corp');
    for (let i = 0; i < 6; i++) await mint(server.deps, { entityPk: e.entity_pk });
    const pages: number[] = [];
    const tokens: string[] = [];
    for await (const page of walkPages((input) => restListTokens({ url: server.url, accessToken: e.access_token }, input), {
      page_params: { page_size: 3 },
    })) {
      pages.push(page.pagination_info.current_page);
      tokens.push(...page.tokens.map((t) => t.token_id));
    }
    expect(pages).toEqual([1, 2, 3]);
    expect(new Set(tokens).size).toBe(7);
  });
});

describe('TokenwardenError: one class for every failure', () => {
  it('400 carries the field violations, localized by acceptLanguage', async () => {
    const e = await failure(client.tokens.list({ page_params: { page_size: 0 } }));
    expect(e).toMatchObject({ status: 400, code: 3 });
    expect(e.details.map((d) => d.field)).toEqual(['page_params.page_size']);
    expect(e.message).toBe('page_params.page_size must be an integer between 1 and 100');

    const es = createTokenwardenClient({ url: server.url, accessToken: entity.access_token, acceptLanguage: 'es' });
    const e2 = await failure(es.tokens.list({ page_params: { page_size: 101 } }));
    expect(e2.status).toBe(400);
    expect(e2.message).toContain('debe ser un número entero entre 1 y 100');

    const bad = await failure(client.tokens.get({ token_id: 'not-a-uuid' }));
    expect(bad).toMatchObject({ status: 400, code: 3, details: [{ field: 'token_id' }] });
  });

  it('401 for a missing, unknown or revoked token; never echoing the token', async () => {
    const none = await failure(createTokenwardenClient({ url: server.url }).tokens.list());
    expect(none).toMatchObject({ status: 401, code: 16, isAuthError: true });
    const fake = `twat_${'A'.repeat(43)}`;
    const unknown = await failure(createTokenwardenClient({ url: server.url, accessToken: fake }).tokens.list());
    expect(unknown).toMatchObject({ status: 401, code: 16 });
    expect(JSON.stringify(unknown.toJSON())).not.toContain(fake);
    expect(unknown.message).not.toContain(fake);

    const issued = await mint(server.deps, { entityPk: entity.entity_pk });
    await client.tokens.revoke({ token_id: issued.record.tokenId });
    const revoked = await failure(createTokenwardenClient({ url: server.url, accessToken: issued.accessToken }).tokens.list());
    expect(revoked.status).toBe(401);
  });

  it('issueToken: 401 invalid_client for a bad client, 400 invalid_grant for a bad password, 400 for a malformed grant', async () => {
    const anonymous = createTokenwardenClient({ url: server.url });
    const bad = await failure(
      anonymous.oauth.issueToken({ grant_type: 'client_credentials', client_id: entity.client_id, client_secret: 'twcs_wrong' }),
    );
    expect(bad).toMatchObject({ status: 401, code: 16, oauthError: 'invalid_client', isAuthError: true });
    expect(bad.toJSON()).toMatchObject({ error: 'invalid_client' });
    expect(JSON.stringify(bad.toJSON())).not.toContain('twcs_wrong');
    const grant = await failure(anonymous.oauth.issueToken({ grant_type: 'login', username: 'nobody', password: 'wrong' }));
    expect(grant).toMatchObject({ status: 400, code: 3, oauthError: 'invalid_grant', message: 'the username or password is not valid' });
    const malformed = await failure(anonymous.oauth.issueToken({ grant_type: 'nope' } as never));
    expect(malformed).toMatchObject({ status: 400, code: 3, oauthError: 'unsupported_grant_type' });
    expect(malformed.details.map((d) => d.field)).toContain('grant_type');
    // Every other operation's error has no OAuth code.
    expect((await failure(client.tokens.get({ token_id: 'not-a-uuid' }))).oauthError).toBeUndefined();
  });

  it('403 when a user token asks for another user', async () => {
    const user = randomUUID();
    const { accessToken } = await mint(server.deps, {
      entityPk: entity.entity_pk,
      grantFlow: 'GRANT_FLOW_PASSWORD',
      userId: user,
      roles: ['TELLER'],
    });
    const c = createTokenwardenClient({ url: server.url, accessToken });
    await expect(c.tokens.list({ user_id: user })).resolves.toMatchObject({ pagination_info: { total_elements: 1 } });
    const e = await failure(c.tokens.list({ user_id: randomUUID() }));
    expect(e).toMatchObject({ status: 403, code: 7, isAuthError: true });
  });

  it('404 for an unknown token or one of another entity', async () => {
    const e = await failure(client.tokens.get({ token_id: randomUUID() }));
    expect(e).toMatchObject({ status: 404, code: 5 });
    const other = await newEntity(server.deps, 'Other Corp');
    const e2 = await failure(client.tokens.revoke({ token_id: other.token_id }));
    expect(e2).toMatchObject({ status: 404, code: 5 });
  });

  it('409 for revoking twice', async () => {
    const { record } = await mint(server.deps, { entityPk: entity.entity_pk });
    await client.tokens.revoke({ token_id: record.tokenId });
    const e = await failure(client.tokens.revoke({ token_id: record.tokenId }));
    expect(e).toMatchObject({ status: 409, code: 9 });
  });

  it('status 0 for a network failure', async () => {
    const gone = await startServer();
    const url = gone.url;
    await gone.close();
    const e = await failure(createTokenwardenClient({ url, accessToken: entity.access_token }).tokens.list());
    expect(e).toMatchObject({ status: 0, code: 14, isNetworkError: true, isTransient: true });
    expect(e.message).toMatch(/^network error/);
  });

  it('keeps the status of a non-JSON error answer (a proxy 502)', async () => {
    const proxy: typeof fetch = async () => new Response('<html>bad gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } });
    const e = await failure(createTokenwardenClient({ url: server.url, accessToken: 'x', fetch: proxy }).tokens.list());
    expect(e).toMatchObject({ status: 502, code: 13, isTransient: true });
  });
});

describe('opt-in retry with backoff', () => {
  /** A fetch that fails the first `failures` calls with `failure`, then calls the server. */
  function flaky(failures: number, failure: () => Promise<Response>) {
    const calls = { n: 0 };
    const f: typeof fetch = async (input, init) => {
      calls.n += 1;
      if (calls.n <= failures) return failure();
      return fetch(input, init);
    };
    return { f, calls };
  }
  const refused = () => Promise.reject(new TypeError('fetch failed'));
  const unavailable = () =>
    Promise.resolve(
      new Response(JSON.stringify({ code: 14, message: 'the server is shutting down', details: [] }), {
        status: 503,
        headers: { 'content-type': 'application/json' },
      }),
    );

  it('retries queries after network failures and 5xx answers', async () => {
    const net = flaky(2, refused);
    const c = createTokenwardenClient({ url: server.url, accessToken: entity.access_token, fetch: net.f, retry: { baseDelayMs: 1 } });
    await expect(c.tokens.list()).resolves.toHaveProperty('tokens');
    expect(net.calls.n).toBe(3);

    const busy = flaky(1, unavailable);
    const c2 = createTokenwardenClient({ url: server.url, accessToken: entity.access_token, fetch: busy.f, retry: { baseDelayMs: 1 } });
    await expect(c2.tokens.get({ token_id: entity.token_id })).resolves.toHaveProperty('token_id', entity.token_id);
    expect(busy.calls.n).toBe(2);
  });

  it('gives up after the last attempt with the last error', async () => {
    const net = flaky(10, unavailable);
    const c = createTokenwardenClient({
      url: server.url,
      accessToken: entity.access_token,
      fetch: net.f,
      retry: { attempts: 4, baseDelayMs: 1 },
    });
    const e = await failure(c.tokens.list());
    expect(e).toMatchObject({ status: 503, code: 14 });
    expect(net.calls.n).toBe(4);
  });

  it('is off by default', async () => {
    const net = flaky(1, refused);
    const c = createTokenwardenClient({ url: server.url, accessToken: entity.access_token, fetch: net.f });
    const e = await failure(c.tokens.list());
    expect(e.status).toBe(0);
    expect(net.calls.n).toBe(1);
  });

  it('never retries mutations (revoke, issueToken) nor 4xx answers', async () => {
    const { record } = await mint(server.deps, { entityPk: entity.entity_pk });
    const net = flaky(1, refused);
    const c = createTokenwardenClient({ url: server.url, accessToken: entity.access_token, fetch: net.f, retry: { baseDelayMs: 1 } });
    const e = await failure(c.tokens.revoke({ token_id: record.tokenId }));
    expect(e.status).toBe(0);
    expect(net.calls.n).toBe(1);
    expect((await client.tokens.get({ token_id: record.tokenId })).status).toBe('TOKEN_STATUS_ACTIVE');

    const busy = flaky(1, unavailable);
    const anon = createTokenwardenClient({ url: server.url, fetch: busy.f, retry: { baseDelayMs: 1 } });
    const e2 = await failure(
      anon.oauth.issueToken({ grant_type: 'client_credentials', client_id: entity.client_id, client_secret: entity.client_secret }),
    );
    expect(e2.status).toBe(503);
    expect(busy.calls.n).toBe(1);

    const counted = flaky(0, refused);
    const c3 = createTokenwardenClient({ url: server.url, accessToken: 'twat_nope', fetch: counted.f, retry: { baseDelayMs: 1 } });
    expect((await failure(c3.tokens.list())).status).toBe(401);
    expect(counted.calls.n).toBe(1);
  });
});
