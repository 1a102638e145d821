import { effectiveDirection, type OrderKey } from '@tokenwarden/contracts';
import { ORDER_COLUMN, orderIsTokenIdOnly, type PageQuery, type TokenFilters } from '../list-types.js';
import { grantFlowCode, TOKEN_COLUMNS } from '../records.js';

/** Named parameters for a statement built by `pageSql` / `countSql`. */
export function bindings(
  entityPk: number,
  q: Omit<PageQuery, 'orderKey' | 'direction'> & Partial<Pick<PageQuery, 'orderKey' | 'direction'>>,
): Record<string, unknown> {
  const b: Record<string, unknown> = { entity: entityPk, snapshot: q.snapshot, limit: q.limit, offset: q.offset };
  const f = q.filters;
  if (f.userId !== undefined) b.user = f.userId;
  if (f.accountId !== undefined) b.account = f.accountId;
  if (f.grantFlow !== undefined) b.grant = grantFlowCode(f.grantFlow);
  if (f.role !== undefined) b.role = f.role;
  if (q.after) {
    // pageSql leaves the snapshot bound out of a created_at DESC cursor query (the cursor
    // is then the range the index seeks), so a cursor past the snapshot is clamped to it:
    // (created_at, token_id) < (snapshot, U+FFFF) is exactly created_at <= snapshot.
    const pastSnapshot = q.orderKey === 'created_at' && effectiveDirection(q.direction ?? 'DESC') === 'DESC' && Number(q.after.value) > q.snapshot;
    b.cv = pastSnapshot ? q.snapshot : q.after.value;
    b.ct = pastSnapshot ? '\uffff' : q.after.tokenId;
  }
  return b;
}

/**
 * The token-column filter conditions. Which index drives a filtered list must not depend
 * on planner statistics (ANALYZE samples only part of each index, and then rates a user
 * and a grant flow as equally selective: 1.7 s instead of 1 ms at a million rows). So the
 * most selective filter present drives, by a fixed ranking user > account > role > grant
 * flow, and the others are written `+column = value`, which SQLite checks on each row but
 * never uses to pick an index.
 */
function filterConditions(f: TokenFilters, alias: string, roleDrives: boolean): string[] {
  const c: string[] = [];
  const userDrives = f.userId !== undefined;
  const accountDrives = !userDrives && f.accountId !== undefined;
  if (f.userId !== undefined) c.push(`${alias}.user_id = @user`);
  if (f.accountId !== undefined) c.push(`${accountDrives ? '' : '+'}${alias}.account_id = @account`);
  if (f.grantFlow !== undefined) c.push(`${userDrives || accountDrives || roleDrives ? '+' : ''}${alias}.grant_flow = @grant`);
  return c;
}

const ROLE_EXISTS =
  'EXISTS (SELECT 1 FROM token_roles r WHERE r.entity_pk = t.entity_pk AND r.role = @role ' +
  'AND r.created_at = t.created_at AND r.token_id = t.token_id)';

/**
 * The set a list selects, as FROM + WHERE: the caller's entity, the snapshot, the filters.
 * A role filter in the default order, with no user or account filter (those select far
 * fewer rows), is driven from token_roles, whose index is already in (entity, role,
 * created_at, token_id) order; otherwise the role is an indexed EXISTS probe per row.
 */
function selection(f: TokenFilters, orderKey: OrderKey, withSnapshot = true): { from: string; where: string[]; driver: 'r' | 't' } {
  const hasTokenFilters = f.userId !== undefined || f.accountId !== undefined || f.grantFlow !== undefined;
  const selective = f.userId !== undefined || f.accountId !== undefined;
  if (f.role !== undefined && orderKey === 'created_at' && !selective) {
    return {
      from: hasTokenFilters ? 'token_roles r JOIN tokens t ON t.pk = r.token_pk' : 'token_roles r',
      where: ['r.entity_pk = @entity', 'r.role = @role', ...(withSnapshot ? ['r.created_at <= @snapshot'] : []), ...filterConditions(f, 't', true)],
      driver: 'r',
    };
  }
  const where = ['t.entity_pk = @entity', ...(withSnapshot ? ['t.created_at <= @snapshot'] : []), ...filterConditions(f, 't', false)];
  if (f.role !== undefined) where.push(ROLE_EXISTS);
  return { from: `tokens t${indexHint(f, orderKey)}`, where, driver: 't' };
}

/**
 * A user or account filter selects a few hundred rows at most, so its index drives, in
 * the order asked for when one exists, else in created_at order and sorted. Named
 * explicitly: with sampled statistics SQLite may otherwise walk the order key's index
 * over the whole entity (126 ms instead of 0.2 ms for a user's tokens by expires_at).
 */
function indexHint(f: TokenFilters, orderKey: OrderKey): string {
  if (f.userId !== undefined) {
    return orderKey === 'token_id' || orderKey === 'user_id' ? ' INDEXED BY tokens_by_user' : ' INDEXED BY tokens_user_created';
  }
  if (f.accountId !== undefined) {
    return orderKey === 'token_id' || orderKey === 'account_id' ? ' INDEXED BY tokens_by_account' : ' INDEXED BY tokens_account_created';
  }
  return '';
}

/**
 * SQL for one page: an index-only inner select of the page's row ids (ordered, cursor,
 * LIMIT/OFFSET), then those rows fetched and put back in order. Ties on the order key
 * are broken by token_id in the same direction, so the order is total.
 */
export function pageSql(q: Pick<PageQuery, 'filters' | 'orderKey' | 'direction' | 'after'>): string {
  const dir = effectiveDirection(q.direction);
  const op = dir === 'ASC' ? '>' : '<';
  // In created_at DESC order a cursor lies at or before the snapshot, so it implies the
  // snapshot bound; leaving that bound out makes the cursor the range the index seeks
  // (with both, SQLite takes the snapshot as the range and scans down to the cursor).
  const impliedSnapshot = q.after !== undefined && q.orderKey === 'created_at' && dir === 'DESC';
  const sel = selection(q.filters, q.orderKey, !impliedSnapshot);
  const a = sel.driver;
  const col = ORDER_COLUMN[q.orderKey];
  const where = [...sel.where];
  // An order key that an equality filter fixes (grant_flow with a grant filter, ...) orders
  // nothing: the order is token_id alone, and so is the cursor, which then seeks in the
  // filter's (entity, key, token_id) index instead of scanning the key's whole group.
  const single = orderIsTokenIdOnly(q);
  if (q.after) where.push(single ? `${a}.token_id ${op} @ct` : `(${a}.${col}, ${a}.token_id) ${op} (@cv, @ct)`);
  const order = (alias: string) => (single ? `${alias}.token_id ${dir}` : `${alias}.${col} ${dir}, ${alias}.token_id ${dir}`);
  const idColumn = a === 'r' ? 'r.token_pk' : 't.pk';
  const inner = `SELECT ${idColumn} FROM ${sel.from} WHERE ${where.join(' AND ')} ` + `ORDER BY ${order(a)} LIMIT @limit OFFSET @offset`;
  return `SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.pk IN (${inner}) ORDER BY ${order('t')}`;
}

/** SQL counting the whole selection (no order, no cursor); with `capped`, at most @cap rows. */
export function countSql(filters: TokenFilters, capped = false): string {
  const sel = selection(filters, 'created_at');
  const where = `FROM ${sel.from} WHERE ${sel.where.join(' AND ')}`;
  return capped ? `SELECT count(*) AS n FROM (SELECT 1 ${where} LIMIT @cap)` : `SELECT count(*) AS n ${where}`;
}
