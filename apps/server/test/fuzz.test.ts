/**
 * The fuzz suite's fixed-seed sample (`pnpm fuzz` runs 100,000 requests of the same
 * generator: scripts/fuzz.mjs), and a regression test for each bug it found.
 *
 * FUZZ_SEED overrides the seed, FUZZ_REQUESTS the sample size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/harness.js';
import {
  check,
  createFixtures,
  finalChecks,
  formatReport,
  generateRequest,
  runFuzz,
  seedFromEnv,
  sendRaw,
  type Fixtures,
  type FuzzRequest,
} from './support/fuzz.js';

const SEED = seedFromEnv();
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3000);
const LONG = 300_000;

let server: TestServer;
let fx: Fixtures;
let port: number;

beforeAll(async () => {
  server = await startServer();
  port = Number(new URL(server.url).port);
  fx = await createFixtures(server.deps);
}, LONG);
afterAll(() => server?.close());

/** A raw request on a connection of its own, checked by every oracle of the fuzzer. */
async function raw(text: string) {
  const bytes = Buffer.from(text.replace(/\n/g, '\r\n'), 'latin1');
  const res = await sendRaw(port, bytes, text.startsWith('HEAD '), 30_000);
  const req: FuzzRequest = {
    index: -1,
    label: 'regression',
    method: text.split(' ')[0] ?? 'GET',
    target: text.split(' ')[1] ?? '/',
    headers: [],
    raw: true,
    bytes,
    mayEchoSecrets: false,
    mayReset: false,
  };
  return { res, problems: check(req, res, fx) };
}

function json(res: Awaited<ReturnType<typeof raw>>['res']): unknown {
  if ('error' in res) throw new Error(res.error);
  return JSON.parse(res.body.toString('utf8'));
}

describe(`fuzz (seed ${SEED})`, () => {
  it('generates the same request for the same seed and index', () => {
    const a = generateRequest(SEED, 12345, fx);
    const b = generateRequest(SEED, 12345, fx);
    expect(b).toEqual(a);
    expect(generateRequest(SEED + 1, 12345, fx)).not.toEqual(a);
  });

  it(
    `answers ${REQUESTS} fuzzed requests without a 5xx, a non-JSON error, a leak or an internal error, and stays healthy`,
    async () => {
      console.log(`fuzz sample: seed ${SEED} (FUZZ_SEED to change), ${REQUESTS} requests, ${server.backend}`);
      const report = await runFuzz({
        url: server.url,
        fixtures: fx,
        seed: SEED,
        requests: REQUESTS,
        concurrency: 4,
        timeLimitMs: 240_000,
        timeoutMs: 60_000,
      });
      const final = await finalChecks(server.url, server.logLines);
      console.log(formatReport(report, final));
      expect(report.requests).toBe(REQUESTS);
      expect([...report.groups.keys()], formatReport(report, final)).toEqual([]);
      expect(final).toEqual([]);
    },
    LONG,
  );
});

