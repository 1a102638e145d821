import type { EventType, Micros } from '@tokenwarden/contracts';
import Database, { type Statement } from 'better-sqlite3';
import type { Clock } from '../clock.js';
import { EVENT_COLUMNS, eventConditions, eventFromRow, eventParamValue, eventShapeKey, storedSpec, type EventParam } from '../events.js';
import { DuplicateKeyError, type EventQuery, type EventRecord, type EventSpec, type EventStore } from '../store.js';
import { TurnBatch } from '../turn-batch.js';
import { BUSY_TIMEOUT_MS, settle, translateSqliteError } from './client.js';

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

/** The columns token_events and token_event_journal share, in order; each is bound by its own name. */
const FACT_COLUMNS = [
  'pk',
  'entity_pk',
  'event_id',
  'type',
  'occurred_at',
  'actor_token_id',
  'actor_client_id',
  'actor_user_id',
  'request_id',
  'reason',
  'details',
];
const FACTS = FACT_COLUMNS.join(', ');
const FACT_PARAMS = FACT_COLUMNS.map((c) => `@${c}`).join(', ');

/** Rows the journal folds into token_events in one transaction, at most. */
export const FOLD_BATCH = 5_000;

/**
 * Writes events and their targets on one connection, inside the caller's transaction
 * when there is one (a token and its event commit together).
 *
 * An event complete when written that touched one token at most (a listing, the issuance
 * or revocation of a token: nearly every event) goes to token_event_journal: one short
 * row on the last page of a table with one index, where an event row costs seven index
 * entries and a target row, two of them at random places (the event id; the token id).
 * `fold` moves journaled rows into token_events in bulk. Every event, journaled or not,
 * takes its pk here, past the largest of both tables, inside the write transaction (which
 * holds the database's write lock): pks follow the order of commit, the trail (newest pk
 * first) reads in that order once folded, and the pk a caller gets is the event's for good.
 */
export class SqliteEventWriter {
  private readonly insertEvent: Statement;
  private readonly insertJournal: Statement;
  private readonly insertTarget: Statement<[number, string, number]>;
  private readonly addCount: Statement<[number, number, number]>;
  private readonly lastPk: Statement<[], number>;
  private readonly lastJournalPk: Statement<[], number | null>;
  private readonly foldUpTo: Statement<[number], number | null>;
  private readonly foldEvents: Statement<[number]>;
  private readonly foldTargets: Statement<[number]>;
  private readonly clearJournal: Statement<[number]>;
  private readonly idInEvents: Statement<[string], number>;
  private readonly idInJournal: Statement<[string], number>;

  constructor(sqlite: Sqlite) {
    // An event id is unique across both tables (each table's unique index, and these looks
    // at the other): a journaled row can always be folded.
    this.idInEvents = sqlite.prepare<[string], number>('SELECT 1 FROM token_events WHERE event_id = ?').pluck();
    this.idInJournal = sqlite.prepare<[string], number>('SELECT 1 FROM token_event_journal WHERE event_id = ?').pluck();
    this.addCount = sqlite.prepare('UPDATE token_events SET token_count = token_count + ? WHERE pk = ? AND entity_pk = ?');
    this.insertEvent = sqlite.prepare(
      `INSERT INTO token_events (${FACTS}, token_count, completed_at, idempotency_key, fingerprint) ` +
        `VALUES (${FACT_PARAMS}, @token_count, @completed_at, @idempotency_key, @fingerprint)`,
    );
    this.insertJournal = sqlite.prepare(`INSERT INTO token_event_journal (${FACTS}, token_id) VALUES (${FACT_PARAMS}, @token_id)`);
    this.insertTarget = sqlite.prepare('INSERT OR IGNORE INTO token_event_targets (entity_pk, token_id, event_pk) VALUES (?, ?, ?)');
    this.lastPk = sqlite
      .prepare<[], number>('SELECT max(coalesce((SELECT max(pk) FROM token_events), 0), coalesce((SELECT max(pk) FROM token_event_journal), 0))')
      .pluck();
    this.lastJournalPk = sqlite.prepare<[], number | null>('SELECT max(pk) FROM token_event_journal').pluck();
    this.foldUpTo = sqlite.prepare<[number], number | null>('SELECT max(pk) FROM (SELECT pk FROM token_event_journal ORDER BY pk LIMIT ?)').pluck();
    this.foldEvents = sqlite.prepare(
      `INSERT INTO token_events (${FACTS}, token_count, completed_at) ` +
        `SELECT ${FACTS}, token_id IS NOT NULL, occurred_at ` +
        'FROM token_event_journal WHERE pk <= ? ORDER BY pk',
    );
    this.foldTargets = sqlite.prepare(
      'INSERT OR IGNORE INTO token_event_targets (entity_pk, token_id, event_pk) ' +
        'SELECT entity_pk, token_id, pk FROM token_event_journal WHERE pk <= ? AND token_id IS NOT NULL',
    );
    this.clearJournal = sqlite.prepare('DELETE FROM token_event_journal WHERE pk <= ?');
  }

