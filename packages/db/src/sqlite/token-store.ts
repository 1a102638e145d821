import type { Statement } from 'better-sqlite3';
import type { Micros } from '@tokenwarden/contracts';
import type { Clock } from '../clock.js';
import { grantSetText, GrantSetCache, type GrantSet } from '../grant-sets.js';
import { shapeKey, type PageQuery, type TokenFilters } from '../list-types.js';
import { grantFlowCode, grantFlowOf, TOKEN_COLUMNS, type HistoricalToken, type NewTokenSpec, type TokenRecord } from '../records.js';
import type { RevokeOutcome, TokenStore } from '../store.js';
import { translateSqliteError, type SqliteDb } from './client.js';
import { bindings, countSql, pageSql } from './list-query.js';

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
}

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
  private readonly pageStatements = new Map<string, Statement>();
  private readonly countStatements = new Map<string, Statement>();
  private readonly grantSets = new GrantSetCache();
  private readonly grantSetByPk: Statement<[number, number], { roles: string; scopes: string }>;
  private readonly byHash: Statement<[Buffer], unknown[]>;
  private readonly byHashInEntity: Statement<[number, Buffer], unknown[]>;
  private readonly byId: Statement<[number, string], unknown[]>;
  private readonly revokeStmt: Statement<[number, number, string]>;
  private readonly touchStmt: Statement<[number, number, number, number]>;
  private readonly insertTx: (tokens: readonly HistoricalToken[]) => number[];
  private pendingIssues: { spec: NewTokenSpec; resolve(r: TokenRecord): void; reject(e: unknown): void }[] = [];

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
    this.revokeStmt = s.prepare('UPDATE tokens SET revoked_at = ? WHERE entity_pk = ? AND token_id = ? AND revoked_at IS NULL');
    this.touchStmt = s.prepare('UPDATE tokens SET last_used_at = ? WHERE entity_pk = ? AND pk = ? AND last_used_at < ?');
    const insertToken = s.prepare(
      'INSERT INTO tokens (entity_pk, token_id, token_hash, client_id, user_id, account_id, grant_flow, grant_set_pk, created_at, expires_at, revoked_at, last_used_at) ' +
        'VALUES (@entityPk, @tokenId, @tokenHash, @clientId, @userId, @accountId, @grantFlow, @grantSetPk, @createdAt, @expiresAt, @revokedAt, @lastUsedAt)',
    );
    const insertRole = s.prepare('INSERT INTO token_roles (entity_pk, role, created_at, token_id, token_pk) VALUES (?, ?, ?, ?, ?)');
    const findSet = s.prepare<[number, string, string], number>('SELECT pk FROM grant_sets WHERE entity_pk = ? AND roles = ? AND scopes = ?').pluck();
    const addSet = s.prepare<[number, string, string]>('INSERT INTO grant_sets (entity_pk, roles, scopes) VALUES (?, ?, ?)');
    this.insertTx = s.transaction((batch: readonly HistoricalToken[]) => {
      // Sets found or added in this transaction (and only here: a rollback takes them back).
      const sets = new Map<string, number>();
      const pks: number[] = [];
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
      }
      return pks;
    });
  }

  async findByHash(hash: Buffer): Promise<TokenRecord | undefined> {
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

  async revoke(entityPk: number, tokenId: string, now: Micros): Promise<RevokeOutcome> {
    if (this.revokeStmt.run(now, entityPk, tokenId).changes === 1) return 'revoked';
    return this.byId.get(entityPk, tokenId) ? 'already_revoked' : 'not_found';
  }

  async touchLastUsed(entityPk: number, pk: number, now: Micros, coarseness: Micros): Promise<boolean> {
    return this.touchStmt.run(now, entityPk, pk, now - coarseness).changes === 1;
  }

  /**
   * Group commit: issuances arriving together (in one turn of the event loop) are stored in
   * one transaction, so concurrent clients share a sync to disk instead of queueing for
   * one each. Each resolves only after its transaction commits. created_at is read in the
   * flush, in the same synchronous step as the commit (see the class comment).
   */
  issue(t: NewTokenSpec): Promise<TokenRecord> {
    return new Promise((resolve, reject) => {
      this.pendingIssues.push({ spec: t, resolve, reject });
      if (this.pendingIssues.length === 1) setImmediate(() => this.flushIssues());
    });
  }

  private flushIssues(): void {
    const batch = this.pendingIssues;
    this.pendingIssues = [];
    const rows = batch.map(({ spec }) => {
      const { lifetimeMicros, ...rest } = spec;
      const createdAt = this.clock.nowMicros();
      return { ...rest, createdAt, expiresAt: createdAt + lifetimeMicros };
    });
    let pks: number[] | undefined;
    try {
      pks = this.insertTx(rows);
    } catch {
      // One bad token (a duplicate) must not fail the others: each alone, still in this step.
    }
    batch.forEach((p, i) => {
      const row = rows[i] as (typeof rows)[number];
      try {
        const pk = pks ? (pks[i] as number) : (this.insert([row])[0] as number);
        const { tokenHash: _, ...rest } = row;
        p.resolve({ ...rest, pk, roles: Object.freeze([...row.roles]), scopes: Object.freeze([...row.scopes]), revokedAt: null, lastUsedAt: null });
      } catch (error) {
        p.reject(error);
      }
    });
  }

  async insertHistorical(tokens: readonly HistoricalToken[]): Promise<void> {
    this.insert(tokens);
  }

  private insert(tokens: readonly HistoricalToken[]): number[] {
    try {
      return this.insertTx(tokens);
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
    const key = shapeKey(q);
    let stmt = this.pageStatements.get(key);
    if (!stmt) {
      stmt = this.sqlite.prepare(pageSql(q)).raw(true);
      this.pageStatements.set(key, stmt);
    }
    const rows = stmt.all(bindings(entityPk, q)) as unknown[][];
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
    const key = `${shapeKey({ filters, orderKey: 'created_at', direction: 'DESC' })}|${cap === undefined ? '' : 'cap'}`;
    let stmt = this.countStatements.get(key);
    if (!stmt) {
      stmt = this.sqlite.prepare(countSql(filters, cap !== undefined));
      this.countStatements.set(key, stmt);
    }
    const b = bindings(entityPk, { filters, snapshot, limit: 0, offset: 0 });
    delete b.limit;
    delete b.offset;
    if (cap !== undefined) b.cap = cap;
    return (stmt.get(b) as { n: number }).n;
  }

  async explainPage(entityPk: number, q: PageQuery): Promise<string[]> {
    const rows = this.sqlite.prepare(`EXPLAIN QUERY PLAN ${pageSql(q)}`).all(bindings(entityPk, q)) as { detail: string }[];
    return rows.map((r) => r.detail);
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
      lastUsedAt: lastUsedAt === 0 ? null : lastUsedAt,
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
