import type { EventType, Micros } from '@tokenwarden/contracts';
import Database, { type Statement } from 'better-sqlite3';
import type { Clock } from '../clock.js';
import { EVENT_COLUMNS, eventConditions, eventFromRow, eventParamValue, eventShapeKey, type EventParam } from '../events.js';
import type { EventQuery, EventRecord, EventSpec, EventStore } from '../store.js';
import { TurnBatch } from '../turn-batch.js';

type Sqlite = Database.Database;

/** An event to write: its kind, what it records, when, and the tokens it touched. */
export interface EventRow {
  entityPk: number;
  type: EventType;
  spec: EventSpec;
  occurredAt: Micros;
  tokenIds: readonly string[];
  /** Null for a revocation by filter still running. */
  completedAt: Micros | null;
  /** A revocation by filter: the caller's idempotency key and the fingerprint of its request. */
  idempotency?: { key: string; fingerprint: string };
}

/**
 * Writes events and their targets on one connection, inside the caller's transaction
 * when there is one (a token and its event commit together).
 */
export class SqliteEventWriter {
  private readonly insertEvent: Statement;
  private readonly insertTarget: Statement<[number, string, number]>;
  private readonly addCount: Statement<[number, number, number]>;

  constructor(sqlite: Sqlite) {
    this.addCount = sqlite.prepare('UPDATE token_events SET token_count = token_count + ? WHERE pk = ? AND entity_pk = ?');
    this.insertEvent = sqlite.prepare(
      'INSERT INTO token_events (entity_pk, event_id, type, occurred_at, actor_token_id, actor_client_id, actor_user_id, request_id, reason, token_count, details, completed_at, idempotency_key, fingerprint) ' +
        'VALUES (@entityPk, @eventId, @type, @occurredAt, @actorTokenId, @actorClientId, @actorUserId, @requestId, @reason, @tokenCount, @details, @completedAt, @idempotencyKey, @fingerprint)',
    );
    this.insertTarget = sqlite.prepare('INSERT OR IGNORE INTO token_event_targets (entity_pk, token_id, event_pk) VALUES (?, ?, ?)');
  }

  /** Writes the event and one target row per token; returns its record. */
  write(e: EventRow): EventRecord {
    const { spec } = e;
    const details = spec.details === undefined ? null : JSON.stringify(spec.details);
    const info = this.insertEvent.run({
      entityPk: e.entityPk,
      eventId: spec.eventId,
      type: e.type,
      occurredAt: e.occurredAt,
      actorTokenId: spec.actor.tokenId,
      actorClientId: spec.actor.clientId,
      actorUserId: spec.actor.userId,
      requestId: spec.requestId,
      reason: spec.reason,
      tokenCount: e.tokenIds.length,
      details,
      completedAt: e.completedAt,
      idempotencyKey: e.idempotency?.key ?? null,
      fingerprint: e.idempotency?.fingerprint ?? null,
    });
    const pk = Number(info.lastInsertRowid);
    for (const id of e.tokenIds) this.insertTarget.run(e.entityPk, id, pk);
    return {
      pk,
      eventId: spec.eventId,
      entityPk: e.entityPk,
      type: e.type,
      occurredAt: e.occurredAt,
      actor: { ...spec.actor },
      requestId: spec.requestId,
      reason: spec.reason,
      tokenCount: e.tokenIds.length,
      details: spec.details ?? null,
      completedAt: e.completedAt,
    };
  }

  /** Adds tokens to an event written earlier (a revocation by filter, batch by batch). */
  addTargets(entityPk: number, eventPk: number, tokenIds: readonly string[]): void {
    for (const id of tokenIds) this.insertTarget.run(entityPk, id, eventPk);
    this.addCount.run(tokenIds.length, eventPk, entityPk);
  }
}

/**
 * The audit trail in SQLite. Events that change no token (listings, one per walk of the
 * list) are appended on a connection of their own with `synchronous = NORMAL`, grouped per
 * turn of the event loop: a commit there costs no disk sync on the request thread (in WAL
 * mode it still survives a crash of the process; only an OS crash or power loss can lose
 * the last ones), and each caller resumes only after its event committed. Events of
 * issuance and revocation are written by the token store, in the transaction of the change.
 */
export class SqliteEventStore implements EventStore {
  private readonly appendConnection: Sqlite;
  private readonly ownsAppendConnection: boolean;
  private readonly batch: TurnBatch<Pick<EventRow, 'entityPk' | 'type' | 'spec'>, EventRecord>;
  private readonly listStatements = new Map<string, { stmt: Statement; params: EventParam[] }>();
  private readonly byId: Statement<[number, string], unknown[]>;
  private readonly targetsAfter: Statement<[number, number, string, number], string>;
  private readonly beginTx: (
    entityPk: number,
    spec: EventSpec & { idempotencyKey: string; fingerprint: string },
  ) => {
    event: EventRecord;
    fingerprint: string;
    created: boolean;
  };
  private readonly completeStmt: Statement<[number, number, number]>;
  private readonly byKey: (entityPk: number, key: string) => { event: EventRecord; fingerprint: string } | undefined;

