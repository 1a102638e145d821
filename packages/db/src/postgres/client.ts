import { fileURLToPath } from 'node:url';
import { DrizzleQueryError } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { DuplicateKeyError, StoreUnavailableError } from '../store.js';
import * as schema from './schema.js';

export const PG_MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle/postgres', import.meta.url));

/** Key of the session lock under which one process at a time migrates (replicas starting together). */
const MIGRATION_LOCK = 7_465_987_301;

const INT8_OID = 20;

/**
 * int8 columns (microsecond instants, token keys) as numbers: every value the product
 * stores is below 2^53 (a microsecond clock reaches it in the year 2255).
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? Number : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PoolOptions {
  /** Connections at most (default 10). */
  max?: number;
  /** How long a query may wait for a connection before it fails as unavailable (default 2 s). */
  connectionTimeoutMillis?: number;
}

export function createPool(url: string, o: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: o.max ?? 10,
    connectionTimeoutMillis: o.connectionTimeoutMillis ?? 2_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    types,
    application_name: 'tokenwarden',
  });
  // An idle connection that dies (the server restarted) is dropped from the pool and
  // replaced on next use; without a listener its error would end the process.
  pool.on('error', () => {});
  return pool;
}

export type PgDb = ReturnType<typeof drizzleOver>;
export const drizzleOver = (client: pg.Pool | pg.PoolClient) => drizzle({ client, schema });

/**
 * Applies pending migrations. Replicas starting together take a session advisory lock
 * first, so exactly one applies them and the others find nothing left to do.
 */
export async function migratePostgres(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(drizzleOver(client), { migrationsFolder: PG_MIGRATIONS_FOLDER });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection ended|connection timeout/i;

interface PgErrorLike {
  code?: unknown;
  constraint?: unknown;
  detail?: unknown;
  message?: unknown;
}

/**
 * What a driver error means to callers: a lost database, a duplicate key, or the driver's
 * own error. Drizzle's wrapper is taken off: it carries the statement's parameters, which
 * may be secret hashes, and must never reach a log.
 */
export function translatePgError(thrown: unknown): unknown {
  const error = thrown instanceof DrizzleQueryError && thrown.cause ? thrown.cause : thrown;
  if (error instanceof StoreUnavailableError || error instanceof DuplicateKeyError) return error;
  const e = (error ?? {}) as PgErrorLike;
  const code = typeof e.code === 'string' ? e.code : '';
  // The driver's detail names the duplicated value (a username, a token hash): not kept.
  if (code === '23505') return new DuplicateKeyError(uniqueColumn(e), { cause: { code, constraint: e.constraint } });
  // Class 08: connection exceptions; 57P01-03: the server is shutting down or starting; 53300: too many connections.
  if (NETWORK_CODES.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code) || code === '53300') {
    return new StoreUnavailableError({ cause: error });
  }
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return new StoreUnavailableError({ cause: error });
  return error;
}

/** The column of a unique violation, from its detail: `Key (username)=(alice) already exists.` */
function uniqueColumn(e: PgErrorLike): string | undefined {
  const m = typeof e.detail === 'string' ? /^Key \(([^)]+)\)/.exec(e.detail) : null;
  return m?.[1];
}

/** Runs `work`, rejecting with the translated error. */
export async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translatePgError(error);
  }
}

/**
 * Runs `work` in a transaction on one connection of the pool: committed when it resolves,
 * rolled back when it throws.
 */
export async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A connection that cannot even roll back is not given back to the pool for reuse.
    await client.query('ROLLBACK').catch((rollback: unknown) => {
      broken = rollback instanceof Error ? rollback : new Error('rollback failed');
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * The class of the per-entity snapshot lock (advisory, transaction level; see
 * drizzle/postgres/0001_snapshot_clock.sql): changes that a snapshot must see whole (a
 * token issued, a token revoked) hold it shared from reading the clock until commit.
 */
export const SNAPSHOT_LOCK = 1_953_955_841;
