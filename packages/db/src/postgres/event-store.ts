import type { EventType, Micros } from '@tokenwarden/contracts';
import type pg from 'pg';
import type { Clock } from '../clock.js';
import { EVENT_COLUMNS, eventConditions, eventFromRow, eventParamValue, eventShapeKey, storedSpec, type EventParam } from '../events.js';
import type { EventQuery, EventRecord, EventSpec, EventStore } from '../store.js';
import { TurnBatch } from '../turn-batch.js';
import { guarded } from './client.js';
import { isUuid } from './schema.js';

type Queryable = pg.Pool | pg.PoolClient;

/** An event to write (see the SQLite twin): `occurredAt` null for the database's clock. */
export interface PgEventRow {
  entityPk: number;
  type: EventType;
  spec: EventSpec;
  occurredAt: Micros | null;
  tokenIds: readonly string[];
  /** Whether the event is complete when written (every event but a revocation by filter still running). */
  complete: boolean;
  /** A revocation by filter: the caller's idempotency key and the fingerprint of its request. */
  idempotency?: { key: string; fingerprint: string };
}

/**
 * What each event to write brings, by column and PostgreSQL type: one JSON array of these
 * objects is the statement's one parameter (JSON.stringify is native; fourteen arrays, each
 * element escaped by the driver into PostgreSQL's array text, cost Node ~20 µs more an event).
 */
const EVENT_INPUT = {
  entity_pk: 'int',
  event_id: 'uuid',
  type: 'text',
  occurred_at: 'bigint',
  actor_token_id: 'uuid',
  actor_client_id: 'text',
  actor_user_id: 'uuid',
  request_id: 'text',
  reason: 'text',
  token_count: 'int',
  details: 'text',
  complete: 'bool',
  idempotency_key: 'text',
  fingerprint: 'text',
} as const;

const INSERT_EVENTS =
  'INSERT INTO token_events AS e (entity_pk, event_id, type, occurred_at, actor_token_id, actor_client_id, actor_user_id, request_id, reason, token_count, details, completed_at, idempotency_key, fingerprint) ' +
  'SELECT v.entity_pk, v.event_id, v.type, o.t, v.actor_token_id, v.actor_client_id, v.actor_user_id, v.request_id, v.reason, v.token_count, v.details, ' +
  'CASE WHEN v.complete THEN o.t END, v.idempotency_key, v.fingerprint ' +
  `FROM json_to_recordset($1::json) AS v(${Object.entries(EVENT_INPUT)
    .map(([column, type]) => `${column} ${type}`)
    .join(', ')}), ` +
  'LATERAL (SELECT COALESCE(v.occurred_at, tw_now_micros()) AS t) o ' +
  'RETURNING e.event_id, e.pk, e.occurred_at';

function eventInput(r: PgEventRow): Record<keyof typeof EVENT_INPUT, unknown> {
  return {
    entity_pk: r.entityPk,
    event_id: r.spec.eventId,
    type: r.type,
    occurred_at: r.occurredAt,
    actor_token_id: r.spec.actor.tokenId,
    actor_client_id: r.spec.actor.clientId,
    actor_user_id: r.spec.actor.userId,
    request_id: r.spec.requestId,
    reason: r.spec.reason,
    token_count: r.tokenIds.length,
    // Text holding JSON: any escape in it is characters of the text here.
    details: r.spec.details === undefined ? null : JSON.stringify(r.spec.details),
    complete: r.complete,
    idempotency_key: r.idempotency?.key ?? null,
    fingerprint: r.idempotency?.fingerprint ?? null,
  };
}

/**
 * Writes events (several in one statement) and their targets, on the caller's connection:
 * inside its transaction when it has one. Returns the records in the order given.
 */
