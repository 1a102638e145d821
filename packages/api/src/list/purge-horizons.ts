import type { Micros } from '@tokenwarden/contracts';
import type { TokenStore } from '@tokenwarden/db';
import { fail } from '../errors.js';

/** How long a process trusts an entity's purge horizon before reading it again. */
export const PURGE_HORIZON_TTL_MS = 1_000;

/**
 * Whether a snapshot may still be answered after retention purges. A purge (the admin
 * command) first marks its entities as purging, waits longer than this cache's time to
 * live so that every process has seen the mark, deletes, then sets the horizon to the
 * clock's reading at its end. A snapshot given back by a caller is answered only if it is
 * later than the horizon; while a purge runs, none is. So no process ever answers a page
 * of a snapshot whose set lost tokens, and the list caches (totals, cursors) of such
 * snapshots are never used again. One read per entity per second, for given snapshots only.
 */
export class PurgeHorizons {
  private readonly cache = new Map<number, { horizon: Micros; until: number }>();

  constructor(
    private readonly store: Pick<TokenStore, 'purgeHorizon'>,
    private readonly ttlMs = PURGE_HORIZON_TTL_MS,
  ) {}

  /**
   * Refuses (409) a snapshot bound of the entity at or before its purge horizon (0: no purge
   * ever ran). `fresh`: read the horizon now, not from the cache: work that goes on for
   * longer than a purge's notice (a revocation's batches) checks again between steps.
   */
  async check(entityPk: number, snapshot: Micros, o: { fresh?: boolean } = {}): Promise<void> {
    const horizon = await this.horizon(entityPk, o.fresh === true);
    if (horizon !== 0 && snapshot <= horizon) fail('FAILED_PRECONDITION', 'snapshot.purged');
  }

  private async horizon(entityPk: number, fresh: boolean): Promise<Micros> {
    const now = performance.now();
    const cached = this.cache.get(entityPk);
    if (!fresh && cached && cached.until > now) return cached.horizon;
    const horizon = await this.store.purgeHorizon(entityPk);
    if (this.cache.size >= 100_000) this.cache.clear();
    this.cache.set(entityPk, { horizon, until: now + this.ttlMs });
    return horizon;
  }
}
