import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { bootstrapEntity, createDeps, mintToken, type DepsOptions, type MintSpec, type Deps } from '@tokenwarden/api';
import { openDatabase } from '@tokenwarden/db';
import { createApp, type App } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';

export interface TestServer {
  url: string;
  deps: Deps;
  app: App;
  /** Every log line the server wrote, as text. */
  logLines: string[];
  close(): Promise<void>;
}

/** A real server on port 0 over a fresh SQLite file with migrations. */
export async function startServer(options: DepsOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwarden-test-'));
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const log = createLogger('debug', sink);
  const deps = createDeps(openDatabase(join(dir, 'test.db')), { log, ...options });
  const app = createApp({ deps, log, shutdownGraceMs: 2_000 });
  const address = await app.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${address.port}`,
    deps,
    app,
    logLines,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An entity with its setup client; `admin` is a client-credentials token with every scope. */
export async function newEntity(deps: Deps, name: string) {
  const e = await bootstrapEntity(deps, name);
  const admin = issue(deps, { entityPk: e.entity_pk, clientId: e.client_id, scopes: ['*'] });
  return { ...e, admin };
}

/** Mints a token directly (defaults: client credentials, every scope, one hour). */
export function issue(deps: Deps, spec: Partial<MintSpec> & { entityPk: number }): string {
  return mintToken(deps, {
    clientId: 'test-client',
    userId: null,
    accountId: null,
    grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS',
    roles: [],
    scopes: ['*'],
    lifetimeSeconds: 3600,
    ...spec,
  }).accessToken;
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
