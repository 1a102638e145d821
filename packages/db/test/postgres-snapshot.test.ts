import { describe, expect, it, onTestFinished } from 'vitest';
import type { Micros } from '@tokenwarden/contracts';
import { manualClock, type Store, type TokenRecord } from '@tokenwarden/db';
import { openPostgresStore } from '@tokenwarden/db/postgres/store';
import { SNAPSHOT_LOCK } from '@tokenwarden/db/postgres/client';
import { createTestDatabase } from '@tokenwarden/db/testing/postgres-server';
import { testPostgres } from '@tokenwarden/db/testing/test-store';
import pg from 'pg';
import { newSpec, pgQuery, rng, sleep, issueEvent } from './helpers.js';

/**
 * The snapshot clock of drizzle/postgres/0001_snapshot_clock.sql, on the database's own
 * clock (no test clock), with two stores on one database as two replicas would be: however
 * issue() and snapshot() race, a bound selects exactly the tokens created at or before it,
 * all of them visible as soon as the bound is returned (the `postgres` project only).
 */

interface Observation {
  bound: Micros;
  ids: string[];
  count: number;
  roleCount: number;
}

/** Stores on one fresh database, one per pool size given. */
async function replicas(...max: number[]): Promise<{ stores: Store[]; url: string }> {
  const db = await createTestDatabase((await testPostgres()).url);
  onTestFinished(() => db.drop());
  // Hundreds of operations are queued at once on purpose: waiting for a connection is not unavailability here.
  const stores = await Promise.all(max.map((m) => openPostgresStore(db.url, { max: m, connectionTimeoutMillis: 60_000 })));
  onTestFinished(() => Promise.all(stores.map((s) => s.close())).then(() => undefined));
  return { stores, url: db.url };
}

/** How many sessions of the client's database wait for a lock now. */
async function lockWaiters(client: pg.Client): Promise<number> {
  const { rows } = await client.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
  return rows.length;
}

/** Waits until `n` sessions of the client's database wait for a lock, or `done()`. */
async function waitForLockWaiters(client: pg.Client, n: number, done: () => boolean = () => false): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if ((await lockWaiters(client)) >= n || done()) return;
    await sleep(5);
  }
  throw new Error(`never ${n} sessions waiting for a lock`);
}

/**
 * An issuance of a token of `e` (role R) held between reading its created_at and committing:
 * the test holds a lock that each token insert waits on, after tw_issue_token read the clock.
 * Resolves once the issuance waits; `release()` lets it commit.
 */
async function gatedIssuance(url: string, writer: Store, e: number) {
  const gate = new pg.Client({ connectionString: url });
  gate.on('error', () => {});
  await gate.connect();
  onTestFinished(() => gate.end().catch(() => {}));
  await gate.query('SELECT pg_advisory_lock(4242)');
  await pgQuery(
    url,
    'CREATE FUNCTION test_gate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN NEW; END $$',
  );
  await pgQuery(url, 'CREATE TRIGGER test_gate AFTER INSERT ON tokens FOR EACH ROW EXECUTE FUNCTION test_gate()');
  const issuing = writer.tokens.issue(newSpec(e, { roles: ['R'] }), issueEvent());
  await waitForLockWaiters(gate, 1);
  return { gate, issuing, release: () => gate.query('SELECT pg_advisory_unlock(4242)') };
}

