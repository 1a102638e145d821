import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MintSpec } from '@tokenwarden/api';
import { checksummedAccessToken, ErrorBody, SCOPES, Token } from '@tokenwarden/contracts';
import { mintTestToken } from '../src/testing.js';
import { getJson, newEntity, request, restAndTrpc, startServer, type TestServer } from './support/harness.js';

/* RFC 7009 revocation over REST (form-encoded and JSON) and tRPC, on the run's backend. */
const OP = { rest: '/v1/iam/oauth/revoke', trpc: 'oauth.revoke' };
const TOKENS = '/v1/iam/oauth/tokens';
let server: TestServer;
let a: Awaited<ReturnType<typeof newEntity>>;
let b: Awaited<ReturnType<typeof newEntity>>;
/** A token of entity A that holds only the revoke scope. */
let revoker: string;

const revoke = (token: string | undefined, body: Record<string, string>, form = true) => restAndTrpc(server.url, OP, { token, body, form });
const mint = (entityPk: number, extra: Partial<MintSpec> = {}) => mintTestToken(server.deps, { ...extra, entityPk });
const statusOf = async (entity: typeof a, tokenId: string) =>
  Token.parse((await getJson(`${server.url}${TOKENS}/${tokenId}`, entity.admin)).body).status;
const authenticates = async (token: string) => (await getJson(`${server.url}${TOKENS}?page_params.page_size=1`, token)).status === 200;

beforeAll(async () => {
  server = await startServer();
  a = await newEntity(server.deps, 'Revoking A');
  b = await newEntity(server.deps, 'Revoking B');
  revoker = (await mint(a.entity_pk, { scopes: [SCOPES.revoke] })).accessToken;
});
afterAll(() => server?.close());

describe('a token of the caller’s entity', () => {
  it('is revoked over REST (form and JSON) and tRPC: 200 {}, no-store, and it stops authenticating at once', async () => {
    for (const via of ['form', 'json', 'trpc'] as const) {
      const victim = await mint(a.entity_pk, { scopes: [SCOPES.list] });
      expect(await authenticates(victim.accessToken)).toBe(true);
      const body = { token: victim.accessToken, token_type_hint: 'access_token' };
      const res =
        via === 'trpc'
          ? (await request(`${server.url}/trpc/${OP.trpc}`, 'POST', { token: revoker, body })).body.result.data
          : await request(`${server.url}${OP.rest}`, 'POST', {
              token: revoker,
              ...(via === 'form'
                ? { raw: new URLSearchParams(body).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }
                : { body }),
            });
      if (via === 'trpc') expect(res).toEqual({});
      else {
        expect(res.status).toBe(200);
        expect(res.body).toEqual({});
        expect(res.headers.get('cache-control')).toBe('no-store');
      }
      expect(await authenticates(victim.accessToken), via).toBe(false);
      expect(await statusOf(a, victim.record.tokenId)).toBe('TOKEN_STATUS_REVOKED');
    }
  });

  it('is revoked as DELETE revokes it: logged as token.revoked by the caller', async () => {
    const victim = await mint(a.entity_pk);
    await revoke(revoker, { token: victim.accessToken });
    const line = server.logLines.find((l) => l.includes('"event":"token.revoked"') && l.includes(victim.record.tokenId));
    expect(line).toBeDefined();
    expect(line).not.toContain(victim.accessToken);
  });
});

describe('anything else', () => {
  it('answers 200 {} too, and revokes nothing: unknown, malformed, already revoked, another entity’s, another user’s', async () => {
    const foreign = await mint(b.entity_pk);
    const userA = randomUUID();
    const teller = (await mint(a.entity_pk, { grantFlow: 'GRANT_FLOW_LOGIN', userId: userA, roles: ['TELLER'], scopes: ['iam.oauth.*'] }))
      .accessToken;
    const othersToken = await mint(a.entity_pk, { grantFlow: 'GRANT_FLOW_LOGIN', userId: randomUUID(), roles: ['TELLER'] });
    const already = await mint(a.entity_pk);
    await revoke(revoker, { token: already.accessToken });
    const cases: [string, string, string][] = [
      ['another entity’s token', revoker, foreign.accessToken],
      ['another user’s token, for a user token without an admin role', teller, othersToken.accessToken],
      ['an already revoked token', revoker, already.accessToken],
      ['an unknown token', revoker, checksummedAccessToken(randomBytes(32))],
      ['a wrong checksum', revoker, `${a.admin.slice(0, -1)}${a.admin.endsWith('A') ? 'B' : 'A'}`],
      ['a random string', revoker, 'not a token at all'],
    ];
    for (const [what, caller, token] of cases) {
      for (const form of [true, false]) {
        const { rest, trpc } = await revoke(caller, { token }, form);
        expect([rest.status, trpc.status], what).toEqual([200, 200]);
        expect([rest.body, trpc.body], what).toEqual([{}, {}]);
      }
    }
    expect(await authenticates(foreign.accessToken)).toBe(true);
    expect(await statusOf(a, othersToken.record.tokenId)).toBe('TOKEN_STATUS_ACTIVE');
    expect(await authenticates(a.admin)).toBe(true);
  });
});

describe('bad requests and callers', () => {
  it('answers a missing token with 400 naming token, invalid_request, on both transports', async () => {
    for (const [body, form] of [
      [{}, true],
      [{ token: '' }, true],
      [{ token_type_hint: 'refresh_token' }, false],
    ] as const) {
      const { rest, trpc } = await revoke(revoker, body, form);
      for (const res of [rest, trpc]) {
        expect(res.status).toBe(400);
        expect(ErrorBody.parse(res.body)).toMatchObject({
          code: 3,
          details: [{ field: 'token', description: 'is required' }],
          error: 'invalid_request',
        });
      }
    }
  });

  it('needs iam.oauth.tokens.delete, as DELETE does: 401 with the challenge, and nothing revoked', async () => {
    const victim = await mint(a.entity_pk);
    const getOnly = (await mint(a.entity_pk, { scopes: [SCOPES.get, SCOPES.introspect] })).accessToken;
    for (const token of [undefined, getOnly]) {
      const { rest, trpc } = await revoke(token, { token: victim.accessToken });
      for (const res of [rest, trpc]) {
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="tokenwarden"/);
      }
    }
    expect(await authenticates(victim.accessToken)).toBe(true);
  });
});
