import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DuplicateKeyError, StoreUnavailableError, type Store } from '@tokenwarden/db';
import { openPostgresStore } from '@tokenwarden/db/postgres/store';
import { createTestDatabase } from '@tokenwarden/db/testing/postgres-server';
import { testPostgres } from '@tokenwarden/db/testing/test-store';
import { NIL_UUID, newSpec, newToken, pgQuery, rejection, setup, sleep, issueEvent, revocation } from './helpers.js';

/** The PostgreSQL adapter beyond the shared suites: errors, lost connections, stored forms (the `postgres` project only). */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

async function expectDuplicate(p: Promise<unknown>, key: string, secret?: Buffer): Promise<void> {
  const error = await rejection(p);
  expect(error).toBeInstanceOf(DuplicateKeyError);
  expect((error as DuplicateKeyError).key).toBe(key);
  expect((error as Error).message).toBe(`duplicate key: ${key}`);
  if (secret) {
    expect((error as Error).message).not.toContain(secret.toString('hex'));
    expect(String(error)).not.toContain(secret.toString('hex'));
  }
}

describe('duplicate keys', () => {
  it('reject with DuplicateKeyError naming the column', async () => {
    const { dir, tokens } = await setup();
    const a = await dir.createEntity({ entityId: 'acme', name: 'Acme', createdAt: 1 });
    const b = await dir.createEntity({ entityId: 'globex', name: 'Globex', createdAt: 1 });
    await expectDuplicate(dir.createEntity({ entityId: 'acme', name: 'again', createdAt: 2 }), 'entity_id');

    const client = { entityPk: a.pk, clientId: 'ci', name: 'CI', secretHash: 'h', roles: [], scopes: [], createdAt: 1 };
    await dir.createClient(client);
    await expectDuplicate(dir.createClient({ ...client, entityPk: b.pk }), 'client_id');

    const user = { entityPk: a.pk, userId: randomUUID(), username: 'alice', passwordHash: 'h', roles: [], scopes: [], createdAt: 1 };
    await dir.createUser(user);
    await expectDuplicate(dir.createUser({ ...user, entityPk: b.pk, userId: randomUUID() }), 'username');
    await expectDuplicate(dir.createUser({ ...user, username: 'alice2' }), 'user_id');

    const account = { entityPk: a.pk, accountId: randomUUID(), name: 'acc', createdAt: 1 };
    await dir.createAccount(account);
    await expectDuplicate(dir.createAccount({ ...account, entityPk: b.pk }), 'account_id');

    const t = await tokens.issue(newSpec(a.pk), issueEvent());
    const hash = newSpec(a.pk).tokenHash;
    await tokens.issue(newSpec(a.pk, { tokenHash: hash }), issueEvent());
    await expectDuplicate(tokens.issue(newSpec(b.pk, { tokenId: t.tokenId }), issueEvent()), 'token_id');
    await expectDuplicate(tokens.issue(newSpec(b.pk, { tokenHash: hash }), issueEvent()), 'token_hash', hash);
    await expectDuplicate(tokens.insertHistorical([newToken(b.pk, { tokenHash: hash })]), 'token_hash', hash);
    expect(await tokens.count(b.pk, {}, MAX_SAFE)).toBe(0);
  });

  it('of concurrent creations of one username from two stores exactly one succeeds', async () => {
    const h = await setup();
    const other = await openPostgresStore(h.location);
    onTestFinished(() => other.close());
    const e = await h.dir.createEntity({ entityId: 'e', name: 'E', createdAt: 1 });
    const base = { entityPk: e.pk, passwordHash: 'h', roles: [], scopes: [], createdAt: 1 };
    for (let round = 0; round < 5; round++) {
      const username = `user${round}`;
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? other : h.store).directory.createUser({ ...base, userId: randomUUID(), username })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') {
          expect(r.reason).toBeInstanceOf(DuplicateKeyError);
          expect((r.reason as DuplicateKeyError).key).toBe('username');
        }
      }
    }
    expect(await h.dir.listUsers(e.pk)).toHaveLength(5);
  });
});

/** A local port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Ends every session of the store's database but the caller's, as an operator (or a failover) would. */
async function terminateSessions(adminUrl: string, database: string): Promise<number> {
  const rows = await pgQuery<{ n: number }>(
    adminUrl,
    'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
  return rows[0]!.n;
}

/** Calls `op` until it succeeds `times` in a row; every failure meanwhile must be StoreUnavailableError. */
async function recovers(op: () => Promise<unknown>, times = 3): Promise<number> {
  let failures = 0;
  let streak = 0;
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await op();
      if (++streak === times) return failures;
    } catch (error) {
      expect(error).toBeInstanceOf(StoreUnavailableError);
      failures++;
      streak = 0;
      await sleep(50);
    }
  }
  throw new Error('the store did not recover');
}

