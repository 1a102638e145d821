import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapEntity, createDeps, mintToken, type Deps, type DepsOptions, type MintSpec } from '@tokenwarden/api';
// @tokenwarden/db is not a devDependency of the client (it is the server's business); the
// tests open the server's database through the workspace path. Only tests do this.
import { openDatabase } from '../../../db/dist/index.js';
import { createApp, createLogger, type App } from '@tokenwarden/server';

export interface TestServer {
  url: string;
  deps: Deps;
  app: App;
  close(): Promise<void>;
}

/** A real Tokenwarden server on port 0 over a fresh SQLite file with migrations. */
export async function startServer(options: DepsOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwarden-client-test-'));
  const log = createLogger('silent');
  const deps = createDeps(openDatabase(join(dir, 'test.db')), { log, ...options });
  const app = createApp({ deps, log, shutdownGraceMs: 1_000 });
  const address = await app.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${address.port}`,
    deps,
    app,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An entity with its setup client and its all-powerful ENTITY_SETUP token. */
export function newEntity(deps: Deps, name: string) {
  return bootstrapEntity(deps, name);
}

/** Mints a token directly (defaults: client credentials, every scope, one hour). */
export function mint(deps: Deps, spec: Partial<MintSpec> & { entityPk: number }) {
  return mintToken(deps, {
    clientId: 'test-client',
    userId: null,
    accountId: null,
    grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS',
    roles: [],
    scopes: ['*'],
    lifetimeSeconds: 3600,
    ...spec,
  });
}
