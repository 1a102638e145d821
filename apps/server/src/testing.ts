import { Writable } from 'node:stream';
import { createDeps, mintToken, type Deps, type DepsOptions, type MintSpec } from '@tokenwarden/api';
import type { Dialect } from '@tokenwarden/db';
import { openTestStore, type TestStoreOptions } from '@tokenwarden/db/testing/test-store';
import { createApp, type App, type AppOptions } from './app.js';
import { createLogger } from './logger.js';

/**
 * Test support for every package that talks to a real server (`@tokenwarden/server/testing`):
 * the real app on port 0 over a fresh database of the run's backend (a SQLite file, or a
 * database of its own on the test PostgreSQL server), migrated.
 */
export interface TestServer {
  url: string;
  deps: Deps;
  app: App;
  backend: Dialect;
  /** Every log line the server wrote (level debug), as text. */
  logLines: string[];
  close(): Promise<void>;
}

export async function startTestServer(
  options: DepsOptions & Pick<TestStoreOptions, 'backend' | 'counts'> & Pick<AppOptions, 'consoleDir'> = {},
): Promise<TestServer> {
  const { backend, counts, consoleDir, ...depsOptions } = options;
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const log = createLogger('debug', sink);
  const db = await openTestStore({ backend, counts, clock: depsOptions.clock });
  const deps = createDeps(db.store, { log, ...depsOptions });
  const app = createApp({ deps, log, shutdownGraceMs: 2_000, consoleDir });
  const address = await app.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${address.port}`,
    deps,
    app,
    backend: db.backend,
    logLines,
    async close() {
      await app.close();
      await db.cleanup();
    },
  };
}

/** Mints a token directly (defaults: client credentials, every scope, one hour). */
export function mintTestToken(deps: Deps, spec: Partial<MintSpec> & { entityPk: number }) {
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
