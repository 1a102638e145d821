import { createHash } from 'node:crypto';
import { Lru } from '../lru.js';
import { NextFlight } from '../next-flight.js';
import type { Micros } from '@tokenwarden/contracts';
import type pg from 'pg';
import type { Clock } from '../clock.js';
import { grantSetText, GrantSetCache, type GrantSet } from '../grant-sets.js';
import { shapeKey, type PageQuery, type TokenFilters } from '../list-types.js';
import {
  grantFlowCode,
  grantFlowOf,
  TOKEN_COLUMN_COUNT,
  TOKEN_COLUMNS,
  UNUSED,
  type HistoricalToken,
  type NewTokenSpec,
  type TokenRecord,
} from '../records.js';
import {
  PURGE_RUNNING,
  type EventSpec,
  type IssueEventSpec,
  type ManyRevocation,
  type ManyRevoked,
  type RevokeOutcome,
  type RevokeTargets,
  type TokenStore,
  type TokenWithSnapshot,
  type UseOrigin,
  withSnapshot,
} from '../store.js';
import { guarded, SNAPSHOT_LOCK, transaction } from './client.js';
import { appendTargets, writeEvents } from './event-store.js';
import { pgCountQuery, pgPageQuery, storedRef, values, type PgQuery } from './list-query.js';
import { isUuid, NIL_UUID } from './schema.js';

type Row = unknown[];

/** Serializes async work: with a clock of the process, a reading and its use must not interleave. */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/**
 * Tokens in PostgreSQL. Statements are prepared once per connection (named), rows come
 * back as arrays. Creation times and snapshot bounds come from the database's clock
 * under the entity's snapshot lock (see drizzle/postgres/0001_snapshot_clock.sql), so
 * any number of replicas agree on every snapshot.
 */
export class PgTokenStore implements TokenStore {
  private readonly grantSets = new GrantSetCache();
  // Per shape of the filters a request combines: bounded, since callers choose the shape.
  private readonly pages = new Lru<string, NamedQuery>(STATEMENT_CACHE_SIZE);
  private readonly counts = new Lru<string, NamedQuery>(STATEMENT_CACHE_SIZE);
  /**
   * The shapes prepared on the server under a name (node-postgres keeps a named statement
   * on each pooled connection for good): the first NAMED_STATEMENTS shapes this process
   * meets, the common ones in practice; any further shape is sent unnamed, parsed each time.
   */
  private readonly named = new Set<string>();
  /** Per entity, the latest bound this process knows to be settled (every token at or before it visible). */
  private readonly settled = new Map<number, Micros>();
  private readonly serial = new Serial();
  /** New snapshot bounds, per entity: the callers that arrive while one is taken share the next (see `snapshot`). */
  private readonly snapshots = new NextFlight<number, Micros>();

  /** Lookups taking their own bound now (`findByHashWithSnapshot`), and how many may at once. */
  private combined = 0;
  private readonly maxCombined: number;

  constructor(
    private readonly pool: pg.Pool,
    /** A clock of the process (tests); the database's clock when absent. */
    private readonly clock?: Clock,
  ) {
    this.maxCombined = Math.max(1, Math.floor((pool.options.max ?? 10) / 2));
  }

  /**
   * Runs `work` with the time it must use: a reading of the test clock, serialized so that
   * a reading and its use never interleave with another's; null for the database's clock.
   */
  private atClock<T>(work: (at: Micros | null) => Promise<T>): Promise<T> {
    const clock = this.clock;
    return clock ? this.serial.run(() => work(clock.nowMicros())) : work(null);
  }

  findByHash(hash: Buffer): Promise<TokenRecord | undefined> {
    return guarded(async () => {
      const { rows } = await this.pool.query<Row>({
        name: 'tw_by_hash',
        text: `SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.token_hash = $1`,
        values: [hash],
        rowMode: 'array',
      });
      const row = rows[0];
      // The row's own entity: the one lookup that is not scoped by the caller's.
      return row ? (await this.records(row[1] as number, [row]))[0] : undefined;
    });
  }

