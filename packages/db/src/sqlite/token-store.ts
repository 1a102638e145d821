import type { Statement } from 'better-sqlite3';
import { Lru } from '../lru.js';
import type { Micros } from '@tokenwarden/contracts';
import type { Clock } from '../clock.js';
import { storedSpec } from '../events.js';
import { grantSetText, GrantSetCache, type GrantSet } from '../grant-sets.js';
import { shapeKey, type PageQuery, type TokenFilters } from '../list-types.js';
import { grantFlowCode, grantFlowOf, TOKEN_COLUMNS, UNUSED, type HistoricalToken, type NewTokenSpec, type TokenRecord } from '../records.js';
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
import { TurnBatch } from '../turn-batch.js';
import { settle, translateSqliteError, type SqliteDb } from './client.js';
import { type EventRow, SqliteEventWriter } from './event-store.js';
import { columnRange } from '../list-conditions.js';
import { bindings, countDriver, countSql, pageSql, RANGE_DRIVE_CAP, rangeCandidates, rangeCountSql, type RangeDriver } from './list-query.js';

/** Counts up to this many rows on the request thread before handing the count to the worker. */
export const INLINE_COUNT_CAP = 5_000;

export interface SqliteTokenStoreOptions {
  /**
   * Large totals are counted here, on a connection of its own in a worker thread, so a
   * count of millions of rows never blocks the request thread; a set under `inlineCap`
   * rows is counted inline (a bounded index walk costs less than the round trip).
   */
  worker?: { count(entityPk: number, filters: TokenFilters, snapshot: Micros): Promise<number> };
  inlineCap?: number;
  /** A time column's range under this many rows drives a list in another order (`rangeCandidates`); 0: never. */
  rangeDriveCap?: number;
}

/** Prepared statements kept per kind (page, count, range count); the least recently used go first. */
export const STATEMENT_CACHE_SIZE = 256;

/**
 * Tokens in SQLite: every statement prepared once, rows read as arrays. Statements run
 * synchronously on the calling thread; the async interface costs a resolved promise.
 *
 * One process writes: its clock strictly increases and each token is stored in the same
 * synchronous step as its created_at is read, so a snapshot (a later reading of the same
 * clock) can never gain a token.
 */
export class SqliteTokenStore implements TokenStore {
  private readonly sqlite: SqliteDb['$client'];
  // Prepared per shape of the filters a request combines: bounded, since callers choose the
  // shape (several million combinations), and a statement costs ~20 KB.
  private readonly pageStatements = new Lru<string, Statement>(STATEMENT_CACHE_SIZE);
  private readonly countStatements = new Lru<string, Statement>(STATEMENT_CACHE_SIZE);
  private readonly rangeCountStatements = new Lru<string, Statement>(STATEMENT_CACHE_SIZE);
  private readonly grantSets = new GrantSetCache();
  private readonly grantSetByPk: Statement<[number, number], { roles: string; scopes: string }>;
  private readonly byHash: Statement<[Buffer], unknown[]>;
  private readonly byHashInEntity: Statement<[number, Buffer], unknown[]>;
  private readonly byId: Statement<[number, string], unknown[]>;
  private readonly revokeTx: (entityPk: number, tokenId: string, event: EventSpec) => boolean;
  private readonly revokeManyTx: (entityPk: number, targets: RevokeTargets, r: ManyRevocation) => ManyRevoked;
  private readonly horizonOf: Statement<[number], number>;
  private readonly setHorizonTx: (entityPks: readonly number[], value: number) => void;
  private readonly expiredCounts: Statement<[number], [number, number]>;
  private readonly purging: Statement<[number], number>;
  private readonly purgeTx: (entityPk: number, before: Micros, limit: number) => number;
  private readonly touchStmt: Statement<[number, string | null, string | null, number, number, number]>;
  private readonly insertTx: (tokens: readonly HistoricalToken[], events?: readonly IssueEventSpec[]) => number[];
  private readonly issues: TurnBatch<{ spec: NewTokenSpec; event: IssueEventSpec }, TokenRecord>;

