import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { setup } from './helpers.js';

function world() {
  const s = setup();
  const a = s.dir.createEntity({ entityId: randomUUID(), name: 'Acme', createdAt: 1 });
  const b = s.dir.createEntity({ entityId: randomUUID(), name: 'Globex', createdAt: 2 });
  return { ...s, a, b };
}

describe('DirectoryStore', () => {
  it('creates and finds entities by id and pk', () => {
    const { dir, a, b } = world();
    expect(a.pk).not.toBe(b.pk);
    expect(dir.findEntity(a.entityId)).toEqual(a);
    expect(dir.entityByPk(b.pk)).toEqual(b);
    expect(dir.findEntity(randomUUID())).toBeUndefined();
    expect(dir.entityByPk(9999)).toBeUndefined();
    expect(() => dir.createEntity({ entityId: a.entityId, name: 'dup', createdAt: 3 })).toThrow(/UNIQUE/i);
  });

  it('stores clients with their roles and scopes, globally unique by client_id', () => {
    const { dir, a, b } = world();
    const client = { entityPk: a.pk, clientId: 'acme-ci', name: 'CI', secretHash: 'scrypt$…', roles: ['ENTITY_ADMIN'], scopes: ['iam.oauth.*'] };
    dir.createClient({ ...client, createdAt: 5 });
    expect(dir.findClient('acme-ci')).toEqual(client);
    expect(dir.findClient('ACME-CI')).toBeUndefined();
    expect(dir.findClient('nope')).toBeUndefined();
    expect(() => dir.createClient({ ...client, entityPk: b.pk, createdAt: 6 })).toThrow(/UNIQUE/i);
    expect(() => dir.createClient({ ...client, clientId: 'orphan', entityPk: 9999, createdAt: 6 })).toThrow(/FOREIGN KEY/i);
  });

  it('creates users bound to accounts of their own entity', () => {
    const { dir, a, b } = world();
    const acc1 = dir.createAccount({ entityPk: a.pk, accountId: randomUUID(), name: 'one', createdAt: 1 });
    const acc2 = dir.createAccount({ entityPk: a.pk, accountId: randomUUID(), name: 'two', createdAt: 1 });
    const accB = dir.createAccount({ entityPk: b.pk, accountId: randomUUID(), name: 'b', createdAt: 1 });
    const user = dir.createUser({
      entityPk: a.pk,
      userId: randomUUID(),
      username: 'alice',
      passwordHash: 'h',
      roles: ['AUDITOR'],
      scopes: ['iam.oauth.tokens.list.get'],
      createdAt: 1,
      accountIds: [acc1.accountId],
    });
    expect(dir.findUserByUsername('alice')).toEqual({
      pk: user.pk,
      entityPk: a.pk,
      userId: user.userId,
      username: 'alice',
      passwordHash: 'h',
      roles: ['AUDITOR'],
      scopes: ['iam.oauth.tokens.list.get'],
    });
    expect(dir.userMayActFor(a.pk, user.pk, acc1.accountId)).toBe(true);
    expect(dir.userMayActFor(a.pk, user.pk, acc2.accountId)).toBe(false);
    expect(dir.userMayActFor(b.pk, user.pk, acc1.accountId)).toBe(false);
    expect(dir.userMayActFor(a.pk, user.pk, accB.accountId)).toBe(false);
    expect(dir.userMayActFor(a.pk, user.pk, randomUUID())).toBe(false);
  });

  it("refuses an account of another entity and creates nothing (atomic)", () => {
    const { dir, a, b } = world();
    const own = dir.createAccount({ entityPk: a.pk, accountId: randomUUID(), name: 'own', createdAt: 1 });
    const foreign = dir.createAccount({ entityPk: b.pk, accountId: randomUUID(), name: 'foreign', createdAt: 1 });
    expect(() =>
      dir.createUser({
        entityPk: a.pk,
        userId: randomUUID(),
        username: 'mallory',
        passwordHash: 'h',
        roles: [],
        scopes: [],
        createdAt: 1,
        accountIds: [own.accountId, foreign.accountId],
      }),
    ).toThrow(/not an account of this entity/);
    expect(dir.findUserByUsername('mallory')).toBeUndefined();
    expect(dir.listUsers(a.pk)).toEqual([]);
  });

  it('keeps usernames globally unique', () => {
    const { dir, a, b } = world();
    const base = { passwordHash: 'h', roles: [], scopes: [], createdAt: 1 };
    dir.createUser({ ...base, entityPk: a.pk, userId: randomUUID(), username: 'bob' });
    expect(() => dir.createUser({ ...base, entityPk: b.pk, userId: randomUUID(), username: 'bob' })).toThrow(/UNIQUE/i);
    expect(dir.findUserByUsername('bob')?.entityPk).toBe(a.pk);
  });

  it('scopes account and user listings and account checks to the entity', () => {
    const { dir, a, b } = world();
    const accA = dir.createAccount({ entityPk: a.pk, accountId: randomUUID(), name: 'a', createdAt: 1 });
    const accB = dir.createAccount({ entityPk: b.pk, accountId: randomUUID(), name: 'b', createdAt: 1 });
    const base = { passwordHash: 'h', roles: [], scopes: [], createdAt: 1 };
    const ua = dir.createUser({ ...base, entityPk: a.pk, userId: randomUUID(), username: 'ua' });
    const ub = dir.createUser({ ...base, entityPk: b.pk, userId: randomUUID(), username: 'ub' });
    expect(dir.listAccounts(a.pk)).toEqual([accA]);
    expect(dir.listAccounts(b.pk)).toEqual([accB]);
    expect(dir.listUsers(a.pk).map((u) => u.userId)).toEqual([ua.userId]);
    expect(dir.listUsers(b.pk).map((u) => u.userId)).toEqual([ub.userId]);
    expect(dir.accountInEntity(a.pk, accA.accountId)).toBe(true);
    expect(dir.accountInEntity(a.pk, accB.accountId)).toBe(false);
    expect(dir.accountInEntity(b.pk, accB.accountId)).toBe(true);
    expect(dir.accountInEntity(a.pk, randomUUID())).toBe(false);
    expect(dir.listAccounts(9999)).toEqual([]);
  });
});