describe('bugs the fuzzer found (regressions)', () => {
  const internalErrorsSince = (before: number) => server.logLines.slice(before).filter((l) => l.includes('internal error'));

  it.each([
    ['an absolute-form target that is not a URL', 'GET http://[::1 HTTP/1.1\nHost: x\nConnection: close\n\n'],
    ['the target //', 'GET // HTTP/1.1\nHost: x\nConnection: close\n\n'],
    ['the target https://', 'GET https:// HTTP/1.1\nHost: x\nConnection: close\n\n'],
  ])(
    'BUG-1 %s answers a 4xx google.rpc.Status, not a 500 with an internal error logged',
    async (_what, text) => {
      const before = server.logLines.length;
      const { res, problems } = await raw(text);
      expect(problems).toEqual([]);
      expect('status' in res && res.status).toBe(400);
      expect(json(res)).toMatchObject({ code: 3 });
      expect(internalErrorsSince(before)).toEqual([]);
    },
    60_000,
  );

  it.each([
    ['POST without a content type', 'POST /trpc/tokens.list HTTP/1.1\nHost: x\nContent-Length: 0\nConnection: close\n\n'],
    ['POST with text/plain', 'POST /trpc/tokens.revoke HTTP/1.1\nHost: x\nContent-Type: text/plain\nContent-Length: 2\nConnection: close\n\n{}'],
    ['OPTIONS', 'OPTIONS /trpc/tokens.list HTTP/1.1\nHost: x\nConnection: close\n\n'],
    ['PUT', 'PUT /trpc/tokens.get HTTP/1.1\nHost: x\nContent-Length: 0\nConnection: close\n\n'],
    ['PROPFIND', 'PROPFIND /trpc/tokens.list HTTP/1.1\nHost: x\nConnection: close\n\n'],
    ['TRACE', 'TRACE /trpc/tokens.list HTTP/1.1\nHost: x\nConnection: close\n\n'],
  ])(
    'BUG-2 tRPC %s answers a 4xx JSON error, not a 500 with an internal error logged',
    async (_what, text) => {
      const before = server.logLines.length;
      const { res, problems } = await raw(text);
      expect(problems).toEqual([]);
      expect('status' in res && res.status).toBeGreaterThanOrEqual(400);
      expect('status' in res && res.status).toBeLessThan(500);
      expect(internalErrorsSince(before)).toEqual([]);
    },
    60_000,
  );

  it.each([
    ['a bad escape in the procedure path', 'GET /trpc/%zz HTTP/1.1\nHost: x\nConnection: close\n\n'],
    [
      'a GET with a body of another type',
      'GET /trpc/tokens.list HTTP/1.1\nHost: x\nContent-Type: application/octet-stream\nContent-Length: 2\nConnection: close\n\n{}',
    ],
  ])(
    'BUG-3 tRPC errors raised before a procedure runs (%s) are served as application/json',
    async (_what, text) => {
      const { res, problems } = await raw(text);
      expect(problems).toEqual([]);
      expect('status' in res && res.headers['content-type']).toMatch(/^application\/json/);
    },
    60_000,
  );

  it.each([
    ['an unknown method', 'FROBNICATE /v1/iam/oauth/tokens HTTP/1.1\nHost: x\nConnection: close\n\n', 400],
    ['a lower-case method', 'get /healthz HTTP/1.1\nHost: x\nConnection: close\n\n', 400],
    ['a control character in a header value', 'GET /v1/iam/oauth/tokens HTTP/1.1\nHost: x\nAuthorization: Bearer \u0001\nConnection: close\n\n', 400],
    [
      'an unparseable Content-Length',
      'POST /v1/iam/oauth/tokens HTTP/1.1\nHost: x\nContent-Length: 99999999999999999999\nConnection: close\n\n{}',
      400,
    ],
    ['two Content-Lengths', 'POST /v1/iam/oauth/tokens HTTP/1.1\nHost: x\nContent-Length: 2\nContent-Length: 3\nConnection: close\n\n{}', 400],
    ['bad chunked framing', 'POST /v1/iam/oauth/tokens HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\nConnection: close\n\nzz\n{}\n0\n\n', 400],
    ['no Host header', 'GET /healthz HTTP/1.1\nConnection: close\n\n', 400],
    ['headers over 16 KiB', `GET /healthz HTTP/1.1\nHost: x\nX-Big: ${'a'.repeat(17_000)}\nConnection: close\n\n`, 431],
  ])(
    'BUG-4 a request Node rejects before the app (%s) is answered with a google.rpc.Status JSON body and an X-Request-Id',
    async (_what, text, status) => {
      const { res, problems } = await raw(text);
      expect('status' in res && res.status).toBe(status);
      expect(problems).toEqual([]);
      expect(json(res)).toMatchObject({ code: 3, message: expect.any(String), details: expect.any(Array) });
    },
    60_000,
  );

  it('BUG-5 HEAD /healthz answers as GET does (200, no body), and other methods 405 with Allow', async () => {
    const head = await raw('HEAD /healthz HTTP/1.1\nHost: x\nConnection: close\n\n');
    expect(head.problems).toEqual([]);
    expect('status' in head.res && head.res.status).toBe(200);
    const post = await raw('POST /healthz HTTP/1.1\nHost: x\nContent-Length: 0\nConnection: close\n\n');
    expect(post.problems).toEqual([]);
    expect('status' in post.res && post.res.status).toBe(405);
  }, 60_000);

  it.each([[''], [' '], ['\t']])(
    'BUG-6 a blank X-Request-Id (%j) is replaced by a fresh one, not echoed',
    async (id) => {
      const { res, problems } = await raw(`GET /healthz HTTP/1.1\nHost: x\nX-Request-Id: ${id}\nConnection: close\n\n`);
      expect(problems).toEqual([]);
      expect('status' in res && res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    },
    60_000,
  );

  it('BUG-7 a streamed tRPC batch (trpc-accept: application/jsonl) is not labelled application/json', async () => {
    const input = encodeURIComponent(JSON.stringify({ 0: {}, 1: {} }));
    const { problems } = await raw(
      `GET /trpc/tokens.list,tokens.list?batch=1&input=${input} HTTP/1.1\nHost: x\ntrpc-accept: application/jsonl\nConnection: close\n\n`,
    );
    expect(problems).toEqual([]);
  }, 60_000);

  it.each([['status&status=ACTIVE'], ['status=&status=REVOKED'], ['type=&type=TOKEN_ISSUED']])(
    'BUG-8 a list parameter repeated after an empty value (%s) is a 400 naming it, not a 500',
    async (query) => {
      const path = query.startsWith('type') ? '/v1/iam/oauth/token-events' : '/v1/iam/oauth/tokens';
      const { res, problems } = await raw(`GET ${path}?${query} HTTP/1.1
Host: x
Authorization: Bearer ${fx.bearers.admin}
Connection: close

`);
      expect(problems).toEqual([]);
      expect('status' in res && res.status).toBe(400);
      expect(json(res)).toMatchObject({ details: [{ field: query.split(/[=&]/)[0] }] });
    },
    60_000,
  );
});

describe('the OAuth oracles (RFC 6749 5.1, 5.2)', () => {
  const request = (method: string, target: string, headers: [string, string][] = []): FuzzRequest => ({
    index: -1,
    label: 'oracle',
    method,
    target,
    headers,
    raw: false,
    mayEchoSecrets: false,
    mayReset: false,
  });
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
    status,
    headers: { 'content-type': 'application/json', 'x-request-id': 'r', 'cache-control': 'no-store', ...headers },
    body: Buffer.from(JSON.stringify(body)),
  });
  const invalidClient = { code: 16, message: 'm', details: [], error: 'invalid_client', error_description: 'm' };
  const kinds = (req: FuzzRequest, res: ReturnType<typeof answer>) => check(req, res, fx).map((p) => p.kind);

  it('hold an invalid_client to its challenge: none after body credentials, Basic after Basic', () => {
    const issue = request('POST', '/v1/iam/oauth/tokens');
    const basic = request('POST', '/v1/iam/oauth/tokens', [['authorization', 'Basic eDp5']]);
    expect(kinds(issue, answer(401, invalidClient))).toEqual([]);
    expect(kinds(issue, answer(401, invalidClient, { 'www-authenticate': 'Bearer realm="tokenwarden"' }))).toEqual([
      'invalid_client with the wrong challenge',
    ]);
    expect(kinds(basic, answer(401, invalidClient, { 'www-authenticate': 'Basic realm="tokenwarden"' }))).toEqual([]);
    expect(kinds(basic, answer(401, invalidClient))).toEqual(['invalid_client with the wrong challenge']);
  });

  it('allow the OAuth fields only on the OAuth endpoints, with a matching code and an ASCII description', () => {
    const grant = { code: 3, message: 'm', details: [], error: 'invalid_grant', error_description: 'm' };
    expect(kinds(request('POST', '/v1/iam/oauth/tokens'), answer(400, grant))).toEqual([]);
    expect(kinds(request('POST', '/v1/iam/oauth/introspect'), answer(400, { ...grant, error: 'invalid_request' }))).toEqual([]);
    expect(kinds(request('GET', '/v1/iam/oauth/tokens'), answer(400, grant))).toEqual(['REST error not google.rpc.Status']);
    expect(kinds(request('POST', '/v1/iam/oauth/tokens'), answer(400, { ...grant, error_description: 'válido' }))).toEqual([
      'REST error not google.rpc.Status',
    ]);
    expect(kinds(request('POST', '/v1/iam/oauth/tokens'), answer(400, { ...grant, error: 'invalid_client' }))).toEqual([
      'REST error not google.rpc.Status',
    ]);
    expect(kinds(request('POST', '/v1/iam/oauth/tokens'), answer(400, { ...grant, error: 'access_denied' }))).toEqual([
      'REST error not google.rpc.Status',
    ]);
  });

  it('want Pragma: no-cache on every OAuth 200', () => {
    const ok = { active: false };
    expect(kinds(request('POST', '/v1/iam/oauth/introspect'), answer(200, ok, { pragma: 'no-cache' }))).toEqual([]);
    expect(kinds(request('POST', '/v1/iam/oauth/introspect'), answer(200, ok))).toEqual([
      'OAuth answer without Cache-Control: no-store and Pragma: no-cache',
    ]);
    expect(kinds(request('POST', '/trpc/oauth.revoke'), answer(200, { result: { data: {} } }))).toEqual([
      'OAuth answer without Cache-Control: no-store and Pragma: no-cache',
    ]);
  });

  it('are exercised: the sample sends introspection, RFC 7009 revocation and Basic client authentication', () => {
    const labels = Array.from({ length: REQUESTS }, (_, i) => generateRequest(SEED, i, fx).label);
    for (const what of ['introspect', 'revoke-by-value', 'basic']) {
      expect(labels.filter((l) => l.includes(what)).length, what).toBeGreaterThan(20);
    }
  });
});
