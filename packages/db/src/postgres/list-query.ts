import { effectiveDirection, grantingScopes, type Micros, type OrderKey } from '@tokenwarden/contracts';
import { BOUND_PARAM, type ConditionParam, type ConditionWriter, newerConditions, newerReadTokenRow, type OrderBounds } from '../list-conditions.js';
import { hasNewerFilters, ORDER_COLUMN, orderIsTokenIdOnly, type PageQuery, type TokenFilters } from '../list-types.js';
import { grantFlowCode, TOKEN_COLUMNS } from '../records.js';
import { NIL_UUID } from './schema.js';

/** An optional user or account as stored on a token: the nil UUID for none. */
export const storedRef = (id: string | undefined): string => (id === undefined || id === '' ? NIL_UUID : id);

/** What a statement's parameters are, in $1, $2, ... order. */
type Param = ConditionParam | 'entity' | 'user' | 'account' | 'grant' | 'role' | 'client' | 'scopes' | 'cv' | 'ct' | 'limit' | 'offset';

/** The filter each time bound's parameter binds. */
const BOUND_OF_PARAM = Object.fromEntries(Object.entries(BOUND_PARAM).map(([key, param]) => [param, key])) as Record<
  (typeof BOUND_PARAM)[keyof typeof BOUND_PARAM],
  keyof typeof BOUND_PARAM
>;

export interface PgQuery {
  text: string;
  params: readonly Param[];
}

/** Numbers its parameters in the order they are first used. */
class Params {
  readonly order: Param[] = [];
  ref(p: Param): string {
    let i = this.order.indexOf(p);
    if (i < 0) i = this.order.push(p) - 1;
    return `$${i + 1}`;
  }
}

/** The values of a statement's parameters for one call. */
export function values(
  query: PgQuery,
  entityPk: number,
  q: { filters: TokenFilters; snapshot: Micros; limit?: number; offset?: number; after?: PageQuery['after']; orderKey?: OrderKey },
): unknown[] {
  const f = q.filters;
  return query.params.map((p) => {
    switch (p) {
      case 'entity':
        return entityPk;
      case 'snapshot':
        return q.snapshot;
      case 'user':
        return storedRef(f.userId);
      case 'account':
        return storedRef(f.accountId);
      case 'grant':
        return f.grantFlow === undefined ? null : grantFlowCode(f.grantFlow);
      case 'role':
        return f.role;
      case 'client':
        return f.clientId;
      case 'scopes':
        return f.scope === undefined ? [] : grantingScopes(f.scope);
      case 'ca':
      case 'cb':
      case 'ea':
      case 'eb':
      case 'la':
      case 'lb':
        return f[BOUND_OF_PARAM[p]];
      case 'lo':
      case 'hi':
        throw new Error('merged order bounds are SQLite-only');
      case 'cv': {
        const v = q.after?.value;
        return (q.orderKey === 'user_id' || q.orderKey === 'account_id') && v === '' ? NIL_UUID : v;
      }
      case 'ct':
        return q.after?.tokenId;
      case 'limit':
        return q.limit;
      case 'offset':
        return q.offset;
      default:
        throw new Error(`unknown parameter ${String(p satisfies never)}`);
    }
  });
}

/** Each bound as given: PostgreSQL's index scan starts from the tightest of several bounds on a column. */
const SEPARATE: OrderBounds = { kind: 'separate' };

/** How the newer filters' conditions are written here: plain columns (created_at from token_roles when it drives), numbered parameters. */
function writer(p: Params, driver: 'r' | 't'): ConditionWriter {
  return {
    col: (column) => (driver === 'r' && column === 'created_at' ? 'r.created_at' : `t.${column}`),
    param: (name) => p.ref(name),
    // IS TRUE keeps the IN a (hashed) subplan checked per row: bare, the planner makes it a
    // semi-join and, with few grant sets matching, hashes the entity's tokens read by a
    // sequential scan, then sorts them.
    scopeCondition: (grantSetPk) =>
      `(${grantSetPk} IN (SELECT s.grant_set_pk FROM grant_set_scopes s WHERE s.entity_pk = ${p.ref('entity')} ` +
      `AND s.scope = ANY(${p.ref('scopes')}::text[]))) IS TRUE`,
  };
}

/**
 * The set a list selects, as FROM + WHERE: the caller's entity, the snapshot, the filters.
 * A role filter in the default order with no user, account or client filter is driven
 * from token_roles, whose index is in (entity, role, created_at, token_id) order;
 * otherwise the role is an indexed EXISTS probe per row. One function for every statement
 * that selects tokens by the list's filters (pages, counts).
 */
