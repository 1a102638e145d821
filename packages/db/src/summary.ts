import type { GrantFlow, Micros } from '@tokenwarden/contracts';

/**
 * What the overview of an entity's tokens asks for, all at one snapshot. "Active at the
 * snapshot S" means created at or before S, expiring after S, and not revoked at S
 * (never revoked, or revoked after S). Windows are given in µs, so the store decides
 * nothing about calendars or time zones.
 */
export interface SummaryQuery {
  snapshot: Micros;
  /** Only this user's tokens (a user token without an admin role); the whole entity when absent. */
  userId?: string | undefined;
  /** The width of every bucket (a day). */
  bucket: Micros;
  /** Creations are counted from here (the start of the oldest bucket) up to the snapshot. */
  createdFrom: Micros;
  /** Active tokens expiring within this many buckets after the snapshot, per bucket. */
  expiringBuckets: number;
  /** Active tokens used, but last before this instant, count as idle. */
  idleBefore: Micros;
}

/** The counts of one summary; bucket arrays are dense (zeros included), oldest first. */
export interface SummaryCounts {
  /** Active tokens per grant flow (flows with none absent). */
  activeByGrantFlow: { grantFlow: GrantFlow; count: number }[];
  /** Active tokens per role they carry (a token with two roles counts for each). */
  activeByRole: { role: string; count: number }[];
  /** Tokens created per bucket from `createdFrom`: index i covers [from + i·bucket, from + (i+1)·bucket), cut at the snapshot. */
  createdPerBucket: number[];
  /** Active tokens expiring per bucket after the snapshot: index i covers (S + i·bucket, S + (i+1)·bucket]. */
  expiringPerBucket: number[];
  /** Active tokens never used. */
  neverUsed: number;
  /** Active tokens used, but last before `idleBefore`. */
  idle: number;
}

/**
 * The overview's counts, each one SQL statement scoped to the entity in its WHERE clause
 * and served by the tokens' indexes: "active" is a range of (entity, expires_at), creations
 * a range of (entity, created_at); the user's own tokens their (entity, user_id, …) ranges.
 */
export interface SummaryStore {
  summarize(entityPk: number, q: SummaryQuery): Promise<SummaryCounts>;
  /** The query plan of each statement of `summarize`, by name (tests). */
  explainSummary(entityPk: number, q: SummaryQuery): Promise<Record<string, string[]>>;
}

/** How many buckets cover [from, until] (the last one may be cut short by `until`). */
export function bucketCount(from: Micros, until: Micros, bucket: Micros): number {
  return until < from ? 0 : Math.floor((until - from) / bucket) + 1;
}

/** Dense bucket counts from (bucket index, count) rows; rows outside [0, n) are impossible by the SQL and dropped. */
export function denseBuckets(rows: Iterable<readonly [number, number]>, n: number): number[] {
  const out = new Array<number>(n).fill(0);
  for (const [i, count] of rows) if (i >= 0 && i < n) out[i] = count;
  return out;
}
