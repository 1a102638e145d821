import type { Statement } from 'better-sqlite3';
import type { Micros } from '@tokenwarden/contracts';
import type { Db } from './client.js';
import { bindings, countSql, pageSql, shapeKey, type PageQuery, type TokenFilters } from './list-query.js';
import { grantFlowCode, grantFlowOf, TOKEN_COLUMNS, type NewToken, type TokenRecord } from './records.js';

/** A token as imported with its history. */
export type HistoricalToken = NewToken & { revokedAt?: Micros | null; lastUsedAt?: Micros | null };

export type RevokeOutcome = 'revoked' | 'already_revoked' | 'not_found';

/**
 * Every SQL statement on tokens. Each method but the hash lookup takes the caller's
 * entity and puts it in the WHERE clause: a query of this store can never return or
 * touch a token of another entity.
 */
export class TokenStore {
  private readonly sqlite: Db['$client'];
  private readonly pageStatements = new Map<string, Statement>();
  private readonly countStatements = new Map<string, Statement>();
  private readonly grantSets: GrantSetCache;
  private readonly byHash: Statement<[Buffer], unknown[]>;
  private readonly byId: Statement<[number, string], unknown[]>;
  private readonly revokeStmt: Statement<[number, number, string]>;
  private readonly touchStmt: Statement<[number, number, number, number]>;
  private readonly insertTx: (tokens: readonly HistoricalToken[]) => void;

  constructor(db: Db) {
    this.sqlite = db.$client;
    const s = this.sqlite;
    this.grantSets = new GrantSetCache(s, 65_536);
    this.byHash = s.prepare<[Buffer], unknown[]>(`SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.token_hash = ?`).raw(true);
    this.byId = s.prepare<[number, string], unknown[]>(`SELECT ${TOKEN_COLUMNS} FROM tokens t WHERE t.entity_pk = ? AND t.token_id = ?`).raw(true);
    this.revokeStmt = s.prepare(
      'UPDATE tokens SET revoked_at = ? WHERE entity_pk = ? AND token_id = ? AND revoked_at IS NULL',
    );
    this.touchStmt = s.prepare(
      'UPDATE tokens SET last_used_at = ? WHERE entity_pk = ? AND pk = ? AND last_used_at < ?',
    );
    const insertToken = s.prepare(
      'INSERT INTO tokens (entity_pk, token_id, token_hash, client_id, user_id, account_id, grant_flow, grant_set_pk, created_at, expires_at, revoked_at, last_used_at) ' +
        'VALUES (@entityPk, @tokenId, @tokenHash, @clientId, @userId, @accountId, @grantFlow, @grantSetPk, @createdAt, @expiresAt, @revokedAt, @lastUsedAt)',
    );
    const insertRole = s.prepare(
      'INSERT INTO token_roles (entity_pk, role, created_at, token_id, token_pk) VALUES (?, ?, ?, ?, ?)',
    );
    const findSet = s.prepare<[number, string, string], number>('SELECT pk FROM grant_sets WHERE entity_pk = ? AND roles = ? AND scopes = ?').pluck();
    const addSet = s.prepare<[number, string, string]>('INSERT INTO grant_sets (entity_pk, roles, scopes) VALUES (?, ?, ?)');
    this.insertTx = s.transaction((batch: readonly HistoricalToken[]) => {
      // Sets found or added in this transaction (and only here: a rollback takes them back).
      const sets = new Map<string, number>();
      for (const t of batch) {
        const roles = JSON.stringify(t.roles);
        const scopes = JSON.stringify(t.scopes);
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
        for (const role of new Set(t.roles)) {
          insertRole.run(t.entityPk, role, t.createdAt, t.tokenId, info.lastInsertRowid);
        }
      }
    });
  }

  /** Authentication: the token whose hash this is, of whichever entity. */
  findByHash(hash: Buffer): TokenRecord | undefined {
    const row = this.byHash.get(hash);
    // The row's own entity: the one lookup that is not scoped by the caller's.
    return row ? this.fromColumns(row[1] as number, row) : undefined;
  }

  get(entityPk: number, tokenId: string): TokenRecord | undefined {
    const row = this.byId.get(entityPk, tokenId);
    return row ? this.fromColumns(entityPk, row) : undefined;
  }

  /** Atomic: of concurrent revocations of one token exactly one answers 'revoked'. */
  revoke(entityPk: number, tokenId: string, now: Micros): RevokeOutcome {
    if (this.revokeStmt.run(now, entityPk, tokenId).changes === 1) return 'revoked';
    return this.byId.get(entityPk, tokenId) ? 'already_revoked' : 'not_found';
  }

