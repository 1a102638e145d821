import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Store } from '../store.js';
import { closeDatabase, openDatabase, optimizeDatabase } from './client.js';
import { CountWorker } from './count-client.js';
import { SqliteDirectoryStore } from './directory-store.js';
import { SqliteEventStore } from './event-store.js';
import { SqliteSummaryStore } from './summary.js';
import { SqliteTokenStore } from './token-store.js';

export interface SqliteStoreOptions {
  /** The clock of creation times and snapshots (default: the system's, strictly increasing). */
  clock?: Clock;
  /**
   * Where large totals are counted: `worker` (default for a file) on a read-only
   * connection in a worker thread, `inline` on the calling thread. ':memory:' is always inline.
   */
  counts?: 'worker' | 'inline';
  /** With `counts: 'worker'`: sets under this many rows are counted inline (0: every count in the worker). */
  inlineCountCap?: number;
  /** Loading a new file in bulk (benchmark data): no fsync until closed. */
  bulkLoad?: boolean;
  /** A time column's range under this many rows drives a list in another order (default RANGE_DRIVE_CAP; 0: never). */
  rangeDriveCap?: number;
}

/** Opens (creating and migrating) the SQLite store in `file` (':memory:' for tests). */
export function openSqliteStore(file: string, o: SqliteStoreOptions = {}): Store {
  const db = openDatabase(file, { bulkLoad: o.bulkLoad });
  const worker = file !== ':memory:' && o.counts !== 'inline' ? new CountWorker(file) : undefined;
  const probe = db.$client.prepare('SELECT 1');
  const clock = o.clock ?? systemClock();
  const events = new SqliteEventStore(db.$client, file, clock);
  let closed: Promise<void> | undefined;
  return {
    dialect: 'sqlite',
    tokens: new SqliteTokenStore(db, clock, { worker, inlineCap: o.inlineCountCap, rangeDriveCap: o.rangeDriveCap }),
    directory: new SqliteDirectoryStore(db),
    events,
    summary: new SqliteSummaryStore(db),
    ping: async () => {
      probe.get();
    },
    optimize: async () => optimizeDatabase(db),
    close: () =>
      (closed ??= (async () => {
        await worker?.close();
        events.close();
        closeDatabase(db);
      })()),
  };
}
