/**
 * The single-call path (src/trpc-single-call.ts) answers exactly as tRPC's adapter does.
 *
 * Two servers over identical copies of one database (test/support/twin-stores.ts), one
 * with the path and one without it (`trpcSingleCalls: false`: every call through the
 * adapter), each on its own clock set to the same instant before every request, get the
 * same requests in the same order: a table of cases (every operation, valid and invalid
 * inputs, missing and bad credentials, wrong methods, unknown and odd paths, malformed and
 * huge input, odd content types, hosts and headers, en/es), then the fuzz generator's
 * requests to /trpc. Every pair of answers must match in status, headers (all but framing,
 * date and a generated request id) and body, byte for byte.
 *
 * Which path answered shows in the framing: the adapter streams its body (chunked), the
 * single-call path sends a Content-Length. The table says which cases must take the path
 * and which must not ('adapter': tRPC's adapter, or the server before it), so the
 * comparison cannot pass by never taking the path.
 */
import { Writable } from 'node:stream';
import { createDeps, manualClock, type Deps } from '@tokenwarden/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { MAX_BODY_BYTES } from '../src/http-io.js';
import { createLogger } from '../src/logger.js';
import { check, createFixtures, generateRequest, seedFromEnv, send, type Fixtures, type FuzzRequest, type FuzzResponse } from './support/fuzz.js';
import { twinStores, type TwinStores } from './support/twin-stores.js';

const LONG = 300_000;
const FUZZ_SEED = seedFromEnv();
/** Generated requests to draw the /trpc ones from (about a third are). */
const FUZZ_DRAWN = Number(process.env.EQUIVALENCE_REQUESTS ?? 4000);

interface Twin {
  url: string;
  app: App;
  deps: Deps;
  errors: string[];
}

const clocks = [manualClock(Date.UTC(2026, 5, 1) * 1000), manualClock(Date.UTC(2026, 5, 1) * 1000)] as const;
let now = Date.UTC(2026, 5, 1, 1) * 1000;
let stores: TwinStores<Fixtures>;
let fx: Fixtures;
let fast: Twin;
let adapter: Twin;