  constructor(
    db: SqliteDb,
    private readonly clock: Clock,
    private readonly options: SqliteTokenStoreOptions = {},
  ) {
    this.sqlite = db.$client;
    const s = this.sqlite;
    this.grantSetByPk = s.prepare('SELECT roles, scopes FROM grant_sets WHERE pk = ? AND entity_pk = ?');
    this.byHash = s.prepare<[Buffer], unknown[]>(`SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.token_hash = ?`).raw(true);
    this.byHashInEntity = s
      .prepare<[number, Buffer], unknown[]>(`SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.entity_pk = ? AND t.token_hash = ?`)
      .raw(true);
    this.byId = s.prepare<[number, string], unknown[]>(`SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.entity_pk = ? AND t.token_id = ?`).raw(true);
    const events = new SqliteEventWriter(s);
    const revokeStmt = s.prepare<[number, string | null, string | null, number, string]>(
      'UPDATE tokens SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE entity_pk = ? AND token_id = ? AND revoked_at IS NULL',
    );
    // revoked_at is read in the same synchronous step as the change commits (the class comment's rule for created_at).
    this.revokeTx = s.transaction((entityPk: number, tokenId: string, given: EventSpec) => {
      const now = this.clock.nowMicros();
      // The reason on the token as its event keeps it (see storedSpec).
      const event = storedSpec(given);
      if (revokeStmt.run(now, event.actor.tokenId, event.reason, entityPk, tokenId).changes !== 1) return false;
      events.write([{ entityPk, type: 'TOKEN_REVOKED', spec: event, occurredAt: now, completedAt: now, tokenIds: [tokenId] }]);
      return true;
    });
    const inEntityByHash = s
      .prepare<[Buffer, number], [string, string]>('SELECT token_id, user_id FROM tokens WHERE token_hash = ? AND entity_pk = ?')
      .raw(true);
    const inEntityById = s
      .prepare<[string, number], [string, string]>('SELECT token_id, user_id FROM tokens WHERE token_id = ? AND entity_pk = ?')
      .raw(true);
    const revokeMany = s.transaction((entityPk: number, targets: RevokeTargets, r: ManyRevocation): ManyRevoked => {
      const now = this.clock.nowMicros();
      const found =
        'hashes' in targets
          ? targets.hashes.map((h) => inEntityByHash.get(h, entityPk))
          : targets.tokenIds.map((id) => inEntityById.get(id, entityPk));
      const matched = new Set<string>();
      for (const row of found) if (row && (r.userId === undefined || row[1] === r.userId)) matched.add(row[0]);
      const event = storedSpec(r.event);
      const revoked = [...matched].filter((id) => revokeStmt.run(now, event.actor.tokenId, event.reason, entityPk, id).changes === 1);
      if (r.eventPk !== undefined) {
        events.addTargets(entityPk, r.eventPk, revoked);
        return { matched: matched.size, revoked, eventPk: r.eventPk };
      }
      const [written] = events.write([{ entityPk, type: r.type, spec: event, occurredAt: now, completedAt: now, tokenIds: revoked }]);
      return { matched: matched.size, revoked, eventPk: written!.pk };
    });
    // IMMEDIATE: it may write nothing before its event, whose pk is read and then written.
    this.revokeManyTx = (entityPk, targets, r) => revokeMany.immediate(entityPk, targets, r);
    this.horizonOf = s.prepare<[number], number>('SELECT purge_horizon FROM entities WHERE pk = ?').pluck();
    this.purging = s.prepare<[number], number>('SELECT pk FROM entities WHERE purge_horizon = ? ORDER BY pk').pluck();
    const setHorizon = s.prepare<[number, number]>('UPDATE entities SET purge_horizon = ? WHERE pk = ?');
    this.setHorizonTx = s.transaction((entityPks: readonly number[], value: number) => {
      for (const pk of entityPks) setHorizon.run(value, pk);
    });
    // Per entity through its expires_at index: the cost is the expired tokens, not the table.
    this.expiredCounts = s
      .prepare<[number], [number, number]>(
        'SELECT pk, n FROM (SELECT e.pk, (SELECT count(*) FROM tokens t WHERE t.entity_pk = e.pk AND t.expires_at < ?) AS n FROM entities e) ' +
          'WHERE n > 0 ORDER BY pk',
      )
      .raw(true);
    const doomed = s
      .prepare<[number, number, number], [number]>(
        'SELECT pk FROM tokens INDEXED BY tokens_by_expires WHERE entity_pk = ? AND expires_at < ? LIMIT ?',
      )
      .raw(true);
    const dropRoles = s.prepare<[number]>('DELETE FROM token_roles WHERE token_pk = ?');
    const dropToken = s.prepare<[number, number]>('DELETE FROM tokens WHERE pk = ? AND entity_pk = ?');
    this.purgeTx = s.transaction((entityPk: number, before: Micros, limit: number) => {
      const rows = doomed.all(entityPk, before, limit);
      for (const [pk] of rows) {
        dropRoles.run(pk);
        dropToken.run(pk, entityPk);
      }
      return rows.length;
    });
    this.touchStmt = s.prepare(
      'UPDATE tokens SET last_used_at = ?, last_used_ip = ?, last_used_user_agent = ? WHERE entity_pk = ? AND pk = ? AND last_used_at < ?',
    );
    const insertToken = s.prepare(
      'INSERT INTO tokens (entity_pk, token_id, token_hash, client_id, user_id, account_id, grant_flow, grant_set_pk, created_at, expires_at, revoked_at, last_used_at) ' +
        'VALUES (@entityPk, @tokenId, @tokenHash, @clientId, @userId, @accountId, @grantFlow, @grantSetPk, @createdAt, @expiresAt, @revokedAt, @lastUsedAt)',
    );
    const insertRole = s.prepare('INSERT INTO token_roles (entity_pk, role, created_at, token_id, token_pk) VALUES (?, ?, ?, ?, ?)');
    const findSet = s.prepare<[number, string, string], number>('SELECT pk FROM grant_sets WHERE entity_pk = ? AND roles = ? AND scopes = ?').pluck();
    const addSet = s.prepare<[number, string, string]>('INSERT INTO grant_sets (entity_pk, roles, scopes) VALUES (?, ?, ?)');
    this.insertTx = s.transaction((batch: readonly HistoricalToken[], issued?: readonly IssueEventSpec[]) => {
      // Sets found or added in this transaction (and only here: a rollback takes them back).
      const sets = new Map<string, number>();
      const pks: number[] = [];
      const issuedEvents: EventRow[] = [];
      for (const t of batch) {
        const { roles, scopes } = grantSetText(t.roles, t.scopes);
        const setKey = `${t.entityPk}\u0000${roles}\u0000${scopes}`;
        let grantSetPk = sets.get(setKey);
        if (grantSetPk === undefined) {
          grantSetPk = findSet.get(t.entityPk, roles, scopes) ?? Number(addSet.run(t.entityPk, roles, scopes).lastInsertRowid);
          sets.set(setKey, grantSetPk);
        }
        const info = insertToken.run({
          entityPk: t.entityPk,
          tokenId: t.tokenId,
          tokenHash: t.tokenHash,
          clientId: t.clientId,
          userId: t.userId ?? '',
          accountId: t.accountId ?? '',
          grantFlow: grantFlowCode(t.grantFlow),
          grantSetPk,
          createdAt: t.createdAt,
          expiresAt: t.expiresAt,
          revokedAt: t.revokedAt ?? null,
          lastUsedAt: t.lastUsedAt ?? 0,
        });
        for (const role of new Set(t.roles)) insertRole.run(t.entityPk, role, t.createdAt, t.tokenId, info.lastInsertRowid);
        pks.push(Number(info.lastInsertRowid));
        const event = issued?.[pks.length - 1];
        if (event) {
          const spec: EventSpec = { ...event, reason: null, actor: { tokenId: null, clientId: t.clientId, userId: t.userId } };
          issuedEvents.push({
            entityPk: t.entityPk,
            type: 'TOKEN_ISSUED',
            spec,
            occurredAt: t.createdAt,
            completedAt: t.createdAt,
            tokenIds: [t.tokenId],
          });
        }
      }
      events.write(issuedEvents);
      return pks;
    });
    this.issues = new TurnBatch((items) => this.storeIssued(items));
  }

