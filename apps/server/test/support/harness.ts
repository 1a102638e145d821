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

export async function getJson(url: string, token?: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body: body as any };
}
