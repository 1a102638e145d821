import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorEvent } from '@tokenwarden/api';
import { checksummedAccessToken, ErrorBody, IntrospectionResponse, SCOPES } from '@tokenwarden/contracts';
import { mintTestToken } from '../src/testing.js';
import { issue, newEntity, request, restAndTrpc, startServer, type TestServer } from './support/harness.js';

/* RFC 7662 introspection over REST (form-encoded and JSON) and tRPC, on the run's backend. */
const OP = { rest: '/v1/iam/oauth/introspect', trpc: 'oauth.introspect' };
let server: TestServer;
let a: Awaited<ReturnType<typeof newEntity>>;
let b: Awaited<ReturnType<typeof newEntity>>;
/** A token of entity A that holds only the introspect scope. */
let introspector: string;

const introspect = (token: string | undefined, body: Record<string, string>, form = true, headers: Record<string, string> = {}) =>
  restAndTrpc(server.url, OP, { token, body, form, headers });

beforeAll(async () => {
  server = await startServer();
  a = await newEntity(server.deps, 'Introspecting A');
  b = await newEntity(server.deps, 'Introspecting B');
  introspector = await issue(server.deps, { entityPk: a.entity_pk, clientId: a.client_id, scopes: [SCOPES.introspect] });
});
afterAll(() => server?.close());

describe('an active token of the caller’s entity', () => {
  it('is described by its claims, the same over REST (form and JSON) and tRPC, never cached', async () => {
    const userId = randomUUID();
    const {
      accessToken: subject,
      record: { tokenId },
    } = await mintTestToken(server.deps, {
      entityPk: a.entity_pk,
      clientId: a.client_id,
      grantFlow: 'GRANT_FLOW_PASSWORD',
      userId,
      roles: ['TELLER'],
      scopes: ['payments.create', 'accounts.read'],
    });
    for (const form of [true, false]) {
      const { rest, trpc } = await introspect(introspector, { token: subject, token_type_hint: 'access_token' }, form);
      for (const res of [rest, trpc]) {
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-store');
        const body = IntrospectionResponse.parse(res.body);
        expect(body).toMatchObject({
          active: true,
          scope: 'payments.create accounts.read',
          client_id: a.client_id,
          token_type: 'Bearer',
          sub: userId,
          jti: tokenId,
          token_id: tokenId,
          grant_flow: 'GRANT_FLOW_PASSWORD',
          roles: ['TELLER'],
          account_id: null,
          user_id: userId,
        });
        if (!body.active) throw new Error('inactive');
        expect(body.exp - body.iat).toBe(3600);
        expect(Math.abs(body.iat - Date.now() / 1000)).toBeLessThan(120);
        expect(JSON.stringify(body)).not.toContain(subject);
      }
      expect(trpc.body).toEqual(rest.body);
    }
  });

  it('is introspectable with any scope that grants iam.oauth.tokens.introspect', async () => {
    for (const scopes of [['iam.oauth.*'], ['iam.oauth.tokens.*'], ['*']]) {
      const caller = await issue(server.deps, { entityPk: a.entity_pk, scopes });
      const { rest, trpc } = await introspect(caller, { token: caller });
      expect([rest.body.active, trpc.body.active], scopes[0]).toEqual([true, true]);
    }
  });
});