  async findByHash(hash: Buffer): Promise<TokenRecord | undefined> {
    return this.lookUp(hash);
  }

  findByHashWithSnapshot(hash: Buffer): Promise<TokenWithSnapshot | undefined> {
    return withSnapshot(this.lookUp(hash), () => this.snapshot());
  }

  private lookUp(hash: Buffer): TokenRecord | undefined {
    const row = this.byHash.get(hash);
    // The row's own entity: the one lookup that is not scoped by the caller's.
    return row ? this.fromColumns(row[1] as number, row) : undefined;
  }

  async getByHash(entityPk: number, hash: Buffer): Promise<TokenRecord | undefined> {
    const row = this.byHashInEntity.get(entityPk, hash);
    return row ? this.fromColumns(entityPk, row) : undefined;
  }

  async get(entityPk: number, tokenId: string): Promise<TokenRecord | undefined> {
    const row = this.byId.get(entityPk, tokenId);
    return row ? this.fromColumns(entityPk, row) : undefined;
  }

  revoke(entityPk: number, tokenId: string, event: EventSpec): Promise<RevokeOutcome> {
    return settle(() => {
      if (this.revokeTx(entityPk, tokenId, event)) return 'revoked';
      return this.byId.get(entityPk, tokenId) ? 'already_revoked' : 'not_found';
    });
  }

