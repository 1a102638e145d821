import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeps, type Deps } from '@tokenwarden/api';
import { openStore, type Clock, type Store } from '@tokenwarden/db';
import { createTestDatabase } from '@tokenwarden/db/testing/postgres-server';
import { testBackend, testPostgres } from '@tokenwarden/db/testing/test-store';
import pg from 'pg';

export interface TwinStores<T> {
  /** Two stores over identical copies of the seeded database, each on its own clock. */
  stores: [Store, Store];
  /** What `seed` returned (ids and secrets valid in both copies). */
  seeded: T;
  cleanup(): Promise<void>;
}

/**
 * Two identical databases of the run's backend, for comparing two servers request by
 * request: one is seeded (`seed` over deps of its own), closed, and copied — the SQLite
 * file, or a PostgreSQL database made from it as a template — so both copies hold the same
 * rows, ids, secrets and keys, and the same requests in the same order at the same clock
 * readings change both alike.
 */
export async function twinStores<T>(clocks: [Clock, Clock], seed: (deps: Deps) => Promise<T>): Promise<TwinStores<T>> {
  if (testBackend() === 'postgres') {
    const admin = (await testPostgres()).url;
    const first = await createTestDatabase(admin);
    const seedStore = await openStore({ databaseUrl: first.url, sqliteFile: '', clock: clocks[0] });
    const seeded = await seed(createDeps(seedStore, { clock: clocks[0] }));
    await seedStore.close();
    const twinName = `${first.name}_twin`;
    const twinUrl = new URL(first.url);
    twinUrl.pathname = `/${twinName}`;
    const withAdmin = async (sql: (c: pg.Client) => string) => {
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        await client.query(sql(client));
      } finally {
        await client.end();
      }
    };
    await withAdmin((c) => `CREATE DATABASE ${c.escapeIdentifier(twinName)} TEMPLATE ${c.escapeIdentifier(first.name)}`);
    const stores: [Store, Store] = [
      await openStore({ databaseUrl: first.url, sqliteFile: '', clock: clocks[0], poolSize: 5 }),
      await openStore({ databaseUrl: twinUrl.toString(), sqliteFile: '', clock: clocks[1], poolSize: 5 }),
    ];
    return {
      stores,
      seeded,
      async cleanup() {
        for (const s of stores) await s.close();
        await first.drop();
        await withAdmin((c) => `DROP DATABASE IF EXISTS ${c.escapeIdentifier(twinName)} WITH (FORCE)`);
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'tokenwarden-twins-'));
  const files = [join(dir, 'a.db'), join(dir, 'b.db')] as const;
  const seedStore = await openStore({ sqliteFile: files[0], clock: clocks[0] });
  const seeded = await seed(createDeps(seedStore, { clock: clocks[0] }));
  await seedStore.close();
  // Closed, the database is whole in its file; a WAL left behind goes along all the same.
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(files[0] + suffix)) copyFileSync(files[0] + suffix, files[1] + suffix);
  const stores: [Store, Store] = [
    await openStore({ sqliteFile: files[0], clock: clocks[0] }),
    await openStore({ sqliteFile: files[1], clock: clocks[1] }),
  ];
  return {
    stores,
    seeded,
    async cleanup() {
      for (const s of stores) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
