import { effectiveDirection, type GrantFlow, type Micros, type OrderDirection, type OrderKey } from '@tokenwarden/contracts';
import { grantFlowCode, TOKEN_COLUMNS, type TokenRecord } from './records.js';

export interface TokenFilters {
  accountId?: string | undefined;
  userId?: string | undefined;
  grantFlow?: GrantFlow | undefined;
  role?: string | undefined;
}

/** The raw stored value of an order key: what a keyset cursor compares. */
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

const COLUMN: Record<OrderKey, string> = {
  created_at: 'created_at',
  expires_at: 'expires_at',
  last_used_at: 'last_used_at',
  token_id: 'token_id',
  user_id: 'user_id',
  account_id: 'account_id',
  grant_flow: 'grant_flow',
};

/** The stored sort value of a record under an order key (the '' / 0 sentinels included). */
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

/** Named parameters for a statement built by `pageSql` / `countSql`. */
export function bindings(entityPk: number, q: Omit<PageQuery, 'orderKey' | 'direction'>): Record<string, unknown> {
  const b: Record<string, unknown> = { entity: entityPk, snapshot: q.snapshot, limit: q.limit, offset: q.offset };
  const f = q.filters;
  if (f.userId !== undefined) b.user = f.userId;
  if (f.accountId !== undefined) b.account = f.accountId;
  if (f.grantFlow !== undefined) b.grant = grantFlowCode(f.grantFlow);
  if (f.role !== undefined) b.role = f.role;
  if (q.after) {
    b.cv = q.after.value;
    b.ct = q.after.tokenId;
  }
  return b;
}

function filterConditions(f: TokenFilters, alias: string): string[] {
  const c: string[] = [];
  if (f.userId !== undefined) c.push(`${alias}.user_id = @user`);
  if (f.accountId !== undefined) c.push(`${alias}.account_id = @account`);
  if (f.grantFlow !== undefined) c.push(`${alias}.grant_flow = @grant`);
  return c;
}

const ROLE_EXISTS =
  'EXISTS (SELECT 1 FROM token_roles r WHERE r.entity_pk = t.entity_pk AND r.role = @role ' +
  'AND r.created_at = t.created_at AND r.token_id = t.token_id)';

/**
 * The set a list selects, as FROM + WHERE: the caller's entity, the snapshot, the filters.
 * A role filter in the default order is driven from token_roles, whose index is already
 * in (entity, role, created_at, token_id) order; otherwise it is an indexed EXISTS probe.
 */
function selection(f: TokenFilters, orderKey: OrderKey): { from: string; where: string[]; driver: 'r' | 't' } {
  const hasTokenFilters = f.userId !== undefined || f.accountId !== undefined || f.grantFlow !== undefined;
  if (f.role !== undefined && orderKey === 'created_at') {
    return {
      from: hasTokenFilters ? 'token_roles r JOIN tokens t ON t.pk = r.token_pk' : 'token_roles r',
      where: ['r.entity_pk = @entity', 'r.role = @role', 'r.created_at <= @snapshot', ...filterConditions(f, 't')],
      driver: 'r',
    };
  }
  const where = ['t.entity_pk = @entity', 't.created_at <= @snapshot', ...filterConditions(f, 't')];
  if (f.role !== undefined) where.push(ROLE_EXISTS);
  return { from: 'tokens t', where, driver: 't' };
}

/**
 * SQL for one page: an index-only inner select of the page's row ids (ordered, cursor,
 * LIMIT/OFFSET), then those rows fetched and put back in order. Ties on the order key
 * are broken by token_id in the same direction, so the order is total.
 */
export function pageSql(q: Pick<PageQuery, 'filters' | 'orderKey' | 'direction' | 'after'>): string {
  const dir = effectiveDirection(q.direction);
  const op = dir === 'ASC' ? '>' : '<';
  const sel = selection(q.filters, q.orderKey);
  const a = sel.driver;
  const col = COLUMN[q.orderKey];
  const where = [...sel.where];
  const single = q.orderKey === 'token_id';
  if (q.after) where.push(single ? `${a}.token_id ${op} @ct` : `(${a}.${col}, ${a}.token_id) ${op} (@cv, @ct)`);
  const order = (alias: string) =>
    single ? `${alias}.token_id ${dir}` : `${alias}.${col} ${dir}, ${alias}.token_id ${dir}`;
  const idColumn = a === 'r' ? 'r.token_pk' : 't.pk';
  const inner =
    `SELECT ${idColumn} FROM ${sel.from} WHERE ${where.join(' AND ')} ` +
    `ORDER BY ${order(a)} LIMIT @limit OFFSET @offset`;
  return `SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.pk IN (${inner}) ORDER BY ${order('t')}`;
}

/** SQL counting the whole selection (no order, no cursor). */
export function countSql(filters: TokenFilters): string {
  const sel = selection(filters, 'created_at');
  return `SELECT count(*) AS n FROM ${sel.from} WHERE ${sel.where.join(' AND ')}`;
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