export async function writeEvents(db: Queryable, given: readonly PgEventRow[]): Promise<EventRecord[]> {
  const rows = given.map((r) => {
    const spec = storedSpec(r.spec);
    return spec === r.spec ? r : { ...r, spec };
  });
  const { rows: written } = await db.query<{ event_id: string; pk: number; occurred_at: number }>({
    name: 'tw_write_events',
    text: INSERT_EVENTS,
    values: [JSON.stringify(rows.map(eventInput))],
  });
  const byId = new Map(written.map((w) => [w.event_id, w]));
  const records = rows.map((r) => {
    // PostgreSQL answers a uuid in lower case, whatever case it was given in.
    const w = byId.get(r.spec.eventId.toLowerCase());
    if (!w) throw new Error('event insert returned no row');
    const occurredAt = w.occurred_at;
    return {
      pk: w.pk,
      eventId: r.spec.eventId,
      entityPk: r.entityPk,
      type: r.type,
      occurredAt,
      actor: { ...r.spec.actor },
      requestId: r.spec.requestId,
      reason: r.spec.reason,
      tokenCount: r.tokenIds.length,
      details: r.spec.details ?? null,
      completedAt: r.complete ? occurredAt : null,
    } satisfies EventRecord;
  });
  const targets = records.flatMap((e, i) => (rows[i] as PgEventRow).tokenIds.map((id) => [e.entityPk, id, e.pk] as const));
  if (targets.length > 0) await addTargets(db, targets);
  return records;
}

/** Adds tokens to an event written earlier (a revocation by filter, batch by batch). */
export async function appendTargets(db: Queryable, entityPk: number, eventPk: number, tokenIds: readonly string[]): Promise<void> {
  if (tokenIds.length === 0) return;
  await addTargets(
    db,
    tokenIds.map((id) => [entityPk, id, eventPk] as const),
  );
  await db.query({
    name: 'tw_event_count',
    text: 'UPDATE token_events SET token_count = token_count + $1 WHERE pk = $2 AND entity_pk = $3',
    values: [tokenIds.length, eventPk, entityPk],
  });
}

/** Target rows (entity, token, event); a token already recorded for the event is kept once. */
export async function addTargets(db: Queryable, targets: readonly (readonly [number, string, number])[]): Promise<void> {
  await db.query({
    name: 'tw_event_targets',
    text: 'INSERT INTO token_event_targets (entity_pk, token_id, event_pk) SELECT * FROM unnest($1::int[], $2::uuid[], $3::bigint[]) ON CONFLICT DO NOTHING',
    values: [targets.map((t) => t[0]), targets.map((t) => t[1]), targets.map((t) => t[2])],
  });
}

/**
 * The audit trail in PostgreSQL. Listings are appended in groups (one INSERT for all that
 * arrived while the previous one was written: see `TurnBatch`), each caller resuming after
 * the commit; issuance and revocation events are written by the token store in the
 * transaction of the change.
 */
export class PgEventStore implements EventStore {
  private readonly batch: TurnBatch<PgEventRow, EventRecord>;
  private readonly listQueries = new Map<string, { name: string; text: string; params: EventParam[] }>();

  constructor(
    private readonly pool: pg.Pool,
    /** A clock of the process (tests); the database's clock when absent. */
    private readonly clock?: Clock,
  ) {
    this.batch = new TurnBatch((rows) => guarded(() => writeEvents(this.pool, rows)));
  }

  append(entityPk: number, type: EventType, spec: EventSpec): Promise<EventRecord> {
    return this.batch.add({ entityPk, type, spec, occurredAt: this.clock?.nowMicros() ?? null, tokenIds: [], complete: true });
  }

  list(entityPk: number, q: EventQuery): Promise<EventRecord[]> {
    return guarded(async () => {
      const key = eventShapeKey(q);
      let query = this.listQueries.get(key);
      if (!query) {
        const params: EventParam[] = [];
        const param = (name: EventParam) => {
          let i = params.indexOf(name);
          if (i < 0) i = params.push(name) - 1;
          return `$${i + 1}`;
        };
        const where = eventConditions(q, param, () => `SELECT unnest(${param('types')}::text[])`);
        const text = `SELECT ${EVENT_COLUMNS} FROM token_events e WHERE ${where.join(' AND ')} ORDER BY e.pk DESC LIMIT ${param('limit')}`;
        query = { name: `tw_events ${key}`, text, params };
        this.listQueries.set(key, query);
      }
      const { rows } = await this.pool.query<unknown[]>({
        name: query.name,
        text: query.text,
        values: query.params.map((p) => eventParamValue(entityPk, q, p)),
        rowMode: 'array',
      });
      return rows.map((r) => eventFromRow(entityPk, r));
    });
  }

