import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GRANT_FLOWS, ORDER_DIRECTIONS, ORDER_KEYS } from '@tokenwarden/contracts';
import { grantFlowCode, grantFlowOf, type NewToken, type TokenRecord } from '@tokenwarden/db';
import { newToken, recordOf, rng, setup, sha256 } from './helpers.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const SECOND = 1_000_000;

function insertOne(store: ReturnType<typeof setup>['store'], t: NewToken): TokenRecord {
  store.insert([t]);
  const got = store.get(t.entityPk, t.tokenId);
  if (!got) throw new Error('not inserted');
  return got;
}

describe('grant flow codes', () => {
  it('stores grant flows as their 1-based protobuf numbers, and back', () => {
    expect(GRANT_FLOWS.map(grantFlowCode)).toEqual([1, 2, 3, 4]);
    for (const flow of GRANT_FLOWS) expect(grantFlowOf(grantFlowCode(flow))).toBe(flow);
    expect(() => grantFlowOf(0)).toThrow();
    expect(() => grantFlowOf(5)).toThrow();
  });
});

describe('insert / get / findByHash', () => {
  it('round-trips every field, with null user/account/last use', () => {
    const { store, entity } = setup();
    const e = entity('E').pk;
    const t = newToken(e, { roles: ['ENTITY_ADMIN', 'AUDITOR'], scopes: ['*'], grantFlow: 'GRANT_FLOW_ENTITY_SETUP' });
    const got = insertOne(store, t);
    expect(got).toEqual(recordOf(t, got.pk));
    const u = newToken(e, { userId: randomUUID(), accountId: randomUUID(), grantFlow: 'GRANT_FLOW_PASSWORD', createdAt: -5, expiresAt: MAX_SAFE });
    const gotU = insertOne(store, u);
    expect(gotU).toEqual(recordOf(u, gotU.pk));
  });

  it('finds a token by the hash of its raw value, in whichever entity, and nothing else', () => {
    const { store, entity } = setup();
    const a = entity('A').pk;
    const b = entity('B').pk;
    const rawA = `tw_${randomBytes(24).toString('base64url')}`;
    const rawB = `tw_${randomBytes(24).toString('base64url')}`;
    const ta = newToken(a, { tokenHash: sha256(rawA) });
    const tb = newToken(b, { tokenHash: sha256(rawB) });
    store.insert([ta, tb]);
    expect(store.findByHash(sha256(rawA))?.tokenId).toBe(ta.tokenId);
    expect(store.findByHash(sha256(rawB))?.entityPk).toBe(b);
    expect(store.findByHash(sha256(`${rawA}x`))).toBeUndefined();
    expect(store.findByHash(Buffer.from(rawA))).toBeUndefined();
    expect(store.findByHash(Buffer.alloc(0))).toBeUndefined();
    const rec = store.findByHash(sha256(rawA)) as TokenRecord;
    expect(Object.keys(rec)).not.toContain('tokenHash');
    expect(JSON.stringify(rec)).not.toContain(rawA);
    expect(JSON.stringify(rec)).not.toContain(sha256(rawA).toString('hex'));
  });

  it('inserts a batch atomically: a duplicate token_id or hash inserts nothing', () => {
    const { store, entity } = setup();
    const e = entity('E').pk;
    const first = newToken(e, { roles: ['R'] });
    store.insert([first]);
    const fresh = newToken(e, { roles: ['R'] });
    expect(() => store.insert([fresh, newToken(e, { tokenId: first.tokenId })])).toThrow();
    expect(() => store.insert([fresh, newToken(e, { tokenHash: first.tokenHash })])).toThrow();
    expect(store.get(e, fresh.tokenId)).toBeUndefined();
    expect(store.count(e, {}, MAX_SAFE)).toBe(1);
    expect(store.count(e, { role: 'R' }, MAX_SAFE)).toBe(1);
  });

  it('refuses a token of an entity that does not exist (foreign keys are on)', () => {
    const { store } = setup();
    expect(() => store.insert([newToken(12345)])).toThrow(/FOREIGN KEY/i);
  });

  it('counts a token once per role filter even when a role is repeated', () => {
    const { store, entity } = setup();
    const e = entity('E').pk;
    const t = newToken(e, { roles: ['AUDITOR', 'AUDITOR', 'READER'] });
    store.insert([t]);
    expect(store.count(e, { role: 'AUDITOR' }, MAX_SAFE)).toBe(1);
    for (const orderKey of ORDER_KEYS) {
      const page = store.page(e, { filters: { role: 'AUDITOR' }, snapshot: MAX_SAFE, orderKey, direction: 'DESC', limit: 10, offset: 0 });
      expect(page.map((x) => x.tokenId)).toEqual([t.tokenId]);
      expect(page[0]?.roles).toEqual(['AUDITOR', 'AUDITOR', 'READER']);
    }
  });

  it('inserting an empty batch is a no-op', () => {
    const { store, entity } = setup();
    const e = entity('E').pk;
    store.insert([]);
    expect(store.count(e, {}, MAX_SAFE)).toBe(0);
  });
});