  /**
   * One statement: the token row, and `tw_snapshot` of its entity evaluated for that row
   * unless the token is revoked (a refused caller takes no turn of the lock). The row is read
   * at the statement's start, the bound once the entity's snapshot lock is held, as
   * `snapshot` reads it; every later statement (the page) sees every token at or before the
   * bound. Each such bound takes its own turn of the lock, holding a pooled connection while
   * it waits for the entity's issuances to commit; so at most half the pool does this at
   * once, and further lookups take their bound the shared way (`snapshot`: one query per
   * entity in flight), so that one entity's slow issuance never holds the whole pool.
   */
  findByHashWithSnapshot(hash: Buffer): Promise<TokenWithSnapshot | undefined> {
    if (this.combined >= this.maxCombined) return this.findByHash(hash).then((token) => withSnapshot(token, (entityPk) => this.snapshot(entityPk)));
    this.combined += 1;
    return guarded(() =>
      this.atClock(async (at) => {
        const { rows } = await this.pool.query<Row>({
          name: 'tw_by_hash_snapshot',
          text: `SELECT ${TOKEN_COLUMNS}, CASE WHEN t.revoked_at IS NULL THEN tw_snapshot(t.entity_pk, $2) END FROM tokens t WHERE t.token_hash = $1`,
          values: [hash, at],
          rowMode: 'array',
        });
        const row = rows[0];
        if (!row) return undefined;
        const entityPk = row[1] as number;
        const token = (await this.records(entityPk, [row]))[0] as TokenRecord;
        const snapshot = row[TOKEN_COLUMN_COUNT] as Micros | null;
        if (snapshot === null) return { token };
        this.settle(entityPk, snapshot);
        return { token, snapshot };
      }),
    ).finally(() => {
      this.combined -= 1;
    });
  }

  getByHash(entityPk: number, hash: Buffer): Promise<TokenRecord | undefined> {
    return guarded(async () => {
      const { rows } = await this.pool.query<Row>({
        name: 'tw_by_hash_in_entity',
        text: `SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.entity_pk = $1 AND t.token_hash = $2`,
        values: [entityPk, hash],
        rowMode: 'array',
      });
      const row = rows[0];
      return row ? (await this.records(entityPk, [row]))[0] : undefined;
    });
  }

  get(entityPk: number, tokenId: string): Promise<TokenRecord | undefined> {
    return guarded(async () => {
      const row = await this.byId(entityPk, tokenId);
      return row ? (await this.records(entityPk, [row]))[0] : undefined;
    });
  }

  private async byId(entityPk: number, tokenId: string): Promise<Row | undefined> {
    if (!isUuid(tokenId)) return undefined;
    const { rows } = await this.pool.query<Row>({
      name: 'tw_by_id',
      text: `SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.entity_pk = $1 AND t.token_id = $2`,
      values: [entityPk, tokenId],
      rowMode: 'array',
    });
    return rows[0];
  }

  /**
   * revoked_at is read from the database's clock while holding the entity's snapshot lock
   * shared until commit, as created_at is (see `issue`): a served snapshot never sees a
   * token's status change after the fact.
   */
  revoke(entityPk: number, tokenId: string, event: EventSpec): Promise<RevokeOutcome> {
    return guarded(async () => {
      if (!isUuid(tokenId)) return 'not_found';
      const run = (at: Micros | null) =>
        transaction(this.pool, async (client) => {
          await client.query({ name: 'tw_lock_shared', text: 'SELECT pg_advisory_xact_lock_shared($1, $2)', values: [SNAPSHOT_LOCK, entityPk] });
          const { rows } = await client.query<Row>({
            name: 'tw_revoke',
            text:
              'UPDATE tokens SET revoked_at = COALESCE($1, tw_now_micros()), revoked_by = $2, revoke_reason = $3 ' +
              'WHERE entity_pk = $4 AND token_id = $5 AND revoked_at IS NULL RETURNING revoked_at',
            values: [at, event.actor.tokenId, event.reason, entityPk, tokenId],
            rowMode: 'array',
          });
          const revokedAt = rows[0]?.[0] as Micros | undefined;
          if (revokedAt === undefined) return false;
          await writeEvents(client, [{ entityPk, type: 'TOKEN_REVOKED', spec: event, occurredAt: revokedAt, tokenIds: [tokenId], complete: true }]);
          return true;
        });
      if (await this.atClock(run)) return 'revoked';
      return (await this.byId(entityPk, tokenId)) ? 'already_revoked' : 'not_found';
    });
  }

