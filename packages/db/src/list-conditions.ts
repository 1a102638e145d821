import { effectiveDirection } from '@tokenwarden/contracts';
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

/**
 * The range the snapshot and the filters give the order key's column, as [lo, hi) in µs:
 * created_at <= snapshot and the time bounds, and for expires_at a status of ACTIVE alone
 * (expires_at > snapshot) or EXPIRED alone (expires_at <= snapshot). Empty for an order key
 * that is no time column. Stored instants are integers, so `<= v` is `< v + 1`.
 */
export function orderRange(q: Pick<PageQuery, 'filters' | 'orderKey' | 'snapshot'>): { lo?: number; hi?: number } {
  const f = q.filters;
  const bounds = TIME_BOUNDS.find((b) => b.column === ORDER_COLUMN[q.orderKey]);
  if (!bounds) return {};
  const lows: number[] = [];
  const highs: number[] = [];
  const from = f[bounds.after];
  const to = f[bounds.before];
  if (from !== undefined) lows.push(from);
  if (to !== undefined) highs.push(to);
  if (q.orderKey === 'created_at') highs.push(q.snapshot + 1);
  if (q.orderKey === 'expires_at' && f.statuses) {
    const set = statusSet(f.statuses).join();
    if (set === 'ACTIVE') lows.push(q.snapshot + 1);
    if (set === 'EXPIRED') highs.push(q.snapshot + 1);
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
  if (!c || !side) return c;
  const { lo, hi } = orderRange(q);
  if (side === 'upper' && hi !== undefined && comparePairs({ value: hi, tokenId: '' }, c) < 0) return { value: hi, tokenId: '' };
  if (side === 'lower' && lo !== undefined && comparePairs({ value: lo, tokenId: '' }, c) > 0) return { value: lo, tokenId: '' };
  return c;
}

/**
 * How the order column's bounds are written. 'separate': each as given (PostgreSQL, whose
 * index scan starts from the tightest of several bounds on a column). 'merged': one range
 * per side, `col >= @lo` and `col < @hi` (`orderRange`), the snapshot included for
 * created_at (SQLite, which seeks from one bound, maybe the loose one, and scans to the
 * other); and none on the side a cursor stands for (`cursorStandsFor`).
 */
export type OrderBounds = { kind: 'separate' } | { kind: 'merged'; omit: 'upper' | 'lower' | undefined };

/** Whether the snapshot bound is written by `newerConditions` (merged into the order column's range). */
export function snapshotInRange(q: Pick<PageQuery, 'orderKey'>, bounds: OrderBounds): boolean {
  return bounds.kind === 'merged' && q.orderKey === 'created_at';
}

/**
 * The newer filters' conditions (the first filters are the adapters', and so is the
 * snapshot bound unless `snapshotInRange`).
 */
export function newerConditions(q: Pick<PageQuery, 'filters' | 'orderKey'>, w: ConditionWriter, bounds: OrderBounds): string[] {
  const f = q.filters;
  const orderColumn = ORDER_COLUMN[q.orderKey];
  const merged = bounds.kind === 'merged' && TIME_BOUNDS.some((b) => b.column === orderColumn);
  const c: string[] = [];
  if (merged) {
    const range = orderRange({ ...q, snapshot: 0 });
    if (range.lo !== undefined && bounds.omit !== 'lower') c.push(`${w.col(orderColumn, true)} >= ${w.param('lo')}`);
    if (range.hi !== undefined && bounds.omit !== 'upper') c.push(`${w.col(orderColumn, true)} < ${w.param('hi')}`);
  }
  for (const b of TIME_BOUNDS) {
    if (merged && b.column === orderColumn) continue;
    if (f[b.after] !== undefined) c.push(`${w.col(b.column, true)} >= ${w.param(BOUND_PARAM[b.after])}`);
    if (f[b.before] !== undefined) c.push(`${w.col(b.column, true)} < ${w.param(BOUND_PARAM[b.before])}`);
  }
  // A last-use bound selects only tokens used at least once (0 is "never"); with never_used=true, nothing.
  if (f.neverUsed === true) c.push(`${w.col('last_used_at', true)} = 0`);
  if (f.neverUsed === false || f.lastUsedAfter !== undefined || f.lastUsedBefore !== undefined) c.push(`${w.col('last_used_at', false)} <> 0`);
  if (f.statuses) c.push(...statusConditions(f, w, merged && orderColumn === 'expires_at'));
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
