import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Store } from '@tokenwarden/db';
import { PG_MIGRATIONS_FOLDER } from '@tokenwarden/db/postgres/client';
import { openPostgresStore } from '@tokenwarden/db/postgres/store';
import { createTestDatabase } from '@tokenwarden/db/testing/postgres-server';
import { testPostgres } from '@tokenwarden/db/testing/test-store';
import { pgQuery } from './helpers.js';

/** PostgreSQL migrations (the `postgres` project only; SQLite files: migrations.test.ts). */

const journal = JSON.parse(readFileSync(join(PG_MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
/** What drizzle records per applied migration: the SHA-256 of its SQL file. */
const hashes = journal.entries.map((e) =>
  createHash('sha256')
    .update(readFileSync(join(PG_MIGRATIONS_FOLDER, `${e.tag}.sql`), 'utf8'))
    .digest('hex'),
);
const TABLES = [
  'accounts',
  'api_clients',
  'entities',
  'grant_set_scopes',
  'grant_sets',
  'server_keys',
  'token_event_targets',
  'token_events',
  'token_roles',
  'tokens',
  'user_accounts',
  'users',
];

async function freshDatabase() {
  const db = await createTestDatabase((await testPostgres()).url);
  onTestFinished(() => db.drop());
  return db;
}

const applied = (url: string) =>
  pgQuery<{ id: number; hash: string; created_at: string }>(url, 'SELECT id, hash, created_at::text FROM drizzle.__drizzle_migrations ORDER BY id');

async function closeAll(stores: readonly Store[]): Promise<void> {
  await Promise.all(stores.map((s) => s.close()));
}

describe('openPostgresStore migrations', () => {
  it('stores opened together on one fresh database all succeed, and each migration is applied exactly once', async () => {
    const db = await freshDatabase();
    expect(journal.entries.length).toBeGreaterThanOrEqual(2);
    const stores = await Promise.all(Array.from({ length: 6 }, () => openPostgresStore(db.url, { max: 2 })));
    try {
      const rows = await applied(db.url);
      expect(rows.map((r) => r.hash)).toEqual(hashes);
      const tables = await pgQuery<{ name: string }>(
        db.url,
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      );
      expect(tables.map((t) => t.name)).toEqual(TABLES);
      const functions = await pgQuery<{ name: string }>(db.url, "SELECT proname AS name FROM pg_proc WHERE proname LIKE 'tw\\_%' ORDER BY proname");
      expect(functions.map((f) => f.name)).toEqual(['tw_grant_set_scopes_fill', 'tw_issue_token', 'tw_issue_token', 'tw_now_micros', 'tw_snapshot']);
      // every one of them works, and they see one another's writes
      const entities = await Promise.all(stores.map((s, i) => s.directory.createEntity({ entityId: `e${i}`, name: `E${i}`, createdAt: i })));
      for (const [i, s] of stores.entries()) {
        await s.ping();
        expect(await s.directory.findEntity(`e${(i + 1) % stores.length}`)).toEqual(entities[(i + 1) % stores.length]);
      }
    } finally {
      await closeAll(stores);
    }
  });

  it('reopening applies nothing and keeps the data', async () => {
    const db = await freshDatabase();
    const first = await openPostgresStore(db.url);
    const entity = await first.directory.createEntity({ entityId: 'kept', name: 'Kept', createdAt: 1 });
    await first.close();
    await first.close(); // closing twice is harmless
    const before = await applied(db.url);
    expect(before).toHaveLength(journal.entries.length);
    for (let i = 0; i < 3; i++) {
      const again = await openPostgresStore(db.url);
      try {
        expect(await applied(db.url)).toEqual(before);
        expect(await again.directory.findEntity('kept')).toEqual(entity);
      } finally {
        await again.close();
      }
    }
    // reopened together, too
    const together = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(db.url, { max: 1 })));
    await closeAll(together);
    expect(await applied(db.url)).toEqual(before);
  });

  it('with migrate: false applies nothing', async () => {
    const db = await freshDatabase();
    const store = await openPostgresStore(db.url, { migrate: false });
    try {
      await store.ping();
      const tables = await pgQuery(db.url, "SELECT 1 FROM information_schema.tables WHERE table_schema IN ('public', 'drizzle')");
      expect(tables).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