  /**
   * As `revoke`: revoked_at from the database's clock under the entity's snapshot lock,
   * with the event, in one transaction. The rows are locked in pk order first, so
   * revocations of overlapping sets (a leak report, revocations by filter) queue instead
   * of deadlocking.
   */
  revokeMany(entityPk: number, targets: RevokeTargets, r: ManyRevocation): Promise<ManyRevoked> {
    return guarded(async () => {
      const byHash = 'hashes' in targets;
      const keys = byHash ? targets.hashes : targets.tokenIds.filter(isUuid);
      const match = byHash ? 'token_hash = ANY($2::bytea[])' : 'token_id = ANY($2::uuid[])';
      // A user id the column cannot hold names no user: NULL matches no row.
      const user = r.userId === undefined ? [] : [isUuid(r.userId) ? r.userId : null];
      const userCondition = user.length === 0 ? '' : ' AND user_id = $3';
      return this.atClock((at) =>
        transaction(this.pool, async (client) => {
          await client.query({ name: 'tw_lock_shared', text: 'SELECT pg_advisory_xact_lock_shared($1, $2)', values: [SNAPSHOT_LOCK, entityPk] });
          const { rows: matched } = await client.query<{ pk: number; open: boolean }>({
            text: `SELECT pk, revoked_at IS NULL AS open FROM tokens WHERE entity_pk = $1 AND ${match}${userCondition} ORDER BY pk FOR UPDATE`,
            values: [entityPk, keys, ...user],
          });
          const open = matched.filter((m) => m.open).map((m) => m.pk);
          const updated = await client.query<{ token_id: string; revoked_at: number }>({
            name: 'tw_revoke_many',
            text:
              'UPDATE tokens SET revoked_at = COALESCE($3, tw_now_micros()), revoked_by = $4, revoke_reason = $5 ' +
              'WHERE entity_pk = $1 AND pk = ANY($2::bigint[]) AND revoked_at IS NULL RETURNING token_id, revoked_at',
            values: [entityPk, open, at, r.event.actor.tokenId, r.event.reason],
          });
          const revoked = updated.rows.map((row) => row.token_id);
          let eventPk = r.eventPk;
          if (eventPk !== undefined) {
            await appendTargets(client, entityPk, eventPk, revoked);
          } else {
            const occurredAt = updated.rows[0]?.revoked_at ?? at;
            const [event] = await writeEvents(client, [{ entityPk, type: r.type, spec: r.event, occurredAt, tokenIds: revoked, complete: true }]);
            eventPk = (event as { pk: number }).pk;
          }
          return { matched: matched.length, revoked, eventPk };
        }),
      );
    });
  }

  purgeHorizon(entityPk: number): Promise<Micros> {
    return guarded(async () => {
      const { rows } = await this.pool.query<Row>({
        name: 'tw_purge_horizon',
        text: 'SELECT purge_horizon FROM entities WHERE pk = $1',
        values: [entityPk],
        rowMode: 'array',
      });
      return (rows[0]?.[0] as number | undefined) ?? 0;
    });
  }

  /** The end of a purge is read from the database's clock, the clock of every snapshot bound. */
  setPurgeHorizon(entityPks: readonly number[], running: boolean): Promise<Micros> {
    return guarded(async () => {
      const value = running ? PURGE_RUNNING : (this.clock?.nowMicros() ?? null);
      const { rows } = await this.pool.query<Row>({
        text: 'WITH v AS (SELECT COALESCE($1::bigint, tw_now_micros()) AS h) UPDATE entities SET purge_horizon = v.h FROM v WHERE pk = ANY($2::int[]) RETURNING v.h',
        values: [value, entityPks],
        rowMode: 'array',
      });
      return (rows[0]?.[0] as number | undefined) ?? value ?? 0;
    });
  }

  purgingEntities(): Promise<number[]> {
    return guarded(async () => {
      const { rows } = await this.pool.query<{ pk: number }>('SELECT pk FROM entities WHERE purge_horizon = $1 ORDER BY pk', [PURGE_RUNNING]);
      return rows.map((r) => r.pk);
    });
  }

