import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '@tokenwarden/db';
import { closeDatabase, MIGRATIONS_FOLDER, openDatabase, type SqliteDb as Db } from '@tokenwarden/db/sqlite/client';
import { SqliteDirectoryStore } from '@tokenwarden/db/sqlite/directory-store';
import { openSqliteStore } from '@tokenwarden/db/sqlite/store';
import { SqliteTokenStore } from '@tokenwarden/db/sqlite/token-store';
import { newToken } from './helpers.js';

/** SQLite files: creating, pragmas, reopening, read-only, upgrades (the `sqlite` project only; PostgreSQL: postgres-migrations.test.ts). */

const dirs: string[] = [];
function tempFile(...parts: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwarden-db-'));
  dirs.push(dir);
  return join(dir, ...parts);
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const TABLES = ['accounts', 'api_clients', 'entities', 'grant_sets', 'server_keys', 'token_roles', 'tokens', 'user_accounts', 'users'];
const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };

function schemaOf(db: Db): { type: string; name: string; sql: string | null }[] {
  return db.$client.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as {
    type: string;
    name: string;
    sql: string | null;
  }[];
}
const pragma = (db: Db, name: string): unknown => db.$client.pragma(name, { simple: true });
const migrationsApplied = (db: Db): number => (db.$client.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n;

describe('openDatabase (SQLite)', () => {
  it('applies the migrations to a fresh file database, creating missing directories', () => {
    const file = tempFile('nested', 'deeper', 'tokenwarden.db');
    const db = openDatabase(file);
    try {
      const names = schemaOf(db)
        .filter((o) => o.type === 'table')
        .map((o) => o.name);
      for (const t of TABLES) expect(names).toContain(t);
      expect(names).toContain('__drizzle_migrations');
      expect(journal.entries.length).toBeGreaterThan(0);
      expect(migrationsApplied(db)).toBe(journal.entries.length);
      const indexes = schemaOf(db)
        .filter((o) => o.type === 'index')
        .map((o) => o.name);
      for (const i of ['tokens_token_id', 'tokens_hash', 'tokens_by_created', 'token_roles_order']) expect(indexes).toContain(i);
    } finally {
      closeDatabase(db);
    }
  });

  it('sets journal_mode=wal, foreign_keys=1, synchronous=FULL and a busy timeout', () => {
    const db = openDatabase(tempFile('pragmas.db'));
    try {
      expect(pragma(db, 'journal_mode')).toBe('wal');
      expect(pragma(db, 'foreign_keys')).toBe(1);
      expect(pragma(db, 'synchronous')).toBe(2);
      expect(pragma(db, 'busy_timeout')).toBe(5000);
    } finally {
      closeDatabase(db);
    }
  });

  it('enforces foreign keys on a file database', async () => {
    const store = openSqliteStore(tempFile('fk.db'));
    try {
      await expect(store.tokens.insertHistorical([newToken(424242)])).rejects.toThrow(/FOREIGN KEY/i);
    } finally {
      await store.close();
    }
  });

  it('reopening is idempotent: same schema, same migrations, data kept', async () => {
    const file = tempFile('reopen.db');
    const first = openDatabase(file);
    const schema = schemaOf(first);
    closeDatabase(first);
    closeDatabase(first); // closing twice is harmless
    const store = openSqliteStore(file);
    const entity = await store.directory.createEntity({ entityId: randomUUID(), name: 'E', createdAt: 1 });
    const token = newToken(entity.pk, { roles: ['AUDITOR'] });
    await store.tokens.insertHistorical([token]);
    await store.close();
    await store.close(); // so is closing a store twice

    for (let i = 0; i < 3; i++) {
      const again = openDatabase(file);
      try {
        expect(schemaOf(again)).toEqual(schema);
        expect(migrationsApplied(again)).toBe(journal.entries.length);
        expect(pragma(again, 'journal_mode')).toBe('wal');
        expect(pragma(again, 'foreign_keys')).toBe(1);
        const tokens = new SqliteTokenStore(again, systemClock());
        expect((await tokens.get(entity.pk, token.tokenId))?.tokenId).toBe(token.tokenId);
        expect(await tokens.count(entity.pk, { role: 'AUDITOR' }, Number.MAX_SAFE_INTEGER)).toBe(1);
      } finally {
        closeDatabase(again);
      }
    }
  });

  it('opens read-only without migrating, and refuses writes', async () => {
    const file = tempFile('ro.db');
    const rw = openDatabase(file);
    const entity = await new SqliteDirectoryStore(rw).createEntity({ entityId: randomUUID(), name: 'E', createdAt: 1 });
    closeDatabase(rw);
    const ro = openDatabase(file, { readonly: true });
    try {
      expect((await new SqliteDirectoryStore(ro).findEntity(entity.entityId))?.pk).toBe(entity.pk);
      expect(pragma(ro, 'foreign_keys')).toBe(1);
      await expect(new SqliteDirectoryStore(ro).createEntity({ entityId: randomUUID(), name: 'X', createdAt: 1 })).rejects.toThrow(/readonly/i);
    } finally {
      closeDatabase(ro);
    }
    expect(ro.$client.open).toBe(false);
  });

  it('applies the same schema to an in-memory database', () => {
    const mem = openDatabase(':memory:');
    const file = openDatabase(tempFile('same.db'));
    try {
      expect(schemaOf(mem)).toEqual(schemaOf(file));
      expect(pragma(mem, 'foreign_keys')).toBe(1);
    } finally {
      closeDatabase(mem);
      closeDatabase(file);
    }
  });

  it("upgrades a database written before grant sets, keeping every token's roles and scopes", async () => {
    // A database at the first migration only, as the first release wrote it.
    const folder = tempFile('migrations-0000');
    mkdirSync(join(folder, 'meta'), { recursive: true });
    const first = journal.entries[0]!;
    copyFileSync(join(MIGRATIONS_FOLDER, `${first.tag}.sql`), join(folder, `${first.tag}.sql`));
    writeFileSync(join(folder, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: [first] }));
    const file = tempFile('old.db');
    const old = new Database(file);
    migrate(drizzle({ client: old }), { migrationsFolder: folder });
    old.prepare("INSERT INTO entities (pk, entity_id, name, created_at) VALUES (1, 'e1', 'E1', 0), (2, 'e2', 'E2', 0)").run();
    const lists = [
      ['["AUDITOR"]', '["iam.oauth.*"]'],
      ['["AUDITOR","TELLER"]', '["iam.oauth.*","accounts.read"]'],
    ] as const;
    const insert = old.prepare(
      'INSERT INTO tokens (entity_pk, token_id, token_hash, client_id, grant_flow, roles, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)',
    );
    const addRole = old.prepare('INSERT INTO token_roles (entity_pk, role, created_at, token_id, token_pk) VALUES (?, ?, ?, ?, ?)');
    const written: { entity: number; tokenId: string; roles: string; scopes: string }[] = [];
    for (let i = 0; i < 30; i++) {
      const entity = 1 + (i % 2);
      const [roles, scopes] = lists[i % 3 === 0 ? 0 : 1]!;
      const tokenId = randomUUID();
      const pk = insert.run(entity, tokenId, randomBytes(32), 'c', roles, scopes, 1000 + i, 5000 + i).lastInsertRowid;
      for (const role of JSON.parse(roles) as string[]) addRole.run(entity, role, 1000 + i, tokenId, pk);
      written.push({ entity, tokenId, roles, scopes });
    }
    old.close();

    const db = openDatabase(file);
    try {
      expect(migrationsApplied(db)).toBe(journal.entries.length);
      expect(pragma(db, 'foreign_keys')).toBe(1);
      expect(db.$client.pragma('foreign_key_check')).toEqual([]);
      const store = new SqliteTokenStore(db, systemClock());
      for (const w of written) {
        const t = (await store.get(w.entity, w.tokenId))!;
        expect([t.roles, t.scopes]).toEqual([JSON.parse(w.roles), JSON.parse(w.scopes)]);
      }
      // Two distinct pairs in each of the two entities.
      expect((db.$client.prepare('SELECT count(*) AS n FROM grant_sets').get() as { n: number }).n).toBe(4);
      expect(await store.count(1, { role: 'TELLER' }, Number.MAX_SAFE_INTEGER)).toBe(
        written.filter((w) => w.entity === 1 && w.roles.includes('TELLER')).length,
      );
      // The upgraded schema is exactly the one a new database gets.
      const fresh = openDatabase(':memory:');
      expect(schemaOf(db)).toEqual(schemaOf(fresh));
      closeDatabase(fresh);
    } finally {
      closeDatabase(db);
    }
  });
});