  /** Records a use, at most once per `coarseness` µs per token. Returns whether it wrote. */
  touchLastUsed(entityPk: number, pk: number, now: Micros, coarseness: Micros): boolean {
    return this.touchStmt.run(now, entityPk, pk, now - coarseness).changes === 1;
  }

  /** Inserts new tokens (and their role rows) in one transaction. */
  insert(tokens: readonly NewToken[]): void {
    this.insertTx(tokens);
  }

  /** Bulk-loads tokens with a past (revocation, last use): demo data, benchmarks, imports. */
  insertHistorical(tokens: readonly HistoricalToken[]): void {
    this.insertTx(tokens);
  }

  /**
   * One page of the entity's tokens (see `pageSql`). Rows come back as arrays (better-sqlite3
   * raw mode, no intermediate row objects) and become records directly: the hot path.
   */
  page(entityPk: number, q: PageQuery): TokenRecord[] {
    const key = shapeKey(q);
    let stmt = this.pageStatements.get(key);
    if (!stmt) {
      stmt = this.sqlite.prepare(pageSql(q)).raw(true);
      this.pageStatements.set(key, stmt);
    }
    const rows = stmt.all(bindings(entityPk, q)) as unknown[][];
    const out: TokenRecord[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = this.fromColumns(entityPk, rows[i]!);
    return out;
  }

  /** A record from a row of `TOKEN_COLUMNS` in raw (array) mode. */
  private fromColumns(entityPk: number, r: unknown[]): TokenRecord {
    const userId = r[4] as string;
    const accountId = r[5] as string;
    const lastUsedAt = r[11] as number;
    const set = this.grantSets.get(entityPk, r[7] as number);
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

  /** How many of the entity's tokens the filters select at the snapshot. */
  count(entityPk: number, filters: TokenFilters, snapshot: Micros): number {
    return this.runCount(entityPk, filters, snapshot, undefined);
  }

  /**
   * The same count, but it stops at `cap` rows: cheap enough for the request thread, and
   * exact whenever the answer is below `cap`.
   */
  countUpTo(entityPk: number, filters: TokenFilters, snapshot: Micros, cap: number): number {
    return this.runCount(entityPk, filters, snapshot, cap);
  }

  private runCount(entityPk: number, filters: TokenFilters, snapshot: Micros, cap: number | undefined): number {
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

  /** The query plan of a page query, for tests and benchmarks (EXPLAIN QUERY PLAN). */
  explainPage(entityPk: number, q: PageQuery): string[] {
    const rows = this.sqlite.prepare(`EXPLAIN QUERY PLAN ${pageSql(q)}`).all(bindings(entityPk, q)) as {
      detail: string;
    }[];
    return rows.map((r) => r.detail);
  }
}

interface GrantSet {
  entityPk: number;
  roles: readonly string[];
  scopes: readonly string[];
}

/**
 * Grant sets by key, parsed once per process and shared (frozen) by every record that
 * carries them. A set is immutable and never deleted, so a cached one never goes stale;
 * only sets read outside a transaction are cached, because a key read inside one could be
 * rolled back and reused. Bounded: cleared when full. Lookups name the entity, as every
 * token query does.
 */
class GrantSetCache {
  private readonly sets = new Map<number, GrantSet>();
  private readonly byPk: Statement<[number, number], { roles: string; scopes: string }>;

  constructor(
    private readonly sqlite: Db['$client'],
    private readonly capacity: number,
  ) {
    this.byPk = sqlite.prepare('SELECT roles, scopes FROM grant_sets WHERE pk = ? AND entity_pk = ?');
  }

  get(entityPk: number, pk: number): GrantSet {
    const cached = this.sets.get(pk);
    if (cached !== undefined && cached.entityPk === entityPk) return cached;
    const row = this.byPk.get(pk, entityPk);
    if (!row) throw new Error(`grant set ${pk} is not one of entity ${entityPk}'s`);
    const set: GrantSet = {
      entityPk,
      roles: Object.freeze(JSON.parse(row.roles) as string[]),
      scopes: Object.freeze(JSON.parse(row.scopes) as string[]),
    };
    if (!this.sqlite.inTransaction) {
      if (this.sets.size >= this.capacity) this.sets.clear();
      this.sets.set(pk, set);
    }
    return set;
  }
}
