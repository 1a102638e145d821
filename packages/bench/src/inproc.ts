import Database, { type Statement } from 'better-sqlite3';
import { createDeps, type Deps } from '@tokenwarden/api';
import { microsToTimestamp, type ListTokensInput, type OrderDirection, type OrderKey, ORDER_KEYS } from '@tokenwarden/contracts';
import { shapeKey, type PageQuery, type Store, type TokenFilters, type TokenStore } from '@tokenwarden/db';
import { bindings, countSql, pageSql } from '@tokenwarden/db/sqlite/list-query';
import { openSqliteStore } from '@tokenwarden/db/sqlite/store';
import type { Dataset, EntityInfo, Population } from './dataset.js';
import { median, summarize, timeCalls, timeCallsAsync, timePairs, type Summary } from './stats.js';

/** P0: the store's SQL as raw better-sqlite3 prepared statements, rows as arrays (raw mode), nothing mapped. */
export class RawQueries {
  readonly sqlite: Database.Database;
  private readonly statements = new Map<string, Statement>();

  constructor(file: string) {
    this.sqlite = new Database(file, { readonly: true });
    this.sqlite.pragma('cache_size = -32768');
  }

  private stmt(sql: string, raw = false): Statement {
    const key = raw ? `raw:${sql}` : sql;
    let s = this.statements.get(key);
    if (!s) {
      s = this.sqlite.prepare(sql);
      if (raw) s.raw(true);
      this.statements.set(key, s);
    }
    return s;
  }

  /** The page's rows as arrays in `PAGE_COLUMNS` order (raw mode: the cheapest way out of SQLite). */
  page(entityPk: number, q: PageQuery): unknown[][] {
    return this.stmt(pageSql(q), true).all(bindings(entityPk, q)) as unknown[][];
  }

  count(entityPk: number, filters: TokenFilters, snapshot: number): number {
    const b = bindings(entityPk, { filters, snapshot, limit: 0, offset: 0 });
    delete b.limit;
    delete b.offset;
    return (this.stmt(countSql(filters)).get(b) as { n: number }).n;
  }

  explain(sql: string, params: Record<string, unknown>): string[] {
    return (this.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail);
  }

  /** Counts the first `n` rows of the selection walked through `index` in the page order. */
  countSkipped(index: string, entityPk: number, key: OrderKey, dir: 'ASC' | 'DESC', snapshot: number, n: number): number {
    const order = key === 'token_id' ? `t.token_id ${dir}` : `t.${key} ${dir}, t.token_id ${dir}`;
    const sql =
      `SELECT count(*) AS n FROM (SELECT 1 FROM tokens t INDEXED BY ${index} ` +
      `WHERE t.entity_pk = @entity AND t.created_at <= @snapshot ORDER BY ${order} LIMIT @n)`;
    return (this.stmt(sql).get({ entity: entityPk, snapshot, n }) as { n: number }).n;
  }

  close(): void {
    this.sqlite.close();
  }
}

export function listInput(key: OrderKey, dir: OrderDirection, size: number, page: number, snapshot: number): ListTokensInput {
  return {
    page_params: { page_size: size, page_number: page, first_request_timestamp: microsToTimestamp(snapshot) },
    order_params: { order_key: key, order_direction: dir },
  } as ListTokensInput;
}

export interface Workload {
  name: string;
  entity: EntityInfo;
  filters: TokenFilters;
  key: OrderKey;
  dir: 'ASC' | 'DESC';
  size: number;
}

