import { createHash } from 'node:crypto';
import { presentToken } from '@tokenwarden/api';
import { formatTimestamp, microsToTimestamp, timestampToMicrosFloor, type GrantFlow, type OrderKey } from '@tokenwarden/contracts';
import { grantFlowOf, type TokenFilters, type TokenRecord } from '@tokenwarden/db';
import { NIL_UUID } from '@tokenwarden/db/postgres/schema';
import { RawPgQueries } from '../pg/inproc.js';

/**
 * What P3-pg (Fastify) does per request, over P0-pg's raw statements on the same driver:
 * raw-core.ts's handler (bearer lookup by SHA-256 hash, unknown, revoked or expired →
 * 401; the query string read with URLSearchParams; the same page and count SQL; totals
 * memoized per (entity, filters, snapshot) for past snapshots, as Tokenwarden does; the
 * same JSON body; no logging), with PostgreSQL's stored forms (the nil UUID for no user
 * or account, 0 for never used). Like raw-core.ts, a request naming no snapshot takes the
 * process clock as its snapshot (Tokenwarden asks the database for one: `tw_snapshot`).
 */
export function rawPgLister(url: string, max = 10) {
  const raw = new RawPgQueries(url, max);
  const totals = new Map<string, number>();
  const record = recordMapper(raw);
  const lister = async (authorization: string | undefined, query: URLSearchParams): Promise<{ status: number; body: unknown }> => {
    const bearer = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
    const now = Date.now() * 1000;
    let row: { entity_pk: number; revoked_at: number | null; expires_at: number } | undefined;
    if (bearer) {
      const found = await raw.pool.query<{ entity_pk: number; revoked_at: number | null; expires_at: number }>({
        name: 'p3_by_hash',
        text: 'SELECT * FROM tokens WHERE token_hash = $1',
        values: [createHash('sha256').update(bearer).digest()],
      });
      row = found.rows[0];
    }
    if (!row || row.revoked_at !== null || row.expires_at <= now) return { status: 401, body: { code: 16, message: 'unauthenticated', details: [] } };
    const size = Number(query.get('page_params.page_size') ?? 10);
    const number = Number(query.get('page_params.page_number') ?? 1);
    const seconds = query.get('page_params.first_request_timestamp.seconds');
    const ts =
      seconds !== null
        ? { seconds: Number(seconds), nanos: Number(query.get('page_params.first_request_timestamp.nanos') ?? 0) }
        : microsToTimestamp(now);
    const snapshot = timestampToMicrosFloor(ts);
    const filters: TokenFilters = {
      userId: query.get('user_id') ?? undefined,
      accountId: query.get('account_id') ?? undefined,
      grantFlow: (query.get('grant_flow') as GrantFlow | null) ?? undefined,
      role: query.get('role') ?? undefined,
    };
    const orderKey = (query.get('order_params.order_key') ?? 'created_at') as OrderKey;
    const direction = query.get('order_params.order_direction') === 'ASC' ? 'ASC' : 'DESC';
    const rows = await raw.page(row.entity_pk, { filters, snapshot, orderKey, direction, limit: size, offset: (number - 1) * size });
    const key = `${row.entity_pk}|${filters.accountId}|${filters.userId}|${filters.grantFlow}|${filters.role}|${snapshot}`;
    let total = totals.get(key);
    if (total === undefined) {
      total = await raw.count(row.entity_pk, filters, snapshot);
      if (snapshot <= now) {
        if (totals.size >= 10_000) totals.clear();
        totals.set(key, total);
      }
    }
    const records: TokenRecord[] = [];
    for (const r of rows) records.push(await record(r));
    return {
      status: 200,
      body: {
        tokens: records.map((r) => presentToken(r, now)),
        pagination_info: {
          total_elements: total,
          total_pages: Math.ceil(total / size),
          current_page: number,
          page_size: size,
          first_request_timestamp: formatTimestamp(ts),
        },
      },
    };
  };
  return Object.assign(lister, { close: () => raw.close() });
}

/** A row of the page query (array mode) as a record, plainly; grant sets fetched and parsed once each. */
function recordMapper(raw: RawPgQueries): (r: unknown[]) => TokenRecord | Promise<TokenRecord> {
  const sets = new Map<number, { roles: string[]; scopes: string[] }>();
  const build = (r: unknown[], set: { roles: string[]; scopes: string[] }): TokenRecord => {
    const userId = r[4] as string;
    const accountId = r[5] as string;
    const lastUsedAt = r[11] as number;
    return {
      pk: r[0] as number,
      entityPk: r[1] as number,
      tokenId: r[2] as string,
      clientId: r[3] as string,
      userId: userId === NIL_UUID ? null : userId,
      accountId: accountId === NIL_UUID ? null : accountId,
      grantFlow: grantFlowOf(r[6] as number),
      roles: set.roles,
      scopes: set.scopes,
      createdAt: r[8] as number,
      expiresAt: r[9] as number,
      revokedAt: r[10] as number | null,
      lastUsedAt: lastUsedAt === 0 ? null : lastUsedAt,
      revokedBy: r[12] as string | null,
      revokeReason: r[13] as string | null,
      lastUsedIp: r[14] as string | null,
      lastUsedUserAgent: r[15] as string | null,
    };
  };
  return (r) => {
    const setPk = r[7] as number;
    const set = sets.get(setPk);
    if (set) return build(r, set);
    return raw.pool
      .query<{ roles: string; scopes: string }>({ name: 'p3_grant_set', text: 'SELECT roles, scopes FROM grant_sets WHERE pk = $1', values: [setPk] })
      .then(({ rows }) => {
        const row = rows[0]!;
        const parsed = { roles: JSON.parse(row.roles) as string[], scopes: JSON.parse(row.scopes) as string[] };
        sets.set(setPk, parsed);
        return build(r, parsed);
      });
  };
}
