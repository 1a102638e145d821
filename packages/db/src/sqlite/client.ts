import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { DrizzleQueryError } from 'drizzle-orm';
import { DuplicateKeyError, StoreUnavailableError } from '../store.js';
import * as schema from './schema.js';

export type SqliteDb = ReturnType<typeof drizzleFor>;
const drizzleFor = (client: Database.Database) => drizzle({ client, schema });

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle/sqlite', import.meta.url));

/** How long a connection waits for another process's write lock before SQLITE_BUSY (then StoreUnavailableError). */
export const BUSY_TIMEOUT_MS = 5_000;

export interface OpenOptions {
  /** Open an existing database for reading only (no migrations, no writes). */
  readonly?: boolean;
  /** Loading a new file in bulk: no fsync and a 1 GiB page cache (durability does not matter until it is complete). */
  bulkLoad?: boolean;
}

/**
 * Opens (creating if needed) the SQLite database at `file` (`:memory:` for tests), sets
 * the pragmas the product relies on, and applies pending migrations.
 */
export function openDatabase(file: string, options: OpenOptions = {}): SqliteDb {
  if (file !== ':memory:' && !options.readonly) mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file, { readonly: options.readonly ?? false });
  if (!options.readonly) {
    // WAL: readers never block the writer and see a consistent snapshot per statement.
    sqlite.pragma('journal_mode = WAL');
    // FULL: a committed revocation survives power loss, not only a process crash.
    sqlite.pragma('synchronous = FULL');
  }
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Bounded page cache (32 MiB) keeps server memory predictable at millions of rows.
  sqlite.pragma(options.bulkLoad ? 'cache_size = -1048576' : 'cache_size = -32768');
  sqlite.pragma('temp_store = MEMORY');
  if (options.bulkLoad) sqlite.pragma('synchronous = OFF');
  const db = drizzleFor(sqlite);
  if (!options.readonly) migrateChecked(db);
  sqlite.pragma('foreign_keys = ON');
  return db;
}

function appliedMigrations(sqlite: Database.Database): number {
  const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  return table ? (sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n : 0;
}

/**
 * Applies pending migrations with foreign keys off, as SQLite's procedure for rebuilding
 * a table requires (the pragma is a no-op inside the migrator's transaction, so it is set
 * before), then checks every reference if anything was applied: a migration that broke one
 * fails the open instead of leaving dangling rows.
 */
function migrateChecked(db: SqliteDb): void {
  const sqlite = db.$client;
  sqlite.pragma('foreign_keys = OFF');
  const before = appliedMigrations(sqlite);
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  if (appliedMigrations(sqlite) === before) return;
  const broken = sqlite.pragma('foreign_key_check') as { table: string; parent: string }[];
  if (broken.length > 0) {
    const first = broken[0]!;
    throw new Error(`migration left ${broken.length} broken reference(s), e.g. ${first.table} → ${first.parent}`);
  }
}

/** Refreshes planner statistics after bulk loads (cheap when nothing changed). */
export function optimizeDatabase(db: SqliteDb): void {
  db.$client.pragma('analysis_limit = 1000');
  db.$client.exec('ANALYZE');
}

export function closeDatabase(db: SqliteDb): void {
  if (db.$client.open) {
    if (!db.$client.readonly) db.$client.pragma('optimize');
    db.$client.close();
  }
}

/**
 * What a driver error means to callers: a duplicate key, a database busy past the
 * timeout (unavailable: retry), or the driver's own error.
 * Drizzle's wrapper is taken off: it carries the statement's parameters, which may be
 * secret hashes, and must never reach a log.
 */
export function translateSqliteError(thrown: unknown): unknown {
  const error = thrown instanceof DrizzleQueryError && thrown.cause ? thrown.cause : thrown;
  const e = error as { code?: unknown; message?: unknown };
  if (e && (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')) {
    // "UNIQUE constraint failed: users.username" names the column.
    const m = typeof e.message === 'string' ? /failed: \w+\.(\w+)/.exec(e.message) : null;
    return new DuplicateKeyError(m?.[1], { cause: error });
  }
  // Another process (a purge, an import) held the write lock longer than busy_timeout: retry later.
  if (e && (e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED' || (typeof e.code === 'string' && e.code.startsWith('SQLITE_BUSY_')))) {
    return new StoreUnavailableError({ cause: error });
  }
  return error;
}

/** Runs synchronous database work as a promise, rejecting with the translated error. */
export function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(translateSqliteError(error));
  }
}