  /**
   * Writes the events (each journaled, or with one target row per token), in order; returns
   * their records. Inside a write transaction that has the write lock (IMMEDIATE, or after
   * a write): their pks follow the largest in either table when it starts.
   */
  write(events: readonly EventRow[]): EventRecord[] {
    if (events.length === 0) return [];
    let pk = this.lastPk.get() ?? 0;
    return events.map((e) => this.writeOne(e, ++pk));
  }

  private writeOne(e: EventRow, pk: number): EventRecord {
    const spec = storedSpec(e.spec);
    const journaled = e.tokenIds.length <= 1 && e.completedAt === e.occurredAt && e.idempotency === undefined;
    if ((journaled ? this.idInEvents : this.idInJournal).get(spec.eventId) !== undefined) throw new DuplicateKeyError('event_id');
    const facts = {
      pk,
      entity_pk: e.entityPk,
      event_id: spec.eventId,
      type: e.type,
      occurred_at: e.occurredAt,
      actor_token_id: spec.actor.tokenId,
      actor_client_id: spec.actor.clientId,
      actor_user_id: spec.actor.userId,
      request_id: spec.requestId,
      reason: spec.reason,
      details: spec.details === undefined ? null : JSON.stringify(spec.details),
    };
    if (journaled) {
      this.insertJournal.run({ ...facts, token_id: e.tokenIds[0] ?? null });
    } else {
      this.insertEvent.run({
        ...facts,
        token_count: e.tokenIds.length,
        completed_at: e.completedAt,
        idempotency_key: e.idempotency?.key ?? null,
        fingerprint: e.idempotency?.fingerprint ?? null,
      });
      for (const id of e.tokenIds) this.insertTarget.run(e.entityPk, id, pk);
    }
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

  /** Whether journaled events wait to be folded. */
  journaled(): boolean {
    return this.lastJournalPk.get() != null;
  }

  /** Folds the oldest journaled events (at most `limit`) into token_events; how many. Inside a write transaction. */
  fold(limit = FOLD_BATCH): number {
    const upTo = this.foldUpTo.get(limit);
    if (upTo == null) return 0;
    const moved = this.foldEvents.run(upTo).changes;
    this.foldTargets.run(upTo);
    this.clearJournal.run(upTo);
    return moved;
  }
}

/** How often the journal is folded into token_events while events arrive (and before any read of the trail). */
export const FOLD_INTERVAL_MS = 100;

/**
 * The audit trail in SQLite. Events that change no token (listings, one per walk of the
 * list) are appended on a connection of their own with `synchronous = NORMAL`, grouped per
 * turn of the event loop: a commit there costs no disk sync on the request thread (in WAL
 * mode it still survives a crash of the process; only an OS crash or power loss can lose
 * the last ones), and each caller resumes only after its event committed. Events of
 * issuance and revocation are written by the token store, in the transaction of the change.
 *
 * Most events are journaled (see `SqliteEventWriter`): this store folds the journal into
 * token_events every FOLD_INTERVAL_MS, FOLD_BATCH rows a transaction, and wholly before
 * each read, so a read sees every event committed before it. A fold moves rows in one
 * transaction: a crash before its commit leaves them journaled, and the next fold (at the
 * latest when the file is opened again) moves them.
 */
export class SqliteEventStore implements EventStore {
  private readonly appendConnection: Sqlite;
  private readonly ownsAppendConnection: boolean;
  private readonly batch: TurnBatch<Pick<EventRow, 'entityPk' | 'type' | 'spec'>, EventRecord>;
  private readonly listStatements = new Map<string, { stmt: Statement; params: EventParam[] }>();
  private readonly byId: Statement<[number, string], unknown[]>;
  private readonly targetsAfter: Statement<[number, number, string, number], string>;
  private readonly beginTx: Database.Transaction<
    (
      entityPk: number,
      spec: EventSpec & { idempotencyKey: string; fingerprint: string },
    ) => {
      event: EventRecord;
      fingerprint: string;
      created: boolean;
    }
  >;
  private readonly completeStmt: Statement<[number, number, number]>;
  private readonly byKey: (entityPk: number, key: string) => { event: EventRecord; fingerprint: string } | undefined;
  private readonly foldTx: () => number;
  private readonly journaled: () => boolean;
  private readonly folding: NodeJS.Timeout;

