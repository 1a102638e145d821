import { and, eq } from 'drizzle-orm';
import type { Micros } from '@tokenwarden/contracts';
import type { AccountRecord, ClientRecord, DirectoryStore, EntityRecord, UserRecord } from '../store.js';
import { guarded, type PgDb } from './client.js';
import { accounts, apiClients, entities, serverKeys, userAccounts, users } from './schema.js';

const USER_COLUMNS = {
  pk: users.pk,
  entityPk: users.entityPk,
  userId: users.userId,
  username: users.username,
  passwordHash: users.passwordHash,
  roles: users.roles,
  scopes: users.scopes,
};
const CLIENT_COLUMNS = {
  entityPk: apiClients.entityPk,
  clientId: apiClients.clientId,
  name: apiClients.name,
  secretHash: apiClients.secretHash,
  roles: apiClients.roles,
  scopes: apiClients.scopes,
};
const ACCOUNT_COLUMNS = { pk: accounts.pk, entityPk: accounts.entityPk, accountId: accounts.accountId, name: accounts.name };
const ENTITY_COLUMNS = { pk: entities.pk, entityId: entities.entityId, name: entities.name };

/**
 * Whether PostgreSQL can hold the text: it refuses NUL in text values (an error, not a
 * miss), and no stored key contains one, so a lookup by such a value finds nothing.
 */
const holdable = (s: string) => !s.includes('\u0000');

/** The operator's records in PostgreSQL (see `DirectoryStore`). */
export class PgDirectoryStore implements DirectoryStore {
  constructor(private readonly db: PgDb) {}

  createEntity(e: { entityId: string; name: string; createdAt: Micros }): Promise<EntityRecord> {
    return guarded(async () => {
      const [row] = await this.db.insert(entities).values(e).returning(ENTITY_COLUMNS);
      if (!row) throw new Error('entity insert returned nothing');
      return row;
    });
  }

  findEntity(entityId: string): Promise<EntityRecord | undefined> {
    if (!holdable(entityId)) return Promise.resolve(undefined);
    return guarded(async () => (await this.db.select(ENTITY_COLUMNS).from(entities).where(eq(entities.entityId, entityId)))[0]);
  }

  listEntities(): Promise<EntityRecord[]> {
    return guarded(async () => await this.db.select(ENTITY_COLUMNS).from(entities).orderBy(entities.pk));
  }

  createClient(c: ClientRecord & { createdAt: Micros }): Promise<void> {
    return guarded(async () => {
      await this.db.insert(apiClients).values(c);
    });
  }

  findClient(clientId: string): Promise<ClientRecord | undefined> {
    if (!holdable(clientId)) return Promise.resolve(undefined);
    return guarded(async () => (await this.db.select(CLIENT_COLUMNS).from(apiClients).where(eq(apiClients.clientId, clientId)))[0]);
  }

  replaceClientSecretHash(entityPk: number, clientId: string, from: string, to: string): Promise<boolean> {
    if (!holdable(clientId)) return Promise.resolve(false);
    return guarded(async () => {
      const where = and(eq(apiClients.entityPk, entityPk), eq(apiClients.clientId, clientId), eq(apiClients.secretHash, from));
      const rows = await this.db.update(apiClients).set({ secretHash: to }).where(where).returning({ pk: apiClients.pk });
      return rows.length === 1;
    });
  }

  serverKey(name: string, candidate?: { key: Buffer; createdAt: Micros }): Promise<Buffer | undefined> {
    return guarded(async () => {
      if (candidate)
        await this.db
          .insert(serverKeys)
          .values({ name, ...candidate })
          .onConflictDoNothing();
      return (await this.db.select({ key: serverKeys.key }).from(serverKeys).where(eq(serverKeys.name, name)))[0]?.key;
    });
  }

  createUser(u: Omit<UserRecord, 'pk'> & { createdAt: Micros; accountIds?: readonly string[] }): Promise<UserRecord> {
    return guarded(() =>
      this.db.transaction(async (tx) => {
        const { accountIds = [], ...values } = u;
        const [row] = await tx.insert(users).values(values).returning(USER_COLUMNS);
        if (!row) throw new Error('user insert returned nothing');
        for (const accountId of accountIds) {
          const [account] = await tx
            .select({ pk: accounts.pk })
            .from(accounts)
            .where(and(eq(accounts.entityPk, u.entityPk), eq(accounts.accountId, accountId)));
          if (!account) throw new Error(`account ${accountId} is not an account of this entity`);
          await tx.insert(userAccounts).values({ userPk: row.pk, accountPk: account.pk });
        }
        return row;
      }),
    );
  }

  findUserByUsername(username: string): Promise<UserRecord | undefined> {
    if (!holdable(username)) return Promise.resolve(undefined);
    return guarded(async () => (await this.db.select(USER_COLUMNS).from(users).where(eq(users.username, username)))[0]);
  }

  createAccount(a: Omit<AccountRecord, 'pk'> & { createdAt: Micros }): Promise<AccountRecord> {
    return guarded(async () => {
      const [row] = await this.db.insert(accounts).values(a).returning(ACCOUNT_COLUMNS);
      if (!row) throw new Error('account insert returned nothing');
      return row;
    });
  }

  accountInEntity(entityPk: number, accountId: string): Promise<boolean> {
    if (!holdable(accountId)) return Promise.resolve(false);
    return guarded(async () => {
      const rows = await this.db
        .select({ pk: accounts.pk })
        .from(accounts)
        .where(and(eq(accounts.entityPk, entityPk), eq(accounts.accountId, accountId)));
      return rows.length > 0;
    });
  }

  userMayActFor(entityPk: number, userPk: number, accountId: string): Promise<boolean> {
    if (!holdable(accountId)) return Promise.resolve(false);
    return guarded(async () => {
      const rows = await this.db
        .select({ pk: accounts.pk })
        .from(userAccounts)
        .innerJoin(accounts, eq(accounts.pk, userAccounts.accountPk))
        .where(and(eq(userAccounts.userPk, userPk), eq(accounts.entityPk, entityPk), eq(accounts.accountId, accountId)));
      return rows.length > 0;
    });
  }

  listAccounts(entityPk: number): Promise<AccountRecord[]> {
    return guarded(() => this.db.select(ACCOUNT_COLUMNS).from(accounts).where(eq(accounts.entityPk, entityPk)).orderBy(accounts.pk));
  }

  listUsers(entityPk: number): Promise<UserRecord[]> {
    return guarded(() => this.db.select(USER_COLUMNS).from(users).where(eq(users.entityPk, entityPk)).orderBy(users.pk));
  }
}