  revokeMany(entityPk: number, targets: RevokeTargets, revocation: ManyRevocation): Promise<ManyRevoked> {
    return settle(() => this.revokeManyTx(entityPk, targets, revocation));
  }

  async purgeHorizon(entityPk: number): Promise<Micros> {
    return this.horizonOf.get(entityPk) ?? 0;
  }

  setPurgeHorizon(entityPks: readonly number[], running: boolean): Promise<Micros> {
    return settle(() => {
      const value = running ? PURGE_RUNNING : this.clock.nowMicros();
      this.setHorizonTx(entityPks, value);
      return value;
    });
  }

  async purgingEntities(): Promise<number[]> {
    return this.purging.all(PURGE_RUNNING);
  }

  async expiredBefore(before: Micros): Promise<{ entityPk: number; tokens: number }[]> {
    return this.expiredCounts.all(before).map(([entityPk, tokens]) => ({ entityPk, tokens }));
  }

  purgeExpired(entityPk: number, before: Micros, limit: number): Promise<number> {
    return settle(() => this.purgeTx(entityPk, before, limit));
  }

  touchLastUsed(entityPk: number, pk: number, now: Micros, coarseness: Micros, from: UseOrigin): Promise<boolean> {
    return settle(() => this.touchStmt.run(now, from.ip, from.userAgent, entityPk, pk, now - coarseness).changes === 1);
  }

  /**
   * Group commit: issuances arriving together (in one turn of the event loop) are stored in
   * one transaction, so concurrent clients share a sync to disk instead of queueing for
   * one each. Each resolves only after its transaction commits. created_at is read in the
   * same synchronous step as the commit (see the class comment).
   */
  issue(spec: NewTokenSpec, event: IssueEventSpec): Promise<TokenRecord> {
    return this.issues.add({ spec, event });
  }

  private storeIssued(items: { spec: NewTokenSpec; event: IssueEventSpec }[]): TokenRecord[] {
    const rows = items.map(({ spec }) => {
      const { lifetimeMicros, ...rest } = spec;
      const createdAt = this.clock.nowMicros();
      return { ...rest, createdAt, expiresAt: createdAt + lifetimeMicros };
    });
    const pks = this.insert(
      rows,
      items.map((i) => i.event),
    );
    return rows.map(({ tokenHash: _, ...row }, i) => ({
      ...row,
      ...UNUSED,
      pk: pks[i] as number,
      roles: Object.freeze([...row.roles]),
      scopes: Object.freeze([...row.scopes]),
    }));
  }

  async insertHistorical(tokens: readonly HistoricalToken[]): Promise<void> {
    this.insert(tokens);
  }

  private insert(tokens: readonly HistoricalToken[], issued?: readonly IssueEventSpec[]): number[] {
    try {
      return this.insertTx(tokens, issued);
    } catch (error) {
      throw translateSqliteError(error);
    }
  }

  async snapshot(): Promise<Micros> {
    return this.clock.nowMicros();
  }

  async isSettled(_entityPk: number, bound: Micros): Promise<boolean> {
    return bound <= this.clock.nowMicros();
  }