  expiredBefore(before: Micros): Promise<{ entityPk: number; tokens: number }[]> {
    return guarded(async () => {
      const { rows } = await this.pool.query<{ pk: number; n: number }>(
        'SELECT e.pk, c.n FROM entities e CROSS JOIN LATERAL (SELECT count(*)::int AS n FROM tokens t WHERE t.entity_pk = e.pk AND t.expires_at < $1) c ' +
          'WHERE c.n > 0 ORDER BY e.pk',
        [before],
      );
      return rows.map((r) => ({ entityPk: r.pk, tokens: r.n }));
    });
  }

  purgeExpired(entityPk: number, before: Micros, limit: number): Promise<number> {
    return guarded(() =>
      transaction(this.pool, async (client) => {
        const { rows } = await client.query<{ pk: number }>(
          'SELECT pk FROM tokens WHERE entity_pk = $1 AND expires_at < $2 ORDER BY expires_at LIMIT $3',
          [entityPk, before, limit],
        );
        if (rows.length === 0) return 0;
        await client.query('DELETE FROM token_roles WHERE token_pk = ANY($1::bigint[])', [rows.map((r) => r.pk)]);
        await client.query('DELETE FROM tokens WHERE entity_pk = $1 AND pk = ANY($2::bigint[])', [entityPk, rows.map((r) => r.pk)]);
        return rows.length;
      }),
    );
  }

  touchLastUsed(entityPk: number, pk: number, now: Micros, coarseness: Micros, from: UseOrigin): Promise<boolean> {
    return guarded(async () => {
      const { rowCount } = await this.pool.query({
        name: 'tw_touch',
        text: 'UPDATE tokens SET last_used_at = $1, last_used_ip = $2, last_used_user_agent = $3 WHERE entity_pk = $4 AND pk = $5 AND last_used_at < $6',
        values: [now, from.ip, from.userAgent, entityPk, pk, now - coarseness],
      });
      return rowCount === 1;
    });
  }

  issue(t: NewTokenSpec, event: IssueEventSpec): Promise<TokenRecord> {
    const run = async (created: Micros | null) => {
      const set = grantSetText(t.roles, t.scopes);
      const { rows } = await this.pool.query<Row>({
        name: 'tw_issue',
        text: 'SELECT o_pk, o_grant_set, o_created FROM tw_issue_token($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)',
        values: [
          t.entityPk,
          t.tokenId,
          t.tokenHash,
          t.clientId,
          storedRef(t.userId ?? undefined),
          storedRef(t.accountId ?? undefined),
          grantFlowCode(t.grantFlow),
          set.roles,
          set.scopes,
          [...t.roles],
          t.lifetimeMicros,
          created,
          event.eventId,
          event.requestId,
        ],
        rowMode: 'array',
      });
      const [pk, , createdAt] = rows[0] as [number, number, number];
      return {
        pk,
        entityPk: t.entityPk,
        tokenId: t.tokenId,
        clientId: t.clientId,
        userId: t.userId,
        accountId: t.accountId,
        grantFlow: t.grantFlow,
        roles: Object.freeze([...t.roles]),
        scopes: Object.freeze([...t.scopes]),
        createdAt,
        expiresAt: createdAt + t.lifetimeMicros,
        ...UNUSED,
      } satisfies TokenRecord;
    };
    return guarded(() => this.atClock(run));
  }

