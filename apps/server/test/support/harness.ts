import { bootstrapEntity, type Deps, type MintSpec } from '@tokenwarden/api';
import { mintTestToken } from '../../src/testing.js';

export { startTestServer as startServer, type TestServer } from '../../src/testing.js';

/** An entity with its setup client; `admin` is a client-credentials token with every scope. */
export async function newEntity(deps: Deps, name: string) {
  const e = await bootstrapEntity(deps, name);
  const admin = issue(deps, { entityPk: e.entity_pk, clientId: e.client_id, scopes: ['*'] });
  return { ...e, admin };
}

/** Mints a token directly (defaults: client credentials, every scope, one hour). */
export function issue(deps: Deps, spec: Partial<MintSpec> & { entityPk: number }): string {
  return mintTestToken(deps, spec).accessToken;
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