describe('anything else', () => {
  it('is exactly {"active":false}: another entity’s token byte for byte like a random string', async () => {
    const foreign = b.admin;
    const { accessToken: revoked, record } = await mintTestToken(server.deps, { entityPk: a.entity_pk });
    await server.deps.tokens.revoke(a.entity_pk, record.tokenId, operatorEvent());
    const expired = await issue(server.deps, { entityPk: a.entity_pk, lifetimeSeconds: -1 });
    const cases: [string, string][] = [
      ['another entity’s token', foreign],
      ['a random string', randomBytes(20).toString('hex')],
      ['an unknown token of the right format', checksummedAccessToken(randomBytes(32))],
      ['an unknown legacy token', `twat_${randomBytes(32).toString('base64url')}`],
      ['a wrong checksum', `${a.admin.slice(0, -1)}${a.admin.endsWith('A') ? 'B' : 'A'}`],
      ['a revoked token', revoked],
      ['an expired token', expired],
    ];
    const texts = new Set<string>();
    for (const [what, token] of cases) {
      for (const form of [true, false]) {
        const rest = await fetch(`${server.url}${OP.rest}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${introspector}`,
            'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
          },
          body: form ? new URLSearchParams({ token }).toString() : JSON.stringify({ token }),
        });
        expect(rest.status, what).toBe(200);
        expect(rest.headers.get('cache-control')).toBe('no-store');
        texts.add(await rest.text());
      }
      const { trpc } = await introspect(introspector, { token });
      expect(trpc.body, what).toEqual({ active: false });
    }
    expect([...texts]).toEqual(['{"active":false}']);
    // ...and the foreign token is alive and well in its own entity.
    const own = await introspect(b.admin, { token: foreign });
    expect(own.rest.body.active).toBe(true);
  });

  it('includes another user’s token, for a user token without an admin role', async () => {
    const teller = await issue(server.deps, {
      entityPk: a.entity_pk,
      grantFlow: 'GRANT_FLOW_LOGIN',
      userId: randomUUID(),
      roles: ['TELLER'],
      scopes: ['iam.oauth.*'],
    });
    const other = await issue(server.deps, { entityPk: a.entity_pk, grantFlow: 'GRANT_FLOW_LOGIN', userId: randomUUID(), roles: ['TELLER'] });
    const { rest, trpc } = await introspect(teller, { token: other });
    expect([rest.body, trpc.body]).toEqual([{ active: false }, { active: false }]);
    expect((await introspect(teller, { token: teller })).rest.body.active).toBe(true);
  });
});

describe('bad requests and callers', () => {
  it('answers a missing or empty token with 400 naming token, invalid_request, on both transports', async () => {
    for (const [body, form] of [
      [{}, true],
      [{ token: '' }, true],
      [{ token_type_hint: 'access_token' }, false],
    ] as const) {
      const { rest, trpc } = await introspect(introspector, body, form);
      for (const res of [rest, trpc]) {
        expect(res.status).toBe(400);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(ErrorBody.parse(res.body)).toEqual({
          code: 3,
          message: 'token is required',
          details: [{ field: 'token', description: 'is required' }],
          error: 'invalid_request',
          error_description: 'token is required',
        });
      }
    }
    // No body at all, and a token given twice in a form.
    const none = await request(`${server.url}${OP.rest}`, 'POST', { token: introspector });
    expect(none.status).toBe(400);
    expect(none.body.details[0].field).toBe('token');
    const twice = await request(`${server.url}${OP.rest}`, 'POST', {
      token: introspector,
      raw: 'token=a&token=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(twice.status).toBe(400);
    expect(twice.body).toMatchObject({ details: [{ field: 'token', description: 'must not be repeated' }], error: 'invalid_request' });
  });

  it('refuses a caller without a token, or without the scope, with 401 and the RFC 6750 challenge', async () => {
    const listOnly = await issue(server.deps, { entityPk: a.entity_pk, scopes: [SCOPES.list, SCOPES.get, SCOPES.revoke] });
    for (const [token, challenge] of [
      [undefined, 'Bearer realm="tokenwarden"'],
      [listOnly, `Bearer realm="tokenwarden", error="insufficient_scope", scope="${SCOPES.introspect}"`],
    ] as const) {
      const { rest, trpc } = await introspect(token, { token: a.admin });
      for (const res of [rest, trpc]) {
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe(challenge);
        // A bearer token's refusal is RFC 6750's: no RFC 6749 error code in the body.
        expect(res.body).not.toHaveProperty('error');
      }
    }
  });
});
