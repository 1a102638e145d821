import { effectiveDirection, type Micros, type OrderKey } from '@tokenwarden/contracts';
import { type Cursor, ORDER_COLUMN, orderIsTokenIdOnly, type PageQuery, statusSet, TIME_BOUNDS, type TokenFilters } from './list-types.js';

/*
 * The conditions of the newer filters (status at the snapshot, scope, time bounds, never
 * used), written once for both dialects: each adapter says how a column, a parameter and
 * the scope's grant sets are written. The first four filters (user, account, grant flow,
 * role) and client_id stay in the adapters, which decide from them which index drives.
 */

/** The parameters these conditions bind (besides the adapter's own). */
export type ConditionParam = 'snapshot' | 'ca' | 'cb' | 'ea' | 'eb' | 'la' | 'lb' | 'lo' | 'hi';

/** The parameter of each time bound. */
export const BOUND_PARAM = {
  createdAfter: 'ca',
  createdBefore: 'cb',
  expiresAfter: 'ea',
  expiresBefore: 'eb',
  lastUsedAfter: 'la',
  lastUsedBefore: 'lb',
} as const satisfies Record<(typeof TIME_BOUNDS)[number]['after' | 'before'], ConditionParam>;

export interface ConditionWriter {
  /**
   * A token column in a condition. `range`: the condition is a plain comparison that may
   * bound the driving index's range (SQLite writes any other as `+column`, so it never
   * picks an index).
   */
  col(column: string, range: boolean): string;
  param(name: ConditionParam): string;
  /**
   * "The token's grant set is one of the entity's sets holding a scope that grants
   * `filters.scope`" (`grantingScopes`), for the grant_set_pk column as `col` wrote it: a
   * per-row check, never what drives.
   */
  scopeCondition(grantSetPk: string): string;
}

/** The time columns: each has an index (entity, column, token_id, created_at). */
export type TimeColumn = (typeof TIME_BOUNDS)[number]['column'];

/** The time column an order key sorts by, if it is one. */
export function timeColumnOf(orderKey: OrderKey): TimeColumn | undefined {
  return TIME_BOUNDS.find((b) => b.column === ORDER_COLUMN[orderKey])?.column;
}

/**
 * The range the snapshot and the filters give a time column, as [lo, hi) in µs: for
 * created_at, created_at <= snapshot and its bounds; for expires_at its bounds, and a status
 * of ACTIVE alone (expires_at > snapshot) or EXPIRED alone (expires_at <= snapshot); for
 * last_used_at its bounds. Stored instants are integers, so `<= v` is `< v + 1`.
 */
export function columnRange(f: TokenFilters, column: TimeColumn, snapshot: Micros): { lo?: number; hi?: number } {
  const bounds = TIME_BOUNDS.find((b) => b.column === column) as (typeof TIME_BOUNDS)[number];
  const lows: number[] = [];
  const highs: number[] = [];
  const from = f[bounds.after];
  const to = f[bounds.before];
  if (from !== undefined) lows.push(from);
  if (to !== undefined) highs.push(to);
  if (column === 'created_at') highs.push(snapshot + 1);
  if (column === 'expires_at' && f.statuses) {
    const set = statusSet(f.statuses).join();
    if (set === 'ACTIVE') lows.push(snapshot + 1);
    if (set === 'EXPIRED') highs.push(snapshot + 1);
  }
  const range: { lo?: number; hi?: number } = {};
  if (lows.length > 0) range.lo = Math.max(...lows);
  if (highs.length > 0) range.hi = Math.min(...highs);
  return range;
}

/**
 * Which of the order column's bounds a keyset cursor stands for. A cursor is a row the walk
 * served, so in DESC order it lies below every upper bound of the order column, in ASC
 * order above every lower one. The SQLite adapter leaves those bounds out: with a bound and
 * the cursor on one column SQLite (without statistics) seeks from the bound and scans to
 * the cursor (25 ms instead of 0.01 ms 250,000 rows deep). It clamps the cursor to them
 * instead (`clampCursor`), so a cursor from anywhere selects exactly the rows inside.
 */
export function cursorStandsFor(q: Pick<PageQuery, 'filters' | 'orderKey' | 'direction' | 'after'>): 'upper' | 'lower' | undefined {
  if (!q.after || orderIsTokenIdOnly(q) || !TIME_BOUNDS.some((b) => b.column === ORDER_COLUMN[q.orderKey])) return undefined;
  return effectiveDirection(q.direction) === 'DESC' ? 'upper' : 'lower';
}

const comparePairs = (a: Cursor, b: Cursor): number =>
  a.value < b.value ? -1 : a.value > b.value ? 1 : a.tokenId < b.tokenId ? -1 : a.tokenId > b.tokenId ? 1 : 0;

/**
 * The cursor moved inside the range it stands for (see `cursorStandsFor`), so the same rows
 * follow it: with the empty string below every token id, (col, token_id) < (hi, '') is
 * col < hi, and (col, token_id) > (lo, '') is col >= lo.
 */
