import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { closeDatabase, DirectoryStore, MIGRATIONS_FOLDER, openDatabase, TokenStore, type Db } from '@tokenwarden/db';
import { newToken } from './helpers.js';

const dirs: string[] = [];
function tempFile(...parts: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwarden-db-'));
  dirs.push(dir);
  return join(dir, ...parts);
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const TABLES = ['accounts', 'api_clients', 'entities', 'token_roles', 'tokens', 'user_accounts', 'users'];
const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };

function schemaOf(db: Db): { type: string; name: string; sql: string | null }[] {
  return db.$client
    .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
    .all() as { type: string; name: string; sql: string | null }[];
}
const pragma = (db: Db, name: string): unknown => db.$client.pragma(name, { simple: true });
const migrationsApplied = (db: Db): number =>
  (db.$client.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n;

describe('openDatabase', () => {
  it('applies the migrations to a fresh file database, creating missing directories', () => {
    const file = tempFile('nested', 'deeper', 'tokenwarden.db');
    const db = openDatabase(file);
    try {
      const names = schemaOf(db).filter((o) => o.type === 'table').map((o) => o.name);
      for (const t of TABLES) expect(names).toContain(t);
      expect(names).toContain('__drizzle_migrations');
      expect(journal.entries.length).toBeGreaterThan(0);
      expect(migrationsApplied(db)).toBe(journal.entries.length);
      const indexes = schemaOf(db).filter((o) => o.type === 'index').map((o) => o.name);
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

  it('enforces foreign keys on a file database', () => {
    const db = openDatabase(tempFile('fk.db'));
    try {
      expect(() => new TokenStore(db).insert([newToken(424242)])).toThrow(/FOREIGN KEY/i);
    } finally {
      closeDatabase(db);
    }
  });

  it('reopening is idempotent: same schema, same migrations, data kept', () => {
    const file = tempFile('reopen.db');
    const first = openDatabase(file);
    const schema = schemaOf(first);
    const entity = new DirectoryStore(first).createEntity({ entityId: randomUUID(), name: 'E', createdAt: 1 });
    const token = newToken(entity.pk, { roles: ['AUDITOR'] });
    new TokenStore(first).insert([token]);
    closeDatabase(first);
    closeDatabase(first); // closing twice is harmless

    for (let i = 0; i < 3; i++) {
      const again = openDatabase(file);
      try {
        expect(schemaOf(again)).toEqual(schema);
        expect(migrationsApplied(again)).toBe(journal.entries.length);
        expect(pragma(again, 'journal_mode')).toBe('wal');
        expect(pragma(again, 'foreign_keys')).toBe(1);
        const store = new TokenStore(again);
        expect(store.get(entity.pk, token.tokenId)?.tokenId).toBe(token.tokenId);
        expect(store.count(entity.pk, { role: 'AUDITOR' }, Number.MAX_SAFE_INTEGER)).toBe(1);
      } finally {
        closeDatabase(again);
      }
    }
  });

  it('opens read-only without migrating, and refuses writes', () => {
    const file = tempFile('ro.db');
    const rw = openDatabase(file);
    const entity = new DirectoryStore(rw).createEntity({ entityId: randomUUID(), name: 'E', createdAt: 1 });
    closeDatabase(rw);
    const ro = openDatabase(file, { readonly: true });
    try {
      expect(new DirectoryStore(ro).findEntity(entity.entityId)?.pk).toBe(entity.pk);
      expect(pragma(ro, 'foreign_keys')).toBe(1);
      expect(() => new DirectoryStore(ro).createEntity({ entityId: randomUUID(), name: 'X', createdAt: 1 })).toThrow(/readonly/i);
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
});
