import { effectiveDirection, type ListTokensInput, type Micros, type Timestamp } from '@tokenwarden/contracts';
import { hasNewerFilters, sortValue, statusSet, type Cursor, type TokenFilters, type TokenRecord, type TokenStore } from '@tokenwarden/db';
import { Lru } from '@tokenwarden/db';
import type { PurgeHorizons } from './purge-horizons.js';
import { resolveSnapshot } from './snapshots.js';

export interface ListResult {
  records: TokenRecord[];
  total: number;
  snapshot: Timestamp;
  /** The snapshot as the store compares it (µs). */
  snapshotMicros: Micros;
  /** The page answered. */
  page: number;
}

/** Where a walk resumes without any cache: the page it leads to and the keyset cursor of the row before it (a page token). */
export interface Resume {
  page: number;
  after: Cursor;
}

/** Cursors kept per walk (entity, filters, order, page size, snapshot). */
const CURSORS_PER_WALK = 16;

/**
 * Lists one page of an entity's tokens at a snapshot.
 *
 * A settled snapshot (one the store took, or any bound before it: see
 * `TokenStore.snapshot`) selects an immutable set, since tokens are never deleted and
 * every later token is created after it, whichever process issues it. So for such snapshots:
 *  - the total is counted at most once per (entity, filters, snapshot), concurrent
 *    first requests sharing one count;
 *  - the last row of each served page is kept as a keyset cursor, so the next page
 *    seeks straight to its first row instead of skipping `offset` rows; a jump resumes
 *    from the nearest earlier cursor;
 *  - a page shorter than the page size is the last one and gives the total without a
 *    count, and a page past a known total is answered without a query.
 * The page query runs first; the count (when still needed) after it, in the store, which
 * counts where a count of millions of rows blocks no request (SQLite: a worker thread;
 * PostgreSQL: the server). A snapshot in the future is served correctly but nothing about
 * it is cached. The caches are per process: with several replicas each keeps its own,
 * and each is exact because it only ever holds facts of settled snapshots.
 *
 * One fact is not the snapshot's: a token's last use. A use between two pages moves the
 * token in `last_used_at` order, and into or out of a last-use filter. Cursors stay exact as
 * keyset positions (the next page starts right after the last row served, wherever rows
 * moved), and the total stays the one counted for the snapshot (at the walk's start).
 * A walk resumed from a page token (`resume`) needs no cache: its cursor travels with it.
 */
export class TokenLister {
  private readonly counts: Lru<string, Total>;
  private readonly cursors: Lru<string, Map<number, Cursor>>;

  constructor(
    private readonly store: TokenStore,
    limits: { cursorCacheEntries: number; countCacheEntries: number },
    private readonly horizons: PurgeHorizons,
  ) {
    this.counts = new Lru(limits.countCacheEntries);
    this.cursors = new Lru(limits.cursorCacheEntries);
  }

