import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type EventSpec, manualClock, type Store } from '@tokenwarden/db';
import { FOLD_BATCH, SqliteEventWriter } from '@tokenwarden/db/sqlite/event-store';
import { openSqliteStore } from '@tokenwarden/db/sqlite/store';
import { issueEvent, newSpec, revocation } from './helpers.js';

/**
 * The SQLite trail's journal (the `sqlite` project only): most events are appended to
 * token_event_journal and folded into token_events later, on a timer or before a read.
 * What a reader sees must not depend on when the fold ran: every committed event, under
 * the pk it was given, in the order of commit, and nothing lost to a crash in between.
 */

const T0 = 1_800_000_000_000_000;

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tw-journal-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'tokens.db');
}

async function open(file: string): Promise<Store> {
  const store = openSqliteStore(file, { clock: manualClock(T0), counts: 'inline' });
  onTestFinished(() => store.close());
  return store;
}

/** A raw connection beside the store's, to look at the two tables. */
function raw(file: string) {
  const db = new Database(file, { readonly: true });
  onTestFinished(() => {
    db.close();
  });
  const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  return { journal: () => count('token_event_journal'), events: () => count('token_events') };
}

const listing = (i: number): EventSpec => ({
  eventId: randomUUID(),
  actor: { tokenId: randomUUID(), clientId: 'auditor', userId: null },
  requestId: `req-${i}`,
  reason: null,
  details: { i },
});

