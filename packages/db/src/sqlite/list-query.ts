import { effectiveDirection, grantingScopes, type OrderKey } from '@tokenwarden/contracts';
import {
  BOUND_PARAM,
  clampCursor,
  columnRange,
  type ConditionWriter,
  cursorStandsFor,
  newerConditions,
  newerReadTokenRow,
  type OrderBounds,
  snapshotInRange,
  type TimeColumn,
  timeColumnOf,
} from '../list-conditions.js';
import { hasNewerFilters, ORDER_COLUMN, orderIsTokenIdOnly, type PageQuery, type TokenFilters } from '../list-types.js';
import { grantFlowCode, TOKEN_COLUMNS } from '../records.js';

/**
 * A time column whose bounds select few enough rows to drive a list in another order: its
 * short range read from its own index, then sorted (see `rangeCandidates`).
 */
export type RangeDriver = TimeColumn;

/** The index of each time column: (entity, column, token_id, created_at). */
const TIME_INDEX: Record<TimeColumn, string> = {
  created_at: 'tokens_by_created',
  expires_at: 'tokens_by_expires',
  last_used_at: 'tokens_by_last_used',
};

/** Named parameters for a statement built by `pageSql` / `countSql` (with the same `drive`). */
export function bindings(
  entityPk: number,
  q: Omit<PageQuery, 'orderKey' | 'direction'> & Partial<Pick<PageQuery, 'orderKey' | 'direction'>>,
  drive?: RangeDriver,
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
    // The driving column's bounds, merged into one range (see `newerConditions`).
    const column = drive ?? timeColumnOf(q.orderKey ?? 'created_at');
    if (column) {
      const { lo, hi } = columnRange(f, column, q.snapshot);
      if (lo !== undefined) b.lo = lo;
      if (hi !== undefined) b.hi = hi;
    }
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
function writer(driver: 'r' | 't', rangeColumn: TimeColumn | undefined): ConditionWriter {
  return {
    col: (column, range) =>
      driver === 'r' && column === 'created_at' ? 'r.created_at' : range && driver === 't' && column === rangeColumn ? `t.${column}` : `+t.${column}`,
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
 * (`cursorStandsFor`), left out. `drive`: a time column whose short range drives instead
 * of the order key's index (`rangeCandidates`). One function for every statement that
 * selects tokens by the list's filters (pages, counts).
 */
function selection(
  f: TokenFilters,
  orderKey: OrderKey,
  omit?: 'upper' | 'lower',
  drive?: RangeDriver,
): { from: string; where: string[]; driver: 'r' | 't' } {
  const newer = hasNewerFilters(f);
  // The newer filters merge the driving column's bounds into one range per side (SQLite
  // seeks from one of several bounds, maybe the loose one), the snapshot included for
  // created_at; the side a cursor stands for is the cursor alone.
  const bounds: OrderBounds = drive ? { kind: 'merged', column: drive, omit: undefined } : { kind: 'merged', column: timeColumnOf(orderKey), omit };
  // In created_at DESC order a cursor lies at or before the snapshot, so it implies the
  // snapshot bound; leaving that bound out makes the cursor the range the index seeks
  // (with both, SQLite takes the snapshot as the range and scans down to the cursor).
  const withSnapshot = newer ? !snapshotInRange(bounds) : !(omit === 'upper' && orderKey === 'created_at');
  const hasTokenFilters = f.userId !== undefined || f.accountId !== undefined || f.grantFlow !== undefined || (newer && newerReadTokenRow(f));
  const selective = f.userId !== undefined || f.accountId !== undefined || f.clientId !== undefined;
  if (!drive && f.role !== undefined && orderKey === 'created_at' && !selective) {
    return {
      from: hasTokenFilters ? 'token_roles r JOIN tokens t ON t.pk = r.token_pk' : 'token_roles r',
      where: [
        'r.entity_pk = @entity',
        'r.role = @role',
        ...(withSnapshot ? ['r.created_at <= @snapshot'] : []),
        ...filterConditions(f, 't', true, orderKey),
        ...(newer ? newerConditions({ filters: f, orderKey }, writer('r', bounds.column), bounds) : []),
      ],
      driver: 'r',
    };
  }
  const where = ['t.entity_pk = @entity', ...(withSnapshot ? ['t.created_at <= @snapshot'] : []), ...filterConditions(f, 't', !!drive, orderKey)];
  if (f.role !== undefined) where.push(ROLE_EXISTS);
  if (newer) where.push(...newerConditions({ filters: f, orderKey }, writer('t', bounds.column), bounds));
  return { from: `tokens t${drive ? ` INDEXED BY ${TIME_INDEX[drive]}` : indexHint(f, orderKey)}`, where, driver: 't' };
}

/** Rows a time column's range may hold to drive a list in another order (read, then sorted, per page). */
export const RANGE_DRIVE_CAP = 5000;

/**
 * The time columns, other than the order key's, whose bounds might select few rows: a
 * created_at window, an expires_at window or ACTIVE alone (expires_at after the snapshot),
 * a last-use window. Every other condition of the newer filters is checked row by row along
 * the order key's index, which, for a filter that few rows pass, reads the whole entity
 * (2.6 s at 500,000 tokens for 15 active ones). So the store counts each candidate's range
 * in its own index, up to RANGE_DRIVE_CAP rows (`rangeCountSql`), and lets the shortest
 * range under the cap drive: read from its index and sorted, a page costs at most that many
 * rows. Only when the order key's index would drive: a user or account filter, a client in
 * created_at order and a role in created_at order drive by their own, smaller index.
 */
export function rangeCandidates(q: Pick<PageQuery, 'filters' | 'orderKey'>): RangeDriver[] {
  const f = q.filters;
  if (!hasNewerFilters(f) || f.userId !== undefined || f.accountId !== undefined || clientIndexDrives(f, q.orderKey)) return [];
  if (f.role !== undefined && q.orderKey === 'created_at') return [];
  const order = timeColumnOf(q.orderKey);
  const out: RangeDriver[] = [];
  if (order !== 'created_at' && (f.createdAfter !== undefined || f.createdBefore !== undefined)) out.push('created_at');
  if (order !== 'expires_at') {
    const { lo, hi } = columnRange(f, 'expires_at', 0);
    if (lo !== undefined || hi !== undefined) out.push('expires_at');
  }
  if (order !== 'last_used_at' && (f.lastUsedAfter !== undefined || f.lastUsedBefore !== undefined)) out.push('last_used_at');
  return out;
}

/**
 * The index a count reads without touching a row, when the filters ask only what it holds:
 * tokens_by_last_used for last-use bounds and never_used, tokens_by_expires for expiry
 * bounds (each also holds created_at). Otherwise none: the selection's own plan.
 */
export function countDriver(f: TokenFilters): RangeDriver | undefined {
  const first = f.userId !== undefined || f.accountId !== undefined || f.grantFlow !== undefined || f.role !== undefined;
  if (first || f.clientId !== undefined || f.statuses !== undefined || f.scope !== undefined) return undefined;
  const lastUse = f.lastUsedAfter !== undefined || f.lastUsedBefore !== undefined || f.neverUsed !== undefined;
  const expiry = f.expiresAfter !== undefined || f.expiresBefore !== undefined;
  if (lastUse && !expiry) return 'last_used_at';
  if (expiry && !lastUse) return 'expires_at';
  return undefined;
}

/** SQL counting, up to @cap, the entity's tokens at the snapshot in a time column's range (its own index, covering). */
export function rangeCountSql(f: TokenFilters, column: RangeDriver): string {
  const { lo, hi } = columnRange(f, column, 0);
  const where = [`t.entity_pk = @entity`, ...(lo !== undefined ? [`t.${column} >= @lo`] : []), ...(hi !== undefined ? [`t.${column} < @hi`] : [])];
  if (column !== 'created_at') where.push('t.created_at <= @snapshot');
  return `SELECT count(*) AS n FROM (SELECT 1 FROM tokens t INDEXED BY ${TIME_INDEX[column]} WHERE ${where.join(' AND ')} LIMIT @cap)`;
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
export function pageSql(q: Pick<PageQuery, 'filters' | 'orderKey' | 'direction' | 'after'>, drive?: RangeDriver): string {
  const dir = effectiveDirection(q.direction);
  const op = dir === 'ASC' ? '>' : '<';
  const sel = selection(q.filters, q.orderKey, drive ? undefined : cursorStandsFor(q), drive);
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
export function countSql(filters: TokenFilters, capped = false, drive?: RangeDriver): string {
  const sel = selection(filters, 'created_at', undefined, drive);
  const where = `FROM ${sel.from} WHERE ${sel.where.join(' AND ')}`;
  return capped ? `SELECT count(*) AS n FROM (SELECT 1 ${where} LIMIT @cap)` : `SELECT count(*) AS n ${where}`;
}
