import type { Clock } from './clock.js';
import { openPostgresStore } from './postgres/store.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/store.js';
import type { Store } from './store.js';

export interface StoreConfig {
  /** `postgres://…` (or `postgresql://…`) selects PostgreSQL; anything else, or none, SQLite. */
  databaseUrl?: string | undefined;
  /** The SQLite file when there is no PostgreSQL URL (':memory:' for tests). */
  sqliteFile: string;
  /** A clock of the process for creation times and snapshots (tests); each adapter's own otherwise. */
  clock?: Clock;
  /** SQLite only: where large totals are counted (see SqliteStoreOptions). */
  counts?: SqliteStoreOptions['counts'];
  /** PostgreSQL only: pool size. */
  poolSize?: number;
}

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//i.test(url);
}

/** Opens the store the configuration names and applies its pending migrations. */
export async function openStore(c: StoreConfig): Promise<Store> {
  if (isPostgresUrl(c.databaseUrl)) return openPostgresStore(c.databaseUrl, { clock: c.clock, max: c.poolSize });
  return openSqliteStore(c.sqliteFile, { clock: c.clock, counts: c.counts });
}

/** Where a store's data lives, for logs: the SQLite file, or the PostgreSQL URL without its password. */
export function describeLocation(c: StoreConfig): string {
  if (!isPostgresUrl(c.databaseUrl)) return c.sqliteFile;
  try {
    const u = new URL(c.databaseUrl);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres (unparseable URL)';
  }
}
