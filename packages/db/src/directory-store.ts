import { and, eq } from 'drizzle-orm';
import type { Micros } from '@tokenwarden/contracts';
import type { Db } from './client.js';
import { accounts, apiClients, entities, userAccounts, users } from './schema.js';

export interface EntityRecord {
  pk: number;
  entityId: string;
  name: string;
}

export interface ClientRecord {
  entityPk: number;
  clientId: string;
  name: string;
  secretHash: string;
  roles: string[];
  scopes: string[];
}

export interface UserRecord {
  pk: number;
  entityPk: number;
  userId: string;
  username: string;
  passwordHash: string;
  roles: string[];
  scopes: string[];
}

export interface AccountRecord {
  pk: number;
  entityPk: number;
  accountId: string;
  name: string;
}

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
 * Entities, API clients, users and accounts: the operator's records. Lookups by a
 * credential (client_id, username) are global, as sign-in requires; everything else is
 * scoped to an entity.
 */
export class DirectoryStore {
  constructor(private readonly db: Db) {}

  createEntity(e: { entityId: string; name: string; createdAt: Micros }): EntityRecord {
    const [row] = this.db.insert(entities).values(e).returning().all();
    if (!row) throw new Error('entity insert returned nothing');
    return { pk: row.pk, entityId: row.entityId, name: row.name };
  }

  findEntity(entityId: string): EntityRecord | undefined {
    return this.db.select(ENTITY_COLUMNS).from(entities).where(eq(entities.entityId, entityId)).get();
  }

  entityByPk(pk: number): EntityRecord | undefined {
    return this.db.select(ENTITY_COLUMNS).from(entities).where(eq(entities.pk, pk)).get();
  }

  createClient(c: ClientRecord & { createdAt: Micros }): void {
    this.db.insert(apiClients).values(c).run();
  }

  findClient(clientId: string): ClientRecord | undefined {
    return this.db
      .select(CLIENT_COLUMNS)
      .from(apiClients)
      .where(eq(apiClients.clientId, clientId))
      .get();
  }

  createUser(u: Omit<UserRecord, 'pk'> & { createdAt: Micros; accountIds?: readonly string[] }): UserRecord {
    return this.db.transaction((tx) => {
      const { accountIds = [], ...values } = u;
      const [row] = tx.insert(users).values(values).returning().all();
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
  }

  findUserByUsername(username: string): UserRecord | undefined {
    return this.db
      .select(USER_COLUMNS)
      .from(users)
      .where(eq(users.username, username))
      .get();
  }

  createAccount(a: Omit<AccountRecord, 'pk'> & { createdAt: Micros }): AccountRecord {
    const [row] = this.db.insert(accounts).values(a).returning().all();
    if (!row) throw new Error('account insert returned nothing');
    return { pk: row.pk, entityPk: row.entityPk, accountId: row.accountId, name: row.name };
  }

  /** Whether the account belongs to the entity. */
  accountInEntity(entityPk: number, accountId: string): boolean {
    return !!this.db
      .select({ pk: accounts.pk })
      .from(accounts)
      .where(and(eq(accounts.entityPk, entityPk), eq(accounts.accountId, accountId)))
      .get();
  }

  /** Whether the user (of that entity) may act for the account. */
  userMayActFor(entityPk: number, userPk: number, accountId: string): boolean {
    return !!this.db
      .select({ pk: accounts.pk })
      .from(userAccounts)
      .innerJoin(accounts, eq(accounts.pk, userAccounts.accountPk))
      .where(
        and(eq(userAccounts.userPk, userPk), eq(accounts.entityPk, entityPk), eq(accounts.accountId, accountId)),
      )
      .get();
  }

  listAccounts(entityPk: number): AccountRecord[] {
    return this.db
      .select(ACCOUNT_COLUMNS)
      .from(accounts)
      .where(eq(accounts.entityPk, entityPk))
      .all();
  }

  listUsers(entityPk: number): UserRecord[] {
    return this.db
      .select(USER_COLUMNS)
      .from(users)
      .where(eq(users.entityPk, entityPk))
      .all();
  }
}