export function clampCursor(q: Pick<PageQuery, 'filters' | 'orderKey' | 'direction' | 'after' | 'snapshot'>): Cursor | undefined {
  const side = cursorStandsFor(q);
  const c = q.after;
  const column = timeColumnOf(q.orderKey);
  if (!c || !side || !column) return c;
  const { lo, hi } = columnRange(q.filters, column, q.snapshot);
  if (side === 'upper' && hi !== undefined && comparePairs({ value: hi, tokenId: '' }, c) < 0) return { value: hi, tokenId: '' };
  if (side === 'lower' && lo !== undefined && comparePairs({ value: lo, tokenId: '' }, c) > 0) return { value: lo, tokenId: '' };
  return c;
}

/**
 * How the bounds of the column whose index drives are written. 'separate': each as given
 * (PostgreSQL, whose index scan starts from the tightest of several bounds on a column).
 * 'merged': one range per side on `column`, `col >= @lo` and `col < @hi` (`columnRange`),
 * the snapshot included for created_at (SQLite, which seeks from one bound, maybe the loose
 * one, and scans to the other); none on the side a cursor stands for (`cursorStandsFor`).
 * `column` is the order key's time column, or the one whose short range drives instead.
 */
export type OrderBounds = { kind: 'separate' } | { kind: 'merged'; column: TimeColumn | undefined; omit: 'upper' | 'lower' | undefined };

/** Whether the snapshot bound is written by `newerConditions` (merged into created_at's range). */
export function snapshotInRange(bounds: OrderBounds): boolean {
  return bounds.kind === 'merged' && bounds.column === 'created_at';
}

/**
 * The newer filters' conditions (the first filters are the adapters', and so is the
 * snapshot bound unless `snapshotInRange`).
 */
export function newerConditions(q: Pick<PageQuery, 'filters' | 'orderKey'>, w: ConditionWriter, bounds: OrderBounds): string[] {
  const f = q.filters;
  const rangeColumn = bounds.kind === 'merged' ? bounds.column : undefined;
  const c: string[] = [];
  if (rangeColumn && bounds.kind === 'merged') {
    const range = columnRange(f, rangeColumn, 0);
    if (range.lo !== undefined && bounds.omit !== 'lower') c.push(`${w.col(rangeColumn, true)} >= ${w.param('lo')}`);
    if (range.hi !== undefined && bounds.omit !== 'upper') c.push(`${w.col(rangeColumn, true)} < ${w.param('hi')}`);
  }
  for (const b of TIME_BOUNDS) {
    if (b.column === rangeColumn) continue;
    if (f[b.after] !== undefined) c.push(`${w.col(b.column, true)} >= ${w.param(BOUND_PARAM[b.after])}`);
    if (f[b.before] !== undefined) c.push(`${w.col(b.column, true)} < ${w.param(BOUND_PARAM[b.before])}`);
  }
  // A last-use bound selects only tokens used at least once (0 is "never"); with never_used=true, nothing.
  if (f.neverUsed === true) c.push(`${w.col('last_used_at', true)} = 0`);
  if (f.neverUsed === false || f.lastUsedAfter !== undefined || f.lastUsedBefore !== undefined) c.push(`${w.col('last_used_at', false)} <> 0`);
  if (f.statuses) c.push(...statusConditions(f, w, rangeColumn === 'expires_at'));
  if (f.scope !== undefined) c.push(w.scopeCondition(w.col('grant_set_pk', false)));
  return c;
}

/**
 * Status at the snapshot S (see `TokenFilters.statuses`): revoked at S is revoked_at <= S;
 * not revoked at S, revoked_at NULL or after S; then expired or active by expires_at.
 * `expiresInRange`: ACTIVE's and EXPIRED's bound on expires_at is in the order range.
 */
function statusConditions(f: TokenFilters, w: ConditionWriter, expiresInRange: boolean): string[] {
  const s = w.param('snapshot');
  const revokedAt = w.col('revoked_at', false);
  const expiresAt = w.col('expires_at', false);
  const notRevoked = `(${revokedAt} IS NULL OR ${revokedAt} > ${s})`;
  switch (statusSet(f.statuses ?? []).join()) {
    case 'ACTIVE':
      return expiresInRange ? [notRevoked] : [notRevoked, `${w.col('expires_at', true)} > ${s}`];
    case 'EXPIRED':
      return expiresInRange ? [notRevoked] : [notRevoked, `${w.col('expires_at', true)} <= ${s}`];
    case 'REVOKED':
      return [`${revokedAt} <= ${s}`];
    case 'ACTIVE,EXPIRED':
      return [notRevoked];
    case 'ACTIVE,REVOKED':
      return [`(${revokedAt} <= ${s} OR ${expiresAt} > ${s})`];
    case 'EXPIRED,REVOKED':
      return [`(${revokedAt} <= ${s} OR ${expiresAt} <= ${s})`];
    default:
      // every status (or none asked): no condition
      return [];
  }
}

/** Whether the newer filters read a token column other than created_at (token_roles carries that one). */
export function newerReadTokenRow(f: TokenFilters): boolean {
  return (
    f.clientId !== undefined ||
    f.statuses !== undefined ||
    f.scope !== undefined ||
    f.expiresAfter !== undefined ||
    f.expiresBefore !== undefined ||
    f.lastUsedAfter !== undefined ||
    f.lastUsedBefore !== undefined ||
    f.neverUsed !== undefined
  );
}
