import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DuplicateKeyError } from '@tokenwarden/db';
import { rejection, setup } from './helpers.js';

async function world() {
  const s = await setup({ memory: true });
  const a = await s.dir.createEntity({ entityId: randomUUID(), name: 'Acme', createdAt: 1 });
  const b = await s.dir.createEntity({ entityId: randomUUID(), name: 'Globex', createdAt: 2 });
  return { ...s, a, b };
}

/** Asserts a duplicate-key rejection naming the column. */
async function expectDuplicate(p: Promise<unknown>, key: string): Promise<void> {
  const error = await rejection(p);
  expect(error).toBeInstanceOf(DuplicateKeyError);
  expect((error as DuplicateKeyError).key).toBe(key);
}

describe('DirectoryStore', () => {
  it('finds nothing (rather than failing) for a credential holding a NUL character', async () => {
    const { dir, a } = await world();
    expect(await dir.findClient('client\u0000x')).toBeUndefined();
    expect(await dir.findUserByUsername('user\u0000x')).toBeUndefined();
    expect(await dir.findEntity('\u0000')).toBeUndefined();
    expect(await dir.accountInEntity(a.pk, '\u0000')).toBe(false);
  });

  it('creates and finds entities by id', async () => {
    const { dir, a, b } = await world();
    expect(a.pk).not.toBe(b.pk);
    expect(a).toEqual({ pk: a.pk, entityId: a.entityId, name: 'Acme' });
    expect(await dir.findEntity(a.entityId)).toEqual(a);
    expect(await dir.findEntity(b.entityId)).toEqual(b);
    expect(await dir.findEntity(randomUUID())).toBeUndefined();
    await expectDuplicate(dir.createEntity({ entityId: a.entityId, name: 'dup', createdAt: 3 }), 'entity_id');
    expect(await dir.findEntity(a.entityId)).toEqual(a);
  });

  it('stores clients with their roles and scopes, globally unique by client_id', async () => {
    const { dir, a, b } = await world();
    const client = { entityPk: a.pk, clientId: 'acme-ci', name: 'CI', secretHash: 'scrypt$…', roles: ['ENTITY_ADMIN'], scopes: ['iam.oauth.*'] };
    await dir.createClient({ ...client, createdAt: 5 });
    expect(await dir.findClient('acme-ci')).toEqual(client);
    expect(await dir.findClient('ACME-CI')).toBeUndefined();
    expect(await dir.findClient('nope')).toBeUndefined();
    await expectDuplicate(dir.createClient({ ...client, entityPk: b.pk, createdAt: 6 }), 'client_id');
    await expect(dir.createClient({ ...client, clientId: 'orphan', entityPk: 9999, createdAt: 6 })).rejects.toThrow(/FOREIGN KEY/i);
    expect(await dir.findClient('orphan')).toBeUndefined();
    expect((await dir.findClient('acme-ci'))?.entityPk).toBe(a.pk);
  });

  it('creates users bound to accounts of their own entity', async () => {
    const { dir, a, b } = await world();
    const acc1 = await dir.createAccount({ entityPk: a.pk, accountId: randomUUID(), name: 'one', createdAt: 1 });
    const acc2 = await dir.createAccount({ entityPk: a.pk, accountId: randomUUID(), name: 'two', createdAt: 1 });
    const accB = await dir.createAccount({ entityPk: b.pk, accountId: randomUUID(), name: 'b', createdAt: 1 });
    const user = await dir.createUser({
      entityPk: a.pk,
      userId: randomUUID(),
      username: 'alice',
      passwordHash: 'h',
      roles: ['AUDITOR'],
      scopes: ['iam.oauth.tokens.list.get'],
      createdAt: 1,
      accountIds: [acc1.accountId],
    });
    const expected = {
      pk: user.pk,
      entityPk: a.pk,
      userId: user.userId,
      username: 'alice',
      passwordHash: 'h',
      roles: ['AUDITOR'],
      scopes: ['iam.oauth.tokens.list.get'],
    };
    expect(user).toEqual(expected);
    expect(await dir.findUserByUsername('alice')).toEqual(expected);
    expect(await dir.userMayActFor(a.pk, user.pk, acc1.accountId)).toBe(true);
    expect(await dir.userMayActFor(a.pk, user.pk, acc2.accountId)).toBe(false);
    expect(await dir.userMayActFor(b.pk, user.pk, acc1.accountId)).toBe(false);
    expect(await dir.userMayActFor(a.pk, user.pk, accB.accountId)).toBe(false);
    expect(await dir.userMayActFor(a.pk, user.pk, randomUUID())).toBe(false);
  });

  it('refuses an account of another entity and creates nothing (atomic)', async () => {
    const { dir, a, b } = await world();
    const own = await dir.createAccount({ entityPk: a.pk, accountId: randomUUID(), name: 'own', createdAt: 1 });
    const foreign = await dir.createAccount({ entityPk: b.pk, accountId: randomUUID(), name: 'foreign', createdAt: 1 });
    await expect(
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
    ).rejects.toThrow(/not an account of this entity/);
    expect(await dir.findUserByUsername('mallory')).toBeUndefined();
    expect(await dir.listUsers(a.pk)).toEqual([]);
  });

  it('keeps usernames, user ids and account ids globally unique', async () => {
    const { dir, a, b } = await world();
    const base = { passwordHash: 'h', roles: [], scopes: [], createdAt: 1 };
    const bob = await dir.createUser({ ...base, entityPk: a.pk, userId: randomUUID(), username: 'bob' });
    await expectDuplicate(dir.createUser({ ...base, entityPk: b.pk, userId: randomUUID(), username: 'bob' }), 'username');
    expect((await dir.findUserByUsername('bob'))?.entityPk).toBe(a.pk);
    await expectDuplicate(dir.createUser({ ...base, entityPk: b.pk, userId: bob.userId, username: 'bob2' }), 'user_id');
    expect(await dir.findUserByUsername('bob2')).toBeUndefined();
    const acc = await dir.createAccount({ entityPk: a.pk, accountId: randomUUID(), name: 'acc', createdAt: 1 });
    await expectDuplicate(dir.createAccount({ entityPk: b.pk, accountId: acc.accountId, name: 'dup', createdAt: 1 }), 'account_id');
    expect(await dir.listAccounts(b.pk)).toEqual([]);
  });

  it('scopes account and user listings and account checks to the entity', async () => {
    const { dir, a, b } = await world();
    const accA = await dir.createAccount({ entityPk: a.pk, accountId: randomUUID(), name: 'a', createdAt: 1 });
    const accB = await dir.createAccount({ entityPk: b.pk, accountId: randomUUID(), name: 'b', createdAt: 1 });
    const base = { passwordHash: 'h', roles: [], scopes: [], createdAt: 1 };
    const ua = await dir.createUser({ ...base, entityPk: a.pk, userId: randomUUID(), username: 'ua' });
    const ub = await dir.createUser({ ...base, entityPk: b.pk, userId: randomUUID(), username: 'ub' });
    expect(await dir.listAccounts(a.pk)).toEqual([accA]);
    expect(await dir.listAccounts(b.pk)).toEqual([accB]);
    expect((await dir.listUsers(a.pk)).map((u) => u.userId)).toEqual([ua.userId]);
    expect((await dir.listUsers(b.pk)).map((u) => u.userId)).toEqual([ub.userId]);
    expect(await dir.accountInEntity(a.pk, accA.accountId)).toBe(true);
    expect(await dir.accountInEntity(a.pk, accB.accountId)).toBe(false);
    expect(await dir.accountInEntity(b.pk, accB.accountId)).toBe(true);
    expect(await dir.accountInEntity(a.pk, randomUUID())).toBe(false);
    expect(await dir.listAccounts(9999)).toEqual([]);
  });
});
