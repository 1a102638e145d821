import { effectiveDirection, grantingScopes, type OrderKey } from '@tokenwarden/contracts';
import {
  BOUND_PARAM,
  clampCursor,
  type ConditionWriter,
  cursorStandsFor,
  newerConditions,
  newerReadTokenRow,
  type OrderBounds,
  orderRange,
  snapshotInRange,
} from '../list-conditions.js';
import { hasNewerFilters, ORDER_COLUMN, orderIsTokenIdOnly, type PageQuery, type TokenFilters } from '../list-types.js';
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
  if (hasNewerFilters(f)) {
    if (f.clientId !== undefined) b.client = f.clientId;
    if (f.scope !== undefined) b.scopes = JSON.stringify(grantingScopes(f.scope));
    for (const [key, param] of Object.entries(BOUND_PARAM)) {
      const v = f[key as keyof typeof BOUND_PARAM];
      if (v !== undefined) b[param] = v;
    }
    // The order column's bounds, merged into one range (see `newerConditions`).
    const { lo, hi } = orderRange({ filters: f, orderKey: q.orderKey ?? 'created_at', snapshot: q.snapshot });
    if (lo !== undefined) b.lo = lo;
    if (hi !== undefined) b.hi = hi;
  }
  if (q.after) {
    // pageSql leaves the order column's bounds that the cursor stands for out of the query
    // (the snapshot, in created_at DESC order: the cursor is then the range the index
    // seeks), so the cursor is clamped inside them: e.g. (created_at, token_id) <
    // (snapshot + 1, '') is exactly created_at <= snapshot.
    const c = clampCursor({ ...q, orderKey: q.orderKey ?? 'created_at', direction: q.direction ?? 'DESC' }) ?? q.after;
    b.cv = c.value;
    b.ct = c.tokenId;
  }
  return b;
}

/**
 * The token-column filter conditions. Which index drives a filtered list must not depend
 * on planner statistics (ANALYZE samples only part of each index, and then rates a user
 * and a grant flow as equally selective: 1.7 s instead of 1 ms at a million rows). So the
 * most selective filter present drives, by a fixed ranking user > account > client (in
 * created_at order) > role > grant flow, and the others are written `+column = value`,
 * which SQLite checks on each row but never uses to pick an index.
 */
function filterConditions(f: TokenFilters, alias: string, roleDrives: boolean, orderKey: OrderKey): string[] {
  const c: string[] = [];
  const userDrives = f.userId !== undefined;
  const accountDrives = !userDrives && f.accountId !== undefined;
  const clientDrives = clientIndexDrives(f, orderKey);
  if (f.userId !== undefined) c.push(`${alias}.user_id = @user`);
  if (f.accountId !== undefined) c.push(`${accountDrives ? '' : '+'}${alias}.account_id = @account`);
  if (f.grantFlow !== undefined) c.push(`${userDrives || accountDrives || roleDrives || clientDrives ? '+' : ''}${alias}.grant_flow = @grant`);
  if (f.clientId !== undefined) c.push(`${clientDrives ? '' : '+'}${alias}.client_id = @client`);
  return c;
}

/**
 * A client filter drives in created_at order (tokens_client_created) unless a user or
 * account filter is there. In any other order it is a per-row check on the order key's
 * index: a client may hold millions of tokens, too many to sort.
 */
function clientIndexDrives(f: TokenFilters, orderKey: OrderKey): boolean {
  return f.clientId !== undefined && orderKey === 'created_at' && f.userId === undefined && f.accountId === undefined;
}

/**
 * The grant sets of the entity holding a scope that grants the filter's (`grantingScopes`,
 * bound as a JSON array): each candidate looked up in grant_set_scopes' primary key
 * (entity_pk, scope, grant_set_pk), named so, and in that join order, whatever the
 * statistics say (with those of a small table SQLite would rather scan all of it).
 */
const SCOPE_GRANT_SETS =
  'SELECT s.grant_set_pk FROM json_each(@scopes) j CROSS JOIN grant_set_scopes s INDEXED BY sqlite_autoindex_grant_set_scopes_1 ' +
  'WHERE s.entity_pk = @entity AND s.scope = j.value';