  constructor(
    private readonly sqlite: Sqlite,
    file: string,
    private readonly clock: Clock,
  ) {
    this.ownsAppendConnection = file !== ':memory:';
    if (this.ownsAppendConnection) {
      this.appendConnection = new Database(file);
      this.appendConnection.pragma('busy_timeout = 5000');
      this.appendConnection.pragma('synchronous = NORMAL');
      this.appendConnection.pragma('foreign_keys = ON');
    } else {
      this.appendConnection = sqlite;
    }
    const writer = new SqliteEventWriter(this.appendConnection);
    const writeAll = this.appendConnection.transaction((rows: Pick<EventRow, 'entityPk' | 'type' | 'spec'>[]) =>
      rows.map((row) => {
        const now = clock.nowMicros();
        return writer.write({ ...row, occurredAt: now, completedAt: now, tokenIds: [] });
      }),
    );
    this.batch = new TurnBatch((rows) => writeAll(rows));
    // On the main connection (full sync): a started revocation must survive power loss, as its tokens' revocations do.
    const mainWriter = new SqliteEventWriter(sqlite);
    const byKey = sqlite
      .prepare<[number, string], unknown[]>(
        `SELECT ${EVENT_COLUMNS}, e.fingerprint FROM token_events e WHERE e.entity_pk = ? AND e.idempotency_key = ?`,
      )
      .raw(true);
    this.byKey = (entityPk, key) => {
      const found = byKey.get(entityPk, key);
      return found ? { event: eventFromRow(entityPk, found), fingerprint: found[12] as string } : undefined;
    };
    this.beginTx = sqlite.transaction((entityPk: number, spec: EventSpec & { idempotencyKey: string; fingerprint: string }) => {
      const found = this.byKey(entityPk, spec.idempotencyKey);
      if (found) return { ...found, created: false };
      const { idempotencyKey, fingerprint, ...event } = spec;
      const record = mainWriter.write({
        entityPk,
        type: 'TOKENS_REVOKED_BY_FILTER',
        spec: event,
        occurredAt: clock.nowMicros(),
        completedAt: null,
        tokenIds: [],
        idempotency: { key: idempotencyKey, fingerprint },
      });
      return { event: record, fingerprint, created: true };
    });
    this.completeStmt = sqlite.prepare('UPDATE token_events SET completed_at = ? WHERE pk = ? AND entity_pk = ? AND completed_at IS NULL');
    this.byId = sqlite
      .prepare<[number, string], unknown[]>(`SELECT ${EVENT_COLUMNS} FROM token_events e WHERE e.entity_pk = ? AND e.event_id = ?`)
      .raw(true);
    this.targetsAfter = sqlite
      .prepare<[number, number, string, number], string>(
        'SELECT token_id FROM token_event_targets INDEXED BY token_event_targets_event ' +
          'WHERE event_pk = ? AND entity_pk = ? AND token_id > ? ORDER BY token_id LIMIT ?',
      )
      .pluck();
  }

  append(entityPk: number, type: EventType, spec: EventSpec): Promise<EventRecord> {
    return this.batch.add({ entityPk, type, spec });
  }

  async list(entityPk: number, q: EventQuery): Promise<EventRecord[]> {
    const key = eventShapeKey(q);
    let entry = this.listStatements.get(key);
    if (!entry) {
      const params: EventParam[] = [];
      const param = (name: EventParam) => {
        if (!params.includes(name)) params.push(name);
        return `@${name}`;
      };
      const where = eventConditions(q, param, () => `SELECT value FROM json_each(${param('types')})`);
      const sql = `SELECT ${EVENT_COLUMNS} FROM token_events e WHERE ${where.join(' AND ')} ORDER BY e.pk DESC LIMIT ${param('limit')}`;
      entry = { stmt: this.sqlite.prepare(sql).raw(true), params };
      this.listStatements.set(key, entry);
    }
    const values: Record<string, unknown> = {};
    for (const name of entry.params) {
      const v = eventParamValue(entityPk, q, name);
      values[name] = name === 'types' ? JSON.stringify(v) : v;
    }
    return (entry.stmt.all(values) as unknown[][]).map((r) => eventFromRow(entityPk, r));
  }

  async begin(entityPk: number, spec: EventSpec & { idempotencyKey: string; fingerprint: string }) {
    return this.beginTx(entityPk, spec);
  }

  async findByKey(entityPk: number, idempotencyKey: string) {
    return this.byKey(entityPk, idempotencyKey);
  }

  async complete(entityPk: number, eventPk: number): Promise<void> {
    this.completeStmt.run(this.clock.nowMicros(), eventPk, entityPk);
  }

  async get(entityPk: number, eventId: string): Promise<EventRecord | undefined> {
    const row = this.byId.get(entityPk, eventId);
    return row ? eventFromRow(entityPk, row) : undefined;
  }

  async targets(entityPk: number, eventPk: number, limit: number, after = ''): Promise<string[]> {
    return this.targetsAfter.all(eventPk, entityPk, after, limit);
  }

  async firstTargets(entityPk: number, eventPks: readonly number[], limit: number): Promise<Map<number, string[]>> {
    return new Map(eventPks.map((pk) => [pk, this.targetsAfter.all(pk, entityPk, '', limit)]));
  }

  close(): void {
    if (this.ownsAppendConnection && this.appendConnection.open) this.appendConnection.close();
  }
}