describe('revoke', () => {
  it('answers revoked, then already_revoked, keeping the first revocation time', () => {
    const { store, entity } = setup();
    const e = entity('E').pk;
    const t = insertOne(store, newToken(e));
    expect(store.revoke(e, t.tokenId, 1000)).toBe('revoked');
    expect(store.get(e, t.tokenId)?.revokedAt).toBe(1000);
    expect(store.revoke(e, t.tokenId, 2000)).toBe('already_revoked');
    expect(store.get(e, t.tokenId)?.revokedAt).toBe(1000);
  });

  it('answers not_found for an unknown token id', () => {
    const { store, entity } = setup();
    const e = entity('E').pk;
    insertOne(store, newToken(e));
    expect(store.revoke(e, randomUUID(), 1000)).toBe('not_found');
    expect(store.revoke(e, '', 1000)).toBe('not_found');
  });

  it("answers not_found for another entity's token, and leaves it untouched", () => {
    const { store, entity } = setup();
    const a = entity('A').pk;
    const b = entity('B').pk;
    const tb = insertOne(store, newToken(b));
    expect(store.revoke(a, tb.tokenId, 1000)).toBe('not_found');
    expect(store.get(b, tb.tokenId)?.revokedAt).toBeNull();
    // even once revoked by its owner, the other entity still cannot tell it exists
    expect(store.revoke(b, tb.tokenId, 1000)).toBe('revoked');
    expect(store.revoke(a, tb.tokenId, 2000)).toBe('not_found');
    expect(store.get(b, tb.tokenId)?.revokedAt).toBe(1000);
  });

  it('revokes only the named token', () => {
    const { store, entity } = setup();
    const e = entity('E').pk;
    const ts = Array.from({ length: 5 }, () => newToken(e));
    store.insert(ts);
    expect(store.revoke(e, ts[2]?.tokenId ?? '', 7)).toBe('revoked');
    expect(ts.map((t) => store.get(e, t.tokenId)?.revokedAt ?? null)).toEqual([null, null, 7, null, null]);
  });

  it('is visible to findByHash at once', () => {
    const { store, entity } = setup();
    const e = entity('E').pk;
    const t = newToken(e);
    store.insert([t]);
    store.revoke(e, t.tokenId, 42);
    expect(store.findByHash(t.tokenHash)?.revokedAt).toBe(42);
  });
});

describe('touchLastUsed', () => {
  it('writes at most once per coarseness window', () => {
    const { store, entity } = setup();
    const e = entity('E').pk;
    const t = insertOne(store, newToken(e));
    const c = 60 * SECOND;
    const t0 = 1_700_000_000 * SECOND;
    expect(store.touchLastUsed(e, t.pk, t0, c)).toBe(true);
    expect(store.get(e, t.tokenId)?.lastUsedAt).toBe(t0);
    expect(store.touchLastUsed(e, t.pk, t0 + 1, c)).toBe(false);
    expect(store.touchLastUsed(e, t.pk, t0 + c, c)).toBe(false); // exactly one window later: t0 < t0 is false
    expect(store.get(e, t.tokenId)?.lastUsedAt).toBe(t0);
    expect(store.touchLastUsed(e, t.pk, t0 + c + 1, c)).toBe(true);
    expect(store.get(e, t.tokenId)?.lastUsedAt).toBe(t0 + c + 1);
  });

  it('never moves last use backwards', () => {
    const { store, entity } = setup();
    const e = entity('E').pk;
    const t = insertOne(store, newToken(e));
    expect(store.touchLastUsed(e, t.pk, 5000, 0)).toBe(true);
    expect(store.touchLastUsed(e, t.pk, 4000, 0)).toBe(false);
    expect(store.touchLastUsed(e, t.pk, 5000, 0)).toBe(false);
    expect(store.get(e, t.tokenId)?.lastUsedAt).toBe(5000);
  });

  it("does not touch another entity's token, nor an unknown pk", () => {
    const { store, entity } = setup();
    const a = entity('A').pk;
    const b = entity('B').pk;
    const tb = insertOne(store, newToken(b));
    expect(store.touchLastUsed(a, tb.pk, 1_000 * SECOND, 0)).toBe(false);
    expect(store.get(b, tb.tokenId)?.lastUsedAt).toBeNull();
    expect(store.touchLastUsed(b, tb.pk + 1000, 1_000 * SECOND, 0)).toBe(false);
    expect(store.touchLastUsed(b, tb.pk, 1_000 * SECOND, 0)).toBe(true);
  });
});