  constructor(
    private readonly sqlite: Sqlite,
    file: string,
    private readonly clock: Clock,
  ) {
    this.ownsAppendConnection = file !== ':memory:';
    if (this.ownsAppendConnection) {
      this.appendConnection = new Database(file);
      this.appendConnection.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      this.appendConnection.pragma('synchronous = NORMAL');
      this.appendConnection.pragma('foreign_keys = ON');
    } else {
      this.appendConnection = sqlite;
    }
    const writer = new SqliteEventWriter(this.appendConnection);
    // IMMEDIATE: a pk is read, then written; a deferred transaction could find another process's commit in between.
    const writeAll = this.appendConnection.transaction((rows: Pick<EventRow, 'entityPk' | 'type' | 'spec'>[]) =>
      writer.write(
        rows.map((row) => {
          const now = clock.nowMicros();
          return { ...row, occurredAt: now, completedAt: now, tokenIds: [] };
        }),
      ),
    );
    this.batch = new TurnBatch((rows) => {
      try {
        return writeAll.immediate(rows);
      } catch (error) {
        throw translateSqliteError(error);
      }
    });
    const foldTx = this.appendConnection.transaction(() => writer.fold());
    this.foldTx = () => foldTx.immediate();
    this.journaled = () => writer.journaled();
    this.folding = setInterval(() => this.foldSome(), FOLD_INTERVAL_MS).unref();
    // What a crash left journaled is in the trail from the first read on (each read folds first).
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
      const [record] = mainWriter.write([
        {
          entityPk,
          type: 'TOKENS_REVOKED_BY_FILTER',
          spec: event,
          occurredAt: clock.nowMicros(),
          completedAt: null,
          tokenIds: [],
          idempotency: { key: idempotencyKey, fingerprint },
        },
      ]);
      return { event: record!, fingerprint, created: true };
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

  /**
   * Folds every journaled event into token_events (a read's first step). Should the fold
   * fail (another process holding the write lock past busy_timeout), the read fails with
   * StoreUnavailableError: it would miss committed events.
   */
  private foldAll(): void {
    while (this.journaled()) this.foldTx();
  }

  /** One transaction's worth of the journal, on the timer; a failure waits for the next tick or read. */
  private foldSome(): void {
    if (!this.appendConnection.open || !this.journaled()) return;
    // Never waits for another process's write lock (the event loop would stand still
    // meanwhile): busy, the rows stay journaled, committed, for the next tick or read.
    this.appendConnection.pragma('busy_timeout = 0');
    try {
      this.foldTx();
    } catch {
      // Busy, or the fold failed: the rows stay journaled and the next fold retries them.
    } finally {
      this.appendConnection.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }

  /** A read of the trail: the journal folded first, errors translated (see `foldAll`). */
  private read<T>(work: () => T): Promise<T> {
    return settle(() => {
      this.foldAll();
      return work();
    });
  }

  list(entityPk: number, q: EventQuery): Promise<EventRecord[]> {
    return this.read(() => this.listNow(entityPk, q));
  }

  private listNow(entityPk: number, q: EventQuery): EventRecord[] {
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

  begin(entityPk: number, spec: EventSpec & { idempotencyKey: string; fingerprint: string }) {
    return settle(() => this.beginTx.immediate(entityPk, spec));
  }

  findByKey(entityPk: number, idempotencyKey: string) {
    return settle(() => this.byKey(entityPk, idempotencyKey));
  }

  complete(entityPk: number, eventPk: number): Promise<void> {
    return settle(() => {
      this.completeStmt.run(this.clock.nowMicros(), eventPk, entityPk);
    });
  }

  get(entityPk: number, eventId: string): Promise<EventRecord | undefined> {
    return this.read(() => {
      const row = this.byId.get(entityPk, eventId);
      return row ? eventFromRow(entityPk, row) : undefined;
    });
  }

  targets(entityPk: number, eventPk: number, limit: number, after = ''): Promise<string[]> {
    return this.read(() => this.targetsAfter.all(eventPk, entityPk, after, limit));
  }

  firstTargets(entityPk: number, eventPks: readonly number[], limit: number): Promise<Map<number, string[]>> {
    return this.read(() => new Map(eventPks.map((pk) => [pk, this.targetsAfter.all(pk, entityPk, '', limit)])));
  }

  /** Folds the journal (a file closed cleanly has none), then closes the append connection. */
  close(): void {
    clearInterval(this.folding);
    if (this.appendConnection.open) {
      try {
        this.foldAll();
      } catch {
        // Left journaled, committed: the next open's first read folds it.
      }
    }
    if (this.ownsAppendConnection && this.appendConnection.open) this.appendConnection.close();
  }
}
