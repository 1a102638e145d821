import type { Clock } from '../clock.js';
import type { Store } from '../store.js';
import { createPool, drizzleOver, guarded, migratePostgres, type PoolOptions } from './client.js';
import { PgDirectoryStore } from './directory-store.js';
import { PgEventStore } from './event-store.js';
import { PgSummaryStore } from './summary.js';
import { PgTokenStore } from './token-store.js';

export interface PostgresStoreOptions extends PoolOptions {
  /** Creation times and snapshot bounds from this clock instead of the database's (tests only: one process). */
  clock?: Clock;
  /** Apply pending migrations first (default true). */
  migrate?: boolean;
}

/**
 * Opens the PostgreSQL store at `url` (`postgres://user:pass@host:port/db`): a pool,
 * migrations applied once however many replicas start together.
 */
export async function openPostgresStore(url: string, o: PostgresStoreOptions = {}): Promise<Store> {
  const pool = createPool(url, o);
  try {
    if (o.migrate !== false) await guarded(() => migratePostgres(pool));
  } catch (error) {
    await pool.end();
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    dialect: 'postgres',
    tokens: new PgTokenStore(pool, o.clock),
    directory: new PgDirectoryStore(drizzleOver(pool)),
    events: new PgEventStore(pool, o.clock),
    summary: new PgSummaryStore(pool),
    ping: () =>
      guarded(async () => {
        await pool.query({ name: 'tw_ping', text: 'SELECT 1' });
      }),
    optimize: () =>
      guarded(async () => {
        // VACUUM also sets the visibility map, which index-only scans (pages, counts) need.
        await pool.query('VACUUM (ANALYZE) tokens, token_roles, grant_sets');
      }),
    close: () => (closed ??= pool.end()),
  };
}
