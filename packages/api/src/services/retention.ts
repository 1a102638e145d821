import { formatMicros, type Micros } from '@tokenwarden/contracts';
import type { Deps } from '../context.js';
import { PURGE_HORIZON_TTL_MS } from '../list/purge-horizons.js';
import { operatorEvent } from './audit.js';

/** How long a purge waits after marking its entities, so that every server process has seen the mark. */
export const PURGE_NOTICE_MS = 2 * PURGE_HORIZON_TTL_MS + 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export interface PurgeProgress {
  /** Tokens to delete in all, and deleted so far. */
  total: number;
  deleted: number;
  /** Entities done, of those with tokens to delete. */
  entitiesDone: number;
  entities: number;
}

export interface PurgeOptions {
  /** Tokens deleted per transaction. */
  batch: number;
  /** Count only: delete nothing, mark nothing. */
  dryRun?: boolean;
  /** Called after each batch. */
  onProgress?: (p: PurgeProgress) => void;
  /** The wait after marking (tests may shorten it together with the servers' horizon TTL). */
  noticeMs?: number;
}

export interface PurgeResult {
  expiredBefore: string;
  dryRun: boolean;
  /** Per entity: its id and the tokens deleted (or, dry, to delete). */
  entities: { entity_id: string; tokens: number }[];
  tokens: number;
  /** Snapshots at or before this instant are no longer answered (the last entity's; null for a dry run). */
  horizon: string | null;
}

/**
 * Retention: deletes the tokens that expired before `before`, in batches, without ever
 * changing an answer of a snapshot already served. Every entity with tokens to delete is
 * first marked as purging (its given snapshots are refused from then on), the purge waits
 * until every process has seen the mark, deletes, then sets the entity's horizon to the
 * clock's reading at the end: snapshots taken before it stay refused (their sets lost
 * tokens), snapshots taken after it are answered as always. Each entity is finished (its
 * horizon set, a TOKENS_PURGED event in its trail) as soon as its deletes are done. A purge
 * interrupted leaves the unfinished entities marked (their walks refused, new listings
 * served); the next purge, whatever its date, finishes them.
 */
export async function purgeExpiredTokens(deps: Deps, before: Micros, o: PurgeOptions): Promise<PurgeResult> {
  const counts = await deps.tokens.expiredBefore(before);
  // Entities an interrupted purge left marked are finished too, even with nothing left to delete.
  const unfinished = o.dryRun ? [] : await deps.tokens.purgingEntities();
  const todo = new Map(counts.map((c) => [c.entityPk, c.tokens]));
  for (const pk of unfinished) if (!todo.has(pk)) todo.set(pk, 0);
  const total = counts.reduce((n, c) => n + c.tokens, 0);
  const ids = await entityIds(deps, [...todo.keys()]);
  const base = { expiredBefore: formatMicros(before), dryRun: o.dryRun === true };
  if (o.dryRun || todo.size === 0) {
    return { ...base, entities: counts.map((c) => ({ entity_id: ids.get(c.entityPk) as string, tokens: c.tokens })), tokens: total, horizon: null };
  }
  const pks = [...todo.keys()];
  await deps.tokens.setPurgeHorizon(pks, true);
  await sleep(o.noticeMs ?? PURGE_NOTICE_MS);
  const progress: PurgeProgress = { total, deleted: 0, entitiesDone: 0, entities: pks.length };
  const entities: PurgeResult['entities'] = [];
  let horizon = 0;
  for (const entityPk of pks) {
    let deleted = 0;
    for (;;) {
      const started = performance.now();
      const batch = await deps.tokens.purgeExpired(entityPk, before, o.batch);
      if (batch === 0) break;
      deleted += batch;
      progress.deleted += batch;
      o.onProgress?.({ ...progress });
      // As long again idle: the servers' own writes (issuance, revocation, last use) get the
      // database between batches instead of queueing behind the purge.
      await sleep(performance.now() - started);
    }
    // Finished entity by entity: its walks are refused only as long as its own deletes run.
    horizon = await deps.tokens.setPurgeHorizon([entityPk], false);
    const details = { expired_before: base.expiredBefore, deleted, horizon: formatMicros(horizon) };
    await deps.store.events.append(entityPk, 'TOKENS_PURGED', operatorEvent('retention', details));
    entities.push({ entity_id: ids.get(entityPk) as string, tokens: deleted });
    progress.entitiesDone += 1;
    o.onProgress?.({ ...progress });
  }
  deps.log.info({ event: 'tokens.purged', expired_before: base.expiredBefore, deleted: progress.deleted, entities: pks.length }, 'tokens purged');
  return { ...base, entities, tokens: progress.deleted, horizon: formatMicros(horizon) };
}

async function entityIds(deps: Deps, pks: readonly number[]): Promise<Map<number, string>> {
  const all = await deps.directory.listEntities();
  const wanted = new Set(pks);
  return new Map(all.filter((e) => wanted.has(e.pk)).map((e) => [e.pk, e.entityId]));
}
