import type pg from 'pg';
import { grantFlowOf } from '../records.js';
import { bucketCount, denseBuckets, type SummaryCounts, type SummaryQuery, type SummaryStore } from '../summary.js';
import { guarded } from './client.js';

type Name = 'byFlow' | 'byRole' | 'created' | 'expiring';
const NAMES: readonly Name[] = ['byFlow', 'byRole', 'created', 'expiring'];

/*
 * The same four statements as the SQLite adapter's (../sqlite/summary.ts), in PostgreSQL:
 * $1 entity, $2 snapshot, $3 the statement's own value (idle bound, created-from, expiring
 * bound), $4 the bucket width, and the user last when there is one.
 */
const active = (userParam: string | undefined) =>
  't.entity_pk = $1 AND t.expires_at > $2::bigint AND t.created_at <= $2::bigint ' +
  `AND (t.revoked_at IS NULL OR t.revoked_at > $2::bigint)${userParam ? ` AND t.user_id = ${userParam}::uuid` : ''}`;

function sqlOf(name: Name, user: boolean): string {
  switch (name) {
    case 'byFlow':
      return (
        'SELECT t.grant_flow, COUNT(*)::int, COUNT(*) FILTER (WHERE t.last_used_at = 0)::int, ' +
        'COUNT(*) FILTER (WHERE t.last_used_at > 0 AND t.last_used_at < $3::bigint)::int ' +
        `FROM tokens t WHERE ${active(user ? '$4' : undefined)} GROUP BY t.grant_flow`
      );
    case 'byRole':
      return (
        'SELECT r.role, SUM(c.n)::int FROM ' +
        `(SELECT t.grant_set_pk AS pk, COUNT(*) AS n FROM tokens t WHERE ${active(user ? '$3' : undefined)} GROUP BY t.grant_set_pk) c ` +
        'JOIN grant_sets g ON g.pk = c.pk AND g.entity_pk = $1 ' +
        'CROSS JOIN LATERAL jsonb_array_elements_text(g.roles::jsonb) AS r(role) GROUP BY r.role'
      );
    case 'created':
      return (
        'SELECT ((t.created_at - $3::bigint) / $4::bigint)::int, COUNT(*)::int FROM tokens t ' +
        `WHERE t.entity_pk = $1 AND t.created_at >= $3::bigint AND t.created_at <= $2::bigint${user ? ' AND t.user_id = $5::uuid' : ''} ` +
        'GROUP BY 1'
      );
    case 'expiring':
      return (
        'SELECT ((t.expires_at - $2::bigint - 1) / $4::bigint)::int, COUNT(*)::int FROM tokens t ' +
        `WHERE ${active(user ? '$5' : undefined)} AND t.expires_at <= $3::bigint GROUP BY 1`
      );
  }
}

function valuesOf(name: Name, entityPk: number, q: SummaryQuery): unknown[] {
  const own: unknown[] =
    name === 'byFlow'
      ? [q.idleBefore]
      : name === 'byRole'
        ? []
        : name === 'created'
          ? [q.createdFrom, q.bucket]
          : [q.snapshot + q.expiringBuckets * q.bucket, q.bucket];
  return [entityPk, q.snapshot, ...own, ...(q.userId !== undefined ? [q.userId] : [])];
}

/** The overview's counts in PostgreSQL: four named statements (two variants each), run side by side on the pool. */
export class PgSummaryStore implements SummaryStore {
  constructor(private readonly pool: pg.Pool) {}

  private async rows<R extends unknown[]>(name: Name, entityPk: number, q: SummaryQuery): Promise<R[]> {
    const user = q.userId !== undefined;
    const { rows } = await this.pool.query<R>({
      name: `tw_summary_${name}${user ? '_user' : ''}`,
      text: sqlOf(name, user),
      values: valuesOf(name, entityPk, q),
      rowMode: 'array',
    });
    return rows;
  }

  summarize(entityPk: number, q: SummaryQuery): Promise<SummaryCounts> {
    return guarded(async () => {
      const [flows, roles, created, expiring] = await Promise.all([
        this.rows<[number, number, number, number]>('byFlow', entityPk, q),
        this.rows<[string, number]>('byRole', entityPk, q),
        this.rows<[number, number]>('created', entityPk, q),
        this.rows<[number, number]>('expiring', entityPk, q),
      ]);
      return {
        activeByGrantFlow: flows.map(([code, count]) => ({ grantFlow: grantFlowOf(code), count })),
        activeByRole: roles.map(([role, count]) => ({ role, count })),
        createdPerBucket: denseBuckets(created, bucketCount(q.createdFrom, q.snapshot, q.bucket)),
        expiringPerBucket: denseBuckets(expiring, q.expiringBuckets),
        neverUsed: flows.reduce((n, r) => n + r[2], 0),
        idle: flows.reduce((n, r) => n + r[3], 0),
      };
    });
  }

  explainSummary(entityPk: number, q: SummaryQuery): Promise<Record<string, string[]>> {
    return guarded(async () => {
      const plans: Record<string, string[]> = {};
      for (const name of NAMES) {
        const { rows } = await this.pool.query<unknown[]>({
          text: `EXPLAIN ${sqlOf(name, q.userId !== undefined)}`,
          values: valuesOf(name, entityPk, q),
          rowMode: 'array',
        });
        plans[name] = rows.map((r) => String(r[0]));
      }
      return plans;
    });
  }
}
