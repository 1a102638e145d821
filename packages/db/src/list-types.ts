import {
  effectiveDirection,
  STATUS_FILTERS,
  type GrantFlow,
  type Micros,
  type OrderDirection,
  type OrderKey,
  type StatusFilter,
} from '@tokenwarden/contracts';
import { grantFlowCode, type TokenRecord } from './records.js';

/**
 * The list's filters, combined with AND; each adapter turns them into its own SQL (one
 * selection function per adapter, which a revocation by filter can reuse). A plain object
 * of optional fields. Time bounds are half-open: `after` inclusive, `before` exclusive.
 */
export interface TokenFilters {
  accountId?: string | undefined;
  userId?: string | undefined;
  grantFlow?: GrantFlow | undefined;
  role?: string | undefined;
  clientId?: string | undefined;
  /**
   * Any of these statuses *at the snapshot S* (so a walk's set never changes): REVOKED is
   * revoked_at <= S; ACTIVE not revoked at S and expires_at > S; EXPIRED not revoked at S
   * and expires_at <= S. In STATUS_FILTERS order, without repeats (`statusSet`).
   */
  statuses?: readonly StatusFilter[] | undefined;
  /** Tokens whose scopes grant this scope: the scope itself or a wildcard above it. */
  scope?: string | undefined;
  createdAfter?: Micros | undefined;
  createdBefore?: Micros | undefined;
  expiresAfter?: Micros | undefined;
  expiresBefore?: Micros | undefined;
  /** Only tokens used at least once, last at or after this instant. */
  lastUsedAfter?: Micros | undefined;
  /** Only tokens used at least once, last before this instant. */
  lastUsedBefore?: Micros | undefined;
  /** true: never used (last_used_at 0); false: used at least once. */
  neverUsed?: boolean | undefined;
}

/** Statuses in STATUS_FILTERS order without repeats: the canonical form of `TokenFilters.statuses`. */
export function statusSet(statuses: readonly StatusFilter[]): StatusFilter[] {
  return STATUS_FILTERS.filter((s) => statuses.includes(s));
}

/** Whether a token's status at the snapshot is one the filter asks for (the reference the SQL is held to). */
export function statusAt(record: Pick<TokenRecord, 'revokedAt' | 'expiresAt'>, snapshot: Micros): StatusFilter {
  if (record.revokedAt !== null && record.revokedAt <= snapshot) return 'REVOKED';
  return record.expiresAt > snapshot ? 'ACTIVE' : 'EXPIRED';
}

/** The time bounds of the filters by column, as the adapters write them. */
export const TIME_BOUNDS = [
  { column: 'created_at', after: 'createdAfter', before: 'createdBefore' },
  { column: 'expires_at', after: 'expiresAfter', before: 'expiresBefore' },
  { column: 'last_used_at', after: 'lastUsedAfter', before: 'lastUsedBefore' },
] as const;
export type TimeBoundKey = (typeof TIME_BOUNDS)[number]['after' | 'before'];

/** The value of an order key as the stores order by it ('' for no user or account, 0 for never used). */
export type SortValue = string | number;

/** Where the previous page ended: the last row's order-key value and token_id. */
export interface Cursor {
  value: SortValue;
  tokenId: string;
}

export interface PageQuery {
  filters: TokenFilters;
  /** Only tokens created at or before this instant. */
  snapshot: Micros;
  orderKey: OrderKey;
  direction: OrderDirection;
  limit: number;
  /** Rows to skip after the cursor (or from the start when there is none). */
  offset: number;
  after?: Cursor | undefined;
}

/** The tokens column each order key sorts by (the same name in both schemas). */
export const ORDER_COLUMN: Record<OrderKey, string> = {
  created_at: 'created_at',
  expires_at: 'expires_at',
  last_used_at: 'last_used_at',
  token_id: 'token_id',
  user_id: 'user_id',
  account_id: 'account_id',
  grant_flow: 'grant_flow',
};

/** The sort value of a record under an order key (the '' / 0 sentinels included). */
export function sortValue(record: TokenRecord, key: OrderKey): SortValue {
  switch (key) {
    case 'created_at':
      return record.createdAt;
    case 'expires_at':
      return record.expiresAt;
    case 'last_used_at':
      return record.lastUsedAt ?? 0;
    case 'token_id':
      return record.tokenId;
    case 'user_id':
      return record.userId ?? '';
    case 'account_id':
      return record.accountId ?? '';
    case 'grant_flow':
      return grantFlowCode(record.grantFlow);
  }
}

/** Whether any filter beyond the first four (user, account, grant flow, role) is present. */
export function hasNewerFilters(f: TokenFilters): boolean {
  return (
    f.clientId !== undefined ||
    f.statuses !== undefined ||
    f.scope !== undefined ||
    f.createdAfter !== undefined ||
    f.createdBefore !== undefined ||
    f.expiresAfter !== undefined ||
    f.expiresBefore !== undefined ||
    f.lastUsedAfter !== undefined ||
    f.lastUsedBefore !== undefined ||
    f.neverUsed !== undefined
  );
}

/** What of the newer filters shapes the SQL: which are present, the status set, never_used's value. */
function newerShape(f: TokenFilters): string {
  return [
    f.clientId !== undefined ? 'cl' : '',
    f.statuses !== undefined ? `s${statusSet(f.statuses).join(',')}` : '',
    f.scope !== undefined ? 'sc' : '',
    ...TIME_BOUNDS.flatMap((b) => [f[b.after] !== undefined ? 'a' : '', f[b.before] !== undefined ? 'b' : '']),
    f.neverUsed === undefined ? '' : f.neverUsed ? 'n1' : 'n0',
  ].join(',');
}

/** Canonical key of a query shape, for statement caches. The shapes of the first four filters keep their keys (and SQL). */
export function shapeKey(q: Pick<PageQuery, 'filters' | 'orderKey' | 'direction' | 'after'>): string {
  const f = q.filters;
  const key = [
    q.orderKey,
    effectiveDirection(q.direction),
    f.userId !== undefined ? 'u' : '',
    f.accountId !== undefined ? 'a' : '',
    f.grantFlow !== undefined ? 'g' : '',
    f.role !== undefined ? 'r' : '',
    q.after ? 'c' : '',
  ].join('|');
  return hasNewerFilters(f) ? `${key}|${newerShape(f)}` : key;
}

/**
 * An order key that an equality filter fixes (grant_flow with a grant filter, ...) orders
 * nothing: the order is token_id alone, and so is the cursor.
 */
export function orderIsTokenIdOnly(q: Pick<PageQuery, 'filters' | 'orderKey'>): boolean {
  const f = q.filters;
  return (
    q.orderKey === 'token_id' ||
    (q.orderKey === 'grant_flow' && f.grantFlow !== undefined) ||
    (q.orderKey === 'user_id' && f.userId !== undefined) ||
    (q.orderKey === 'account_id' && f.accountId !== undefined) ||
    // never used: last_used_at is 0 throughout
    (q.orderKey === 'last_used_at' && f.neverUsed === true)
  );
}
