import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, DEFAULT_THROTTLE } from '@tokenwarden/api';
import { ErrorBody, IssueTokenResponse, ListTokensResponse, Token, type GrantFlow } from '@tokenwarden/contracts';
import { DEMO, ensureDemoData } from '../src/demo/data.js';
import { getJson, request, startServer, type RequestOptions, type TestServer } from './support/harness.js';

const TOKENS = '/v1/iam/oauth/tokens';

let server: TestServer;
/** Demo accounts by username (the two each user may act for), and one no demo user has. */
const userAccounts = new Map<string, string[]>();
const userIds = new Map<string, string>();
let demoAccounts: string[] = [];
let otherAccount = '';
let admin: IssueTokenResponse;

function call(method: string, path: string, opts: RequestOptions = {}) {
  return request(`${server.url}${path}`, method, opts);
}

const issue = (body: unknown, headers: Record<string, string> = {}) => call('POST', TOKENS, { body, headers });
const getToken = (token: string, id: string) => call('GET', `${TOKENS}/${id}`, { token });
const revoke = (token: string, id: string, body?: unknown) => call('DELETE', `${TOKENS}/${id}`, { token, body });

async function issued(body: unknown): Promise<IssueTokenResponse> {
  const res = await issue(body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return IssueTokenResponse.parse(res.body);
}

/** The token as the entity's admin sees it in the list. */
async function listed(tokenId: string, flow: GrantFlow): Promise<Token> {
  const res = await getJson(`${server.url}${TOKENS}?grant_flow=${flow}&page_params.page_size=100`, admin.access_token);
  expect(res.status).toBe(200);
  const found = ListTokensResponse.parse(res.body).tokens.find((t) => t.token_id === tokenId);
  if (!found) throw new Error(`token ${tokenId} is not in the list`);
  return found;
}

const cc = (c: { clientId: string; clientSecret: string }, extra: object = {}) => ({
  grant_type: 'client_credentials',
  client_id: c.clientId,
  client_secret: c.clientSecret,
  ...extra,
});
const userOf = (username: string) => DEMO.users.find((u) => u.username === username)!;

beforeAll(async () => {
  // Wrong credentials are sent here for their answers, over both transports, more often than
  // the default 5 per user and address (test/login-throttle.test.ts holds the throttling).
  server = await startServer({ config: { loginThrottle: { ...DEFAULT_THROTTLE, perUserAddress: 100 } } });
  await ensureDemoData(server.deps, { seed: 42, tokens: 40 });
  const d = server.deps.directory;
  const demo = (await d.findClient(DEMO.admin.clientId))!;
  demoAccounts = (await d.listAccounts(demo.entityPk)).map((a) => a.accountId);
  for (const u of await d.listUsers(demo.entityPk)) {
    userIds.set(u.username, u.userId);
    const may = await Promise.all(demoAccounts.map((a) => d.userMayActFor(demo.entityPk, u.pk, a)));
    userAccounts.set(
      u.username,
      demoAccounts.filter((_, i) => may[i]),
    );
  }
  otherAccount = (await createAccount(server.deps, (await d.findClient(DEMO.other.clientId))!.entityPk, 'other account')).account_id;
  admin = await issued(cc(DEMO.admin));
});
afterAll(() => server.close());

describe('the README demo credentials, for every grant', () => {
  it('client_credentials: each demo client gets a token that authenticates and is listed as issued', async () => {
    for (const [client, roles, scopes] of [
      [DEMO.admin, ['ENTITY_ADMIN'], ['*']],
      [DEMO.reporting, ['REPORTING'], ['iam.oauth.tokens.list.get', 'payments.*']],
    ] as const) {
      const res = await issued(cc(client));
      expect(res).toMatchObject({ token_type: 'Bearer', expires_in: 3600, roles, scopes });
      const own = await getJson(`${server.url}${TOKENS}?page_params.page_size=1`, res.access_token);
      expect(own.status).toBe(200);
      expect(await listed(res.token_id, 'GRANT_FLOW_CLIENT_CREDENTIALS')).toMatchObject({
        client_id: client.clientId,
        user_id: null,
        account_id: null,
        roles,
        scopes,
        status: 'TOKEN_STATUS_ACTIVE',
      });
    }
  });

  it('password: the admin client acting for each demo user', async () => {
    for (const u of DEMO.users) {
      const res = await issued({
        grant_type: 'password',
        client_id: DEMO.admin.clientId,
        client_secret: DEMO.admin.clientSecret,
        username: u.username,
        password: u.password,
      });
      // The admin client holds `*`, so the user's scopes pass unchanged.
      expect(res).toMatchObject({ roles: u.roles, scopes: u.scopes, expires_in: 3600 });
      const own = await getJson(`${server.url}${TOKENS}?page_params.page_size=1`, res.access_token);
      expect(own.status, u.username).toBe(200);
      expect(await listed(res.token_id, 'GRANT_FLOW_PASSWORD')).toMatchObject({
        client_id: DEMO.admin.clientId,
        user_id: userIds.get(u.username),
        account_id: null,
        roles: u.roles,
        scopes: u.scopes,
      });
    }
  });

  it('password through the reporting client carries only scopes both hold', async () => {
    const carol = userOf('carol');
    const res = await issued({
      grant_type: 'password',
      client_id: DEMO.reporting.clientId,
      client_secret: DEMO.reporting.clientSecret,
      username: carol.username,
      password: carol.password,
    });
    expect(res.scopes).toEqual(['iam.oauth.tokens.list.get', 'payments.create']);
  });

  it('login: each demo user, short-lived, under the login pseudo-client', async () => {
    for (const u of DEMO.users) {
      const res = await issued({ grant_type: 'login', username: u.username, password: u.password });
      expect(res).toMatchObject({ roles: u.roles, scopes: u.scopes, expires_in: 900 });
      expect(Date.parse(res.expires_at) - Date.parse(res.created_at)).toBe(900_000);
      expect(await listed(res.token_id, 'GRANT_FLOW_LOGIN')).toMatchObject({
        client_id: 'tokenwarden-login',
        user_id: userIds.get(u.username),
        roles: u.roles,
      });
    }
  });

  it('binds an account and narrows scopes as asked (JSON and form-encoded bodies)', async () => {
    const alice = userOf('alice');
    const account = userAccounts.get('alice')![0]!;
    const res = await issued({
      grant_type: 'login',
      username: alice.username,
      password: alice.password,
      account_id: account,
      scope: 'iam.oauth.tokens.get iam.oauth.tokens.list.get',
    });
    expect(res.scopes).toEqual(['iam.oauth.tokens.get', 'iam.oauth.tokens.list.get']);
    expect(await listed(res.token_id, 'GRANT_FLOW_LOGIN')).toMatchObject({ account_id: account, user_id: userIds.get('alice') });

    const form = new URLSearchParams({ ...cc(DEMO.reporting), scope: 'payments.create', account_id: demoAccounts[5]! });
    const viaForm = await call('POST', TOKENS, {
      raw: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(viaForm.status).toBe(200);
    const body = IssueTokenResponse.parse(viaForm.body);
    expect(body.scopes).toEqual(['payments.create']);
    expect((await listed(body.token_id, 'GRANT_FLOW_CLIENT_CREDENTIALS')).account_id).toBe(demoAccounts[5]);
  });

  it('is served on tRPC too (oauth.issueToken)', async () => {
    const res = await call('POST', '/trpc/oauth.issueToken', { body: cc(DEMO.reporting) });
    expect(res.status).toBe(200);
    const data = IssueTokenResponse.parse(res.body.result.data);
    expect((await getToken(admin.access_token, data.token_id)).status).toBe(200);
  });

  it('answers a tRPC batch asked for as a stream in JSON lines, labelled application/jsonl (found by pnpm fuzz)', async () => {
    const input = encodeURIComponent(JSON.stringify({ 0: { token_id: admin.token_id }, 1: { token_id: randomUUID() } }));
    const res = await fetch(`${server.url}/trpc/tokens.get,tokens.get?batch=1&input=${input}`, {
      headers: { authorization: `Bearer ${admin.access_token}`, accept: 'application/jsonl' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/jsonl\b/);
    const lines = (await res.text()).split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(() => JSON.parse(l), l).not.toThrow();
    expect(lines.join('\n')).toContain(admin.token_id);
  });
});

describe("the README's lifecycle section", () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const section = /<!-- section:lifecycle -->([\s\S]*?)<!-- \/section:lifecycle -->/.exec(readme)?.[1] ?? '';

  it('every issuance example works as written against the demo data', async () => {
    // Issuance bodies only: the section's other JSON bodies (a revocation's reason) are not token requests.
    const json = [...section.matchAll(/-d '(\{[^']*\})'/g)]
      .map((m) => JSON.parse(m[1]!) as Record<string, string>)
      .filter((b) => 'grant_type' in b);
    // Form examples, with the client's HTTP Basic credentials where the line gives them (`-u id:secret`).
    const forms = section
      .split('\n')
      .filter((l) => /^curl .* -d grant_type=/.test(l))
      .map((l) => ({
        body: Object.fromEntries([...l.matchAll(/-d (\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])),
        basic: / -u (\S+)/.exec(l)?.[1],
      }));
    expect(new Set(json.map((b) => b.grant_type))).toEqual(new Set(['client_credentials', 'password', 'login']));
    expect(forms.length).toBeGreaterThanOrEqual(2);
    expect(forms.some((f) => f.basic !== undefined)).toBe(true);
    for (const body of json) {
      const res = await issue(body);
      expect(res.status, JSON.stringify(body)).toBe(200);
      const t = Token.parse((await getToken(admin.access_token, res.body.token_id)).body);
      expect(t.grant_flow).toBe(`GRANT_FLOW_${body.grant_type!.toUpperCase()}`);
      if (body.account_id) expect(t.account_id).toBe(body.account_id);
      if (body.scope) expect(t.scopes).toEqual(body.scope.split(' '));
    }
    for (const { body, basic } of forms) {
      const res = await call('POST', TOKENS, {
        raw: new URLSearchParams(body).toString(),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(basic ? { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } : {}),
        },
      });
      expect(res.status, JSON.stringify(body)).toBe(200);
    }
  });

  it('the introspection and RFC 7009 revocation examples work as written, in order', async () => {
    const alice = userOf('alice');
    // $TOKEN as the section makes it (demo-admin acting for alice), $OTHER a token to look at.
    const token = (
      await issued({
        grant_type: 'password',
        client_id: DEMO.admin.clientId,
        client_secret: DEMO.admin.clientSecret,
        ...{ username: alice.username, password: alice.password },
      })
    ).access_token;
    const other = (await issued(cc(DEMO.admin))).access_token;
    const all = section.split('\n');
    const lines = all.filter((l) => /^curl -s "\$TW\/v1\/iam\/oauth\/(?:introspect|revoke)"/.test(l));
    expect(lines.length).toBe(3);
    for (const line of lines) {
      const path = /"\$TW([^"]+)"/.exec(line)![1]!;
      expect(line).toContain('-H "Authorization: Bearer $TOKEN"');
      const pairs = [...line.replace(/#.*$/, '').matchAll(/-d "?(\w+)=([^"\s]+)"?/g)].map((m): [string, string] => [
        m[1]!,
        m[2]!.replace('$OTHER', other),
      ]);
      const res = await call('POST', path, {
        token,
        raw: new URLSearchParams(pairs).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status, line).toBe(200);
      // The answer the section shows: in the line's comment, or in the comment line after it.
      const said = /#\s*(\{.*)$/.exec(line)?.[1] ?? /^#\s*(\{.*)$/.exec(all[all.indexOf(line) + 1] ?? '')?.[1] ?? '';
      if (said.startsWith('{"active":true'))
        expect(res.body, line).toMatchObject({ active: true, client_id: DEMO.admin.clientId, token_type: 'Bearer' });
      else expect(res.body, line).toEqual(JSON.parse(said.replace(/ \(200\)$/, '')));
    }
  });

  it("names alice's demo accounts and the demo credentials truly", () => {
    for (const id of section.match(/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? []) {
      if (section.includes(`"account_id":"${id}"`) || section.includes(`\`${id}\``)) {
        expect(userAccounts.get('alice'), id).toContain(id);
      }
    }
    for (const u of DEMO.users) expect(section).toContain(`password \`${u.password}\``);
    for (const c of [DEMO.admin, DEMO.reporting]) expect(section).toContain(`secret \`${c.clientSecret}\``);
  });
});

describe('issuance errors', () => {
  const expectError = (res: Awaited<ReturnType<typeof call>>, status: number, fields: string[]) => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    const body = ErrorBody.parse(res.body);
    expect(body.details.map((d) => d.field)).toEqual(fields);
    return body;
  };

  // RFC 6749 5.2: a client that fails to authenticate is invalid_client (401); the resource
  // owner's credentials being wrong is invalid_grant (400). Within each, one and the same
  // answer whatever was wrong, over REST and tRPC.
  const alice = () => userOf('alice');
  const badClients = () => [
    cc({ ...DEMO.admin, clientSecret: 'twcs_wrong' }),
    cc({ clientId: 'no-such-client', clientSecret: DEMO.admin.clientSecret }),
    cc({ clientId: DEMO.other.clientId, clientSecret: DEMO.admin.clientSecret }),
    { grant_type: 'password', client_id: 'no-such-client', client_secret: 'x', username: alice().username, password: alice().password },
    { grant_type: 'password', client_id: DEMO.admin.clientId, client_secret: 'twcs_wrong', username: alice().username, password: 'wrong' },
  ];
  const badUsers = () => [
    { grant_type: 'login', username: alice().username, password: 'wrong' },
    { grant_type: 'login', username: 'nobody', password: alice().password },
    { grant_type: 'password', client_id: DEMO.admin.clientId, client_secret: DEMO.admin.clientSecret, username: alice().username, password: 'wrong' },
    // a user of Demo Fintech through Other Corp's client
    {
      grant_type: 'password',
      client_id: DEMO.other.clientId,
      client_secret: DEMO.other.clientSecret,
      username: alice().username,
      password: alice().password,
    },
  ];
  const viaTrpc = async (body: unknown, headers: Record<string, string> = {}) => {
    const res = await call('POST', '/trpc/oauth.issueToken', { body, headers });
    return { ...res, body: res.body.error.data.rpc };
  };

  it('a bad client is one 401 invalid_client, whatever was wrong, with no challenge (credentials in the body)', async () => {
    for (const send of [issue, viaTrpc]) {
      for (const res of await Promise.all(badClients().map((a) => send(a)))) {
        const body = expectError(res, 401, []);
        expect(body).toEqual({
          code: 16,
          message: 'the client credentials are not valid',
          details: [],
          error: 'invalid_client',
          error_description: 'the client credentials are not valid',
        });
        expect(res.headers.get('www-authenticate')).toBeNull();
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.headers.get('pragma')).toBe('no-cache');
      }
    }
    const es = await issue(badClients()[0], { 'accept-language': 'es' });
    expect(es.body.message).toBe('las credenciales del cliente no son válidas');
    expect(es.body.error_description).toBe('las credenciales del cliente no son validas');
  });

  it('bad user credentials are one 400 invalid_grant, whatever was wrong', async () => {
    for (const send of [issue, viaTrpc]) {
      for (const res of await Promise.all(badUsers().map((a) => send(a)))) {
        expect(expectError(res, 400, [])).toEqual({
          code: 3,
          message: 'the username or password is not valid',
          details: [],
          error: 'invalid_grant',
          error_description: 'the username or password is not valid',
        });
        expect(res.headers.get('www-authenticate')).toBeNull();
        expect(res.headers.get('pragma')).toBe('no-cache');
      }
    }
  });

  it('an unknown grant_type is a 400 unsupported_grant_type, a missing one invalid_request, both naming grant_type', async () => {
    for (const [body, error] of [
      [{ grant_type: 'implicit', client_id: 'x' }, 'unsupported_grant_type'],
      [{ grant_type: 'authorization_code' }, 'unsupported_grant_type'],
      [{ client_id: 'x' }, 'invalid_request'],
      [{ grant_type: '' }, 'invalid_request'],
      [undefined, 'invalid_request'],
    ] as const) {
      const res = body === undefined ? await call('POST', TOKENS) : await issue(body);
      const err = expectError(res, 400, ['grant_type']);
      expect(err.code).toBe(3);
      expect(err.message).toBe('grant_type must be one of client_credentials, password, login');
      expect(err.error, JSON.stringify(body)).toBe(error);
      if (body !== undefined) expect((await viaTrpc(body)).body).toEqual(err);
    }
  });

  it('missing fields are a 400 naming each, invalid_request', async () => {
    const err = expectError(await issue({ grant_type: 'password', client_id: DEMO.admin.clientId }), 400, ['client_secret', 'username', 'password']);
    expect(err.message).toBe('client_secret is required');
    expect(err.error).toBe('invalid_request');
    expect(expectError(await issue({ grant_type: 'login', username: '', password: 'x' }), 400, ['username']).error).toBe('invalid_request');
  });

  it('a widened scope is a 400 naming the scope, invalid_scope', async () => {
    const err = expectError(await issue(cc(DEMO.reporting, { scope: 'iam.oauth.tokens.list.get iam.oauth.*' })), 400, ['scope']);
    expect(err.message).toBe('scope asks for scope iam.oauth.*, which the credentials do not hold');
    expect(err.error).toBe('invalid_scope');
    const es = await issue(cc(DEMO.reporting, { scope: 'accounts.read' }), { 'accept-language': 'es' });
    expect(es.body.details[0].description).toBe('pide el scope accounts.read, que las credenciales no tienen');
  });

  it('a foreign account, or one the user may not act for, is a 400 naming account_id, invalid_grant', async () => {
    const carol = userOf('carol');
    const notCarols = demoAccounts.find((a) => !userAccounts.get('carol')!.includes(a))!;
    for (const body of [
      cc(DEMO.admin, { account_id: otherAccount }),
      cc(DEMO.admin, { account_id: randomUUID() }),
      { grant_type: 'login', username: carol.username, password: carol.password, account_id: notCarols },
    ]) {
      const err = expectError(await issue(body), 400, ['account_id']);
      expect(err.message).toBe('account_id is not an account these credentials may act for');
      expect(err.error).toBe('invalid_grant');
    }
  });

  it('a malformed body, a repeated field or a query string is a 400 invalid_request', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    for (const [res, field] of [
      [await call('POST', TOKENS, { raw: '{not json', headers: { 'content-type': 'application/json' } }), 'body'],
      [await call('POST', TOKENS, { raw: '[1,2]', headers: { 'content-type': 'application/json' } }), 'body'],
      [await call('POST', `${TOKENS}?client_secret=x`, { body: cc(DEMO.admin) }), 'client_secret'],
      [await call('POST', TOKENS, { raw: 'grant_type=client_credentials&grant_type=password', headers: form }), 'grant_type'],
    ] as const) {
      expect(expectError(res, 400, [field]).error).toBe('invalid_request');
      expect(res.headers.get('pragma')).toBe('no-cache');
    }
  });
});