/**
 * How the newer filters' conditions read a token's columns: a comparison on the order key's
 * column bounds its index range; any other is a `+column` check per row, which never
 * makes SQLite pick another index. Driven from token_roles, created_at is its own.
 */
function writer(driver: 'r' | 't', orderKey: OrderKey): ConditionWriter {
  const orderColumn = ORDER_COLUMN[orderKey];
  return {
    col: (column, range) =>
      driver === 'r' && column === 'created_at' ? 'r.created_at' : range && driver === 't' && column === orderColumn ? `t.${column}` : `+t.${column}`,
    param: (name) => `@${name}`,
    scopeCondition: (grantSetPk) => `${grantSetPk} IN (${SCOPE_GRANT_SETS})`,
  };
}

const ROLE_EXISTS =
  'EXISTS (SELECT 1 FROM token_roles r WHERE r.entity_pk = t.entity_pk AND r.role = @role ' +
  'AND r.created_at = t.created_at AND r.token_id = t.token_id)';

/**
 * The set a list selects, as FROM + WHERE: the caller's entity, the snapshot, the filters.
 * A role filter in the default order, with no user, account or client filter (those select
 * far fewer rows, or have an index in that order), is driven from token_roles, whose index
 * is already in (entity, role, created_at, token_id) order; otherwise the role is an
 * indexed EXISTS probe per row. `omit`: the order column's bounds a cursor stands for
 * (`cursorStandsFor`), left out. One function for every statement that selects tokens by
 * the list's filters (pages, counts).
 */
function selection(f: TokenFilters, orderKey: OrderKey, omit?: 'upper' | 'lower'): { from: string; where: string[]; driver: 'r' | 't' } {
  const newer = hasNewerFilters(f);
  // The newer filters merge the order column's bounds into one range per side (SQLite seeks
  // from one of several bounds, maybe the loose one), the snapshot included in created_at
  // order; the side a cursor stands for is the cursor alone.
  const bounds: OrderBounds = { kind: 'merged', omit };
  // In created_at DESC order a cursor lies at or before the snapshot, so it implies the
  // snapshot bound; leaving that bound out makes the cursor the range the index seeks
  // (with both, SQLite takes the snapshot as the range and scans down to the cursor).
  const withSnapshot = newer ? !snapshotInRange({ orderKey }, bounds) : !(omit === 'upper' && orderKey === 'created_at');
  const hasTokenFilters = f.userId !== undefined || f.accountId !== undefined || f.grantFlow !== undefined || (newer && newerReadTokenRow(f));
  const selective = f.userId !== undefined || f.accountId !== undefined || f.clientId !== undefined;
  if (f.role !== undefined && orderKey === 'created_at' && !selective) {
    return {
      from: hasTokenFilters ? 'token_roles r JOIN tokens t ON t.pk = r.token_pk' : 'token_roles r',
      where: [
        'r.entity_pk = @entity',
        'r.role = @role',
        ...(withSnapshot ? ['r.created_at <= @snapshot'] : []),
        ...filterConditions(f, 't', true, orderKey),
        ...(newer ? newerConditions({ filters: f, orderKey }, writer('r', orderKey), bounds) : []),
      ],
      driver: 'r',
    };
  }
  const where = ['t.entity_pk = @entity', ...(withSnapshot ? ['t.created_at <= @snapshot'] : []), ...filterConditions(f, 't', false, orderKey)];
  if (f.role !== undefined) where.push(ROLE_EXISTS);
  if (newer) where.push(...newerConditions({ filters: f, orderKey }, writer('t', orderKey), bounds));
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
  return clientIndexDrives(f, orderKey) ? ' INDEXED BY tokens_client_created' : '';
}

/**
 * SQL for one page: an index-only inner select of the page's row ids (ordered, cursor,
 * LIMIT/OFFSET), then those rows fetched and put back in order. Ties on the order key
 * are broken by token_id in the same direction, so the order is total.
 */
export function pageSql(q: Pick<PageQuery, 'filters' | 'orderKey' | 'direction' | 'after'>): string {
  const dir = effectiveDirection(q.direction);
  const op = dir === 'ASC' ? '>' : '<';
  const sel = selection(q.filters, q.orderKey, cursorStandsFor(q));
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
