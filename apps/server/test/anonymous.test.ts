import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '@tokenwarden/api';
import { startTestServer, type TestServer } from '../src/testing.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const scoped = OPERATIONS.filter(({ op }) => 'scope' in op.access);
const open = OPERATIONS.filter(({ op }) => 'public' in op.access);

/** A REST call of the operation's documented example, with no credentials. */
function rest(op: (typeof OPERATIONS)[number]['op']): Promise<Response> {
  const { path, body } = op.docs.example.rest;
  return fetch(server.url + path, {
    method: op.rest.method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
}

/** A tRPC call of the operation's documented example, with no credentials (GET for a query, POST for a mutation). */
function trpc(path: string, op: (typeof OPERATIONS)[number]['op']): Promise<Response> {
  const input = JSON.stringify(op.docs.example.input);
  if (op.kind === 'query') return fetch(`${server.url}/trpc/${path}?input=${encodeURIComponent(input)}`);
  return fetch(`${server.url}/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: input });
}

describe('an anonymous caller', () => {
  it('is refused by every operation but issuance, which is the only public one', () => {
    expect(open.map(({ path }) => path)).toEqual(['oauth.issueToken']);
    expect(scoped.length).toBe(OPERATIONS.length - 1);
  });

  it.each(scoped.map(({ path, op }) => [path, op] as const))('%s answers 401 over REST, with the challenge', async (_path, op) => {
    const res = await rest(op);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="tokenwarden"');
    expect(await res.json()).toMatchObject({ code: 16 });
  });

  it.each(scoped.map(({ path, op }) => [path, op] as const))('%s answers 401 over tRPC', async (path, op) => {
    const res = await trpc(path, op);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { data: { code: string; rpc: { code: number } } } };
    expect(body.error.data).toMatchObject({ code: 'UNAUTHORIZED', rpc: { code: 16 } });
  });

  it.each(open.map(({ path, op }) => [path, op] as const))('%s runs without a bearer token on both transports', async (path, op) => {
    // The example's credentials are the demo data's, absent here: the body is checked, and
    // refused as bad credentials, not as a missing bearer token.
    for (const res of [await rest(op), await trpc(path, op)]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).not.toBe('Bearer realm="tokenwarden"');
      expect(JSON.stringify(await res.json())).toContain('credentials');
    }
  });
});