  /** `taken`: a new bound already taken for this request (see `resolveSnapshot`), used when the input names no snapshot. */
  async list(entityPk: number, input: ListTokensInput, filters: TokenFilters, resume?: Resume, taken?: Micros): Promise<ListResult> {
    const size = input.page_params.page_size;
    const number = resume?.page ?? input.page_params.page_number ?? 1;
    const { order_key: orderKey, order_direction: direction } = input.order_params;
    const given = input.page_params.first_request_timestamp;
    const { micros: snapshot, timestamp: snapshotTs, settled: stable } = await resolveSnapshot(this.store, this.horizons, entityPk, given, taken);
    // An absent filter and a filter on '' (no user, no account) select different sets: '*' vs '='.
    let filterKey = `${entityPk}|${keyPart(filters.accountId)}|${keyPart(filters.userId)}|${keyPart(filters.grantFlow)}|${keyPart(filters.role)}|${snapshot}`;
    if (hasNewerFilters(filters)) filterKey += `|${newerKey(filters)}`;
    const known = stable ? this.counts.get(filterKey) : undefined;

    // A page wholly past a known total is empty: no page query at all.
    if (known?.value !== undefined && (number - 1) * size >= known.value) {
      return { records: [], total: known.value, snapshot: snapshotTs, snapshotMicros: snapshot, page: number };
    }

    // Cursors are looked up before the query only for a later page (page 1 starts at the
    // top), so a first page that is also the last builds no walk key at all.
    const walkKey = () => `${filterKey}|${orderKey}|${effectiveDirection(direction)}|${size}`;
    const walk = stable && number > 1 ? this.cursors.get(walkKey()) : undefined;
    let from = resume ? number - 1 : 0;
    let after: Cursor | undefined = resume?.after;
    if (walk && !resume) {
      for (const [page, cursor] of walk) {
        if (page < number && page > from) {
          from = page;
          after = cursor;
        }
      }
    }
    const offset = (number - 1 - from) * size;
    const records = await this.store.page(entityPk, { filters, snapshot, orderKey, direction, limit: size, offset, after });
    const last = records[records.length - 1];
    // A short page is the last one: no page follows it, so its cursor would never be used.
    if (stable && last && records.length === size) {
      // A known walk is changed in place (its get counted as the use); a page 1 joins the
      // walk of its snapshot if there is one, keeping the cursors of the deeper pages.
      let cursors = walk;
      if (!cursors) {
        const key = walkKey();
        cursors = this.cursors.get(key);
        // biome-ignore lint/suspicious/noAssignInExpressions: hot path; makes and stores the walk's map in one step
        if (!cursors) this.cursors.set(key, (cursors = new Map<number, Cursor>()));
      }
      cursors.set(number, { value: sortValue(last, orderKey), tokenId: last.tokenId });
      if (cursors.size > CURSORS_PER_WALK) cursors.delete(cursors.keys().next().value as number);
    }

    let total: number | Promise<number>;
    if (known) {
      total = known.value ?? (known.promise as Promise<number>);
    } else if (stable && (records.length > 0 || number === 1) && records.length < size) {
      // A short page is the last one, so it already tells the total: no count at all
      // (every small entity's first page).
      total = (number - 1) * size + records.length;
      this.counts.set(filterKey, { value: total });
    } else {
      total = this.total(entityPk, filters, snapshot, stable ? filterKey : undefined);
    }
    return { records, total: typeof total === 'number' ? total : await total, snapshot: snapshotTs, snapshotMicros: snapshot, page: number };
  }

  private total(entityPk: number, filters: TokenFilters, snapshot: Micros, cacheKey: string | undefined): Promise<number> {
    if (cacheKey === undefined) return this.store.count(entityPk, filters, snapshot);
    const pending = this.store.count(entityPk, filters, snapshot);
    const entry: Total = { promise: pending };
    this.counts.set(cacheKey, entry);
    pending.then(
      (n) => {
        entry.value = n;
      },
      () => {
        // A failed count is not remembered (unless a newer entry replaced it already).
        if (this.counts.peek(cacheKey) === entry) this.counts.delete(cacheKey);
      },
    );
    return pending;
  }
}

/** One filter in a cache key: `*` when absent, `=value` when given (the empty value included). */
const keyPart = (v: string | undefined): string => (v === undefined ? '*' : `=${v}`);

/** The newer filters in a cache key, each value as given (JSON keeps '' apart from absent), statuses in canonical order. */
function newerKey(f: TokenFilters): string {
  return JSON.stringify([
    f.clientId,
    f.statuses && statusSet(f.statuses),
    f.scope,
    f.createdAfter,
    f.createdBefore,
    f.expiresAfter,
    f.expiresBefore,
    f.lastUsedAfter,
    f.lastUsedBefore,
    f.neverUsed,
  ]);
}

/** A total being counted (shared by concurrent requests) or, once known, its value. */
type Total = { promise: Promise<number>; value?: number } | { promise?: undefined; value: number };
