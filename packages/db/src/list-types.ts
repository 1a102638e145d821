import { effectiveDirection, type GrantFlow, type Micros, type OrderDirection, type OrderKey } from '@tokenwarden/contracts';
import { grantFlowCode, type TokenRecord } from './records.js';

/** The list's filters, combined with AND; each adapter turns them into its own SQL. */
export interface TokenFilters {
  accountId?: string | undefined;
  userId?: string | undefined;
  grantFlow?: GrantFlow | undefined;
  role?: string | undefined;
}

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

/** Canonical key of a query shape, for statement caches. */
export function shapeKey(q: Pick<PageQuery, 'filters' | 'orderKey' | 'direction' | 'after'>): string {
  const f = q.filters;
  return [
    q.orderKey,
    effectiveDirection(q.direction),
    f.userId !== undefined ? 'u' : '',
    f.accountId !== undefined ? 'a' : '',
    f.grantFlow !== undefined ? 'g' : '',
    f.role !== undefined ? 'r' : '',
    q.after ? 'c' : '',
  ].join('|');
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
    (q.orderKey === 'account_id' && f.accountId !== undefined)
  );
}