async function startTwin(i: 0 | 1, trpcSingleCalls: boolean): Promise<Twin> {
  const errors: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      errors.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const log = createLogger('error', sink);
  const deps = createDeps(stores.stores[i], { clock: clocks[i], log });
  const app = createApp({ deps, log, shutdownGraceMs: 2_000, trpcSingleCalls });
  const address = await app.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${address.port}`, app, deps, errors };
}

beforeAll(async () => {
  stores = await twinStores([clocks[0], clocks[1]], createFixtures);
  fx = stores.seeded;
  fast = await startTwin(0, true);
  adapter = await startTwin(1, false);
}, LONG);
afterAll(async () => {
  await fast?.app.close();
  await adapter?.app.close();
  await stores?.cleanup();
});

/** Ids and tokens each server made up itself (an issuance), the adapter's mapped to the single-call server's. */
const madeUp = new Map<string, string>();

const FRAMING = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'x-request-id']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What must be equal of an answer: status, headers but framing and date, the request id (echoed, or one made up), the body. */
function comparable(res: FuzzResponse | { error: string }, mapped: boolean, toTheSecond = false) {
  if ('error' in res) return { error: res.error };
  let body = res.body.toString('utf8');
  if (mapped) for (const [theirs, ours] of madeUp) body = body.split(theirs).join(ours);
  if (toTheSecond) body = body.replace(/(T\d{2}:\d{2}:\d{2})\.\d{1,9}Z/g, '$1Z');
  const id = res.headers['x-request-id'] ?? '';
  return {
    status: res.status,
    headers: Object.fromEntries(
      Object.entries(res.headers)
        .filter(([k]) => !FRAMING.has(k))
        .sort(([x], [y]) => x.localeCompare(y)),
    ),
    requestId: UUID.test(id) ? '(made up)' : id,
    body,
  };
}

/**
 * An answer both servers gave with values each made up (an issuance's token and id, a page
 * token), paired so this answer and later ones that carry them compare.
 */
function pairMadeUp(a: FuzzResponse, b: FuzzResponse): void {
  // Page tokens are sealed with a fresh IV each time: the same position, other bytes.
  const pageTokens = (r: FuzzResponse) => [...r.body.toString('utf8').matchAll(/"next_page_token":"([A-Za-z0-9_-]+)"/g)].map((m) => m[1]!);
  const [ta, tb] = [pageTokens(a), pageTokens(b)];
  if (ta.length === tb.length) {
    for (const [i, t] of tb.entries()) madeUp.set(t, ta[i]!);
  }
  if (a.status !== 200 || b.status !== 200) return;
  const data = (r: FuzzResponse) => {
    try {
      return (JSON.parse(r.body.toString('utf8')) as { result?: { data?: Record<string, unknown> } }).result?.data;
    } catch {
      return undefined;
    }
  };
  const [da, db] = [data(a), data(b)];
  for (const key of ['access_token', 'token_id']) {
    if (typeof da?.[key] === 'string' && typeof db?.[key] === 'string') madeUp.set(db[key] as string, da[key] as string);
  }
}

interface Outcome {
  same: boolean;
  /** The single-call server answered with a Content-Length where the adapter streamed: the path took it. */
  tookPath: boolean;
  a: ReturnType<typeof comparable>;
  b: ReturnType<typeof comparable>;
  problems: string[];
}

/** One request to both servers, in turn, each at the same clock reading. */
async function both(req: FuzzRequest): Promise<Outcome> {
  now += 1_000_000;
  clocks[0].set(now);
  const ra = await send(fast.url, req, 30_000);
  clocks[1].set(now);
  const rb = await send(adapter.url, req, 30_000);
  if (!('error' in ra) && !('error' in rb)) pairMadeUp(ra, rb);
  // A batch is the adapter's on both servers, and its calls run concurrently: the order in
  // which they read the test clock (each read is a microsecond later) is the database's
  // timing, not a path's. Its answers compare to the second.
  const batch = /[?&]batch=/.test(req.target);
  const a = comparable(ra, false, batch);
  const b = comparable(rb, true, batch);
  const tookPath =
    !('error' in ra) && !('error' in rb) && ra.headers['content-length'] !== undefined && rb.headers['transfer-encoding'] === 'chunked';
  // A reset of an oversized upload races the answer on either server: no answer to compare.
  const reset = req.mayReset && ('error' in ra || 'error' in rb);
  // The fuzz suite's oracles (no 5xx, JSON errors, no leak) on what the path answered; the adapter's answers are the fuzz suite's.
  const problems = tookPath ? check(req, ra, fx).map((p) => `${p.kind}: ${p.detail}`) : [];
  return { same: reset || JSON.stringify(a) === JSON.stringify(b), tookPath, a, b, problems };
}

let index = 0;

/** A request as fetch sends it. */
function call(
  method: string,
  target: string,
  o: { token?: string; headers?: [string, string][]; body?: string | Buffer; lang?: string } = {},
): FuzzRequest {
  const headers: [string, string][] = [...(o.headers ?? [])];
  if (o.token !== undefined) headers.push(['authorization', `Bearer ${o.token}`]);
  if (o.lang !== undefined) headers.push(['accept-language', o.lang]);
  const body = o.body === undefined ? undefined : Buffer.from(o.body);
  const raw = method === 'HEAD' || (method === 'GET' && body !== undefined);
  return { index: index++, label: `${method} ${target}`, method, target, headers, body, raw, mayEchoSecrets: true, mayReset: false };
}

/** A request sent as these bytes (`\n` becomes CRLF). */
function rawCall(text: string, o: { mayReset?: boolean } = {}): FuzzRequest {
  const bytes = Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1');
  const [method = '', target = ''] = text.split(' ');
  return {
    index: index++,
    label: text.split('\n')[0] ?? '',
    method,
    target,
    headers: [],
    bytes,
    raw: true,
    mayEchoSecrets: true,
    mayReset: o.mayReset ?? false,
  };
}

const q = (path: string, input?: unknown) =>
  input === undefined ? `/trpc/${path}` : `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`;
const json: [string, string][] = [['content-type', 'application/json']];
const post = (path: string, input: unknown, o: Parameters<typeof call>[2] = {}) =>
  call('POST', `/trpc/${path}`, { headers: json, body: input === undefined ? undefined : JSON.stringify(input), ...o });

describe('single tRPC calls: the same answers with the path as through the adapter', () => {
  it(
    'a table of cases: each answered alike, taken by the path or left to the adapter as expected',
    async () => {
      const b = () => fx.bearers;
      const victim = () => fx.victimIds[0]!;
      const cases: [string, () => FuzzRequest, 'path' | 'adapter'][] = [
        // Queries: list and get.
        ['list, no input', () => call('GET', q('tokens.list'), { token: b().admin }), 'path'],
        ['list, a page', () => call('GET', q('tokens.list', { page_params: { page_size: 5, page_number: 2 } }), { token: b().admin }), 'path'],
        [
          'list, filters and order',
          () =>
            call('GET', q('tokens.list', { grant_flow: 'GRANT_FLOW_PASSWORD', order_params: { order_key: 'expires_at', order_direction: 'ASC' } }), {
              token: b().auditor,
            }),
          'path',
        ],
        ['list, empty input', () => call('GET', '/trpc/tokens.list?input=', { token: b().admin }), 'path'],
        ['list, input null', () => call('GET', q('tokens.list', null), { token: b().admin }), 'path'],
        ['list, page size 0', () => call('GET', q('tokens.list', { page_params: { page_size: 0 } }), { token: b().admin }), 'path'],
        [
          'list, page size 101, es',
          () => call('GET', q('tokens.list', { page_params: { page_size: 101 } }), { token: b().admin, lang: 'es' }),
          'path',
        ],
        ['list, page size a string', () => call('GET', q('tokens.list', { page_params: { page_size: '5' } }), { token: b().admin }), 'path'],
        ['list, unknown field, es-MX', () => call('GET', q('tokens.list', { x: 1 }), { token: b().admin, lang: 'es-MX,es;q=0.9' }), 'path'],
        ['list, an array', () => call('GET', q('tokens.list', [1]), { token: b().admin }), 'path'],
        ['list, another user (403)', () => call('GET', q('tokens.list', { user_id: fx.userIds[0] }), { token: b().teller }), 'path'],
        ['list, no credentials', () => call('GET', q('tokens.list')), 'path'],
        ['list, no credentials, es', () => call('GET', q('tokens.list'), { lang: 'es' }), 'path'],
        ['list, an unknown token', () => call('GET', q('tokens.list'), { token: 'twat_nope' }), 'path'],
        ['list, Basic', () => call('GET', q('tokens.list'), { headers: [['authorization', 'Basic dXNlcjpwYXNz']] }), 'path'],
        ['list, a revoked token', () => call('GET', q('tokens.list'), { token: b().revoked }), 'path'],
        ['list, an expired token', () => call('GET', q('tokens.list'), { token: b().expired }), 'path'],
        ['list, no scope', () => call('GET', q('tokens.list'), { token: b().noscope, lang: 'fr' }), 'path'],
        ['list, the other entity', () => call('GET', q('tokens.list', { page_params: { page_size: 3 } }), { token: b().other }), 'path'],
        ['list, malformed JSON', () => call('GET', '/trpc/tokens.list?input=%7B%22page_params', { token: b().admin }), 'path'],
        ['list, malformed JSON, es', () => call('GET', '/trpc/tokens.list?input={', { token: b().admin, lang: 'es' }), 'path'],
        ['list, a bad escape', () => call('GET', '/trpc/tokens.list?input=%7B%zz%7D', { token: b().admin }), 'path'],
        ['list, raw \' " + < > in the query', () => call('GET', `/trpc/tokens.list?input={"role":"it's+a<b>"}`, { token: b().admin }), 'path'],
        [
          'list, non-ASCII in the input',
          () => call('GET', q('tokens.list', { role: 'caf\u00e9', user_id: '\u{1f600}' }), { token: b().admin }),
          'path',
        ],
        // Node refuses raw non-ASCII in the request line before any route.
        [
          'list, raw non-ASCII in the query',
          () => rawCall(`GET /trpc/tokens.list?input={"role":"\u00e9"} HTTP/1.1\nHost: x\nAuthorization: Bearer ${b().admin}\nConnection: close\n\n`),
          'adapter',
        ],
        ['list, a huge role', () => call('GET', q('tokens.list', { role: 'r'.repeat(9000) }), { token: b().admin }), 'path'],
        ['list, over the header limit', () => call('GET', q('tokens.list', { role: 'r'.repeat(20_000) }), { token: b().admin }), 'adapter'],
        ['list, the caller’s request id', () => call('GET', q('tokens.list'), { token: b().admin, headers: [['x-request-id', 'trace-42']] }), 'path'],
        [
          'list, a request id of other bytes',
          () =>
            rawCall(
              `GET ${q('tokens.list')} HTTP/1.1\nHost: x\nAuthorization: Bearer ${b().admin}\nX-Request-Id: r\u00e9q-\u00ff\nConnection: close\n\n`,
            ),
          'path',
        ],
        [
          'get, a request id of other bytes, 404',
          () => call('GET', q('tokens.get', { token_id: fx.otherTokenId }), { token: b().admin, headers: [['x-request-id', 'r\u00e9q']] }),
          'path',
        ],
        [
          'list, trpc-accept jsonl (dropped)',
          () => call('GET', q('tokens.list'), { token: b().admin, headers: [['trpc-accept', 'application/jsonl']] }),
          'path',
        ],
        ['list, a dot segment', () => call('GET', '/trpc/./tokens.list', { token: b().admin }), 'path'],
        ['get', () => call('GET', q('tokens.get', { token_id: fx.tokenIds[1] }), { token: b().admin }), 'path'],
        ['get, another entity’s (404)', () => call('GET', q('tokens.get', { token_id: fx.otherTokenId }), { token: b().admin }), 'path'],
        ['get, a malformed id, es', () => call('GET', q('tokens.get', { token_id: 'nope' }), { token: b().admin, lang: 'es' }), 'path'],
        ['get, no input', () => call('GET', q('tokens.get'), { token: b().admin }), 'path'],
        ['get, no credentials', () => call('GET', q('tokens.get', { token_id: fx.tokenIds[1] })), 'path'],
        // Left to the adapter: batches, streams, other parameters, types, methods, paths.
        ['list, another parameter', () => call('GET', `${q('tokens.list', {})}&x=1`, { token: b().admin }), 'adapter'],
        ['list, batch', () => call('GET', `/trpc/tokens.list?batch=1&input=${encodeURIComponent('{"0":{}}')}`, { token: b().admin }), 'adapter'],
        ['list, batch=0', () => call('GET', `/trpc/tokens.list?batch=0&input=${encodeURIComponent('{}')}`, { token: b().admin }), 'adapter'],
        [
          'list and get, batch',
          () => call('GET', `/trpc/tokens.list,tokens.get?batch=1&input=${encodeURIComponent('{"0":{}}')}`, { token: b().admin }),
          'adapter',
        ],
        [
          'list, connectionParams',
          () => call('GET', `/trpc/tokens.list?connectionParams=${encodeURIComponent('{"a":1}')}`, { token: b().admin }),
          'adapter',
        ],
        ['list, Accept jsonl', () => call('GET', q('tokens.list'), { token: b().admin, headers: [['accept', 'application/jsonl']] }), 'adapter'],
        ['list, GET with a content type', () => call('GET', q('tokens.list'), { token: b().admin, headers: json }), 'adapter'],
        ['list, GET with a body', () => call('GET', q('tokens.list'), { token: b().admin, headers: json, body: '{}' }), 'adapter'],
        ['list, HEAD', () => call('HEAD', q('tokens.list'), { token: b().admin }), 'adapter'],
        ['list, POST', () => post('tokens.list', {}, { token: b().admin }), 'adapter'],
        ['list, PUT (405 before tRPC)', () => call('PUT', q('tokens.list'), { token: b().admin }), 'adapter'],
        ['list, a trailing slash', () => call('GET', '/trpc/tokens.list/', { token: b().admin }), 'adapter'],
        ['list, an escaped dot', () => call('GET', '/trpc/tokens%2Elist', { token: b().admin }), 'adapter'],
        ['list, a double slash', () => call('GET', '/trpc//tokens.list', { token: b().admin }), 'adapter'],
        ['unknown procedure', () => call('GET', q('tokens.nope', {}), { token: b().admin }), 'adapter'],
        ['a group', () => call('GET', '/trpc/tokens', { token: b().admin }), 'adapter'],
        ['__proto__', () => call('GET', '/trpc/__proto__', { token: b().admin }), 'adapter'],
        ['revoke by GET', () => call('GET', q('tokens.revoke', { token_id: victim() }), { token: b().admin }), 'adapter'],
        ['HTTP/1.0 without Host', () => rawCall(`GET ${q('tokens.list')} HTTP/1.0\nAuthorization: Bearer ${b().admin}\n\n`), 'adapter'],
        [
          'an empty Host',
          () => rawCall(`GET ${q('tokens.list')} HTTP/1.1\nHost: \nAuthorization: Bearer ${b().admin}\nConnection: close\n\n`),
          'adapter',
        ],
        [
          'a Host that is no URL',
          () => rawCall(`GET ${q('tokens.list')} HTTP/1.1\nHost: xn--a\nAuthorization: Bearer ${b().admin}\nConnection: close\n\n`),
          'adapter',
        ],
        [
          'a port out of range',
          () => rawCall(`GET ${q('tokens.list')} HTTP/1.1\nHost: x:99999\nAuthorization: Bearer ${b().admin}\nConnection: close\n\n`),
          'adapter',
        ],
        [
          'a Host with a port',
          () => rawCall(`GET ${q('tokens.list')} HTTP/1.1\nHost: localhost:8080\nAuthorization: Bearer ${b().admin}\nConnection: close\n\n`),
          'path',
        ],
        // Mutations: revoke and issueToken.
        ['revoke', () => post('tokens.revoke', { token_id: victim() }, { token: b().admin }), 'path'],
        ['revoke again (409), es', () => post('tokens.revoke', { token_id: victim() }, { token: b().admin, lang: 'es' }), 'path'],
        [
          'revoke with a body naming another id',
          () => post('tokens.revoke', { token_id: fx.victimIds[1], body: { token_id: fx.victimIds[2] } }, { token: b().admin }),
          'path',
        ],
        [
          'revoke, the same id in the body',
          () => post('tokens.revoke', { token_id: fx.victimIds[3], body: { token_id: fx.victimIds[3] } }, { token: b().admin }),
          'path',
        ],
        ['revoke another entity’s (404)', () => post('tokens.revoke', { token_id: fx.otherTokenId }, { token: b().admin }), 'path'],
        ['revoke a malformed id', () => post('tokens.revoke', { token_id: 'x' }, { token: b().admin }), 'path'],
        ['revoke, no credentials', () => post('tokens.revoke', { token_id: fx.victimIds[4] }), 'path'],
        ['revoke, a list-only token', () => post('tokens.revoke', { token_id: fx.victimIds[4] }, { token: b().teller }), 'path'],
        ['revoke, no body', () => post('tokens.revoke', undefined, { token: b().admin }), 'path'],
        ['revoke, body null', () => post('tokens.revoke', null, { token: b().admin }), 'path'],
        ['revoke, malformed JSON', () => call('POST', '/trpc/tokens.revoke', { token: b().admin, headers: json, body: '{"token_id":' }), 'path'],
        ['revoke, blank body', () => call('POST', '/trpc/tokens.revoke', { token: b().admin, headers: json, body: '   ' }), 'path'],
        [
          'revoke, a BOM',
          () =>
            call('POST', '/trpc/tokens.revoke', { token: b().admin, headers: json, body: `\ufeff${JSON.stringify({ token_id: fx.victimIds[5] })}` }),
          'path',
        ],
        [
          'revoke, invalid UTF-8',
          () => call('POST', '/trpc/tokens.revoke', { token: b().admin, headers: json, body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]) }),
          'path',
        ],
        [
          'revoke, charset',
          () =>
            post(
              'tokens.revoke',
              { token_id: fx.victimIds[6] },
              { token: b().admin, headers: [['content-type', 'application/json; charset=utf-8']] },
            ),
          'path',
        ],
        [
          'revoke, upper case type',
          () => post('tokens.revoke', { token_id: fx.victimIds[7] }, { token: b().admin, headers: [['content-type', 'Application/JSON']] }),
          'path',
        ],
        [
          'revoke, a body of exactly the limit',
          () =>
            call('POST', '/trpc/tokens.revoke', {
              token: b().admin,
              headers: json,
              body: JSON.stringify({ token_id: fx.victimIds[8] }).padEnd(MAX_BODY_BYTES, ' '),
            }),
          'path',
        ],
        [
          'revoke, a body over the limit',
          () =>
            call('POST', '/trpc/tokens.revoke', {
              token: b().admin,
              headers: json,
              body: JSON.stringify({ token_id: fx.victimIds[9] }).padEnd(MAX_BODY_BYTES + 1, ' '),
            }),
          'adapter',
        ],
        [
          'revoke, text/plain',
          () => post('tokens.revoke', { token_id: fx.victimIds[10] }, { token: b().admin, headers: [['content-type', 'text/plain']] }),
          'adapter',
        ],
        [
          'revoke, form-encoded',
          () =>
            call('POST', '/trpc/tokens.revoke', {
              token: b().admin,
              headers: [['content-type', 'application/x-www-form-urlencoded']],
              body: 'token_id=x',
            }),
          'adapter',
        ],
        ['revoke, no content type', () => call('POST', '/trpc/tokens.revoke', { token: b().admin, body: '{}' }), 'adapter'],
        [
          'revoke, a query',
          () => call('POST', '/trpc/tokens.revoke?x=1', { token: b().admin, headers: json, body: JSON.stringify({ token_id: fx.victimIds[11] }) }),
          'adapter',
        ],
        [
          'revoke, batch',
          () =>
            call('POST', '/trpc/tokens.revoke?batch=1', {
              token: b().admin,
              headers: json,
              body: JSON.stringify({ 0: { token_id: fx.victimIds[12] } }),
            }),
          'adapter',
        ],
        [
          'revoke, chunked',
          () =>
            rawCall(
              `POST /trpc/tokens.revoke HTTP/1.1\nHost: x\nAuthorization: Bearer ${b().admin}\nContent-Type: application/json\nTransfer-Encoding: chunked\nConnection: close\n\n2\n{}\n0\n\n`,
            ),
          'adapter',
        ],
        ['revoke, DELETE (405 before tRPC)', () => call('DELETE', '/trpc/tokens.revoke', { token: b().admin }), 'adapter'],
        // The OAuth endpoints (their input read the OAuth way, OAuth error codes) stay the adapter's.
        ['issue, client credentials', () => post('oauth.issueToken', { grant_type: 'client_credentials', ...fx.clients[0] }), 'adapter'],
        [
          'issue, narrowed scopes',
          () => post('oauth.issueToken', { grant_type: 'client_credentials', ...fx.clients[1], scope: 'payments.read' }),
          'adapter',
        ],
        [
          'issue, a wrong secret, es',
          () =>
            post('oauth.issueToken', { grant_type: 'client_credentials', client_id: fx.clients[0]!.client_id, client_secret: 'no' }, { lang: 'es' }),
          'adapter',
        ],
        ['issue, no grant type', () => post('oauth.issueToken', { client_id: 'x' }), 'adapter'],
        ['issue, an unknown grant type', () => post('oauth.issueToken', { grant_type: 'implicit' }), 'adapter'],
        ['issue, no body', () => post('oauth.issueToken', undefined), 'adapter'],
        ['issue, password', () => post('oauth.issueToken', { grant_type: 'password', ...fx.clients[0], ...fx.users[0] }), 'adapter'],
        ['issue, login', () => post('oauth.issueToken', { grant_type: 'login', ...fx.users[1] }), 'adapter'],
        ...Array.from(
          { length: 7 },
          (_, i) =>
            [
              `issue, a wrong password #${i + 1} (throttled from the sixth)`,
              () => post('oauth.issueToken', { grant_type: 'login', username: fx.users[1]!.username, password: 'wrong' }),
              'adapter',
            ] as [string, () => FuzzRequest, 'adapter'],
        ),
        ['issue, by GET', () => call('GET', q('oauth.issueToken', { grant_type: 'client_credentials', ...fx.clients[0] })), 'adapter'],
      ];
      const mismatches: string[] = [];
      const misrouted: string[] = [];
      const problems: string[] = [];
      for (const [name, make, expected] of cases) {
        const o = await both(make());
        if (!o.same) mismatches.push(`${name}:\n  path:    ${JSON.stringify(o.a).slice(0, 600)}\n  adapter: ${JSON.stringify(o.b).slice(0, 600)}`);
        if (o.tookPath !== (expected === 'path'))
          misrouted.push(`${name}: expected ${expected}, ${o.tookPath ? 'the path' : 'the adapter'} answered`);
        problems.push(...o.problems.map((p) => `${name}: ${p}`));
      }
      expect(mismatches).toEqual([]);
      expect(misrouted).toEqual([]);
      expect(problems).toEqual([]);
      // The throttle and the errors above happened alike on both; neither logged an internal error.
      expect(fast.errors).toEqual([]);
      expect(adapter.errors).toEqual([]);
    },
    LONG,
  );

  it(
    `the fuzz generator's requests to /trpc (seed ${FUZZ_SEED}, drawn from ${FUZZ_DRAWN}) are answered alike`,
    async () => {
      const mismatches: string[] = [];
      const problems: string[] = [];
      let sent = 0;
      let tookPath = 0;
      for (let i = 0; i < FUZZ_DRAWN; i++) {
        const req = generateRequest(FUZZ_SEED, i, fx);
        const line = req.bytes ? req.bytes.toString('latin1', 0, Math.max(0, req.bytes.indexOf('\n'))) : `${req.method} ${req.target}`;
        if (!/^\S* \/trpc/.test(line)) continue;
        sent += 1;
        const o = await both(req);
        if (o.tookPath) tookPath += 1;
        if (!o.same)
          mismatches.push(`#${i} ${req.label}:\n  path:    ${JSON.stringify(o.a).slice(0, 600)}\n  adapter: ${JSON.stringify(o.b).slice(0, 600)}`);
        problems.push(...o.problems.map((p) => `#${i} ${req.label}: ${p}`));
      }
      console.log(`single-call equivalence: ${sent} fuzzed /trpc requests, ${tookPath} taken by the path, ${mismatches.length} different`);
      expect(mismatches).toEqual([]);
      expect(problems).toEqual([]);
      // The sample exercises the path, not only the adapter (about a fifth of it takes the path:
      // the rest are batches, odd methods, paths and bodies, and the OAuth endpoints).
      expect(tookPath).toBeGreaterThan(sent / 8);
      expect(fast.errors).toEqual([]);
      expect(adapter.errors).toEqual([]);
    },
    LONG,
  );
});
