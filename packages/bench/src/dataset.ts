import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hashedUuid, seededRandom, seededUuid, writeSyntheticTokens, type SyntheticPopulation } from '@tokenwarden/db';
import { MIGRATIONS_FOLDER } from '@tokenwarden/db/sqlite/client';
import { openSqliteStore } from '@tokenwarden/db/sqlite/store';
import type { Store } from '@tokenwarden/db';

/** The benchmark population: who is in the generated database. */
export interface Dataset extends Population {
  file: string;
}

/** Who is in a benchmark database, whichever backend holds it. */
export interface Population {
  size: number;
  seed: number;
  /** Newest creation time of the historical tokens (µs). */
  anchor: number;
  big: EntityInfo;
  mid: EntityInfo[];
  tiny: EntityInfo[];
  roles: readonly string[];
}

export interface EntityInfo {
  pk: number;
  entityId: string;
  tokens: number;
  /** A user and an account that occur in the entity's tokens (for filters). */
  userId: string | undefined;
  accountId: string | undefined;
}

const YEAR = 365 * 24 * 3600 * 1_000_000;
export const ROLES = [
  'ENTITY_ADMIN',
  'AUDITOR',
  'TELLER',
  'PAYMENTS_OPERATOR',
  'SUPPORT',
  'REPORTING',
  'COMPLIANCE',
  'DEVELOPER',
  'TREASURY',
  'RISK',
  'FRAUD',
  'ONBOARDING',
  'LENDING',
  'CARDS',
  'MARKETING',
  'READ_ONLY',
] as const;

export interface Plan {
  pk: number;
  entityId: string;
  tokens: number;
  pop: SyntheticPopulation;
}

/**
 * The skewed population for `size` tokens: one entity with half of them, ten mid-size
 * entities sharing 30%, and thousands of tiny ones sharing the last 20%. Everything is
 * derived from the seed, so the same (size, seed) always describes the same data.
 */
function plan(size: number, seed: number): { entities: Plan[]; big: Plan; mid: Plan[]; tiny: Plan[] } {
  const rand = seededRandom(seed);
  const people = (users: number, accounts: number) => {
    const accountIds = Array.from({ length: accounts }, () => seededUuid(rand));
    const list = Array.from({ length: users }, () => ({
      userId: seededUuid(rand),
      accountIds: Array.from({ length: 1 + Math.floor(rand() * 3) }, () => accountIds[Math.floor(rand() * accountIds.length)]!),
    }));
    return { users: list, accountIds };
  };
  let pk = 1;
  const mk = (tokens: number, users: number, accounts: number, clients: number): Plan => {
    const entityPk = pk++;
    const entityId = seededUuid(rand);
    const p = people(users, accounts);
    return {
      pk: entityPk,
      entityId,
      tokens,
      pop: {
        entityPk,
        clientIds: Array.from({ length: clients }, (_, i) => `client-${entityPk}-${i}`),
        users: p.users,
        accountIds: p.accountIds,
        roles: ROLES,
      },
    };
  };
  const big = mk(Math.floor(size * 0.5), 2000, 500, 20);
  const mid = Array.from({ length: 10 }, () => mk(Math.floor((size * 0.3) / 10), 200, 50, 5));
  const tiny: Plan[] = [];
  let left = size - big.tokens - mid.reduce((s, e) => s + e.tokens, 0);
  const tinyAverage = Math.max(5, Math.min(50, Math.floor(size / 20_000)));
  while (left > 0) {
    const n = Math.min(left, 1 + Math.floor(rand() * (2 * tinyAverage - 1)));
    tiny.push(mk(n, 3, 2, 1));
    left -= n;
  }
  return { entities: [big, ...mid, ...tiny], big, mid, tiny };
}

function info(p: Plan): EntityInfo {
  const user = p.pop.users[0];
  return { pk: p.pk, entityId: p.entityId, tokens: p.tokens, userId: user?.userId, accountId: user?.accountIds[0] };
}

/** The population of (size, seed), as `Population` plus the per-entity plans that write it. */
export function planPopulation(size: number, seed: number): { population: Population; entities: readonly Plan[] } {
  const p = plan(size, seed);
  // The anchor is fixed per seed so a cached file and a fresh one describe the same data.
  const anchor = Date.UTC(2026, 0, 1) * 1000 + seed;
  return {
    population: { size, seed, anchor, big: info(p.big), mid: p.mid.map(info), tiny: p.tiny.map(info), roles: ROLES },
    entities: p.entities,
  };
}

/**
 * Writes the population into an empty store through the product's writer: the entities
 * (their pks in plan order), then each entity's tokens (`writeSyntheticTokens`, seeded per
 * entity, `hashedUuid` token ids). Progress on `log` every 5 s.
 */
export async function writePopulation(
  store: Store,
  population: Population,
  entities: readonly Plan[],
  log: (line: string) => void,
  o: { started?: number; batchSize?: number } = {},
): Promise<void> {
  const { size, seed, anchor } = population;
  const started = o.started ?? Date.now();
  for (const e of entities) {
    const created = await store.directory.createEntity({ entityId: e.entityId, name: `bench entity ${e.pk}`, createdAt: anchor - 2 * YEAR });
    if (created.pk !== e.pk) throw new Error('unexpected entity pk');
  }
  let written = 0;
  let lastReport = Date.now();
  for (const e of entities) {
    await writeSyntheticTokens(store.tokens, e.pop, {
      count: e.tokens,
      seed: seed * 7919 + e.pk,
      anchor,
      spanMicros: 2 * YEAR,
      revokedShare: 0.05,
      batchSize: o.batchSize ?? 20_000,
      tokenId: (i) => hashedUuid(`bench:${seed}:${e.pk}:${i}`),
      onProgress: (n) => {
        if (Date.now() - lastReport > 5000) {
          lastReport = Date.now();
          log(`dataset: ${written + n}/${size} tokens (${Math.round((Date.now() - started) / 1000)} s)`);
        }
      },
    });
    written += e.tokens;
  }
}

/**
 * Opens (generating on first use) the benchmark database for (size, seed). The file is
 * cached under packages/bench/data keyed by both, written under a temporary name and
 * renamed when complete, so an interrupted generation is never reused.
 */
export async function ensureDataset(dir: string, size: number, seed: number, log: (line: string) => void): Promise<Dataset> {
  const { population, entities } = planPopulation(size, seed);
  // Keyed by the schema too (its number of migrations): a file of an older schema is
  // regenerated by the current writer rather than reused.
  const schema = readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith('.sql')).length;
  const file = join(dir, `tokens-${size}-s${seed}-m${schema}.db`);
  const dataset: Dataset = { file, ...population };
  if (existsSync(file)) {
    log(`dataset: reusing ${file}`);
    return dataset;
  }
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.partial`;
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  const started = Date.now();
  // Bulk load: durability does not matter until the file is complete.
  const store = openSqliteStore(tmp, { counts: 'inline', bulkLoad: true });
  await writePopulation(store, population, entities, log, { started });
  log(`dataset: optimizing`);
  await store.optimize();
  // The last connection to close checkpoints the WAL into the file.
  await store.close();
  renameSync(tmp, file);
  for (const f of [`${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  log(`dataset: ${size} tokens written in ${Math.round((Date.now() - started) / 1000)} s`);
  return dataset;
}