  /**
   * One page of the entity's tokens (see `pageSql`). Rows come back as arrays (better-sqlite3
   * raw mode, no intermediate row objects) and become records directly: the hot path.
   */
  async page(entityPk: number, q: PageQuery): Promise<TokenRecord[]> {
    const drive = this.rangeDriver(entityPk, q);
    const key = drive ? `${shapeKey(q)}|drive ${drive}` : shapeKey(q);
    let stmt = this.pageStatements.get(key);
    if (!stmt) {
      stmt = this.sqlite.prepare(pageSql(q, drive)).raw(true);
      this.pageStatements.set(key, stmt);
    }
    const rows = stmt.all(bindings(entityPk, q, drive)) as unknown[][];
    const out: TokenRecord[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = this.fromColumns(entityPk, rows[i] as unknown[]);
    return out;
  }

  async count(entityPk: number, filters: TokenFilters, snapshot: Micros): Promise<number> {
    const worker = this.options.worker;
    if (!worker) return this.countNow(entityPk, filters, snapshot);
    const cap = this.options.inlineCap ?? INLINE_COUNT_CAP;
    if (cap > 0) {
      const bounded = this.countNow(entityPk, filters, snapshot, cap);
      if (bounded < cap) return bounded;
    }
    // Should the worker fail, the count is taken here: slower, never wrong.
    return worker.count(entityPk, filters, snapshot).catch(() => this.countNow(entityPk, filters, snapshot));
  }

  /** Counts on this connection, synchronously; with `cap`, stops at that many rows (exact below it). */
  countNow(entityPk: number, filters: TokenFilters, snapshot: Micros, cap?: number): number {
    // A short range, else an index that holds every column asked, else the selection's plan.
    const drive = this.rangeDriver(entityPk, { filters, orderKey: 'created_at', snapshot }) ?? countDriver(filters);
    const key = `${shapeKey({ filters, orderKey: 'created_at', direction: 'DESC' })}|${cap === undefined ? '' : 'cap'}${drive ? `|drive ${drive}` : ''}`;
    let stmt = this.countStatements.get(key);
    if (!stmt) {
      stmt = this.sqlite.prepare(countSql(filters, cap !== undefined, drive));
      this.countStatements.set(key, stmt);
    }
    const b = bindings(entityPk, { filters, snapshot, limit: 0, offset: 0 }, drive);
    delete b.limit;
    delete b.offset;
    if (cap !== undefined) b.cap = cap;
    return (stmt.get(b) as { n: number }).n;
  }

  async explainPage(entityPk: number, q: PageQuery): Promise<string[]> {
    const drive = this.rangeDriver(entityPk, q);
    const rows = this.sqlite.prepare(`EXPLAIN QUERY PLAN ${pageSql(q, drive)}`).all(bindings(entityPk, q, drive)) as { detail: string }[];
    return rows.map((r) => r.detail);
  }

  /**
   * The time column whose range drives this list instead of the order key's index: the
   * shortest of the candidates (`rangeCandidates`) under the cap, each counted in its own
   * index (at most cap rows read); none when every range is longer.
   */
  private rangeDriver(entityPk: number, q: Pick<PageQuery, 'filters' | 'orderKey' | 'snapshot'>): RangeDriver | undefined {
    const candidates = rangeCandidates(q);
    const cap = this.options.rangeDriveCap ?? RANGE_DRIVE_CAP;
    if (candidates.length === 0 || cap <= 0) return undefined;
    let best: RangeDriver | undefined;
    let shortest = cap;
    for (const column of candidates) {
      const { lo, hi } = columnRange(q.filters, column, q.snapshot);
      const key = `${column}|${lo === undefined ? '' : 'lo'}|${hi === undefined ? '' : 'hi'}`;
      let stmt = this.rangeCountStatements.get(key);
      if (!stmt) {
        stmt = this.sqlite.prepare(rangeCountSql(q.filters, column));
        this.rangeCountStatements.set(key, stmt);
      }
      const b: Record<string, unknown> = { entity: entityPk, snapshot: q.snapshot, cap };
      if (lo !== undefined) b.lo = lo;
      if (hi !== undefined) b.hi = hi;
      const n = (stmt.get(b) as { n: number }).n;
      if (n < shortest) {
        best = column;
        shortest = n;
      }
    }
    return best;
  }

  /** A record from a row of `TOKEN_COLUMNS` in raw (array) mode. */
  private fromColumns(entityPk: number, r: unknown[]): TokenRecord {
    const userId = r[4] as string;
    const accountId = r[5] as string;
    const lastUsedAt = r[11] as number;
    const set = this.grantSet(entityPk, r[7] as number);
    return {
      pk: r[0] as number,
      entityPk: r[1] as number,
      tokenId: r[2] as string,
      clientId: r[3] as string,
      userId: userId === '' ? null : userId,
      accountId: accountId === '' ? null : accountId,
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

  /** Only a set read outside a transaction is cached: a key read inside one could be rolled back and reused. */
  private grantSet(entityPk: number, pk: number): GrantSet {
    const cached = this.grantSets.get(entityPk, pk);
    if (cached) return cached;
    const row = this.grantSetByPk.get(pk, entityPk);
    if (!row) throw new Error(`grant set ${pk} is not one of entity ${entityPk}'s`);
    return this.grantSets.parse(entityPk, pk, row.roles, row.scopes, !this.sqlite.inTransaction);
  }
}
