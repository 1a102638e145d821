import type { Statement } from 'better-sqlite3';
import { grantFlowOf } from '../records.js';
import { bucketCount, denseBuckets, type SummaryCounts, type SummaryQuery, type SummaryStore } from '../summary.js';
import type { SqliteDb } from './client.js';

/** The statements of a summary, by name; each gets the user condition when it has one. */
type Name = 'byFlow' | 'byRole' | 'created' | 'expiring';

/**
 * Active at @snapshot: a range of tokens_by_expires (entity, expires_at > S); created_at
 * rides in that index, revocation (and the user, when there is one) is read from the row.
 * The index is named: left to itself the planner prefers an index that saves the GROUP
 * BY's sort (tokens_grant_created) or one whose range it cannot bound (created_at <= S),
 * both walks of every token the entity ever had, where the expiry range holds only
 * what has not expired yet.
 */
const FROM_ACTIVE = 'FROM tokens t INDEXED BY tokens_by_expires';
const active = (user: boolean) =>
  't.entity_pk = @entity AND t.expires_at > @snapshot AND t.created_at <= @snapshot ' +
  `AND (t.revoked_at IS NULL OR t.revoked_at > @snapshot)${user ? ' AND t.user_id = @user' : ''}`;

function sqlOf(name: Name, user: boolean): string {
  switch (name) {
    case 'byFlow':
      // Usage rides along: one pass over the active range gives flows, never used and idle.
      return (
        'SELECT t.grant_flow, COUNT(*), SUM(t.last_used_at = 0), SUM(t.last_used_at > 0 AND t.last_used_at < @idleBefore) ' +
        `${FROM_ACTIVE} WHERE ${active(user)} GROUP BY t.grant_flow`
      );
    case 'byRole':
      // Active tokens per grant set (a few thousand per entity at most), then each set's
      // roles from its JSON: no per-token role rows are read.
      return (
        'SELECT r.value, SUM(c.n) FROM ' +
        `(SELECT t.grant_set_pk AS pk, COUNT(*) AS n ${FROM_ACTIVE} WHERE ${active(user)} GROUP BY t.grant_set_pk) c ` +
        'JOIN grant_sets g ON g.pk = c.pk AND g.entity_pk = @entity, json_each(g.roles) r GROUP BY r.value'
      );
    case 'created':
      // An index-only range of tokens_by_created (or tokens_user_created with a user).
      return (
        `SELECT (t.created_at - CAST(@from AS INTEGER)) / CAST(@bucket AS INTEGER), COUNT(*) FROM tokens t INDEXED BY ${user ? 'tokens_user_created' : 'tokens_by_created'} ` +
        `WHERE t.entity_pk = @entity AND t.created_at >= @from AND t.created_at <= @snapshot${user ? ' AND t.user_id = @user' : ''} ` +
        'GROUP BY 1'
      );
    case 'expiring':
      // (expires_at - S - 1) / bucket: bucket i is (S + i·bucket, S + (i+1)·bucket]. The casts keep the
      // division integral: better-sqlite3 binds every JS number as REAL.
      return (
        `SELECT (t.expires_at - CAST(@snapshot AS INTEGER) - 1) / CAST(@bucket AS INTEGER), COUNT(*) ${FROM_ACTIVE} ` +
        `WHERE ${active(user)} AND t.expires_at <= @expiringUntil GROUP BY 1`
      );
  }
}

const NAMES: readonly Name[] = ['byFlow', 'byRole', 'created', 'expiring'];

/** The overview's counts in SQLite: four prepared statements (two variants each), run on the calling thread. */
export class SqliteSummaryStore implements SummaryStore {
  private readonly sqlite: SqliteDb['$client'];
  private readonly statements = new Map<string, Statement>();

  constructor(db: SqliteDb) {
    this.sqlite = db.$client;
  }

  private statement(name: Name, user: boolean): Statement {
    const key = `${name}|${user}`;
    let stmt = this.statements.get(key);
    if (!stmt) {
      stmt = this.sqlite.prepare(sqlOf(name, user)).raw(true);
      this.statements.set(key, stmt);
    }
    return stmt;
  }

  private params(name: Name, entityPk: number, q: SummaryQuery): Record<string, number | string> {
    const p: Record<string, number | string> = { entity: entityPk, snapshot: q.snapshot };
    if (q.userId !== undefined) p.user = q.userId;
    if (name === 'byFlow') p.idleBefore = q.idleBefore;
    if (name === 'created') Object.assign(p, { from: q.createdFrom, bucket: q.bucket });
    if (name === 'expiring') Object.assign(p, { bucket: q.bucket, expiringUntil: q.snapshot + q.expiringBuckets * q.bucket });
    return p;
  }

  private rows(name: Name, entityPk: number, q: SummaryQuery): unknown[][] {
    return this.statement(name, q.userId !== undefined).all(this.params(name, entityPk, q)) as unknown[][];
  }

  async summarize(entityPk: number, q: SummaryQuery): Promise<SummaryCounts> {
    const flows = this.rows('byFlow', entityPk, q) as [number, number, number, number][];
    const roles = this.rows('byRole', entityPk, q) as [string, number][];
    const created = this.rows('created', entityPk, q) as [number, number][];
    const expiring = this.rows('expiring', entityPk, q) as [number, number][];
    return {
      activeByGrantFlow: flows.map(([code, count]) => ({ grantFlow: grantFlowOf(code), count })),
      activeByRole: roles.map(([role, count]) => ({ role, count })),
      createdPerBucket: denseBuckets(created, bucketCount(q.createdFrom, q.snapshot, q.bucket)),
      expiringPerBucket: denseBuckets(expiring, q.expiringBuckets),
      neverUsed: flows.reduce((n, r) => n + r[2], 0),
      idle: flows.reduce((n, r) => n + r[3], 0),
    };
  }

  async explainSummary(entityPk: number, q: SummaryQuery): Promise<Record<string, string[]>> {
    const plans: Record<string, string[]> = {};
    for (const name of NAMES) {
      const rows = this.sqlite.prepare(`EXPLAIN QUERY PLAN ${sqlOf(name, q.userId !== undefined)}`).all(this.params(name, entityPk, q)) as {
        detail: string;
      }[];
      plans[name] = rows.map((r) => r.detail);
    }
    return plans;
  }
}