function selection(f: TokenFilters, orderKey: OrderKey, p: Params, countOnly = false): { from: string; where: string[]; alias: 'r' | 't' } {
  const tokenFilters: string[] = [];
  if (f.userId !== undefined) tokenFilters.push(`t.user_id = ${p.ref('user')}`);
  if (f.accountId !== undefined) tokenFilters.push(`t.account_id = ${p.ref('account')}`);
  if (f.grantFlow !== undefined) tokenFilters.push(`t.grant_flow = ${p.ref('grant')}`);
  if (f.clientId !== undefined) tokenFilters.push(`t.client_id = ${p.ref('client')}`);
  const newer = hasNewerFilters(f);
  // Not with a newer filter on a token column either: the planner would rather hash the
  // tokens it selects, read by a sequential scan, than fetch each one by its key.
  if (f.role !== undefined && orderKey === 'created_at' && f.userId === undefined && f.accountId === undefined && !(newer && newerReadTokenRow(f))) {
    const entity = p.ref('entity');
    const where = [`r.entity_pk = ${entity}`, `r.role = ${p.ref('role')}`, `r.created_at <= ${p.ref('snapshot')}`];
    // Only created_at bounds, on token_roles' own created_at.
    const later = newer ? newerConditions({ filters: f, orderKey }, writer(p, 'r'), SEPARATE) : [];
    // A count with no token filter needs no token row: token_roles rows carry their entity.
    if (countOnly && tokenFilters.length === 0) return { from: 'token_roles r', where: [...where, ...later], alias: 'r' };
    return {
      from: 'token_roles r JOIN tokens t ON t.pk = r.token_pk',
      where: [...where, `t.entity_pk = ${entity}`, ...tokenFilters, ...later],
      alias: 'r',
    };
  }
  const where = [`t.entity_pk = ${p.ref('entity')}`, `t.created_at <= ${p.ref('snapshot')}`, ...tokenFilters];
  if (f.role !== undefined) {
    where.push(
      `EXISTS (SELECT 1 FROM token_roles r WHERE r.entity_pk = t.entity_pk AND r.role = ${p.ref('role')} ` +
        // OFFSET 0 keeps it a per-row index probe: in the generic plan of a prepared
        // statement the planner otherwise makes it a semi-join over the whole entity
        // (1-3 s a page at a million tokens instead of 1-3 ms).
        'AND r.created_at = t.created_at AND r.token_id = t.token_id OFFSET 0)',
    );
  }
  if (newer) where.push(...newerConditions({ filters: f, orderKey }, writer(p, 't'), SEPARATE));
  return { from: 'tokens t', where, alias: 't' };
}

/**
 * One page: the selection in the total order (ties on the order key broken by token_id in
 * the same direction), after the cursor when there is one, then LIMIT/OFFSET.
 */
export function pgPageQuery(q: Pick<PageQuery, 'filters' | 'orderKey' | 'direction' | 'after'>): PgQuery {
  const p = new Params();
  const dir = effectiveDirection(q.direction);
  const sel = selection(q.filters, q.orderKey, p);
  const a = sel.alias;
  const single = orderIsTokenIdOnly(q);
  const where = [...sel.where];
  if (q.after) {
    const op = dir === 'ASC' ? '>' : '<';
    where.push(
      single ? `${a}.token_id ${op} ${p.ref('ct')}` : `(${a}.${ORDER_COLUMN[q.orderKey]}, ${a}.token_id) ${op} (${p.ref('cv')}, ${p.ref('ct')})`,
    );
  }
  const order = single ? `${a}.token_id ${dir}` : `${a}.${ORDER_COLUMN[q.orderKey]} ${dir}, ${a}.token_id ${dir}`;
  const text =
    `SELECT ${TOKEN_COLUMNS} FROM ${sel.from} WHERE ${where.join(' AND ')} ` + `ORDER BY ${order} LIMIT ${p.ref('limit')} OFFSET ${p.ref('offset')}`;
  return { text, params: p.order };
}

/** Counts the whole selection (no order, no cursor). */
export function pgCountQuery(filters: TokenFilters): PgQuery {
  const p = new Params();
  const sel = selection(filters, 'created_at', p, true);
  return { text: `SELECT count(*)::int AS n FROM ${sel.from} WHERE ${sel.where.join(' AND ')}`, params: p.order };
}