describe('entity isolation', () => {
  /** Two entities whose tokens are interleaved and share user, account, role and grant values. */
  function world() {
    const { store, entity } = setup();
    const a = entity('A').pk;
    const b = entity('B').pk;
    const user = randomUUID();
    const account = randomUUID();
    const r = rng(3);
    const tokens: NewToken[] = [];
    for (let i = 0; i < 200; i++) {
      tokens.push(
        newToken(i % 2 === 0 ? a : b, {
          userId: r.bool() ? user : null,
          accountId: r.bool() ? account : null,
          grantFlow: r.pick(GRANT_FLOWS),
          roles: r.bool() ? ['AUDITOR'] : ['ENTITY_ADMIN', 'AUDITOR'],
          createdAt: 1000 + (i % 10),
          expiresAt: 5000,
        }),
      );
    }
    store.insert(tokens);
    return { store, a, b, user, account, tokens };
  }

  it('page never returns the other entity, for every order key, direction, filter and cursor', () => {
    const { store, a, b, user, account, tokens } = world();
    const filterSets = [{}, { userId: user }, { accountId: account }, { role: 'AUDITOR' }, { grantFlow: 'GRANT_FLOW_LOGIN' as const }, { role: 'AUDITOR', userId: user }];
    for (const entityPk of [a, b]) {
      const own = new Set(tokens.filter((t) => t.entityPk === entityPk).map((t) => t.tokenId));
      for (const filters of filterSets) {
        for (const orderKey of ORDER_KEYS) {
          for (const direction of ORDER_DIRECTIONS) {
            const page = store.page(entityPk, { filters, snapshot: MAX_SAFE, orderKey, direction, limit: 100, offset: 0 });
            expect(page.length).toBeGreaterThan(0);
            for (const rec of page) {
              expect(rec.entityPk).toBe(entityPk);
              expect(own.has(rec.tokenId)).toBe(true);
            }
            // a cursor taken from the other entity's rows still only yields own rows
            const other = tokens.find((t) => t.entityPk !== entityPk) as NewToken;
            const after = { value: orderKey === 'token_id' ? other.tokenId : 0, tokenId: other.tokenId };
            for (const rec of store.page(entityPk, { filters, snapshot: MAX_SAFE, orderKey, direction, limit: 100, offset: 0, after })) {
              expect(rec.entityPk).toBe(entityPk);
            }
          }
        }
        expect(store.count(entityPk, filters, MAX_SAFE)).toBeLessThanOrEqual(own.size);
      }
      expect(store.count(entityPk, {}, MAX_SAFE)).toBe(own.size);
      expect(store.count(entityPk, { role: 'AUDITOR' }, MAX_SAFE)).toBe(own.size);
    }
  });

  it('an entity without tokens sees none, even with filters matching the others', () => {
    const { store, user } = world();
    for (const orderKey of ORDER_KEYS) {
      for (const filters of [{}, { userId: user }, { role: 'AUDITOR' }]) {
        expect(store.page(9999, { filters, snapshot: MAX_SAFE, orderKey, direction: 'ASC', limit: 100, offset: 0 })).toEqual([]);
        expect(store.count(9999, filters, MAX_SAFE)).toBe(0);
      }
    }
  });

  it("get / revoke / touchLastUsed cannot reach the other entity's tokens", () => {
    const { store, a, b, tokens } = world();
    for (const t of tokens.slice(0, 40)) {
      const other = t.entityPk === a ? b : a;
      const own = store.get(t.entityPk, t.tokenId) as TokenRecord;
      expect(own.tokenId).toBe(t.tokenId);
      expect(store.get(other, t.tokenId)).toBeUndefined();
      expect(store.revoke(other, t.tokenId, 1)).toBe('not_found');
      expect(store.touchLastUsed(other, own.pk, 10 * SECOND, 0)).toBe(false);
      expect(store.get(t.entityPk, t.tokenId)).toEqual(own);
    }
  });
});