  begin(entityPk: number, spec: EventSpec & { idempotencyKey: string; fingerprint: string }) {
    return guarded(async () => {
      const { idempotencyKey, fingerprint, ...event } = spec;
      const existing = () => this.findByKey(entityPk, idempotencyKey);
      const found = await existing();
      if (found) return { ...found, created: false };
      try {
        const [record] = await writeEvents(this.pool, [
          {
            entityPk,
            type: 'TOKENS_REVOKED_BY_FILTER',
            spec: event,
            occurredAt: this.clock?.nowMicros() ?? null,
            tokenIds: [],
            complete: false,
            idempotency: { key: idempotencyKey, fingerprint },
          },
        ]);
        return { event: record as EventRecord, fingerprint, created: true };
      } catch (error) {
        // Another replica started it with the same key a moment ago: that one.
        const raced = (error as { code?: unknown }).code === '23505' ? await existing() : undefined;
        if (raced) return { ...raced, created: false };
        throw error;
      }
    });
  }

  findByKey(entityPk: number, idempotencyKey: string): Promise<{ event: EventRecord; fingerprint: string } | undefined> {
    return guarded(async () => {
      const { rows } = await this.pool.query<unknown[]>({
        name: 'tw_event_by_key',
        text: `SELECT ${EVENT_COLUMNS}, e.fingerprint FROM token_events e WHERE e.entity_pk = $1 AND e.idempotency_key = $2`,
        values: [entityPk, idempotencyKey],
        rowMode: 'array',
      });
      const row = rows[0];
      return row ? { event: eventFromRow(entityPk, row), fingerprint: row[12] as string } : undefined;
    });
  }

  complete(entityPk: number, eventPk: number): Promise<void> {
    return guarded(async () => {
      await this.pool.query({
        name: 'tw_event_complete',
        text: 'UPDATE token_events SET completed_at = COALESCE($1, tw_now_micros()) WHERE pk = $2 AND entity_pk = $3 AND completed_at IS NULL',
        values: [this.clock?.nowMicros() ?? null, eventPk, entityPk],
      });
    });
  }

  get(entityPk: number, eventId: string): Promise<EventRecord | undefined> {
    return guarded(async () => {
      if (!isUuid(eventId)) return undefined;
      const { rows } = await this.pool.query<unknown[]>({
        name: 'tw_event_by_id',
        text: `SELECT ${EVENT_COLUMNS} FROM token_events e WHERE e.entity_pk = $1 AND e.event_id = $2`,
        values: [entityPk, eventId],
        rowMode: 'array',
      });
      return rows[0] ? eventFromRow(entityPk, rows[0]) : undefined;
    });
  }

  targets(entityPk: number, eventPk: number, limit: number, after?: string): Promise<string[]> {
    return guarded(async () => {
      const { rows } = await this.pool.query<{ token_id: string }>({
        name: 'tw_event_targets_after',
        text: 'SELECT token_id FROM token_event_targets WHERE event_pk = $1 AND entity_pk = $2 AND token_id > $3::uuid ORDER BY token_id LIMIT $4',
        values: [eventPk, entityPk, after || '00000000-0000-0000-0000-000000000000', limit],
      });
      return rows.map((r) => r.token_id);
    });
  }

  firstTargets(entityPk: number, eventPks: readonly number[], limit: number): Promise<Map<number, string[]>> {
    return guarded(async () => {
      const found = new Map<number, string[]>(eventPks.map((pk) => [pk, []]));
      if (eventPks.length === 0) return found;
      const { rows } = await this.pool.query<{ pk: number; token_id: string }>({
        name: 'tw_event_first_targets',
        text:
          'SELECT e.pk, t.token_id FROM unnest($1::bigint[]) AS e(pk) CROSS JOIN LATERAL ' +
          '(SELECT g.token_id FROM token_event_targets g WHERE g.event_pk = e.pk AND g.entity_pk = $2 ORDER BY g.token_id LIMIT $3) t',
        values: [eventPks, entityPk, limit],
      });
      for (const r of rows) found.get(r.pk)?.push(r.token_id);
      return found;
    });
  }
}
