import { join } from 'node:path';
import { bootstrapEntity, type Deps, type MintSpec } from '@tokenwarden/api';
import { createTestDatabase } from '@tokenwarden/db/testing/postgres-server';
import { testBackend, testPostgres } from '@tokenwarden/db/testing/test-store';
import { mintTestToken } from '../../src/testing.js';

/**
 * A new, empty database of the run's backend for a server or admin process: the settings
 * to give it (`env`, and `args` for tokenwarden-admin) and how to remove it.
 */
export async function freshDatabase(dir: string, name: string): Promise<{ env: Record<string, string>; args: string[]; drop(): Promise<void> }> {
  if (testBackend() === 'postgres') {
    const db = await createTestDatabase((await testPostgres()).url);
    return { env: { TOKENWARDEN_DATABASE_URL: db.url }, args: [], drop: () => db.drop() };
  }
  const file = join(dir, name);
  return { env: { TOKENWARDEN_DB: file, TOKENWARDEN_DATABASE_URL: '' }, args: ['--db', file], drop: async () => {} };
}

export { startTestServer as startServer, type TestServer } from '../../src/testing.js';

/** An entity with its setup client; `admin` is a client-credentials token with every scope. */
export async function newEntity(deps: Deps, name: string) {
  const e = await bootstrapEntity(deps, name);
  const admin = await issue(deps, { entityPk: e.entity_pk, clientId: e.client_id, scopes: ['*'] });
  return { ...e, admin };
}

/** Mints a token directly (defaults: client credentials, every scope, one hour). */
export async function issue(deps: Deps, spec: Partial<MintSpec> & { entityPk: number }): Promise<string> {
  return (await mintTestToken(deps, spec)).accessToken;
}

export interface RequestOptions {
  token?: string | undefined;
  /** Sent as JSON (content-type application/json unless a header says otherwise). */
  body?: unknown;
  /** Sent as is. */
  raw?: string;
  headers?: Record<string, string>;
}

/** One HTTP call as a REST caller makes it; the body parsed as JSON when it is JSON. */
export async function request(url: string, method: string, opts: RequestOptions = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: a response body of any shape, read field by field by the tests (schemas parse it where the shape matters)
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export function getJson(url: string, token?: string, headers: Record<string, string> = {}) {
  return request(url, 'GET', { token, headers });
}

export interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: a response body of any shape, read field by field by the tests
  body: any;
}

/**
 * One operation called the two ways: REST (`rest`: its path; the body form-encoded when
 * `form`, else JSON) and tRPC (`trpc`: its procedure path, a POST of the body as JSON).
 * Each answer's body is what its caller reads: the REST body, or tRPC's `result.data` /
 * `error.data.rpc`, so the two can be compared as they are.
 */
export async function restAndTrpc(
  url: string,
  op: { rest: string; trpc: string },
  opts: { token?: string; body?: Record<string, string>; form?: boolean; headers?: Record<string, string> } = {},
): Promise<{ rest: Answer; trpc: Answer }> {
  const headers = { ...opts.headers };
  const rest = opts.form
    ? await request(`${url}${op.rest}`, 'POST', {
        token: opts.token,
        raw: new URLSearchParams(opts.body ?? {}).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      })
    : await request(`${url}${op.rest}`, 'POST', { token: opts.token, body: opts.body ?? {}, headers });
  const trpc = await request(`${url}/trpc/${op.trpc}`, 'POST', { token: opts.token, body: opts.body ?? {}, headers });
  trpc.body = trpc.status === 200 ? trpc.body.result.data : trpc.body.error.data.rpc;
  return { rest, trpc };
}
