import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_PATH, OPENAPI_PATH } from '../src/openapi/docs-routes.js';
import { newEntity, request, startServer, type TestServer } from './support/harness.js';

/**
 * Every response names its request in `x-request-id`, whichever way its head is written:
 * by sendJson (REST answers and errors, health), by the docs routes, or implicitly by the
 * tRPC adapter. The caller's own id is echoed; otherwise one is made per request.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TOKENS = '/v1/iam/oauth/tokens';
let server: TestServer;
let admin: string;

beforeAll(async () => {
  server = await startServer();
  admin = (await newEntity(server.deps, 'Request ids')).admin;
});
afterAll(() => server.close());

const cases: [string, string, string, () => string | undefined, number][] = [
  ['REST list', 'GET', `${TOKENS}?page_params.page_size=5`, () => admin, 200],
  ['REST error (no token)', 'GET', TOKENS, () => undefined, 401],
  ['REST error (bad query)', 'GET', `${TOKENS}?page_params.page_size=x`, () => admin, 400],
  ['unknown route', 'GET', '/v2/nothing', () => undefined, 404],
  ['wrong method', 'PUT', TOKENS, () => admin, 405],
  ['health', 'GET', '/healthz', () => undefined, 200],
  ['OpenAPI document', 'GET', OPENAPI_PATH, () => undefined, 200],
  ['docs page', 'GET', DOCS_PATH, () => undefined, 200],
  ['docs, wrong method', 'DELETE', OPENAPI_PATH, () => undefined, 405],
  ['tRPC query', 'GET', '/trpc/tokens.list', () => admin, 200],
  ['tRPC error', 'GET', '/trpc/tokens.list', () => undefined, 401],
];

describe('x-request-id', () => {
  it.each(cases)('is made per request when the caller sends none: %s', async (_, method, path, token, status) => {
    const first = await request(server.url + path, method, { token: token() });
    const second = await request(server.url + path, method, { token: token() });
    expect([first.status, second.status]).toEqual([status, status]);
    expect(first.headers.get('x-request-id')).toMatch(UUID);
    expect(second.headers.get('x-request-id')).toMatch(UUID);
    expect(second.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
  });

  it.each(cases)("echoes the caller's id: %s", async (_, method, path, token, status) => {
    const id = `trace-${method}-${status}-${path.length}`;
    const res = await request(server.url + path, method, { token: token(), headers: { 'x-request-id': id } });
    expect(res.status).toBe(status);
    expect(res.headers.get('x-request-id')).toBe(id);
  });

  it('is the req_id of the request log line, and appears once in the head', async () => {
    const id = 'trace-log-line-check';
    const res = await fetch(`${server.url}${TOKENS}`, { headers: { authorization: `Bearer ${admin}`, 'x-request-id': id } });
    await res.text();
    // fetch joins repeated headers with ', ': one value means the header was written once.
    expect(res.headers.get('x-request-id')).toBe(id);
    await new Promise((r) => setTimeout(r, 20));
    const line = server.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.req_id === id);
    expect(line).toMatchObject({ msg: 'request', status: 200, path: TOKENS });
  });
});