describe('the SQLite event journal', () => {
  it('journals listings and single-token events, and a read sees them before any fold', async () => {
    const file = tempFile();
    const store = await open(file);
    const e = (await store.directory.createEntity({ entityId: randomUUID(), name: 'E', createdAt: 0 })).pk;
    const t = await store.tokens.issue(newSpec(e), issueEvent());
    const appended = await store.events.append(e, 'TOKENS_LISTED', listing(1));
    const look = raw(file);
    // Written, committed, not yet folded (the timer's first tick is 100 ms away at the soonest).
    expect(look.journal()).toBe(2);
    expect(look.events()).toBe(0);
    const trail = await store.events.list(e, { limit: 10 });
    expect(trail.map((x) => x.type)).toEqual(['TOKENS_LISTED', 'TOKEN_ISSUED']);
    expect(trail[0]).toEqual(appended);
    expect(await store.events.targets(e, trail[1]!.pk, 10)).toEqual([t.tokenId]);
    expect(look.journal()).toBe(0);
    expect(look.events()).toBe(2);
  });

  it('gives pks in the order of commit when journaled and direct writes mix', async () => {
    const file = tempFile();
    const store = await open(file);
    const e = (await store.directory.createEntity({ entityId: randomUUID(), name: 'E', createdAt: 0 })).pk;
    const a = await store.tokens.issue(newSpec(e), issueEvent());
    // A revocation by filter is written directly to token_events (it is not complete when written).
    const begun = await store.events.begin(e, { ...revocation(), idempotencyKey: 'k1', fingerprint: 'f1' });
    const listed = await store.events.append(e, 'TOKENS_LISTED', listing(2));
    expect(await store.tokens.revoke(e, a.tokenId, revocation())).toBe('revoked');
    const trail = await store.events.list(e, { limit: 10 });
    expect(trail.map((x) => x.type)).toEqual(['TOKEN_REVOKED', 'TOKENS_LISTED', 'TOKENS_REVOKED_BY_FILTER', 'TOKEN_ISSUED']);
    expect(trail[1]!.pk).toBe(listed.pk);
    expect(trail[2]!.pk).toBe(begun.event.pk);
    const pks = trail.map((x) => x.pk);
    expect(pks).toEqual([...pks].sort((x, y) => y - x));
    expect(new Set(pks).size).toBe(4);
  });

  it('refuses an event id already used in the other table', async () => {
    const file = tempFile();
    const store = await open(file);
    const e = (await store.directory.createEntity({ entityId: randomUUID(), name: 'E', createdAt: 0 })).pk;
    // Journaled, then direct with the same id: refused.
    const journaledId = randomUUID();
    await store.events.append(e, 'TOKENS_LISTED', { ...listing(1), eventId: journaledId });
    await expect(store.events.begin(e, { ...revocation({ eventId: journaledId }), idempotencyKey: 'k', fingerprint: 'f' })).rejects.toThrow(
      /event_id/,
    );
    // Direct, then journaled with the same id: refused, and the token with it.
    const directId = randomUUID();
    await store.events.begin(e, { ...revocation({ eventId: directId }), idempotencyKey: 'k2', fingerprint: 'f' });
    const spec = newSpec(e);
    await expect(store.tokens.issue(spec, { eventId: directId, requestId: null })).rejects.toThrow();
    expect(await store.tokens.get(e, spec.tokenId)).toBeUndefined();
    const trail = await store.events.list(e, { limit: 10 });
    expect(trail.map((x) => x.eventId)).toEqual([directId, journaledId]);
  });

  it('folds in transactions of FOLD_BATCH rows, oldest first, targets with their events', () => {
    const db = new Database(':memory:');
    onTestFinished(() => {
      db.close();
    });
    db.exec(`CREATE TABLE token_events (pk INTEGER PRIMARY KEY, entity_pk INTEGER NOT NULL, event_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
      occurred_at INTEGER NOT NULL, actor_token_id TEXT, actor_client_id TEXT, actor_user_id TEXT, request_id TEXT, reason TEXT,
      token_count INTEGER NOT NULL, details TEXT, completed_at INTEGER, idempotency_key TEXT, fingerprint TEXT);
      CREATE TABLE token_event_targets (entity_pk INTEGER NOT NULL, token_id TEXT NOT NULL, event_pk INTEGER NOT NULL, PRIMARY KEY (entity_pk, token_id, event_pk));
      CREATE TABLE token_event_journal (pk INTEGER PRIMARY KEY, entity_pk INTEGER NOT NULL, event_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
      occurred_at INTEGER NOT NULL, actor_token_id TEXT, actor_client_id TEXT, actor_user_id TEXT, request_id TEXT, reason TEXT, details TEXT, token_id TEXT);`);
    const writer = new SqliteEventWriter(db);
    const n = FOLD_BATCH * 2 + 7;
    const written = db.transaction(() =>
      writer.write(
        Array.from({ length: n }, (_, i) => ({
          entityPk: 1,
          type: i % 2 ? ('TOKENS_LISTED' as const) : ('TOKEN_ISSUED' as const),
          spec: listing(i),
          occurredAt: T0 + i,
          completedAt: T0 + i,
          tokenIds: i % 2 ? [] : [`token-${i}`],
        })),
      ),
    )();
    expect(written.map((w) => w.pk)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const count = (t: string) => db.prepare(`SELECT count(*) FROM ${t}`).pluck().get();
    expect(writer.journaled()).toBe(true);
    expect(db.transaction(() => writer.fold())()).toBe(FOLD_BATCH);
    expect(count('token_event_journal')).toBe(n - FOLD_BATCH);
    expect(db.prepare('SELECT max(pk) FROM token_events').pluck().get()).toBe(FOLD_BATCH);
    expect(db.transaction(() => writer.fold())()).toBe(FOLD_BATCH);
    expect(db.transaction(() => writer.fold())()).toBe(7);
    expect(writer.journaled()).toBe(false);
    expect(db.transaction(() => writer.fold())()).toBe(0);
    expect(count('token_events')).toBe(n);
    expect(count('token_event_targets')).toBe(Math.ceil(n / 2));
    const row = db.prepare('SELECT token_count, completed_at, occurred_at, details FROM token_events WHERE pk = 3').get();
    expect(row).toEqual({ token_count: 1, completed_at: T0 + 2, occurred_at: T0 + 2, details: '{"i":2}' });
    expect(db.prepare('SELECT event_pk FROM token_event_targets WHERE token_id = ?').pluck().get('token-2')).toBe(3);
    // After the fold, the next pk follows token_events' largest.
    const [next] = db.transaction(() =>
      writer.write([{ entityPk: 1, type: 'TOKENS_LISTED', spec: listing(0), occurredAt: T0, completedAt: T0, tokenIds: [] }]),
    )();
    expect(next!.pk).toBe(n + 1);
  });

  it('leaves the journal empty after a clean close', async () => {
    const file = tempFile();
    const store = openSqliteStore(file, { clock: manualClock(T0), counts: 'inline' });
    const e = (await store.directory.createEntity({ entityId: randomUUID(), name: 'E', createdAt: 0 })).pk;
    await Promise.all(Array.from({ length: 30 }, (_, i) => store.events.append(e, 'TOKENS_LISTED', listing(i))));
    await store.close();
    const look = raw(file);
    expect(look.journal()).toBe(0);
    expect(look.events()).toBe(30);
  });

  it('loses no committed event when the process is killed before the fold, and keeps every pk', async () => {
    const file = tempFile();
    // A process of its own writes, then kills itself (SIGKILL: no handler, no close) in the
    // same turn as its last write resolved, before the fold timer can run again.
    const child = `
      import { randomUUID } from 'node:crypto';
      import Database from 'better-sqlite3';
      import { openSqliteStore } from '@tokenwarden/db/sqlite/store';
      const store = openSqliteStore(${JSON.stringify(file)}, { counts: 'inline' });
      const e = (await store.directory.createEntity({ entityId: randomUUID(), name: 'E', createdAt: 0 })).pk;
      const records = [];
      for (let round = 0; round < 3; round++) {
        const issued = await Promise.all(Array.from({ length: 5 }, () => store.tokens.issue({
          entityPk: e, tokenId: randomUUID(), tokenHash: Buffer.from(randomUUID().replaceAll('-', ''), 'hex'), clientId: 'c', userId: null,
          accountId: null, grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS', roles: [], scopes: ['iam.oauth.*'], lifetimeMicros: 3600000000,
        }, { eventId: randomUUID(), requestId: 'issue-' + round })));
        const listed = await Promise.all(Array.from({ length: 4 }, (_, i) => store.events.append(e, 'TOKENS_LISTED', {
          eventId: randomUUID(), actor: { tokenId: null, clientId: 'auditor', userId: null }, requestId: 'list-' + round + '-' + i, reason: null,
        })));
        records.push(...listed.map((l) => ({ pk: l.pk, eventId: l.eventId })));
        records.push(...issued.map((t) => ({ tokenId: t.tokenId })));
      }
      const journal = new Database(${JSON.stringify(file)}, { readonly: true }).prepare('SELECT count(*) FROM token_event_journal').pluck().get();
      process.stdout.write(JSON.stringify({ entityPk: e, records, journal }));
      process.kill(process.pid, 'SIGKILL');
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', child], { cwd: import.meta.dirname, encoding: 'utf8', timeout: 30_000 });
    expect(run.signal).toBe('SIGKILL');
    const out = JSON.parse(run.stdout) as {
      entityPk: number;
      journal: number;
      records: ({ pk: number; eventId: string } | { tokenId: string })[];
    };
    // The process died with events journaled, not folded.
    expect(out.journal).toBeGreaterThanOrEqual(4);
    expect(raw(file).journal()).toBe(out.journal);
    const store = await open(file);
    const trail = await store.events.list(out.entityPk, { limit: 100 });
    expect(trail).toHaveLength(27);
    const byId = new Map(trail.map((x) => [x.eventId, x]));
    const tokenIds = new Set<string>();
    for (const r of out.records) {
      if ('pk' in r) expect(byId.get(r.eventId)?.pk).toBe(r.pk);
      else tokenIds.add(r.tokenId);
    }
    const issued = trail.filter((x) => x.type === 'TOKEN_ISSUED');
    expect(issued).toHaveLength(15);
    const targets = (await Promise.all(issued.map((x) => store.events.targets(out.entityPk, x.pk, 10)))).flat();
    expect(new Set(targets)).toEqual(tokenIds);
    // Newest first, in the order the child committed: round by round, issuances before listings.
    expect(trail.map((x) => x.requestId?.split('-').slice(0, 2).join('-')).reverse()).toEqual(
      [0, 1, 2].flatMap((round) => [...Array(5).fill(`issue-${round}`), ...Array(4).fill(`list-${round}`)]),
    );
    expect(raw(file).journal()).toBe(0);
  });

  it('never stalls the event loop on the timer while another process holds the write lock', async () => {
    const file = tempFile();
    const store = await open(file);
    const e = (await store.directory.createEntity({ entityId: randomUUID(), name: 'E', createdAt: 0 })).pk;
    await store.events.append(e, 'TOKENS_LISTED', listing(1));
    // Another process's write transaction (an admin purge, say) holds the lock for 400 ms.
    const other = new Database(file);
    onTestFinished(() => {
      other.close();
    });
    other.exec('BEGIN IMMEDIATE');
    let ticks = 0;
    const ticking = setInterval(() => ticks++, 10);
    await new Promise((resolve) => setTimeout(resolve, 400));
    clearInterval(ticking);
    other.exec('COMMIT');
    // Four fold ticks found the lock taken and gave up at once: the loop kept turning.
    expect(ticks).toBeGreaterThan(20);
    expect(raw(file).journal()).toBe(1);
    expect((await store.events.list(e, { limit: 10 })).map((x) => x.requestId)).toEqual(['req-1']);
    expect(raw(file).journal()).toBe(0);
  });
});
