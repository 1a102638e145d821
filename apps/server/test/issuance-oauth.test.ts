import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, DEFAULT_THROTTLE } from '@tokenwarden/api';
import { ErrorBody, IssueTokenResponse, OAUTH_DESCRIPTION_PATTERN, Token } from '@tokenwarden/contracts';
import { getJson, newEntity, restAndTrpc, startServer, type Answer, type TestServer } from './support/harness.js';

/*
 * The token endpoint as RFC 6749 has it, over REST and tRPC: HTTP Basic client
 * authentication (2.3.1), no caching of any answer (5.1), the error codes (5.2).
 */
const OP = { rest: '/v1/iam/oauth/tokens', trpc: 'oauth.issueToken' };
const TOKENS = '/v1/iam/oauth/tokens';
let server: TestServer;
let e: Awaited<ReturnType<typeof newEntity>>;
const PASSWORD = 'oauth-user-password';

const formEncode = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64')}`;
const issue = (body: Record<string, string>, headers: Record<string, string> = {}, form = true) =>
  restAndTrpc(server.url, OP, { body, headers, form });

function expectNoCache(res: Answer) {
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('pragma')).toBe('no-cache');
}

beforeAll(async () => {
  // Failures are the point here; throttling has its own suite (login-throttle.test.ts).
  server = await startServer({ config: { loginThrottle: { ...DEFAULT_THROTTLE, perUserAddress: 100 } } });
  e = await newEntity(server.deps, 'OAuth standards');
  await createUser(server.deps, e.entity_pk, { username: 'oauth-user', password: PASSWORD, roles: ['AUDITOR'], scopes: ['iam.oauth.*'] });
});
afterAll(() => server?.close());

