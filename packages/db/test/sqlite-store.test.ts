import { randomUUID } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { manualClock, type PageQuery, type TokenRecord } from '@tokenwarden/db';
import { closeDatabase, openDatabase } from '@tokenwarden/db/sqlite/client';
import { SqliteDirectoryStore } from '@tokenwarden/db/sqlite/directory-store';
import { openSqliteStore } from '@tokenwarden/db/sqlite/store';
import { SqliteTokenStore } from '@tokenwarden/db/sqlite/token-store';
import { openTestStore } from '@tokenwarden/db/testing/test-store';
import { newSpec, newToken, rng, issueEvent } from './helpers.js';

/** The SQLite adapter's own machinery, beneath the store interface (the `sqlite` project only). */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** The SQLite token store over a connection the test holds too (transactions, raw statements). */
async function internals() {
  const db = openDatabase(':memory:');
  onTestFinished(() => closeDatabase(db));
  const tokens = new SqliteTokenStore(db, manualClock(1_700_000_000_000_000));
  const dir = new SqliteDirectoryStore(db);
  const entity = async (name: string) => (await dir.createEntity({ entityId: randomUUID(), name, createdAt: 0 })).pk;
  return { db, tokens, entity };
}

describe('SqliteTokenStore.countNow', () => {
  it('is exact below the cap and stops at it, with every filter shape', async () => {
    const { tokens, entity } = await internals();
    const e = await entity('E');
    const other = await entity('F');
    const user = randomUUID();
    await tokens.insertHistorical(Array.from({ length: 30 }, (_, i) => newToken(e, { userId: i % 2 ? user : null, roles: ['R'], createdAt: i })));
    await tokens.insertHistorical(Array.from({ length: 30 }, (_, i) => newToken(other, { userId: user, roles: ['R'], createdAt: i })));
    for (const filters of [{}, { userId: user }, { role: 'R' }, { role: 'R', userId: user }]) {
      const full = await tokens.count(e, filters, MAX_SAFE);
      expect(full).toBeGreaterThan(10);
      expect(tokens.countNow(e, filters, MAX_SAFE)).toBe(full);
      expect(tokens.countNow(e, filters, MAX_SAFE, 1000)).toBe(full);
      expect(tokens.countNow(e, filters, MAX_SAFE, 10)).toBe(10);
      expect(tokens.countNow(e, filters, 9, 1000)).toBe(await tokens.count(e, filters, 9));
    }
  });
});

describe('group commit of issuances', () => {
  it('stores concurrent issuances in one transaction, each created after a snapshot taken meanwhile', async () => {
    const { tokens, entity } = await internals();
    const e = await entity('E');
    // The batches the store's insert transaction is run with.
    const batches: number[] = [];
    const inner = tokens as unknown as { insertTx: (b: readonly unknown[]) => number[] };
    const insertTx = inner.insertTx;
    inner.insertTx = (b) => {
      batches.push(b.length);
      return insertTx(b);
    };
    const before = await tokens.snapshot();
    const pending = Array.from({ length: 20 }, () => tokens.issue(newSpec(e), issueEvent()));
    // Taken after the calls, before their flush: none of them may fall inside it.
    const during = await tokens.snapshot();
    const records = await Promise.all(pending);
    expect(new Set(records.map((r) => r.pk)).size).toBe(20);
    const created = records.map((r) => r.createdAt);
    expect(created.every((c) => c > during && during >= before)).toBe(true);
    expect([...created].sort((a, b) => a - b)).toEqual(created);
    expect(await tokens.count(e, {}, during)).toBe(0);
    expect(await tokens.count(e, {}, MAX_SAFE)).toBe(20);
    for (const r of records) expect(await tokens.get(e, r.tokenId)).toEqual(r);
    expect(batches).toEqual([20]);
    await tokens.issue(newSpec(e), issueEvent());
    expect(batches).toEqual([20, 1]);
  });

  it('fails only the duplicate when one token of a batch cannot be stored', async () => {
    const { tokens, entity } = await internals();
    const e = await entity('E');
    const taken = newSpec(e);
    await tokens.issue(taken, issueEvent());
    const batch = [
      tokens.issue(newSpec(e), issueEvent()),
      tokens.issue({ ...newSpec(e), tokenId: taken.tokenId }, issueEvent()),
      tokens.issue(newSpec(e), issueEvent()),
    ];
    const settled = await Promise.allSettled(batch);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ name: 'DuplicateKeyError' });
    expect(await tokens.count(e, {}, MAX_SAFE)).toBe(3);
  });
});

