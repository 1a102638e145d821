import type { OrderKey } from '@tokenwarden/contracts';
import { shapeKey, TOKEN_COLUMNS, type PageQuery, type TokenFilters } from '@tokenwarden/db';
import { createPool } from '@tokenwarden/db/postgres/client';
import { pgCountQuery, pgPageQuery, values, type PgQuery } from '@tokenwarden/db/postgres/list-query';
import { openPostgresStore } from '@tokenwarden/db/postgres/store';
import {
  coldTotalRows,
  countingDepsOver,
  freshSnapshot,
  listInput,
  pageOneWorkloads,
  walkRows,
  type ColdRow,
  type CountingDeps,
  type PageOneRow,
  type WalkRow,
} from '../inproc.js';
import { median, summarize, timeCallsAsync, timePairs } from '../stats.js';
import type { PgDataset } from './dataset.js';

type Pool = ReturnType<typeof createPool>;

/**
 * P0-pg: the store's page and count SQL (`pgPageQuery`, `pgCountQuery`, `values`) through a
 * plain `pg` Pool (the product's pool settings and int8 parser), as named prepared
 * statements with rows as arrays, nothing mapped.
 */
export class RawPgQueries {
  readonly pool: Pool;
  private readonly statements = new Map<string, PgQuery & { name: string }>();

  constructor(url: string, max = 10) {
    this.pool = createPool(url, { max });
  }

  private stmt(kind: 'page' | 'count', key: string, build: () => PgQuery): PgQuery & { name: string } {
    const k = `${kind} ${key}`;
    let s = this.statements.get(k);
    if (!s) {
      s = { ...build(), name: `p0_${k}` };
      this.statements.set(k, s);
    }
    return s;
  }

  /** The page's rows as arrays in `TOKEN_COLUMNS` order. */
  async page(entityPk: number, q: PageQuery): Promise<unknown[][]> {
    const s = this.stmt('page', shapeKey(q), () => pgPageQuery(q));
    const { rows } = await this.pool.query<unknown[]>({ name: s.name, text: s.text, values: values(s, entityPk, q), rowMode: 'array' });
    return rows;
  }