describe('tokens table holds no raw token', () => {
  it('has exactly the expected columns, of which token_hash is the only secret', () => {
    const { db } = setup();
    const cols = db.$client.prepare('PRAGMA table_info(tokens)').all() as { name: string; type: string }[];
    expect(cols.map((c) => c.name).sort()).toEqual(
      [
        'pk',
        'entity_pk',
        'token_id',
        'token_hash',
        'client_id',
        'user_id',
        'account_id',
        'grant_flow',
        'grant_set_pk',
        'created_at',
        'expires_at',
        'revoked_at',
        'last_used_at',
      ].sort(),
    );
    const secretish = cols.filter((c) => /token|secret|raw|access|password|hash|value/i.test(c.name)).map((c) => c.name);
    expect(secretish.sort()).toEqual(['token_hash', 'token_id']);
    expect(cols.find((c) => c.name === 'token_hash')?.type.toLowerCase()).toBe('blob');
    const roleCols = db.$client.prepare('PRAGMA table_info(token_roles)').all() as { name: string }[];
    expect(roleCols.map((c) => c.name).sort()).toEqual(['created_at', 'entity_pk', 'role', 'token_id', 'token_pk']);
    const setCols = db.$client.prepare('PRAGMA table_info(grant_sets)').all() as { name: string }[];
    expect(setCols.map((c) => c.name).sort()).toEqual(['entity_pk', 'pk', 'roles', 'scopes']);
  });

  it('stores the SHA-256 of the raw token and the raw value appears in no cell of any table', () => {
    const { db, store, entity } = setup();
    const e = entity('E').pk;
    const raws = Array.from({ length: 5 }, () => `tw_${randomBytes(32).toString('base64url')}`);
    store.insert(raws.map((raw) => newToken(e, { tokenHash: sha256(raw), roles: ['AUDITOR'] })));
    const hashes = db.$client.prepare('SELECT token_hash FROM tokens').all() as { token_hash: Buffer }[];
    expect(hashes.map((h) => h.token_hash.toString('hex')).sort()).toEqual(raws.map((raw) => sha256(raw).toString('hex')).sort());
    for (const h of hashes) expect(h.token_hash.length).toBe(32);
    const tables = db.$client.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    expect(tables.length).toBeGreaterThan(5);
    for (const { name } of tables) {
      for (const row of db.$client.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
        for (const cell of Object.values(row)) {
          const text = Buffer.isBuffer(cell) ? cell.toString('latin1') : String(cell);
          for (const raw of raws) expect(text.includes(raw), `${name} holds a raw token`).toBe(false);
        }
      }
    }
  });
});

describe('countUpTo', () => {
  it('is exact below the cap and stops at it, with every filter shape', () => {
    const { store, entity } = setup();
    const e = entity('E').pk;
    const other = entity('F').pk;
    const user = randomUUID();
    store.insert(Array.from({ length: 30 }, (_, i) => newToken(e, { userId: i % 2 ? user : null, roles: ['R'], createdAt: i })));
    store.insert(Array.from({ length: 30 }, (_, i) => newToken(other, { userId: user, roles: ['R'], createdAt: i })));
    for (const filters of [{}, { userId: user }, { role: 'R' }, { role: 'R', userId: user }]) {
      const full = store.count(e, filters, MAX_SAFE);
      expect(full).toBeGreaterThan(10);
      expect(store.countUpTo(e, filters, MAX_SAFE, 1000)).toBe(full);
      expect(store.countUpTo(e, filters, MAX_SAFE, 10)).toBe(10);
      expect(store.countUpTo(e, filters, 9, 1000)).toBe(store.count(e, filters, 9));
    }
  });
});

describe('cursors past the snapshot', () => {
  it('never let a page show tokens created after the snapshot, in any order', () => {
    const { store, entity } = setup();
    const e = entity('E').pk;
    const older = newToken(e, { createdAt: 100, roles: ['A'] });
    const newer = newToken(e, { createdAt: 200, roles: ['A'] });
    store.insert([older, newer]);
    for (const filters of [{}, { role: 'A' }]) {
      for (const direction of ['DESC', 'ORDER_DIRECTION_ENUM_UNSPECIFIED', 'ASC'] as const) {
        const page = store.page(e, {
          filters,
          snapshot: 150,
          orderKey: 'created_at',
          direction,
          limit: 10,
          offset: 0,
          after: { value: direction === 'ASC' ? 0 : 300, tokenId: 'x' },
        });
        expect(page.map((t) => t.tokenId), `${direction} ${JSON.stringify(filters)}`).toEqual([older.tokenId]);
      }
    }
  });
});