describe('HTTP Basic client authentication', () => {
  it('issues client_credentials and password tokens to a client authenticated by Basic alone, on both transports', async () => {
    const header = { authorization: basic(e.client_id, e.client_secret) };
    const bodies: Record<string, string>[] = [
      { grant_type: 'client_credentials' },
      { grant_type: 'password', username: 'oauth-user', password: PASSWORD },
    ];
    for (const body of bodies) {
      const { rest, trpc } = await issue(body, header);
      for (const res of [rest, trpc]) {
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expectNoCache(res);
        const issued = IssueTokenResponse.parse(res.body);
        const seen = Token.parse((await getJson(`${server.url}${TOKENS}/${issued.token_id}`, e.admin)).body);
        expect(seen.client_id).toBe(e.client_id);
      }
    }
  });

  it('answers a wrong or unknown Basic client with 401 invalid_client and a Basic challenge, the same for both', async () => {
    const answers: unknown[] = [];
    for (const header of [basic(e.client_id, 'twcs_wrong-secret'), basic('no-such-client', e.client_secret)]) {
      const { rest, trpc } = await issue({ grant_type: 'client_credentials' }, { authorization: header });
      for (const res of [rest, trpc]) {
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Basic realm="tokenwarden"');
        expectNoCache(res);
        expect(ErrorBody.parse(res.body).error).toBe('invalid_client');
        expect(JSON.stringify(res.body)).not.toContain(e.client_secret);
        answers.push(res.body);
      }
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
  });

  it('refuses credentials that differ between the header and the body, and a header that does not decode: 400 invalid_request', async () => {
    const header = { authorization: basic(e.client_id, e.client_secret) };
    const conflict = await issue({ grant_type: 'client_credentials', client_id: e.client_id, client_secret: 'twcs_other' }, header);
    for (const res of [conflict.rest, conflict.trpc]) {
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request', details: [{ field: 'client_secret' }] });
      expect(JSON.stringify(res.body)).not.toMatch(/twcs_/);
    }
    const same = await issue({ grant_type: 'client_credentials', client_id: e.client_id, client_secret: e.client_secret }, header);
    expect([same.rest.status, same.trpc.status]).toEqual([200, 200]);
    const broken = await issue({ grant_type: 'client_credentials' }, { authorization: 'Basic not*base64' });
    for (const res of [broken.rest, broken.trpc]) {
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request', details: [{ field: 'authorization' }] });
      expect(res.headers.get('www-authenticate')).toBeNull();
    }
  });
});

describe('RFC 6749 5.2 error codes, one per kind of failure, on both transports', () => {
  it('answers each failure with its code and status, an ASCII error_description, and no caching', async () => {
    const cc = { grant_type: 'client_credentials', client_id: e.client_id, client_secret: e.client_secret };
    const cases: [string, Record<string, string>, number, string][] = [
      ['missing client_secret', { grant_type: 'client_credentials', client_id: e.client_id }, 400, 'invalid_request'],
      ['malformed account_id', { ...cc, account_id: 'nope' }, 400, 'invalid_request'],
      ['unknown client', { ...cc, client_id: 'no-such-client' }, 401, 'invalid_client'],
      ['wrong password', { grant_type: 'login', username: 'oauth-user', password: 'wrong' }, 400, 'invalid_grant'],
      ['unknown user', { grant_type: 'login', username: 'nobody', password: 'wrong' }, 400, 'invalid_grant'],
      ['account of nobody', { ...cc, account_id: '00000000-0000-4000-8000-000000000000' }, 400, 'invalid_grant'],
      ['unsupported grant', { grant_type: 'refresh_token', refresh_token: 'x' }, 400, 'unsupported_grant_type'],
      ['scope not held', { grant_type: 'login', username: 'oauth-user', password: PASSWORD, scope: 'payments.create' }, 400, 'invalid_scope'],
    ];
    for (const [what, body, status, error] of cases) {
      for (const lang of ['en', 'es']) {
        for (const form of [true, false]) {
          const { rest, trpc } = await issue(body, { 'accept-language': lang }, form);
          for (const res of [rest, trpc]) {
            expect(res.status, what).toBe(status);
            const parsed = ErrorBody.parse(res.body);
            expect(parsed.error, what).toBe(error);
            expect(parsed.error_description, what).toMatch(OAUTH_DESCRIPTION_PATTERN);
            expect(parsed.error_description!.length).toBeGreaterThan(5);
            expectNoCache(res);
            // Credentials in the body: never a challenge.
            expect(res.headers.get('www-authenticate')).toBeNull();
          }
          expect(trpc.body, what).toEqual(rest.body);
        }
      }
    }
  });

  it('keeps every other error body a plain google.rpc.Status, and every other answer uncached only by Cache-Control', async () => {
    const list = await getJson(`${server.url}${TOKENS}?page_params.page_size=0`, e.admin);
    expect(list.status).toBe(400);
    expect(Object.keys(list.body).sort()).toEqual(['code', 'details', 'message']);
    expect(list.headers.get('pragma')).toBeNull();
    const ok = await getJson(`${server.url}${TOKENS}?page_params.page_size=1`, e.admin);
    expect(ok.headers.get('pragma')).toBeNull();
    expect(ok.headers.get('cache-control')).toBe('no-store');
  });
});

describe('secrets', () => {
  it('are in no log line, whether sent in the body or by Basic', async () => {
    await issue({ grant_type: 'client_credentials' }, { authorization: basic(e.client_id, 'twcs_basic-wrong-secret-xyzzy') });
    await issue({ grant_type: 'client_credentials' }, { authorization: basic(e.client_id, e.client_secret) });
    await issue({ grant_type: 'login', username: 'oauth-user', password: 'wrong-password-plugh' });
    await new Promise((r) => setTimeout(r, 50));
    const text = server.logLines.join('\n');
    expect(text).toContain('"event":"token.denied"');
    expect(text).toContain('"error":"invalid_client"');
    expect(text).toContain('"error":"invalid_grant"');
    const basicValue = basic(e.client_id, e.client_secret).slice(6);
    for (const secret of [e.client_secret, 'twcs_basic-wrong-secret-xyzzy', 'wrong-password-plugh', PASSWORD, basicValue]) {
      expect(text).not.toContain(secret);
    }
    expect(text.toLowerCase()).not.toContain('basic ');
  });
});