describe('an unreachable database', () => {
  it('rejects opening with StoreUnavailableError when nothing listens', async () => {
    const url = `postgres://postgres:postgres@127.0.0.1:${await closedPort()}/tokenwarden`;
    const started = Date.now();
    const error = await rejection(openPostgresStore(url, { connectionTimeoutMillis: 1_000 }));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toBe('the database is unavailable');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('rejects every operation of a store opened without migrating with StoreUnavailableError', async () => {
    const url = `postgres://postgres:postgres@127.0.0.1:${await closedPort()}/tokenwarden`;
    const store: Store = await openPostgresStore(url, { migrate: false, connectionTimeoutMillis: 500 });
    onTestFinished(() => store.close());
    const ops: (() => Promise<unknown>)[] = [
      () => store.ping(),
      () => store.optimize(),
      () => store.tokens.get(1, randomUUID()),
      () => store.tokens.findByHash(Buffer.alloc(32)),
      () => store.tokens.findByHashWithSnapshot(Buffer.alloc(32)),
      () => store.tokens.issue(newSpec(1), issueEvent()),
      () => store.tokens.insertHistorical([newToken(1)]),
      () => store.tokens.snapshot(1),
      () => store.tokens.page(1, { filters: {}, snapshot: MAX_SAFE, orderKey: 'created_at', direction: 'DESC', limit: 10, offset: 0 }),
      () => store.tokens.count(1, { role: 'R' }, MAX_SAFE),
      () => store.tokens.revoke(1, randomUUID(), revocation()),
      () => store.directory.findEntity('x'),
      () => store.directory.createUser({ entityPk: 1, userId: 'u', username: 'u', passwordHash: 'h', roles: [], scopes: [], createdAt: 1 }),
    ];
    const errors = await Promise.all(ops.map((op) => rejection(op())));
    for (const error of errors) expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(errors).toHaveLength(13);
  });

  it('after its sessions are terminated, the pool recovers by itself; failures meanwhile are StoreUnavailableError', async () => {
    const admin = (await testPostgres()).url;
    const db = await createTestDatabase(admin);
    onTestFinished(() => db.drop());
    const store = await openPostgresStore(db.url, { max: 4 });
    onTestFinished(() => store.close());
    const e = (await store.directory.createEntity({ entityId: 'e', name: 'E', createdAt: 1 })).pk;
    const t = await store.tokens.issue(newSpec(e, { roles: ['R'] }), issueEvent());
    const list = { filters: { role: 'R' }, snapshot: MAX_SAFE, orderKey: 'created_at', direction: 'DESC', limit: 10, offset: 0 } as const;
    for (let round = 0; round < 3; round++) {
      // a full pool of idle connections, each with its prepared statements
      await Promise.all(Array.from({ length: 8 }, () => store.tokens.page(e, list)));
      expect(await terminateSessions(admin, db.name)).toBeGreaterThan(0);
      await recovers(() => store.ping());
      await recovers(() => store.tokens.page(e, list));
    }
    expect((await store.tokens.page(e, list)).map((x) => x.tokenId)).toEqual([t.tokenId]);
    expect(await store.tokens.count(e, {}, MAX_SAFE)).toBe(1);
    const u = await store.tokens.issue(newSpec(e), issueEvent());
    expect(await store.tokens.get(e, u.tokenId)).toEqual(u);
  });

  it('a query in flight when its session is terminated rejects with StoreUnavailableError, and the next one works', async () => {
    const admin = (await testPostgres()).url;
    const db = await createTestDatabase(admin);
    onTestFinished(() => db.drop());
    const store = await openPostgresStore(db.url, { max: 2 });
    onTestFinished(() => store.close());
    const e = (await store.directory.createEntity({ entityId: 'e', name: 'E', createdAt: 1 })).pk;
    // Hold the entity's snapshot lock (the key of drizzle/postgres/0001_snapshot_clock.sql)
    // from another session, so the store's snapshot waits on it.
    const holder = new pg.Client({ connectionString: db.url });
    holder.on('error', () => {});
    await holder.connect();
    onTestFinished(() => holder.end().catch(() => {}));
    const [{ pid }] = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
    await holder.query('SELECT pg_advisory_lock(1953955841, $1)', [e]);
    const waiting = store.tokens.snapshot(e).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    for (let i = 0; ; i++) {
      const rows = await pgQuery(admin, "SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND pid <> $2", [
        db.name,
        pid,
      ]);
      if (rows.length > 0) break;
      if (i > 200) throw new Error('the snapshot never waited for the lock');
      await sleep(20);
    }
    await pgQuery(admin, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> $2', [db.name, pid]);
    expect(await waiting).toBeInstanceOf(StoreUnavailableError);
    await holder.query('SELECT pg_advisory_unlock(1953955841, $1)', [e]);
    await recovers(() => store.tokens.snapshot(e));
    const bound = await store.tokens.snapshot(e);
    expect(await store.tokens.isSettled(e, bound)).toBe(true);
  });
});

describe('stored forms', () => {
  it('stores no user/account as the nil UUID, which surfaces as null and matches no filter', async () => {
    const h = await setup();
    const e = (await h.entity('E')).pk;
    const issued = await h.tokens.issue(newSpec(e), issueEvent());
    const loaded = newToken(e);
    await h.tokens.insertHistorical([loaded]);
    const rows = await h.sql<{ user_id: string; account_id: string }>('SELECT user_id::text, account_id::text FROM tokens ORDER BY pk');
    expect(rows).toEqual([
      { user_id: NIL_UUID, account_id: NIL_UUID },
      { user_id: NIL_UUID, account_id: NIL_UUID },
    ]);
    for (const id of [issued.tokenId, loaded.tokenId]) {
      const rec = await h.tokens.get(e, id);
      expect([rec?.userId, rec?.accountId]).toEqual([null, null]);
    }
    const someone = randomUUID();
    expect(await h.tokens.count(e, { userId: someone }, MAX_SAFE)).toBe(0);
    expect(await h.tokens.count(e, { accountId: someone }, MAX_SAFE)).toBe(0);
  });

  it('answers ids that are not UUIDs as unknown rather than failing', async () => {
    const h = await setup();
    const e = (await h.entity('E')).pk;
    await h.tokens.issue(newSpec(e), issueEvent());
    for (const id of ['', 'x', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', `${randomUUID()}x`]) {
      expect(await h.tokens.get(e, id)).toBeUndefined();
      expect(await h.tokens.revoke(e, id, revocation())).toBe('not_found');
    }
  });
});
