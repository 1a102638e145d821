import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { openPostgresStore } from '../postgres/store.js';
import { openSqliteStore, type SqliteStoreOptions } from '../sqlite/store.js';
import type { Dialect, Store } from '../store.js';
import { createTestDatabase, ensureTestPostgres, type TestPostgres } from './postgres-server.js';

/**
 * The backend a test run is for: `TOKENWARDEN_TEST_BACKEND` (`sqlite` or `postgres`),
 * which each package's vitest project sets; SQLite when unset.
 */
export function testBackend(): Dialect {
  const b = process.env.TOKENWARDEN_TEST_BACKEND;
  if (b === undefined || b === '' || b === 'sqlite') return 'sqlite';
  if (b === 'postgres') return 'postgres';
  throw new Error(`TOKENWARDEN_TEST_BACKEND must be sqlite or postgres, not ${JSON.stringify(b)}`);
}

let server: Promise<TestPostgres> | undefined;

/** The PostgreSQL server of this test process: found or started once (see `ensureTestPostgres`). */
export function testPostgres(): Promise<TestPostgres> {
  server ??= ensureTestPostgres();
  return server;
}

export interface TestStoreOptions {
  backend?: Dialect;
  clock?: Clock;
  /** SQLite: an in-memory database instead of a file in a fresh temporary folder. */
  memory?: boolean;
  /** SQLite: where large totals are counted. */
  counts?: SqliteStoreOptions['counts'];
  /** SQLite: when a time column's short range drives a list (`rangeDriveCap`; 0: never). */
  rangeDriveCap?: number;
}

export interface TestStore {
  store: Store;
  backend: Dialect;
  /** What a second process would open: the SQLite file or the PostgreSQL URL. */
  location: string;
  /** Closes the store (if still open) and removes its database. */
  cleanup(): Promise<void>;
}

/** A fresh, migrated, empty store of the run's backend: its own SQLite file or its own PostgreSQL database. */
export async function openTestStore(o: TestStoreOptions = {}): Promise<TestStore> {
  const backend = o.backend ?? testBackend();
  if (backend === 'postgres') {
    const db = await createTestDatabase((await testPostgres()).url);
    const store = await openPostgresStore(db.url, { clock: o.clock, max: 5 });
    return {
      store,
      backend,
      location: db.url,
      async cleanup() {
        await store.close();
        await db.drop();
      },
    };
  }
  if (o.memory) {
    const store = openSqliteStore(':memory:', { clock: o.clock, rangeDriveCap: o.rangeDriveCap });
    return { store, backend, location: ':memory:', cleanup: () => store.close() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'tokenwarden-test-'));
  const file = join(dir, 'test.db');
  const store = openSqliteStore(file, { clock: o.clock, counts: o.counts, rangeDriveCap: o.rangeDriveCap });
  return {
    store,
    backend,
    location: file,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
