import { createHash } from 'node:crypto';
import { presentToken } from '@tokenwarden/api';
import { formatTimestamp, microsToTimestamp, timestampToMicrosFloor, type GrantFlow, type OrderKey } from '@tokenwarden/contracts';
import { grantFlowOf, type TokenFilters, type TokenRecord } from '@tokenwarden/db';
import { RawQueries } from '../inproc.js';

/**
 * What P2 (node:http) and P3 (Fastify) do per request, over P0's raw statements: bearer
 * lookup by SHA-256 hash (unknown, revoked or expired → 401), the query string read with
 * URLSearchParams (no validation beyond numbers), the same page and count SQL, totals
 * memoized per (entity, filters, snapshot) for past snapshots as Tokenwarden does, and
 * the same JSON body. No logging.
 */
export function rawLister(file: string) {
  const raw = new RawQueries(file);
  const byHash = raw.sqlite.prepare('SELECT * FROM tokens WHERE token_hash = ?');
  const totals = new Map<string, number>();
  const record = recordMapper(raw);
  return (authorization: string | undefined, query: URLSearchParams): { status: number; body: unknown } => {
    const bearer = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
    const now = Date.now() * 1000;
    const row = bearer
      ? (byHash.get(createHash('sha256').update(bearer).digest()) as { entity_pk: number; revoked_at: number | null; expires_at: number } | undefined)
      : undefined;
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
    const rows = raw.page(row.entity_pk, { filters, snapshot, orderKey, direction, limit: size, offset: (number - 1) * size });
    const key = `${row.entity_pk}|${filters.accountId}|${filters.userId}|${filters.grantFlow}|${filters.role}|${snapshot}`;
    let total = totals.get(key);
    if (total === undefined) {
      total = raw.count(row.entity_pk, filters, snapshot);
      if (snapshot <= now) {
        if (totals.size >= 10_000) totals.clear();
        totals.set(key, total);
      }
    }
    return {
      status: 200,
      body: {
        tokens: rows.map((r) => presentToken(record(r), now)),
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
}

/** A row of the page query (raw mode) as a record, plainly; grant sets parsed once each. */
function recordMapper(raw: RawQueries): (r: unknown[]) => TokenRecord {
  const setByPk = raw.sqlite.prepare('SELECT roles, scopes FROM grant_sets WHERE pk = ?');
  const sets = new Map<number, { roles: string[]; scopes: string[] }>();
  return (r) => {
    const setPk = r[7] as number;
    let set = sets.get(setPk);
    if (!set) {
      const row = setByPk.get(setPk) as { roles: string; scopes: string };
      set = { roles: JSON.parse(row.roles) as string[], scopes: JSON.parse(row.scopes) as string[] };
      sets.set(setPk, set);
    }
    return {
      pk: r[0] as number,
      entityPk: r[1] as number,
      tokenId: r[2] as string,
      clientId: r[3] as string,
      userId: (r[4] as string) || null,
      accountId: (r[5] as string) || null,
      grantFlow: grantFlowOf(r[6] as number),
      roles: set.roles,
      scopes: set.scopes,
      createdAt: r[8] as number,
      expiresAt: r[9] as number,
      revokedAt: r[10] as number | null,
      lastUsedAt: (r[11] as number) || null,
      revokedBy: r[12] as string | null,
      revokeReason: r[13] as string | null,
      lastUsedIp: r[14] as string | null,
      lastUsedUserAgent: r[15] as string | null,
    };
  };
}

/** Tells the parent the port once listening; ends this server when the parent goes away. */
export function ready(port: number): void {
  process.once('disconnect', () => process.exit(0));
  process.stdout.write(`READY ${port}\n`);
}