describe('snapshot clock (PostgreSQL)', () => {
  it('racing issue() and snapshot(): a bound sees every token created at or before it, and later tokens are created after it', async () => {
    // Two replicas issue a storm of tokens; four observers (stores of their own, so that
    // a list query finds a connection at once: "right after" the bound, not queued
    // behind the storm) each take snapshots in a loop and list at each bound.
    const { stores, url } = await replicas(12, 12, 4, 4, 4, 4);
    const writers = stores.slice(0, 2);
    const observers = stores.slice(2);
    // Slow commits (a busy disk): each token row takes 50 ms between its created_at being
    // read and its transaction committing, the window a snapshot must not fall into unseen.
    await pgQuery(url, 'CREATE FUNCTION test_slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.05); RETURN NEW; END $$');
    await pgQuery(url, 'CREATE TRIGGER test_slow_insert AFTER INSERT ON tokens FOR EACH ROW EXECUTE FUNCTION test_slow_insert()');
    const e = (await stores[0]!.directory.createEntity({ entityId: 'e', name: 'E', createdAt: 0 })).pk;
    const f = (await stores[0]!.directory.createEntity({ entityId: 'f', name: 'F', createdAt: 0 })).pk;
    const r = rng(42);
    const issued: TokenRecord[] = [];
    const observations: Observation[] = [];
    const issuedAfter: { bound: Micros; token: TokenRecord }[] = [];
    let storming = true;
    const issue = (store: Store, entityPk: number) =>
      store.tokens.issue(newSpec(entityPk, { roles: r.bool() ? ['R'] : ['S', 'R', 'S'].slice(r.int(0, 2)) }), issueEvent()).then((t) => {
        issued.push(t);
        return t;
      });
    // A token of e to authenticate with: half the observers take their bounds with its lookup.
    const caller = newSpec(e);
    issued.push(await stores[0]!.tokens.issue(caller, issueEvent()));
    const storm = Promise.all(Array.from({ length: 400 }, () => issue(r.pick(writers), r.bool(0.8) ? e : f))).finally(() => {
      storming = false;
    });
    const observe = async (observer: Store, reader: Store, withLookup: boolean) => {
      while (storming) {
        const bound = withLookup ? (await observer.tokens.findByHashWithSnapshot(caller.tokenHash))!.snapshot! : await observer.tokens.snapshot(e);
        const [page, count, roleCount] = await Promise.all([
          reader.tokens.page(e, { filters: {}, snapshot: bound, orderKey: 'created_at', direction: 'DESC', limit: 100_000, offset: 0 }),
          reader.tokens.count(e, {}, bound),
          reader.tokens.count(e, { role: 'R' }, bound),
        ]);
        observations.push({ bound, ids: page.map((t) => t.tokenId), count, roleCount });
      }
    };
    const issueAfterSnapshots = async (store: Store) => {
      while (storming) {
        const bound = await store.tokens.snapshot(e);
        issuedAfter.push({ bound, token: await issue(store, e) });
      }
    };
    await Promise.all([
      storm,
      // the observers list from their own store and from another's (another replica)
      ...observers.map((o, i) => observe(o, i % 2 ? o : observers[(i + 1) % observers.length]!, i >= 2)),
      // and two issue a token after each snapshot they take
      ...observers.slice(0, 2).map(issueAfterSnapshots),
    ]);

    const own = issued.filter((t) => t.entityPk === e);
    expect(own.length).toBeGreaterThan(300);
    expect(observations.length).toBeGreaterThan(20);
    let between = 0;
    for (const o of observations) {
      const expected = own.filter((t) => t.createdAt <= o.bound);
      const message = `bound ${o.bound}`;
      // every token created at or before the bound was already visible, and nothing else
      expect([...o.ids].sort(), message).toEqual(expected.map((t) => t.tokenId).sort());
      expect(o.count, message).toBe(expected.length);
      expect(o.roleCount, message).toBe(expected.filter((t) => t.roles.includes('R')).length);
      if (expected.length > 0 && expected.length < own.length) between++;
    }
    // the race was real: snapshots fell between the first and the last token
    expect(between).toBeGreaterThan(10);
    expect(issuedAfter.length).toBeGreaterThan(5);
    for (const { bound, token } of issuedAfter) expect(token.createdAt).toBeGreaterThan(bound);
    // each bound is settled now, on every replica
    for (const o of observations) {
      for (const store of stores) expect(await store.tokens.isSettled(e, o.bound)).toBe(true);
    }
    // and a list at an old bound selects the same set forever
    for (const o of observations.slice(0, 10)) expect(await writers[1]!.tokens.count(e, {}, o.bound)).toBe(o.count);
  });

  it.each(['snapshot', 'findByHashWithSnapshot'] as const)(
    'a snapshot (%s) waits for a token whose created_at is read but which is not committed yet, then sees it',
    async (way) => {
      const { stores, url } = await replicas(2, 2);
      const [writer, reader] = stores as [Store, Store];
      const e = (await writer.directory.createEntity({ entityId: 'e', name: 'E', createdAt: 0 })).pk;
      const caller = newSpec(e);
      const callerToken = await writer.tokens.issue(caller, issueEvent());
      const take = async () =>
        way === 'snapshot' ? reader.tokens.snapshot(e) : (await reader.tokens.findByHashWithSnapshot(caller.tokenHash))!.snapshot!;
      const { gate, issuing, release } = await gatedIssuance(url, writer, e);
      let bound: Micros | undefined;
      const snapshot = take().then((b) => (bound = b));
      await waitForLockWaiters(gate, 2, () => bound !== undefined);
      await sleep(100);
      expect(bound, 'a snapshot returned while a token created before it was not visible').toBeUndefined();
      await release();
      const token = await issuing;
      await snapshot;
      expect(token.createdAt).toBeLessThanOrEqual(bound!);
      expect(
        (await reader.tokens.page(e, { filters: {}, snapshot: bound!, orderKey: 'created_at', direction: 'DESC', limit: 10, offset: 0 })).map(
          (t) => t.tokenId,
        ),
      ).toEqual([token.tokenId, callerToken.tokenId]);
      expect(await reader.tokens.count(e, { role: 'R' }, bound!)).toBe(1);
    },
  );

  it('lookups that take their bound hold at most half the pool (plus one shared query) behind a slow issuance, and every bound is exact', async () => {
    // A reader with a pool of 10: at most 5 lookups take their own bound at once.
    const { stores, url } = await replicas(2, 10);
    const [writer, reader] = stores as [Store, Store];
    const e = (await writer.directory.createEntity({ entityId: 'e', name: 'E', createdAt: 0 })).pk;
    const caller = newSpec(e);
    const callerToken = await writer.tokens.issue(caller, issueEvent());
    const { gate, issuing, release } = await gatedIssuance(url, writer, e);
    let done = 0;
    const lookups = Array.from({ length: 8 }, () =>
      reader.tokens.findByHashWithSnapshot(caller.tokenHash).then((found) => {
        done += 1;
        return found;
      }),
    );
    // The issuance, 5 lookups in their own statement and 1 shared snapshot query wait; the
    // 2 other lookups wait for that query in the process, holding no connection.
    await waitForLockWaiters(gate, 7);
    await sleep(200);
    expect(await lockWaiters(gate)).toBe(7);
    expect(done).toBe(0);
    await release();
    const token = await issuing;
    for (const found of await Promise.all(lookups)) {
      expect(found?.token.tokenId).toBe(callerToken.tokenId);
      const bound = found!.snapshot!;
      expect(token.createdAt).toBeLessThanOrEqual(bound);
      expect(await reader.tokens.count(e, {}, bound)).toBe(2);
    }
  });

  it('bounds come from the database clock: increasing, near now, and a bound of the future is not settled', async () => {
    const { stores, url } = await replicas(2, 2);
    const [a, b] = stores as [Store, Store];
    const e = (await a.directory.createEntity({ entityId: 'e', name: 'E', createdAt: 0 })).pk;
    const [{ now }] = (await pgQuery<{ now: string }>(url, 'SELECT tw_now_micros()::text AS now')) as [{ now: string }];
    let last = 0;
    for (let i = 0; i < 20; i++) {
      const bound = await (i % 2 ? a : b).tokens.snapshot(e);
      expect(bound).toBeGreaterThan(last);
      last = bound;
    }
    expect(Math.abs(last - Number(now))).toBeLessThan(60_000_000);
    const t = await a.tokens.issue(newSpec(e), issueEvent());
    expect(t.createdAt).toBeGreaterThan(last);
    expect(t.expiresAt).toBe(t.createdAt + newSpec(e).lifetimeMicros);
    expect(await b.tokens.isSettled(e, last)).toBe(true);
    expect(await b.tokens.isSettled(e, t.createdAt + 3_600_000_000)).toBe(false);
    expect(await a.tokens.isSettled(e, t.createdAt + 3_600_000_000)).toBe(false);
  });

  it('listings of one entity arriving while its bound is taken share the next bound, never the one already being taken', async () => {
    const db = await createTestDatabase((await testPostgres()).url);
    onTestFinished(() => db.drop());
    const clock = manualClock(1_800_000_000_000_000);
    const store = await openPostgresStore(db.url, { max: 4, clock });
    onTestFinished(() => store.close());
    const e = (await store.directory.createEntity({ entityId: 'e', name: 'E', createdAt: 0 })).pk;
    // Hold the entity's snapshot lock, as a long issuance would: the first bound waits in the database.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    onTestFinished(() => holder.end());
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock($1, $2)', [SNAPSHOT_LOCK, e]);
    const first = store.tokens.snapshot(e);
    const watcher = new pg.Client({ connectionString: db.url });
    await watcher.connect();
    onTestFinished(() => watcher.end());
    await waitForLockWaiters(watcher, 1);
    // Later requests, at a later time: they must get a bound read after they asked.
    clock.advance(1_000_000);
    const laterBounds = Promise.all([1, 2, 3].map(() => store.tokens.snapshot(e)));
    await holder.query('COMMIT');
    const t1 = await first;
    const bounds = await laterBounds;
    expect(t1).toBeLessThan(1_800_000_001_000_000);
    // One bound for the three, read after they asked (the clock had moved on by a second).
    expect(new Set(bounds).size).toBe(1);
    expect(bounds[0]).toBeGreaterThanOrEqual(1_800_000_001_000_000);
  });
});
