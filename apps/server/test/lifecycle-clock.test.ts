import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, createUser, manualClock } from '@tokenwarden/api';
import { IssueTokenResponse, Token } from '@tokenwarden/contracts';
import { newEntity, request, startServer, type TestServer } from './support/harness.js';

/** Expiry and last use over HTTP, on a server whose clock the test moves. */
const TOKENS = '/v1/iam/oauth/tokens';
const SECOND = 1_000_000;
const clock = manualClock(Date.UTC(2026, 5, 1) * 1000);
let server: TestServer;
const client = { id: '', secret: '' };
const user = { username: 'clock-user', password: 'clock-user-password' };

function call(method: string, path: string, token?: string, body?: unknown) {
  return request(`${server.url}${path}`, method, { token, body });
}

async function issue(body: object): Promise<IssueTokenResponse> {
  const res = await call('POST', TOKENS, undefined, body);
  expect(res.status).toBe(200);
  return IssueTokenResponse.parse(res.body);
}
const cc = () => issue({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret });
const login = () => issue({ grant_type: 'login', ...user });

beforeAll(async () => {
  server = await startServer({ clock });
  const e = await newEntity(server.deps, 'Clockwork');
  const c = await createApiClient(server.deps, e.entity_pk, { name: 'svc', roles: ['SERVICE'], scopes: ['iam.oauth.*'] });
  Object.assign(client, { id: c.client_id, secret: c.client_secret });
  await createUser(server.deps, e.entity_pk, { ...user, roles: ['TELLER'], scopes: ['iam.oauth.*'] });
});
afterAll(() => server.close());

describe('expiry', () => {
  it('an expired token gets 401 on every endpoint and is listed as expired', async () => {
    const t = await login();
    expect((await call('GET', `${TOKENS}/${t.token_id}`, t.access_token)).status).toBe(200);
    clock.advance(899 * SECOND);
    expect((await call('GET', TOKENS, t.access_token)).status).toBe(200);
    clock.advance(2 * SECOND); // past the 900 s login lifetime
    const probes = [
      await call('GET', TOKENS, t.access_token),
      await call('GET', `${TOKENS}/${t.token_id}`, t.access_token),
      await call('DELETE', `${TOKENS}/${t.token_id}`, t.access_token),
      await call('GET', `/trpc/tokens.list`, t.access_token),
    ];
    for (const res of probes) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/);
    }
    const admin = await cc();
    const seen = Token.parse((await call('GET', `${TOKENS}/${t.token_id}`, admin.access_token)).body);
    expect(seen.status).toBe('TOKEN_STATUS_EXPIRED');
    expect(seen.expires_in).toBe(0);
    // Expired, not revoked: revoking it is still possible (and then it is revoked).
    expect((await call('DELETE', `${TOKENS}/${t.token_id}`, admin.access_token)).status).toBe(200);
  });

  it('each grant uses its own lifetime', async () => {
    const c = await cc();
    const l = await login();
    expect([c.expires_in, l.expires_in]).toEqual([3600, 900]);
    clock.advance(901 * SECOND);
    expect((await call('GET', TOKENS, l.access_token)).status).toBe(401);
    expect((await call('GET', TOKENS, c.access_token)).status).toBe(200);
  });
});

describe('last_used_at', () => {
  it('is set by authentication, and written at most once a minute', async () => {
    const t = await cc();
    const admin = await cc();
    const lastUsed = async () => Token.parse((await call('GET', `${TOKENS}/${t.token_id}`, admin.access_token)).body).last_used_at;
    expect(await lastUsed()).toBeNull();
    expect((await call('GET', TOKENS, t.access_token)).status).toBe(200);
    const first = await lastUsed();
    expect(first).not.toBeNull();
    clock.advance(30 * SECOND);
    expect((await call('GET', TOKENS, t.access_token)).status).toBe(200);
    expect(await lastUsed()).toBe(first);
    clock.advance(31 * SECOND);
    expect((await call('GET', TOKENS, t.access_token)).status).toBe(200);
    const later = await lastUsed();
    expect(Date.parse(later!)).toBeGreaterThanOrEqual(Date.parse(first!) + 60_000);
  });

  it('is not set by a rejected request', async () => {
    const t = await issue({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret, scope: 'iam.oauth.tokens.get' });
    const admin = await cc();
    // The token lacks the list scope: 401, and no use recorded.
    expect((await call('GET', TOKENS, t.access_token)).status).toBe(401);
    const seen = Token.parse((await call('GET', `${TOKENS}/${t.token_id}`, admin.access_token)).body);
    expect(seen.last_used_at).toBeNull();
  });
});