  insertHistorical(tokens: readonly HistoricalToken[]): Promise<void> {
    if (tokens.length === 0) return Promise.resolve();
    return guarded(() =>
      transaction(this.pool, async (client) => {
        const setPks = await this.grantSetPks(client, tokens);
        const col = <T>(f: (t: HistoricalToken, i: number) => T) => tokens.map(f);
        const { rows } = await client.query<Row>({
          text:
            'INSERT INTO tokens (entity_pk, token_id, token_hash, client_id, user_id, account_id, grant_flow, grant_set_pk, created_at, expires_at, revoked_at, last_used_at) ' +
            'SELECT * FROM unnest($1::int[], $2::uuid[], $3::bytea[], $4::text[], $5::uuid[], $6::uuid[], $7::smallint[], $8::int[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[]) ' +
            'RETURNING pk',
          values: [
            col((t) => t.entityPk),
            col((t) => t.tokenId),
            col((t) => t.tokenHash),
            col((t) => t.clientId),
            col((t) => storedRef(t.userId ?? undefined)),
            col((t) => storedRef(t.accountId ?? undefined)),
            col((t) => grantFlowCode(t.grantFlow)),
            setPks,
            col((t) => t.createdAt),
            col((t) => t.expiresAt),
            col((t) => t.revokedAt ?? null),
            col((t) => t.lastUsedAt ?? 0),
          ],
          rowMode: 'array',
        });
        // RETURNING gives rows in VALUES order for a single INSERT ... SELECT of unnest.
        const roles: { e: number[]; r: string[]; c: number[]; id: string[]; pk: number[] } = { e: [], r: [], c: [], id: [], pk: [] };
        tokens.forEach((t, i) => {
          for (const role of new Set(t.roles)) {
            roles.e.push(t.entityPk);
            roles.r.push(role);
            roles.c.push(t.createdAt);
            roles.id.push(t.tokenId);
            roles.pk.push((rows[i] as Row)[0] as number);
          }
        });
        await client.query(
          'INSERT INTO token_roles (entity_pk, role, created_at, token_id, token_pk) ' +
            'SELECT * FROM unnest($1::int[], $2::text[], $3::bigint[], $4::uuid[], $5::bigint[])',
          [roles.e, roles.r, roles.c, roles.id, roles.pk],
        );
      }),
    );
  }

  /** The grant set key of each token, adding the sets not stored yet (inside the caller's transaction). */
  private async grantSetPks(client: pg.PoolClient, tokens: readonly HistoricalToken[]): Promise<number[]> {
    const keys = new Map<string, { entityPk: number; roles: string; scopes: string; pk?: number }>();
    const keyOf = tokens.map((t) => {
      const set = grantSetText(t.roles, t.scopes);
      const key = `${t.entityPk}\u0000${set.roles}\u0000${set.scopes}`;
      if (!keys.has(key)) keys.set(key, { entityPk: t.entityPk, ...set });
      return key;
    });
    const sets = [...keys.values()];
    await client.query(
      'INSERT INTO grant_sets (entity_pk, roles, scopes) SELECT * FROM unnest($1::int[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING',
      [sets.map((s) => s.entityPk), sets.map((s) => s.roles), sets.map((s) => s.scopes)],
    );
    const { rows } = await client.query<{ pk: number; entity_pk: number; roles: string; scopes: string }>(
      'SELECT g.pk, g.entity_pk, g.roles, g.scopes FROM grant_sets g JOIN unnest($1::int[], $2::text[], $3::text[]) AS k(e, r, s) ' +
        'ON g.entity_pk = k.e AND g.roles = k.r AND g.scopes = k.s',
      [sets.map((s) => s.entityPk), sets.map((s) => s.roles), sets.map((s) => s.scopes)],
    );
    for (const row of rows) {
      const entry = keys.get(`${row.entity_pk}\u0000${row.roles}\u0000${row.scopes}`);
      if (entry) entry.pk = row.pk;
    }
    return keyOf.map((k) => keys.get(k)?.pk as number);
  }

  snapshot(entityPk: number): Promise<Micros> {
    const take = async (at: Micros | null) => {
      const { rows } = await this.pool.query<Row>({
        name: 'tw_snapshot',
        text: 'SELECT tw_snapshot($1, $2)',
        values: [entityPk, at],
        rowMode: 'array',
      });
      const bound = (rows[0] as Row)[0] as number;
      this.settle(entityPk, bound);
      return bound;
    };
    // Callers of one entity (revocations by filter, checks of bounds another replica took,
    // lookups past findByHashWithSnapshot's limit) that arrive while its bound is being taken
    // share the next one: taken after each of them arrived (so it holds every token
    // acknowledged before), with one query and one turn of the entity's lock for all of them.
    return this.snapshots.run(entityPk, () => guarded(() => this.atClock(take)));
  }

  /** Records a bound this process took: every token at or before it is visible. */
  private settle(entityPk: number, bound: Micros): void {
    const known = this.settled.get(entityPk);
    if (known === undefined || bound > known) {
      if (this.settled.size >= 10_000 && known === undefined) this.settled.clear();
      this.settled.set(entityPk, bound);
    }
  }

  async isSettled(entityPk: number, bound: Micros): Promise<boolean> {
    const known = this.settled.get(entityPk);
    if (known !== undefined && bound <= known) return true;
    // Served by another replica, or in the future: a fresh bound tells which.
    return bound <= (await this.snapshot(entityPk));
  }

