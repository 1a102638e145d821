import { sql } from 'drizzle-orm';
import { bigint, customType, index, integer, pgTable, primaryKey, smallint, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/*
 * The PostgreSQL schema: the same tables, keys and indexes as the SQLite one
 * (../sqlite/schema.ts), in PostgreSQL's types. Instants are bigint microseconds since
 * the Unix epoch. On tokens, the optional user and account are the nil UUID rather than
 * NULL, and a token never used has last_used_at 0: every order key is a plain total
 * order (the nil UUID sorts first, as '' does in SQLite), so keyset cursors need no NULL
 * cases. Ids that tokens are ordered by are `uuid`, whose order is the order of their
 * lowercase text: the same order as SQLite's, whatever the database's collation.
 */

/** Drizzle has no bytea builder: a Buffer column. */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

const micros = (name: string) => bigint(name, { mode: 'number' });

export const entities = pgTable('entities', {
  pk: integer('pk').primaryKey().generatedByDefaultAsIdentity(),
  entityId: text('entity_id').notNull().unique(),
  name: text('name').notNull(),
  createdAt: micros('created_at').notNull(),
});

/** Keys the server keeps in the database (see ../sqlite/schema.ts). */
export const serverKeys = pgTable('server_keys', {
  name: text('name').primaryKey(),
  key: bytea('key').notNull(),
  createdAt: micros('created_at').notNull(),
});

export const apiClients = pgTable(
  'api_clients',
  {
    pk: integer('pk').primaryKey().generatedByDefaultAsIdentity(),
    entityPk: integer('entity_pk')
      .notNull()
      .references(() => entities.pk),
    clientId: text('client_id').notNull().unique(),
    secretHash: text('secret_hash').notNull(),
    name: text('name').notNull(),
    roles: text('roles').array().notNull(),
    scopes: text('scopes').array().notNull(),
    createdAt: micros('created_at').notNull(),
  },
  (t) => [index('api_clients_entity').on(t.entityPk)],
);

export const users = pgTable(
  'users',
  {
    pk: integer('pk').primaryKey().generatedByDefaultAsIdentity(),
    entityPk: integer('entity_pk')
      .notNull()
      .references(() => entities.pk),
    userId: text('user_id').notNull().unique(),
    /** Globally unique: the login grant names a user by username alone. */
    username: text('username').notNull().unique(),
    passwordHash: text('password_hash').notNull(),
    roles: text('roles').array().notNull(),
    scopes: text('scopes').array().notNull(),
    createdAt: micros('created_at').notNull(),
  },
  (t) => [index('users_entity').on(t.entityPk)],
);

export const accounts = pgTable(
  'accounts',
  {
    pk: integer('pk').primaryKey().generatedByDefaultAsIdentity(),
    entityPk: integer('entity_pk')
      .notNull()
      .references(() => entities.pk),
    accountId: text('account_id').notNull().unique(),
    name: text('name').notNull(),
    createdAt: micros('created_at').notNull(),
  },
  (t) => [index('accounts_entity').on(t.entityPk)],
);

export const userAccounts = pgTable(
  'user_accounts',
  {
    userPk: integer('user_pk')
      .notNull()
      .references(() => users.pk),
    accountPk: integer('account_pk')
      .notNull()
      .references(() => accounts.pk),
  },
  (t) => [primaryKey({ columns: [t.userPk, t.accountPk] })],
);

/** The distinct (roles, scopes) pairs an entity's tokens carry, as JSON text (see the SQLite schema). */
export const grantSets = pgTable(
  'grant_sets',
  {
    pk: integer('pk').primaryKey().generatedByDefaultAsIdentity(),
    entityPk: integer('entity_pk')
      .notNull()
      .references(() => entities.pk),
    roles: text('roles').notNull(),
    scopes: text('scopes').notNull(),
  },
  (t) => [uniqueIndex('grant_sets_lists').on(t.entityPk, t.roles, t.scopes)],
);

export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** Grant flows as stored: the protobuf enum numbers, so ordering by grant_flow is enum order. */
export const tokens = pgTable(
  'tokens',
  {
    pk: bigint('pk', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    entityPk: integer('entity_pk')
      .notNull()
      .references(() => entities.pk),
    tokenId: uuid('token_id').notNull(),
    /** SHA-256 of the raw token; the raw value is never stored. */
    tokenHash: bytea('token_hash').notNull(),
    clientId: text('client_id').notNull(),
    userId: uuid('user_id')
      .notNull()
      .default(sql`'${sql.raw(NIL_UUID)}'::uuid`),
    accountId: uuid('account_id')
      .notNull()
      .default(sql`'${sql.raw(NIL_UUID)}'::uuid`),
    grantFlow: smallint('grant_flow').notNull(),
    grantSetPk: integer('grant_set_pk')
      .notNull()
      .references(() => grantSets.pk),
    createdAt: micros('created_at').notNull(),
    expiresAt: micros('expires_at').notNull(),
    revokedAt: micros('revoked_at'),
    lastUsedAt: micros('last_used_at').notNull().default(0),
  },
  (t) => [
    uniqueIndex('tokens_token_id').on(t.tokenId),
    uniqueIndex('tokens_hash').on(t.tokenHash),
    // One index per order key, (entity, key, token_id) the total order, created_at along
    // so the snapshot test is checked in the index.
    index('tokens_by_created').on(t.entityPk, t.createdAt, t.tokenId),
    index('tokens_by_expires').on(t.entityPk, t.expiresAt, t.tokenId, t.createdAt),
    index('tokens_by_last_used').on(t.entityPk, t.lastUsedAt, t.tokenId, t.createdAt),
    index('tokens_by_token_id').on(t.entityPk, t.tokenId, t.createdAt),
    index('tokens_by_user').on(t.entityPk, t.userId, t.tokenId, t.createdAt),
    index('tokens_by_account').on(t.entityPk, t.accountId, t.tokenId, t.createdAt),
    index('tokens_by_grant').on(t.entityPk, t.grantFlow, t.tokenId, t.createdAt),
    index('tokens_user_created').on(t.entityPk, t.userId, t.createdAt, t.tokenId),
    index('tokens_account_created').on(t.entityPk, t.accountId, t.createdAt, t.tokenId),
    index('tokens_grant_created').on(t.entityPk, t.grantFlow, t.createdAt, t.tokenId),
  ],
);

/** One row per (token, role), in (entity, role, created_at, token_id) order (see the SQLite schema). */
export const tokenRoles = pgTable(
  'token_roles',
  {
    entityPk: integer('entity_pk').notNull(),
    role: text('role').notNull(),
    createdAt: micros('created_at').notNull(),
    tokenId: uuid('token_id').notNull(),
    tokenPk: bigint('token_pk', { mode: 'number' })
      .notNull()
      .references(() => tokens.pk),
  },
  (t) => [uniqueIndex('token_roles_order').on(t.entityPk, t.role, t.createdAt, t.tokenId, t.tokenPk)],
);