  async count(entityPk: number, filters: TokenFilters, snapshot: number): Promise<number> {
    const s = this.stmt('count', shapeKey({ filters, orderKey: 'created_at', direction: 'DESC' }), () => pgCountQuery(filters));
    const { rows } = await this.pool.query<unknown[]>({
      name: s.name,
      text: s.text,
      values: values(s, entityPk, { filters, snapshot }),
      rowMode: 'array',
    });
    return rows[0]![0] as number;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** P1-pg's dependencies: `createDeps` over `openPostgresStore`, its counts observed. */
export async function pgCountingDeps(url: string): Promise<CountingDeps> {
  return countingDepsOver(await openPostgresStore(url, { max: 10 }));
}

/** P0-pg vs P1-pg on page 1 of each workload (the SQLite bench's workloads and method). */
export async function runPageOnePg(d: PgDataset, log: (s: string) => void): Promise<PageOneRow[]> {
  const raw = new RawPgQueries(d.url);
  const { deps, close } = await pgCountingDeps(d.url);
  const rows: PageOneRow[] = [];
  try {
    for (const w of pageOneWorkloads(d)) {
      const snapshot = freshSnapshot(d);
      const q: PageQuery = { filters: w.filters, snapshot, orderKey: w.key, direction: w.dir, limit: w.size, offset: 0 };
      const input = listInput(w.key, w.dir, w.size, 1, snapshot);
      // Warm both (prepared statements, buffers, P1's settled bound and total for this snapshot).
      await raw.page(w.entity.pk, q);
      await deps.lister.list(w.entity.pk, input, w.filters);
      const { a, b } = await timePairs(
        () => raw.page(w.entity.pk, q),
        () => deps.lister.list(w.entity.pk, input, w.filters),
      );
      const ca: number[] = [];
      const cb: number[] = [];
      for (let i = 0; i < 5; i++) {
        ca.push(
          ...(await timeCallsAsync(
            async () => {
              await raw.page(w.entity.pk, q);
              await raw.count(w.entity.pk, w.filters, snapshot);
            },
            { minIters: 1, maxIters: 1, minMs: 0 },
          )),
        );
        cb.push(
          ...(await timeCallsAsync(() => deps.lister.list(w.entity.pk, listInput(w.key, w.dir, w.size, 1, freshSnapshot(d)), w.filters), {
            minIters: 1,
            maxIters: 1,
            minMs: 0,
          })),
        );
      }
      const p0 = summarize(a);
      const p1 = summarize(b);
      const row = {
        workload: w.name,
        p0,
        p1,
        ratio: p1.median / p0.median,
        p0Cold: median(ca),
        p1Cold: median(cb),
        coldRatio: median(cb) / median(ca),
      };
      rows.push(row);
      log(
        `  page 1 ${w.name}: P0-pg ${p0.median.toFixed(3)} ms, P1-pg ${p1.median.toFixed(3)} ms (${row.ratio.toFixed(2)}x); cold ${row.p0Cold.toFixed(2)} / ${row.p1Cold.toFixed(2)} ms`,
      );
    }
  } finally {
    await raw.close();
    await close();
  }
  return rows;
}

/** The SQLite bench's walks (page 1 → 10,001, size 10, one snapshot) through P1-pg. */
export function runWalksPg(d: PgDataset, log: (s: string) => void, budgetSeconds = 120): Promise<WalkRow[]> {
  return walkRows(d, () => pgCountingDeps(d.url), log, [100, 1000, 10_000], budgetSeconds);
}

export function runColdTotalsPg(d: PgDataset, log: (s: string) => void): Promise<ColdRow[]> {
  return coldTotalRows(d, () => pgCountingDeps(d.url), log);
}

export interface PlanRow {
  query: string;
  plan: string[];
  indexOnly: boolean;
  heapFetches: number;
  ms: number;
  /** The same page as a deferred join (an index-only inner select of token_id, then the rows): a proposal for pgPageQuery. */
  deferredMs: number;
  deferredIndexOnly: boolean;
}

/**
 * The page query rewritten as a deferred join: the inner select (the product's, with
 * token_id as its only column) can be index-only, since every order index holds
 * (entity_pk, key, token_id, created_at); only the page's rows are then read from the heap.
 */
export function deferredJoin(text: string): string {
  const m = /^SELECT .*? FROM (.*) ORDER BY (.*) LIMIT (\$\d+) OFFSET (\$\d+)$/.exec(text);
  if (!m) throw new Error(`unexpected page query: ${text}`);
  return `SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.token_id IN (SELECT t.token_id FROM ${m[1]} ORDER BY ${m[2]} LIMIT ${m[3]} OFFSET ${m[4]}) ORDER BY ${m[2]}`;
}

/**
 * EXPLAIN ANALYZE of page 1 and of a cold jump to page 10,000 (size 10, no cursor) in the
 * big entity, per order key: whether the planner walks an index in the page order, and
 * whether VACUUM left it index-only (no heap fetches while skipping).
 */
export async function runPlansPg(d: PgDataset, log: (s: string) => void): Promise<PlanRow[]> {
  const pool = createPool(d.url, { max: 1 });
  const out: PlanRow[] = [];
  try {
    const orders: [OrderKey, 'ASC' | 'DESC'][] = [
      ['created_at', 'DESC'],
      ['created_at', 'ASC'],
      ['expires_at', 'DESC'],
      ['last_used_at', 'DESC'],
      ['token_id', 'DESC'],
      ['user_id', 'DESC'],
      ['account_id', 'DESC'],
      ['grant_flow', 'DESC'],
    ];
    for (const [key, dir] of orders) {
      for (const page of [1, 10_000]) {
        const q: PageQuery = { filters: {}, snapshot: freshSnapshot(d), orderKey: key, direction: dir, limit: 10, offset: (page - 1) * 10 };
        const query = pgPageQuery(q);
        const explain = async (text: string) => {
          const { rows } = await pool.query<unknown[]>({
            text: `EXPLAIN (ANALYZE, BUFFERS) ${text}`,
            values: values(query, d.big.pk, q),
            rowMode: 'array',
          });
          const plan = rows.map((r) => String(r[0]));
          return {
            plan,
            indexOnly: plan.some((l) => /Index Only Scan/.test(l)),
            heapFetches: plan.reduce((s, l) => s + Number(/Heap Fetches: (\d+)/.exec(l)?.[1] ?? 0), 0),
            ms: Number(/Execution Time: ([\d.]+)/.exec(plan.join('\n'))?.[1] ?? Number.NaN),
          };
        };
        // Warm, then measure: the first execution of a shape pays for cold buffers.
        await explain(query.text);
        const product = await explain(query.text);
        await explain(deferredJoin(query.text));
        const deferred = await explain(deferredJoin(query.text));
        const row = { query: `${key} ${dir}, page ${page}`, ...product, deferredMs: deferred.ms, deferredIndexOnly: deferred.indexOnly };
        out.push(row);
        log(
          `  plan ${row.query}: ${row.ms.toFixed(2)} ms, ${row.indexOnly ? 'index-only' : 'NOT index-only'}, heap fetches ${row.heapFetches}; deferred join ${deferred.ms.toFixed(2)} ms (${deferred.indexOnly ? 'index-only' : 'NOT index-only'}, heap fetches ${deferred.heapFetches})`,
        );
      }
    }
  } finally {
    await pool.end();
  }
  return out;
}
