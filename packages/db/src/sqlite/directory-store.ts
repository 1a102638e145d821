import { and, eq, sql } from 'drizzle-orm';
import type { Micros } from '@tokenwarden/contracts';
import type { AccountRecord, ClientRecord, DirectoryStore, EntityRecord, UserRecord } from '../store.js';
import { settle, type SqliteDb } from './client.js';
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

/** The operator's records in SQLite (see `DirectoryStore`). */
export class SqliteDirectoryStore implements DirectoryStore {
  /** The lookups of every issuance, built once (drizzle would build their SQL again on each call). */
  private readonly clientById;
  private readonly userByName;

  constructor(private readonly db: SqliteDb) {
    this.clientById = db
      .select(CLIENT_COLUMNS)
      .from(apiClients)
      .where(eq(apiClients.clientId, sql.placeholder('clientId')))
      .prepare();
    this.userByName = db
      .select(USER_COLUMNS)
      .from(users)
      .where(eq(users.username, sql.placeholder('username')))
      .prepare();
  }

  createEntity(e: { entityId: string; name: string; createdAt: Micros }): Promise<EntityRecord> {
    return settle(() => {
      const [row] = this.db.insert(entities).values(e).returning().all();
      if (!row) throw new Error('entity insert returned nothing');
      return { pk: row.pk, entityId: row.entityId, name: row.name };
    });
  }

  findEntity(entityId: string): Promise<EntityRecord | undefined> {
    return settle(() => {
      return this.db.select(ENTITY_COLUMNS).from(entities).where(eq(entities.entityId, entityId)).get();
    });
  }

  listEntities(): Promise<EntityRecord[]> {
    return settle(() => this.db.select(ENTITY_COLUMNS).from(entities).orderBy(entities.pk).all());
  }

  createClient(c: ClientRecord & { createdAt: Micros }): Promise<void> {
    return settle(() => {
      this.db.insert(apiClients).values(c).run();
    });
  }

  findClient(clientId: string): Promise<ClientRecord | undefined> {
    return settle(() => this.clientById.get({ clientId }));
  }

  replaceClientSecretHash(entityPk: number, clientId: string, from: string, to: string): Promise<boolean> {
    return settle(() => {
      const where = and(eq(apiClients.entityPk, entityPk), eq(apiClients.clientId, clientId), eq(apiClients.secretHash, from));
      return this.db.update(apiClients).set({ secretHash: to }).where(where).run().changes === 1;
    });
  }

  serverKey(name: string, candidate?: { key: Buffer; createdAt: Micros }): Promise<Buffer | undefined> {
    return settle(() => {
      if (candidate)
        this.db
          .insert(serverKeys)
          .values({ name, ...candidate })
          .onConflictDoNothing()
          .run();
      return this.db.select({ key: serverKeys.key }).from(serverKeys).where(eq(serverKeys.name, name)).get()?.key;
    });
  }

  createUser(u: Omit<UserRecord, 'pk'> & { createdAt: Micros; accountIds?: readonly string[] }): Promise<UserRecord> {
    return settle(() => {
      return this.db.transaction((tx) => {
        const { accountIds = [], ...values } = u;
        const [row] = tx.insert(users).values(values).returning(USER_COLUMNS).all();
        if (!row) throw new Error('user insert returned nothing');
        for (const accountId of accountIds) {
          const account = tx
            .select({ pk: accounts.pk })
            .from(accounts)
            .where(and(eq(accounts.entityPk, u.entityPk), eq(accounts.accountId, accountId)))
            .get();
          if (!account) throw new Error(`account ${accountId} is not an account of this entity`);
          tx.insert(userAccounts).values({ userPk: row.pk, accountPk: account.pk }).run();
        }
        return row;
      });
    });
  }

  findUserByUsername(username: string): Promise<UserRecord | undefined> {
    return settle(() => this.userByName.get({ username }));
  }

  createAccount(a: Omit<AccountRecord, 'pk'> & { createdAt: Micros }): Promise<AccountRecord> {
    return settle(() => {
      const [row] = this.db.insert(accounts).values(a).returning().all();
      if (!row) throw new Error('account insert returned nothing');
      return { pk: row.pk, entityPk: row.entityPk, accountId: row.accountId, name: row.name };
    });
  }

  /** Whether the account belongs to the entity. */
  accountInEntity(entityPk: number, accountId: string): Promise<boolean> {
    return settle(() => {
      return !!this.db
        .select({ pk: accounts.pk })
        .from(accounts)
        .where(and(eq(accounts.entityPk, entityPk), eq(accounts.accountId, accountId)))
        .get();
    });
  }

  /** Whether the user (of that entity) may act for the account. */
  userMayActFor(entityPk: number, userPk: number, accountId: string): Promise<boolean> {
    return settle(() => {
      return !!this.db
        .select({ pk: accounts.pk })
        .from(userAccounts)
        .innerJoin(accounts, eq(accounts.pk, userAccounts.accountPk))
        .where(and(eq(userAccounts.userPk, userPk), eq(accounts.entityPk, entityPk), eq(accounts.accountId, accountId)))
        .get();
    });
  }

  listAccounts(entityPk: number): Promise<AccountRecord[]> {
    return settle(() => {
      return this.db.select(ACCOUNT_COLUMNS).from(accounts).where(eq(accounts.entityPk, entityPk)).orderBy(accounts.pk).all();
    });
  }

  listUsers(entityPk: number): Promise<UserRecord[]> {
    return settle(() => {
      return this.db.select(USER_COLUMNS).from(users).where(eq(users.entityPk, entityPk)).orderBy(users.pk).all();
    });
  }
}
