import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapEntity, createAccount, createApiClient, createUser } from '@tokenwarden/api';
import { IssueTokenResponse } from '@tokenwarden/contracts';
import { startServer, type TestServer } from './support/harness.js';

/**
 * A full lifecycle with every log line captured (the server's pino logger writes to an
 * in-memory stream): no raw token, hash, client secret or password may appear in them.
 */
const TOKENS = '/v1/iam/oauth/tokens';
let server: TestServer;
const secrets: string[] = [];
const CLIENT_SECRET = 'twcs_log-test-client-secret-0123456789';
const PASSWORD = 'log-test-password-hunter2';
const WRONG = ['wrong-password-zebra', 'twcs_wrong-secret-quokka'];

async function call(method: string, path: string, opts: { token?: string; basic?: string; body?: string; type?: string } = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.basic ? { authorization: `Basic ${opts.basic}` } : {}),
      ...(opts.body ? { 'content-type': opts.type ?? 'application/json' } : {}),
    },
    body: opts.body,
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

function remember(raw: string) {
  const hash = createHash('sha256').update(raw).digest();
  secrets.push(raw, hash.toString('hex'), hash.toString('base64'), hash.toString('base64url'));
}

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('logs of a full lifecycle', () => {
  it('hold the events and requests but no raw token, hash, secret or password', async () => {
    const deps = server.deps;
    const entity = await bootstrapEntity(deps, 'Loggers');
    remember(entity.access_token);
    secrets.push(entity.client_secret);
    const client = await createApiClient(deps, entity.entity_pk, {
      name: 'svc',
      roles: ['SERVICE'],
      scopes: ['iam.oauth.*'],
      clientSecret: CLIENT_SECRET,
    });
    const account = (await createAccount(deps, entity.entity_pk, 'main')).account_id;
    await createUser(deps, entity.entity_pk, {
      username: 'logger',
      password: PASSWORD,
      roles: ['ENTITY_ADMIN'],
      scopes: ['iam.oauth.*'],
      accountIds: [account],
    });
    secrets.push(CLIENT_SECRET, PASSWORD, ...WRONG);
    const stored = [
      (await deps.directory.findClient(client.client_id))?.secretHash,
      (await deps.directory.findUserByUsername('logger'))?.passwordHash,
    ];
    expect(stored[0]).toMatch(/^hmac-sha256\$/);
    expect(stored[1]).toMatch(/^scrypt\$/);
    secrets.push(...(stored as string[]), 'scrypt$', 'hmac-sha256$');

    const creds = { client_id: client.client_id, client_secret: CLIENT_SECRET };
    const issued: IssueTokenResponse[] = [];
    for (const body of [
      { grant_type: 'client_credentials', ...creds },
      { grant_type: 'password', ...creds, username: 'logger', password: PASSWORD, account_id: account },
      { grant_type: 'login', username: 'logger', password: PASSWORD, scope: 'iam.oauth.tokens.delete iam.oauth.tokens.get' },
    ]) {
      const res = await call('POST', TOKENS, { body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      issued.push(IssueTokenResponse.parse(res.body));
    }
    const form = await call('POST', TOKENS, {
      body: new URLSearchParams({ grant_type: 'login', username: 'logger', password: PASSWORD }).toString(),
      type: 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(200);
    issued.push(IssueTokenResponse.parse(form.body));
    const trpc = await call('POST', '/trpc/oauth.issueToken', { body: JSON.stringify({ grant_type: 'client_credentials', ...creds }) });
    expect(trpc.status).toBe(200);
    issued.push(IssueTokenResponse.parse((trpc.body as { result: { data: unknown } }).result.data));
    for (const t of issued) remember(t.access_token);

    // HTTP Basic client authentication, right and wrong: the header's base64 is a secret too.
    const basicRight = Buffer.from(`${client.client_id}:${CLIENT_SECRET}`).toString('base64');
    const basicWrong = Buffer.from(`${client.client_id}:${WRONG[1]}`).toString('base64');
    secrets.push(basicRight, basicWrong);
    const viaBasic = await call('POST', TOKENS, {
      basic: basicRight,
      body: 'grant_type=client_credentials',
      type: 'application/x-www-form-urlencoded',
    });
    expect(viaBasic.status).toBe(200);
    remember(IssueTokenResponse.parse(viaBasic.body).access_token);
    expect((await call('POST', TOKENS, { basic: basicWrong, body: JSON.stringify({ grant_type: 'client_credentials' }) })).status).toBe(401);

    // Failures: wrong password (invalid_grant), wrong secret, a widened scope, a secret in the query string.
    expect((await call('POST', TOKENS, { body: JSON.stringify({ grant_type: 'login', username: 'logger', password: WRONG[0] }) })).status).toBe(400);
    expect(
      (
        await call('POST', TOKENS, {
          body: JSON.stringify({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: WRONG[1] }),
        })
      ).status,
    ).toBe(401);
    expect((await call('POST', TOKENS, { body: JSON.stringify({ grant_type: 'client_credentials', ...creds, scope: 'payments.*' }) })).status).toBe(
      400,
    );
    expect(
      (
        await call('POST', `${TOKENS}?password=${PASSWORD}`, {
          body: JSON.stringify({ grant_type: 'login', username: 'logger', password: PASSWORD }),
        })
      ).status,
    ).toBe(400);

    const [ccToken, pwToken, loginToken, formToken] = issued;
    expect((await call('GET', `${TOKENS}?page_params.page_size=100`, { token: pwToken!.access_token })).status).toBe(200);
    // Introspection and RFC 7009 revocation, each given a raw token in its body.
    const tokenForm = (token: string) => ({ body: new URLSearchParams({ token }).toString(), type: 'application/x-www-form-urlencoded' });
    const introspected = await call('POST', '/v1/iam/oauth/introspect', { token: pwToken!.access_token, ...tokenForm(ccToken!.access_token) });
    expect(introspected.body).toMatchObject({ active: true });
    expect((await call('POST', '/v1/iam/oauth/revoke', { token: pwToken!.access_token, ...tokenForm(formToken!.access_token) })).status).toBe(200);
    expect((await call('GET', TOKENS, { token: formToken!.access_token })).status).toBe(401);
    expect((await call('GET', `${TOKENS}/${ccToken!.token_id}`, { token: loginToken!.access_token })).status).toBe(200);
    expect((await call('DELETE', `${TOKENS}/${ccToken!.token_id}`, { token: loginToken!.access_token })).status).toBe(200);
    expect((await call('GET', TOKENS, { token: ccToken!.access_token })).status).toBe(401);
    expect((await call('GET', TOKENS, { token: `${ccToken!.access_token.slice(0, -2)}zz` })).status).toBe(401);
    await new Promise((r) => setTimeout(r, 50)); // let the last 'finish' log lines flush

    const lines = server.logLines;
    const text = lines.join('\n');
    // The log is really captured: issuance, denial, revocation and each request are there.
    expect(lines.filter((l) => l.includes('"event":"token.issued"')).length).toBeGreaterThanOrEqual(issued.length);
    expect(text).toContain('"event":"token.denied"');
    expect(text).toContain('"event":"token.revoked"');
    expect(lines.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(19);
    for (const secret of secrets) {
      const hit = lines.find((l) => l.includes(secret));
      expect(hit, `a log line holds a secret (${secret.slice(0, 8)}…)`).toBeUndefined();
    }
    expect(text).not.toMatch(/twat_[A-Za-z0-9_-]{10,}/);
    expect(text.toLowerCase()).not.toContain('basic ');
    expect(text).not.toMatch(/twcs_[A-Za-z0-9_-]{10,}/);
    expect(text.toLowerCase()).not.toContain('bearer ');
  });
});
