import { readdirSync } from 'node:fs';
import { createPool, PG_MIGRATIONS_FOLDER } from '@tokenwarden/db/postgres/client';
import type { HistoricalToken, Store, TokenStore } from '@tokenwarden/db';
import { openPostgresStore } from '@tokenwarden/db/postgres/store';
import { planPopulation, writePopulation, type Population } from '../dataset.js';
import { benchBearersIn } from '../http.js';

/** The benchmark population in a PostgreSQL database of its own. */
export interface PgDataset extends Population {
  /** The database's URL (the admin URL with the database swapped). */
  url: string;
  database: string;
  /** Seconds the load took (entities, tokens, bench bearers, VACUUM ANALYZE); undefined when reused. */
  loadSeconds: number | undefined;
  /** Of which VACUUM ANALYZE. */
  optimizeSeconds: number | undefined;
}

/** Written last: a database without this table's row is an interrupted load, dropped and loaded again. */
const MARKER = 'tw_bench_dataset';

/** The admin URL with its database swapped, keeping credentials and query parameters. */
export function databaseUrl(adminUrl: string, database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** The database name for (size, seed) and the PostgreSQL schema (its number of migrations). */
export function pgDatasetName(size: number, seed: number): string {
  const schema = readdirSync(PG_MIGRATIONS_FOLDER).filter((f) => f.endsWith('.sql')).length;
  return `tw_bench_${size}_${seed}_v${schema}`;
}

/**
 * Opens (loading on first use) the benchmark population for (size, seed) on the server
 * of `adminUrl`: the same entities and tokens as the SQLite file (the same plan, seeds and
 * `hashedUuid` token ids; token hashes are random either way), written through the
 * product's `insertHistorical` (unnest arrays, 20,000 a batch), with the HTTP bench
 * bearers, then VACUUM ANALYZE (`store.optimize()`: statistics and the visibility map that
 * index-only scans need). A complete database is reused; an incomplete one is dropped.
 * `database` names another database (tests).
 */
export async function ensurePgDataset(
  adminUrl: string,
  size: number,
  seed: number,
  log: (line: string) => void,
  o: { database?: string } = {},
): Promise<PgDataset> {
  const { population, entities } = planPopulation(size, seed);
  const database = o.database ?? pgDatasetName(size, seed);
  const url = databaseUrl(adminUrl, database);
  const dataset: PgDataset = { ...population, url, database, loadSeconds: undefined, optimizeSeconds: undefined };
  const admin = createPool(adminUrl, { max: 1, connectionTimeoutMillis: 10_000 });
  try {
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1;
    if (exists && (await isComplete(url, size, seed))) {
      log(`dataset: reusing PostgreSQL database ${database}`);
      return dataset;
    }
    const ident = `"${database.replace(/"/g, '""')}"`;
    if (exists) {
      log(`dataset: ${database} is incomplete, dropping it`);
      await admin.query(`DROP DATABASE ${ident} WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE ${ident}`);
  } finally {
    await admin.end();
  }
  const started = Date.now();
  log(`dataset: loading ${size.toLocaleString('en-US')} tokens into PostgreSQL database ${database}`);
  const store = await openPostgresStore(url, { max: 2 });
  try {
    const batching = batchingTokens(store.tokens, 20_000);
    await writePopulation({ ...store, tokens: batching.tokens } satisfies Store, population, entities, log, { started });
    await batching.flush();
    const written = Date.now();
    log(
      `dataset: ${size} tokens inserted in ${Math.round((written - started) / 1000)} s (${Math.round(size / ((written - started) / 1000))}/s); bench bearers`,
    );
    // Before VACUUM, so their heap pages are all-visible too; HTTP runs then find them.
    await benchBearersIn(store, population);
    await flushWal(url);
    log('dataset: VACUUM ANALYZE');
    const vacuumStarted = Date.now();
    await store.optimize();
    dataset.optimizeSeconds = (Date.now() - vacuumStarted) / 1000;
  } finally {
    await store.close();
  }
  const marker = createPool(url, { max: 1 });
  try {
    // Index-only scans skip the heap only on pages VACUUM marked all-visible.
    const vm = await marker.query<{ relname: string; pages: number; visible: number }>(
      "SELECT relname, relpages AS pages, relallvisible AS visible FROM pg_class WHERE relname IN ('tokens', 'token_roles') ORDER BY relname",
    );
    log(`dataset: all-visible after VACUUM: ${vm.rows.map((r) => `${r.relname} ${r.visible}/${r.pages} pages`).join(', ')}`);
    await marker.query(`CREATE TABLE ${MARKER} (size bigint NOT NULL, seed bigint NOT NULL, load_seconds double precision NOT NULL)`);
    await marker.query(`INSERT INTO ${MARKER} VALUES ($1, $2, $3)`, [size, seed, (Date.now() - started) / 1000]);
  } finally {
    await marker.end();
  }
  dataset.loadSeconds = (Date.now() - started) / 1000;
  log(`dataset: ${size} tokens loaded in ${Math.round(dataset.loadSeconds)} s (VACUUM ANALYZE ${Math.round(dataset.optimizeSeconds ?? 0)} s)`);
  return dataset;
}

/**
 * Waits until the WAL is flushed past every commit of the load. With synchronous_commit
 * off (the private server), VACUUM right after the last commits cannot set the hint bits
 * of tuples whose commit record is not flushed yet (commit LSNs are kept per group of 32
 * transactions, so that is most of a load), and leaves their pages not all-visible:
 * index-only scans would then read the heap for every row. One synchronously committed
 * transaction flushes everything before it.
 */
async function flushWal(url: string): Promise<void> {
  const pool = createPool(url, { max: 1 });
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL synchronous_commit = on');
    await client.query('SELECT txid_current()');
    await client.query('COMMIT');
  } finally {
    client.release();
    await pool.end();
  }
}

/**
 * The store's tokens with `insertHistorical` gathering tokens across calls (and entities)
 * into batches of `size`: the ~4,000 tiny entities of the population would otherwise cost
 * a transaction of 6 statements each. Every other method is the store's own.
 */
function batchingTokens(inner: TokenStore, size: number): { tokens: TokenStore; flush: () => Promise<void> } {
  let pending: HistoricalToken[] = [];
  const flush = async () => {
    const batch = pending;
    pending = [];
    if (batch.length > 0) await inner.insertHistorical(batch);
  };
  const tokens: TokenStore = Object.create(inner);
  tokens.insertHistorical = async (batch) => {
    if (pending.length === 0 && batch.length >= size) return inner.insertHistorical(batch);
    // The writer reuses its hash buffer for its next batch: keep copies.
    for (const t of batch) pending.push({ ...t, tokenHash: Buffer.from(t.tokenHash) });
    if (pending.length >= size) await flush();
  };
  return { tokens, flush };
}

async function isComplete(url: string, size: number, seed: number): Promise<boolean> {
  const pool = createPool(url, { max: 1 });
  try {
    const { rows } = await pool.query<{ ok: boolean }>(`SELECT to_regclass('${MARKER}') IS NOT NULL AS ok`);
    if (!rows[0]?.ok) return false;
    const found = await pool.query(`SELECT 1 FROM ${MARKER} WHERE size = $1 AND seed = $2`, [size, seed]);
    return found.rowCount === 1;
  } finally {
    await pool.end();
  }
}