describe('grant sets', () => {
  const page = (store: ReturnType<typeof setup>['store'], e: number) =>
    store.page(e, { filters: {}, snapshot: MAX_SAFE, orderKey: 'token_id', direction: 'ASC', limit: 100, offset: 0 });
  const sets = (db: ReturnType<typeof setup>['db']) =>
    db.$client.prepare('SELECT entity_pk, roles, scopes FROM grant_sets ORDER BY pk').all() as { entity_pk: number; roles: string; scopes: string }[];

  it('stores each distinct (roles, scopes) pair once per entity, keeping list order', () => {
    const { db, store, entity } = setup();
    const a = entity('A').pk;
    const b = entity('B').pk;
    const x = { roles: ['TELLER', 'AUDITOR'], scopes: ['iam.oauth.*'] };
    const y = { roles: ['AUDITOR', 'TELLER'], scopes: ['iam.oauth.*'] };
    store.insert([newToken(a, x), newToken(a, x)]);
    store.insert([newToken(a, x), newToken(a, y), newToken(b, x)]);
    expect(sets(db)).toEqual([
      { entity_pk: a, roles: '["TELLER","AUDITOR"]', scopes: '["iam.oauth.*"]' },
      { entity_pk: a, roles: '["AUDITOR","TELLER"]', scopes: '["iam.oauth.*"]' },
      { entity_pk: b, roles: '["TELLER","AUDITOR"]', scopes: '["iam.oauth.*"]' },
    ]);
    expect(page(store, a).map((t) => t.roles.join())).toEqual(
      expect.arrayContaining(['TELLER,AUDITOR', 'AUDITOR,TELLER']),
    );
  });

  it('hands out one frozen list per set: records share it and nobody can change it', () => {
    const { store, entity } = setup();
    const e = entity('E').pk;
    store.insert([newToken(e, { roles: ['AUDITOR'] }), newToken(e, { roles: ['AUDITOR'] })]);
    const [first, second] = page(store, e);
    expect(first!.roles).toBe(second!.roles);
    expect(Object.isFrozen(first!.roles) && Object.isFrozen(first!.scopes)).toBe(true);
    expect(() => (first!.roles as string[]).push('ADMIN')).toThrow(TypeError);
    expect(page(store, e)[0]!.roles).toEqual(['AUDITOR']);
    expect(Object.isFrozen(store.get(e, first!.tokenId)!.roles)).toBe(true);
  });

  it('never serves a set read inside a transaction that rolled back', () => {
    const { db, store, entity } = setup();
    const e = entity('E').pk;
    const rolledBack = newToken(e, { roles: ['GONE'] });
    expect(() =>
      db.$client.transaction(() => {
        store.insert([rolledBack]);
        expect(page(store, e).map((t) => t.roles)).toEqual([['GONE']]);
        throw new Error('roll back');
      })(),
    ).toThrow('roll back');
    // The same grant_sets key is handed out again, now for other lists.
    const kept = newToken(e, { roles: ['KEPT'] });
    store.insert([kept]);
    expect(page(store, e).map((t) => [t.tokenId, t.roles])).toEqual([[kept.tokenId, ['KEPT']]]);
  });

  it('resolves a set only for the entity that owns it', () => {
    const { db, store, entity } = setup();
    const a = entity('A').pk;
    const b = entity('B').pk;
    const t = newToken(a, { roles: ['MINE'] });
    store.insert([t]);
    expect(page(store, a)).toHaveLength(1);
    // A token row of B pointing at A's set (never written by the store) is refused, not served.
    const setPk = (db.$client.prepare('SELECT grant_set_pk FROM tokens WHERE token_id = ?').pluck().get(t.tokenId)) as number;
    store.insert([newToken(b, { roles: ['THEIRS'] })]);
    db.$client.prepare('UPDATE tokens SET grant_set_pk = ? WHERE entity_pk = ?').run(setPk, b);
    expect(() => page(store, b)).toThrow(/grant set/);
  });
});
