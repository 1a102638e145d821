import {
  formatMicros,
  formatTimestamp,
  GRANT_FLOWS,
  SUMMARY_CREATED_DAYS,
  SUMMARY_EXPIRING_DAYS,
  SUMMARY_IDLE_DAYS,
  type Micros,
  type Timestamp,
  type TokenSummary,
} from '@tokenwarden/contracts';
import type { SummaryCounts, SummaryQuery, SummaryStore, TokenStore } from '@tokenwarden/db';
import { Lru } from '@tokenwarden/db';
import type { PurgeHorizons } from './purge-horizons.js';
import { resolveSnapshot } from './snapshots.js';

const DAY: Micros = 86_400_000_000;
/** The last instant the store can hold exactly (µs as a JS number, in 2255): window bounds stop there, as snapshots do. */
const LAST_INSTANT: Micros = Number.MAX_SAFE_INTEGER;
/** Summaries kept (each a few hundred bytes): every recent snapshot of every busy entity and user. */
const CACHE_ENTRIES = 2_000;

/** The windows of the summary at snapshot S: 30 UTC days up to S's day, 7 periods of 24 h after S, idle for 30 days. */
export function summaryQuery(snapshot: Micros, userId: string | undefined): SummaryQuery {
  const today = Math.floor(snapshot / DAY) * DAY;
  return {
    snapshot,
    userId,
    bucket: DAY,
    createdFrom: today - (SUMMARY_CREATED_DAYS - 1) * DAY,
    expiringBuckets: SUMMARY_EXPIRING_DAYS,
    idleBefore: snapshot - SUMMARY_IDLE_DAYS * DAY,
  };
}

/** The contract's answer from the store's counts. */
export function presentSummary(snapshotTs: Timestamp, q: SummaryQuery, c: SummaryCounts): TokenSummary {
  const byFlow = new Map(c.activeByGrantFlow.map((f) => [f.grantFlow, f.count]));
  const at = (m: Micros) => formatMicros(Math.min(m, LAST_INSTANT));
  return {
    first_request_timestamp: formatTimestamp(snapshotTs),
    active: {
      total: c.activeByGrantFlow.reduce((n, f) => n + f.count, 0),
      by_grant_flow: GRANT_FLOWS.map((grant_flow) => ({ grant_flow, count: byFlow.get(grant_flow) ?? 0 })),
      by_role: c.activeByRole
        .map(({ role, count }) => ({ role, count }))
        .sort((a, b) => b.count - a.count || (a.role < b.role ? -1 : a.role > b.role ? 1 : 0)),
      never_used: c.neverUsed,
      unused_30_days: c.idle,
    },
    created_per_day: c.createdPerBucket.map((count, i) => ({ day: at(q.createdFrom + i * DAY).slice(0, 10), count })),
    expiring_next_7_days: c.expiringPerBucket.map((count, i) => ({ from: at(q.snapshot + i * DAY), to: at(q.snapshot + (i + 1) * DAY), count })),
  };
}

/**
 * The overview of an entity's (or one user's) tokens at a snapshot. Like the list's
 * totals, the answer for a settled snapshot is computed at most once per (entity, user,
 * snapshot) per process, concurrent first requests sharing one computation: the sets it
 * counts (created, active, expiring at S) can no longer change. Usage (last_used_at) is
 * kept as it was when first computed: the store keeps only each token's last use, so no
 * later computation could tell usage at S better. A snapshot in the future is answered
 * but never cached.
 */
export class TokenSummarizer {
  private readonly cache = new Lru<string, Promise<TokenSummary>>(CACHE_ENTRIES);

  constructor(
    private readonly tokens: TokenStore,
    private readonly summaries: SummaryStore,
    private readonly horizons: PurgeHorizons,
  ) {}

  /** `taken`: a new bound already taken for this request (see `resolveSnapshot`), used when none is given. */
  async summarize(entityPk: number, userId: string | undefined, given: Timestamp | undefined, taken?: Micros): Promise<TokenSummary> {
    const { micros: snapshot, timestamp: snapshotTs, settled: stable } = await resolveSnapshot(this.tokens, this.horizons, entityPk, given, taken);
    // The snapshot as given is part of the key: its nanoseconds are echoed in the answer.
    const key = `${entityPk}|${userId === undefined ? '*' : `=${userId}`}|${formatTimestamp(snapshotTs)}`;
    const cached = stable ? this.cache.get(key) : undefined;
    if (cached) return cached;
    const q = summaryQuery(snapshot, userId);
    const pending = this.summaries.summarize(entityPk, q).then((counts) => presentSummary(snapshotTs, q, counts));
    if (stable) {
      this.cache.set(key, pending);
      // A failed computation is not remembered (unless a newer one replaced it already).
      pending.catch(() => {
        if (this.cache.peek(key) === pending) this.cache.delete(key);
      });
    }
    return pending;
  }
}