describe('retrieve and revoke', () => {
  let other: IssueTokenResponse;
  beforeAll(async () => {
    other = await issued(cc(DEMO.other));
  });

  it('retrieves a token of the entity, 404 for unknown and foreign ids, 400 for a malformed id', async () => {
    const t = await issued(cc(DEMO.reporting));
    const res = await getToken(admin.access_token, t.token_id);
    expect(res.status).toBe(200);
    expect(Token.parse(res.body)).toMatchObject({ token_id: t.token_id, grant_flow: 'GRANT_FLOW_CLIENT_CREDENTIALS' });
    expect(res.body).not.toHaveProperty('access_token');
    expect((await getToken(admin.access_token, t.token_id.toUpperCase())).status).toBe(200);
    expect((await getToken(admin.access_token, randomUUID())).status).toBe(404);
    const foreign = await getToken(admin.access_token, other.token_id);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({ code: 5, message: 'token not found', details: [] });
    const bad = await getToken(admin.access_token, 'not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('token_id');
  });

  it('revokes: 200 {}, then 409 on repeat; 404 unknown and foreign; 400 mismatched body id', async () => {
    const t = await issued(cc(DEMO.reporting));
    const mismatch = await revoke(admin.access_token, t.token_id, { token_id: randomUUID() });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.details).toEqual([{ field: 'body.token_id', description: 'in the body must equal the token_id in the path' }]);
    expect((await getToken(admin.access_token, t.token_id)).body.status).toBe('TOKEN_STATUS_ACTIVE');

    const ok = await revoke(admin.access_token, t.token_id, { token_id: t.token_id });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({});
    const again = await revoke(admin.access_token, t.token_id);
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ code: 9, message: 'the token is already revoked', details: [] });
    const seen = Token.parse((await getToken(admin.access_token, t.token_id)).body);
    expect(seen.status).toBe('TOKEN_STATUS_REVOKED');
    expect(seen.revoked_at).not.toBeNull();

    expect((await revoke(admin.access_token, randomUUID())).status).toBe(404);
    const foreign = await revoke(admin.access_token, other.token_id);
    expect(foreign.status).toBe(404);
    // ...and the foreign token is untouched
    expect((await getToken(other.access_token, other.token_id)).body.status).toBe('TOKEN_STATUS_ACTIVE');
  });

  it('two concurrent revokes of one token: exactly one 200, the other 409', async () => {
    for (let round = 0; round < 3; round++) {
      const t = await issued(cc(DEMO.reporting));
      const statuses = (await Promise.all([revoke(admin.access_token, t.token_id), revoke(admin.access_token, t.token_id)])).map((r) => r.status);
      expect(statuses.sort()).toEqual([200, 409]);
    }
  });

  it('a revoked token gets 401 on every endpoint, at once', async () => {
    const alice = userOf('alice');
    const t = await issued({ grant_type: 'login', username: alice.username, password: alice.password });
    expect((await getToken(t.access_token, t.token_id)).status).toBe(200);
    // A token may revoke itself (it holds iam.oauth.*).
    expect((await revoke(t.access_token, t.token_id)).status).toBe(200);
    const probes = [
      await call('GET', TOKENS, { token: t.access_token }),
      await getToken(t.access_token, t.token_id),
      await getToken(t.access_token, admin.token_id),
      await revoke(t.access_token, admin.token_id),
      await call('GET', `/trpc/tokens.get?input=${encodeURIComponent(JSON.stringify({ token_id: t.token_id }))}`, { token: t.access_token }),
    ];
    for (const res of probes) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    }
    // The admin token was not revoked by the failed attempt.
    expect((await getToken(admin.access_token, admin.token_id)).body.status).toBe('TOKEN_STATUS_ACTIVE');
  });
});