describe('grant sets in transactions', () => {
  const everything: PageQuery = { filters: {}, snapshot: MAX_SAFE, orderKey: 'token_id', direction: 'ASC', limit: 100, offset: 0 };

  it('never serves a set read inside a transaction that rolled back', async () => {
    const { db, tokens, entity } = await internals();
    const e = await entity('E');
    const rolledBack = newToken(e, { roles: ['GONE'] });
    // SQLite statements run synchronously inside each call, so they can run in a
    // (synchronous) transaction of the same connection; the promises settle after it.
    let inside: Promise<TokenRecord[]> | undefined;
    let inserted: Promise<void> | undefined;
    expect(() =>
      db.$client.transaction(() => {
        inserted = tokens.insertHistorical([rolledBack]);
        inside = tokens.page(e, everything);
        throw new Error('roll back');
      })(),
    ).toThrow('roll back');
    await inserted;
    expect((await inside!).map((t) => t.roles)).toEqual([['GONE']]);
    expect(await tokens.page(e, everything)).toEqual([]);
    // The same grant_sets key is handed out again, now for other lists.
    const kept = newToken(e, { roles: ['KEPT'] });
    await tokens.insertHistorical([kept]);
    expect((await tokens.page(e, everything)).map((t) => [t.tokenId, t.roles])).toEqual([[kept.tokenId, ['KEPT']]]);
  });
});

describe('counts in the worker thread', () => {
  it('counts on a file in the worker exactly as inline, and sees committed writes', async () => {
    const { store: fileStore, location, cleanup } = await openTestStore({ backend: 'sqlite' });
    onTestFinished(cleanup);
    const e = (await fileStore.directory.createEntity({ entityId: randomUUID(), name: 'E', createdAt: 0 })).pk;
    const r = rng(11);
    const users = [randomUUID(), randomUUID()];
    await fileStore.tokens.insertHistorical(
      Array.from({ length: 400 }, (_, i) =>
        newToken(e, {
          userId: r.pick([null, ...users]),
          roles: r.bool() ? ['R'] : [],
          grantFlow: r.pick(['GRANT_FLOW_LOGIN', 'GRANT_FLOW_PASSWORD'] as const),
          createdAt: i,
        }),
      ),
    );
    await fileStore.close();
    // inlineCountCap 0: every count goes to the worker.
    const worker = openSqliteStore(location, { counts: 'worker', inlineCountCap: 0 });
    const inline = openSqliteStore(location, { counts: 'inline' });
    onTestFinished(async () => {
      await worker.close();
      await inline.close();
    });
    const shapes = [{}, { userId: users[0] }, { role: 'R' }, { role: 'R', grantFlow: 'GRANT_FLOW_LOGIN' as const }, { role: 'NOPE' }];
    for (const filters of shapes) {
      for (const snapshot of [MAX_SAFE, 199, -1]) {
        expect(await worker.tokens.count(e, filters, snapshot), JSON.stringify({ filters, snapshot })).toBe(
          await inline.tokens.count(e, filters, snapshot),
        );
      }
    }
    expect(await worker.tokens.count(e, {}, MAX_SAFE)).toBe(400);
    // many at once, answered in order
    const many = await Promise.all(Array.from({ length: 50 }, (_, i) => worker.tokens.count(e, {}, i)));
    expect(many).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    await inline.tokens.insertHistorical([newToken(e, { createdAt: 1000 })]);
    expect(await worker.tokens.count(e, {}, MAX_SAFE)).toBe(401);
  });
});