export function filterSets(e: EntityInfo): Record<string, TokenFilters> {
  return {
    none: {},
    user: { userId: e.userId },
    account: { accountId: e.accountId },
    grant: { grantFlow: 'GRANT_FLOW_PASSWORD' },
    role: { role: 'TELLER' },
    'user+grant': { userId: e.userId, grantFlow: 'GRANT_FLOW_PASSWORD' },
    'account+role': { accountId: e.accountId, role: 'TELLER' },
    'grant+role': { grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS', role: 'AUDITOR' },
    'all four': { userId: e.userId, accountId: e.accountId, grantFlow: 'GRANT_FLOW_PASSWORD', role: 'TELLER' },
  };
}

export function pageOneWorkloads(d: Population): Workload[] {
  const w: Workload[] = [];
  const big = d.big;
  for (const size of [10, 50, 100]) w.push({ name: `big, size ${size}`, entity: big, filters: {}, key: 'created_at', dir: 'DESC', size });
  for (const key of ORDER_KEYS) {
    for (const dir of ['DESC', 'ASC'] as const) {
      if (key === 'created_at' && dir === 'DESC') continue;
      w.push({ name: `big, ${key} ${dir}`, entity: big, filters: {}, key, dir, size: 50 });
    }
  }
  for (const [name, filters] of Object.entries(filterSets(big))) {
    if (name === 'none') continue;
    w.push({ name: `big, ${name}`, entity: big, filters, key: 'created_at', dir: 'DESC', size: 50 });
  }
  // Filters whose equality index is not in the order asked for.
  for (const [name, key] of [
    ['grant', 'expires_at'],
    ['role', 'expires_at'],
    ['user', 'last_used_at'],
    ['account', 'user_id'],
  ] as const) {
    w.push({ name: `big, ${name} by ${key}`, entity: big, filters: filterSets(big)[name]!, key, dir: 'DESC', size: 50 });
  }
  const mid = d.mid[0]!;
  const tiny = d.tiny[0]!;
  w.push({ name: 'mid, size 50', entity: mid, filters: {}, key: 'created_at', dir: 'DESC', size: 50 });
  w.push({ name: 'tiny, size 50', entity: tiny, filters: {}, key: 'created_at', dir: 'DESC', size: 50 });
  return w;
}

export interface PageOneRow {
  workload: string;
  p0: Summary;
  p1: Summary;
  ratio: number;
  /** First request of a new snapshot: P0 = page + count statements, P1 = list() counting. */
  p0Cold: number;
  p1Cold: number;
  coldRatio: number;
}

/** P1's dependencies with the store's counts counted, and how to close them. */
export interface CountingDeps {
  deps: Deps;
  counts: () => number;
  close: () => Promise<void>;
}

/** P1's dependencies over the file, counting inline, with the store's counts counted. */
function countingDeps(file: string): CountingDeps {
  return countingDepsOver(openSqliteStore(file, { counts: 'inline' }));
}

/** P1's dependencies over a store, with the store's counts counted; close() closes the store. */
export function countingDepsOver(store: Store): CountingDeps {
  let counts = 0;
  // The store's tokens with `count` observed (every other method is the store's own).
  const tokens: TokenStore = Object.create(store.tokens);
  tokens.count = (e, f, s) => {
    counts += 1;
    return store.tokens.count(e, f, s);
  };
  return { deps: createDeps({ ...store, tokens }), counts: () => counts, close: () => store.close() };
}

let snapshotSeq = 0;
/** A snapshot after every historical token, distinct per call (so nothing is cached for it). */
export function freshSnapshot(d: Pick<Population, 'anchor'>): number {
  snapshotSeq += 1;
  return d.anchor + 1_000_000 + snapshotSeq;
}

/** P0 vs P1 on page 1 of each workload, interleaved in rounds so both see the same cache state. */
export async function runPageOne(d: Dataset, log: (s: string) => void): Promise<PageOneRow[]> {
  const raw = new RawQueries(d.file);
  const { deps, close } = countingDeps(d.file);
  const rows: PageOneRow[] = [];
  for (const w of pageOneWorkloads(d)) {
    const snapshot = freshSnapshot(d);
    const q: PageQuery = { filters: w.filters, snapshot, orderKey: w.key, direction: w.dir, limit: w.size, offset: 0 };
    const input = listInput(w.key, w.dir, w.size, 1, snapshot);
    // Warm both (statement caches, page cache, P1's total for this snapshot).
    raw.page(w.entity.pk, q);
    await deps.lister.list(w.entity.pk, input, w.filters);
    const { a, b } = await timePairs(
      () => raw.page(w.entity.pk, q),
      () => deps.lister.list(w.entity.pk, input, w.filters),
    );
    // Cold: a new snapshot per call.
    const ca: number[] = [];
    const cb: number[] = [];
    for (let i = 0; i < 5; i++) {
      ca.push(
        ...timeCalls(
          () => {
            raw.page(w.entity.pk, q);
            raw.count(w.entity.pk, w.filters, snapshot);
          },
          { minIters: 1, maxIters: 1, minMs: 0 },
        ),
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
      `  page 1 ${w.name}: P0 ${p0.median.toFixed(3)} ms, P1 ${p1.median.toFixed(3)} ms (${row.ratio.toFixed(2)}x); cold ${row.p0Cold.toFixed(2)} / ${row.p1Cold.toFixed(2)} ms`,
    );
  }
  raw.close();
  await close();
  return rows;
}

export interface WalkRow {
  walk: string;
  pages: number;
  page1: number;
  /** Median time of page d+1 after page d, by depth d. */
  next: Record<number, number>;
  worstRatio: number;
  counts: number;
  walkSeconds: number;
  /** Set when the walk ran out of its time budget: the page it stopped at (then sampled there, 5 pairs). */
  stoppedAt?: number;
}

/** Walks page 1 → 10,001 in one snapshot through TokenLister, timing page d+1 after page d at each depth. */
export async function runWalks(d: Dataset, log: (s: string) => void, depths = [100, 1000, 10_000]): Promise<WalkRow[]> {
  return walkRows(d, () => countingDeps(d.file), log, depths);
}

/** The walks of `runWalks` through the lister `open` gives (either backend). */
export async function walkRows(
  d: Population,
  open: () => CountingDeps | Promise<CountingDeps>,
  log: (s: string) => void,
  depths = [100, 1000, 10_000],
  /** Seconds a walk may take before it stops where it is (none: every walk to its end). */
  budgetSeconds?: number,
): Promise<WalkRow[]> {
  const big = d.big;
  const sets = filterSets(big);
  const walks: { name: string; filters: TokenFilters; key: OrderKey; dir: 'ASC' | 'DESC' }[] = [];
  for (const key of ORDER_KEYS) walks.push({ name: `${key} DESC`, filters: {}, key, dir: 'DESC' });
  walks.push({ name: 'created_at ASC', filters: {}, key: 'created_at', dir: 'ASC' });
  walks.push({ name: 'expires_at ASC', filters: {}, key: 'expires_at', dir: 'ASC' });
  for (const key of ['created_at', 'expires_at', 'token_id'] as const) {
    walks.push({ name: `grant, ${key} DESC`, filters: sets.grant!, key, dir: 'DESC' });
    walks.push({ name: `role, ${key} DESC`, filters: sets.role!, key, dir: 'DESC' });
  }
  walks.push({ name: 'user, expires_at DESC', filters: sets.user!, key: 'expires_at', dir: 'DESC' });
  const size = 10;
  const rows: WalkRow[] = [];
  const { deps, counts, close } = await open();
  for (const w of walks) {
    const started = performance.now();
    const countsBefore = counts();
    const snapshot = freshSnapshot(d);
    const list = (page: number) => deps.lister.list(big.pk, listInput(w.key, w.dir, size, page, snapshot), w.filters);
    const first = await list(1);
    const lastPage = Math.ceil(first.total / size);
    // Page d+1 and page 1 timed alternately, so drift (GC, page cache) hits both alike.
    const page1Samples: number[] = [];
    const ratios: number[] = [];
    const next: Record<number, number> = {};
    const overBudget = () => budgetSeconds !== undefined && performance.now() - started > budgetSeconds * 1000;
    let stoppedAt: number | undefined;
    const sampleAt = async (depth: number) => {
      const a: number[] = [];
      const b: number[] = [];
      const pairs = overBudget() ? 5 : 60;
      for (let i = 0; i < pairs; i++) {
        let t0 = performance.now();
        await list(depth + 1);
        a.push(performance.now() - t0);
        t0 = performance.now();
        await list(1);
        b.push(performance.now() - t0);
      }
      next[depth] = median(a);
      page1Samples.push(...b);
      ratios.push(median(a) / median(b));
    };
    const maxDepth = Math.min(Math.max(...depths), lastPage - 1);
    for (let p = 2; p <= maxDepth; p++) {
      await list(p);
      if (depths.includes(p)) await sampleAt(p);
      else if (overBudget()) {
        stoppedAt = p;
        await sampleAt(p);
        break;
      }
    }
    // A shallower walk (a filter with few rows) still reports its deepest step.
    if (stoppedAt === undefined && maxDepth < Math.max(...depths) && maxDepth >= 1 && next[maxDepth] === undefined) await sampleAt(maxDepth);
    const page1 = median(page1Samples);
    const worstRatio = ratios.length > 0 ? Math.max(...ratios) : Number.NaN;
    const row: WalkRow = {
      walk: w.name,
      pages: lastPage,
      page1,
      next,
      worstRatio,
      counts: counts() - countsBefore,
      walkSeconds: (performance.now() - started) / 1000,
    };
    if (stoppedAt !== undefined) row.stoppedAt = stoppedAt;
    rows.push(row);
    log(
      `  walk ${w.name}: page1 ${page1.toFixed(3)} ms, next ${JSON.stringify(Object.fromEntries(Object.entries(next).map(([k, v]) => [k, +v.toFixed(3)])))} worst ${worstRatio.toFixed(2)}x, counts ${row.counts}, ${row.walkSeconds.toFixed(1)} s${stoppedAt !== undefined ? `, STOPPED at page ${stoppedAt} (budget ${budgetSeconds} s)` : ''}`,
    );
  }
  await close();
  return rows;
}

export interface JumpRow {
  order: string;
  plan: string[];
  indexOnly: boolean;
  jump: number;
  countSkipped: number;
  ratio: number;
  /** P1: the cold jump through TokenLister (page query plus the first count of the snapshot). */
  listerCold: number;
}

/** Cold jump to page 10,000 (size 10, no cursor): the page query against counting the rows it skips. */
export async function runJumps(d: Dataset, log: (s: string) => void, page = 10_000): Promise<JumpRow[]> {
  const raw = new RawQueries(d.file);
  const { deps, close } = countingDeps(d.file);
  const size = 10;
  const rows: JumpRow[] = [];
  const orders: [OrderKey, 'ASC' | 'DESC'][] = [...ORDER_KEYS.map((k) => [k, 'DESC'] as [OrderKey, 'DESC']), ['created_at', 'ASC']];
  for (const [key, dir] of orders) {
    const snapshot = freshSnapshot(d);
    const q: PageQuery = { filters: {}, snapshot, orderKey: key, direction: dir, limit: size, offset: (page - 1) * size };
    const plan = raw.explain(pageSql(q), bindings(d.big.pk, q));
    const inner = plan.find((p) => /INDEX/.test(p) && !/PRIMARY KEY/.test(p)) ?? '';
    const index = /INDEX (\w+)/.exec(inner)?.[1] ?? '';
    const indexOnly = plan.some((p) => /COVERING INDEX/.test(p)) && !plan.some((p) => /SCAN t\b/.test(p));
    const jump = median(timeCalls(() => raw.page(d.big.pk, q), { minIters: 7, maxIters: 30, minMs: 100 }));
    const countSkipped = median(
      timeCalls(() => raw.countSkipped(index, d.big.pk, key, dir, snapshot, (page - 1) * size), { minIters: 7, maxIters: 30, minMs: 100 }),
    );
    const cold: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = freshSnapshot(d);
      const t0 = performance.now();
      await deps.lister.list(d.big.pk, listInput(key, dir, size, page, s), {});
      cold.push(performance.now() - t0);
    }
    const row = { order: `${key} ${dir}`, plan, indexOnly, jump, countSkipped, ratio: jump / countSkipped, listerCold: median(cold) };
    rows.push(row);
    log(
      `  jump ${row.order}: ${jump.toFixed(2)} ms vs count ${countSkipped.toFixed(2)} ms (${row.ratio.toFixed(2)}x), lister cold ${row.listerCold.toFixed(1)} ms; ${plan.join(' | ')}`,
    );
  }
  raw.close();
  await close();
  return rows;
}

export interface ColdRow {
  entity: string;
  rows: number;
  first: number;
  following: number;
  ratio: number;
  counts: number;
}

/** The first request of a new snapshot (which counts) against the pages after it. */
export async function runColdTotals(d: Dataset, log: (s: string) => void): Promise<ColdRow[]> {
  return coldTotalRows(d, () => countingDeps(d.file), log);
}

/** The measures of `runColdTotals` through the lister `open` gives (either backend). */
export async function coldTotalRows(d: Population, open: () => CountingDeps | Promise<CountingDeps>, log: (s: string) => void): Promise<ColdRow[]> {
  const { deps, counts, close } = await open();
  const out: ColdRow[] = [];
  for (const [name, e] of [
    ['big', d.big],
    ['mid', d.mid[0]!],
    ['tiny', d.tiny[0]!],
  ] as const) {
    const first: number[] = [];
    const following: number[] = [];
    const before = counts();
    const reps = 7;
    for (let i = 0; i < reps; i++) {
      const s = freshSnapshot(d);
      const list = (p: number) => deps.lister.list(e.pk, listInput('created_at', 'DESC', 50, p, s), {});
      let t0 = performance.now();
      await list(1);
      first.push(performance.now() - t0);
      for (const p of [2, 3]) {
        t0 = performance.now();
        await list(p);
        following.push(performance.now() - t0);
      }
    }
    const row = {
      entity: name,
      rows: e.tokens,
      first: median(first),
      following: median(following),
      ratio: median(first) / median(following),
      counts: (counts() - before) / reps,
    };
    out.push(row);
    log(`  cold totals ${name}: first ${row.first.toFixed(2)} ms, following ${row.following.toFixed(3)} ms, counts per snapshot ${row.counts}`);
  }
  await close();
  return out;
}

export { shapeKey };