  /** The statement's name while named ones are fewer than NAMED_STATEMENTS (or it has one); else none. */
  private nameFor(prefix: string, key: string): string | undefined {
    const id = `${prefix} ${key}`;
    if (!this.named.has(id)) {
      if (this.named.size >= NAMED_STATEMENTS) return undefined;
      this.named.add(id);
    }
    return statementName(prefix, key);
  }

  page(entityPk: number, q: PageQuery): Promise<TokenRecord[]> {
    return guarded(async () => {
      const key = shapeKey(q);
      let query = this.pages.get(key);
      if (!query) {
        query = { ...pgPageQuery(q), name: this.nameFor('tw_page', key) };
        this.pages.set(key, query);
      }
      const { rows } = await this.pool.query<Row>({ name: query.name, text: query.text, values: values(query, entityPk, q), rowMode: 'array' });
      return this.records(entityPk, rows);
    });
  }

  count(entityPk: number, filters: TokenFilters, snapshot: Micros): Promise<number> {
    return guarded(async () => {
      const key = shapeKey({ filters, orderKey: 'created_at', direction: 'DESC' });
      let query = this.counts.get(key);
      if (!query) {
        query = { ...pgCountQuery(filters), name: this.nameFor('tw_count', key) };
        this.counts.set(key, query);
      }
      const { rows } = await this.pool.query<{ n: number }>({
        name: query.name,
        text: query.text,
        values: values(query, entityPk, { filters, snapshot }),
      });
      return (rows[0] as { n: number }).n;
    });
  }

  explainPage(entityPk: number, q: PageQuery): Promise<string[]> {
    return guarded(async () => {
      const query = pgPageQuery(q);
      const { rows } = await this.pool.query<Row>({ text: `EXPLAIN ${query.text}`, values: values(query, entityPk, q), rowMode: 'array' });
      return rows.map((r) => String(r[0]));
    });
  }

  /** Records from rows of TOKEN_COLUMNS, their grant sets fetched in one query when not cached. */
  private async records(entityPk: number, rows: Row[]): Promise<TokenRecord[]> {
    let missing: number[] | undefined;
    for (const r of rows) {
      const pk = r[7] as number;
      if (!this.grantSets.get(entityPk, pk)) {
        missing ??= [];
        missing.push(pk);
      }
    }
    if (missing) {
      const found = await this.pool.query<{ pk: number; roles: string; scopes: string }>({
        name: 'tw_grant_sets',
        text: 'SELECT pk, roles, scopes FROM grant_sets WHERE entity_pk = $1 AND pk = ANY($2::int[])',
        values: [entityPk, [...new Set(missing)]],
      });
      for (const g of found.rows) this.grantSets.parse(entityPk, g.pk, g.roles, g.scopes);
    }
    return rows.map((r) => this.fromColumns(entityPk, r));
  }

  private fromColumns(entityPk: number, r: Row): TokenRecord {
    const userId = r[4] as string;
    const accountId = r[5] as string;
    const lastUsedAt = r[11] as number;
    const set: GrantSet | undefined = this.grantSets.get(entityPk, r[7] as number);
    if (!set) throw new Error(`grant set ${String(r[7])} is not one of entity ${entityPk}'s`);
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
      revokedBy: r[12] as string | null,
      revokeReason: r[13] as string | null,
      lastUsedAt: lastUsedAt === 0 ? null : lastUsedAt,
      lastUsedIp: r[14] as string | null,
      lastUsedUserAgent: r[15] as string | null,
    };
  }
}

/**
 * A prepared statement's name for a query shape. PostgreSQL cuts names at 63 bytes, so two
 * long shape keys could meet in one name: a long key is named by a digest of it instead.
 */
type NamedQuery = PgQuery & { name: string | undefined };

/** Queries kept per kind (page, count); the least recently used go first. */
const STATEMENT_CACHE_SIZE = 256;
/** Shapes prepared under a name on the server, at most (per kind together). */
export const NAMED_STATEMENTS = 256;

function statementName(prefix: string, key: string): string {
  const name = `${prefix} ${key}`;
  return name.length <= 63 ? name : `${prefix} #${createHash('sha256').update(key).digest('base64url').slice(0, 24)}`;
}
