import { microsToTimestamp, timestampToMicrosFloor, type Micros, type Timestamp } from '@tokenwarden/contracts';
import type { TokenStore } from '@tokenwarden/db';
import type { PurgeHorizons } from './purge-horizons.js';

export interface ResolvedSnapshot {
  /** The bound in µs, as the store compares it. */
  micros: Micros;
  /** The snapshot as answered: the one given (its nanoseconds kept), or the new one. */
  timestamp: Timestamp;
  /** Whether the set it selects can no longer change (see `TokenStore.isSettled`): facts of it may be cached. */
  settled: boolean;
}

/**
 * The snapshot of a request: a new one from the store's clock when none is given (`taken`,
 * when the request's authentication took it already); else the one given, refused (409)
 * when a retention purge ran after it (see `PurgeHorizons`), and settled or not. One rule
 * for the list, its summary and revocations by filter.
 */
export async function resolveSnapshot(
  tokens: Pick<TokenStore, 'snapshot' | 'isSettled'>,
  horizons: PurgeHorizons,
  entityPk: number,
  given: Timestamp | undefined,
  taken?: Micros,
): Promise<ResolvedSnapshot> {
  if (given === undefined) {
    const micros = taken ?? (await tokens.snapshot(entityPk));
    return { micros, timestamp: microsToTimestamp(micros), settled: true };
  }
  const micros = timestampToMicrosFloor(given);
  await horizons.check(entityPk, micros);
  return { micros, timestamp: given, settled: await tokens.isSettled(entityPk, micros) };
}
