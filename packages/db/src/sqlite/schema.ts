import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/*
 * Instants are INTEGER microseconds since the Unix epoch, so a snapshot bound given in
 * nanoseconds compares exactly. Optional references on tokens (user, account) and
 * last_used_at are stored as '' / 0 rather than NULL: every order key is then a plain
 * total order that index seeks and keyset cursors handle without NULL special cases.
 */

export const entities = sqliteTable('entities', {
  pk: integer('pk').primaryKey(),
  entityId: text('entity_id').notNull().unique(),
  name: text('name').notNull(),
  createdAt: integer('created_at').notNull(),
});

export const apiClients = sqliteTable(
  'api_clients',
  {
    pk: integer('pk').primaryKey(),
    entityPk: integer('entity_pk')
      .notNull()
      .references(() => entities.pk),
    clientId: text('client_id').notNull().unique(),
    secretHash: text('secret_hash').notNull(),
    name: text('name').notNull(),
    roles: text('roles', { mode: 'json' }).$type<string[]>().notNull(),
    scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('api_clients_entity').on(t.entityPk)],
);

export const users = sqliteTable(
  'users',
  {
    pk: integer('pk').primaryKey(),
    entityPk: integer('entity_pk')
      .notNull()
      .references(() => entities.pk),
    userId: text('user_id').notNull().unique(),
    /** Globally unique: the login grant names a user by username alone. */
    username: text('username').notNull().unique(),
    passwordHash: text('password_hash').notNull(),
    roles: text('roles', { mode: 'json' }).$type<string[]>().notNull(),
    scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('users_entity').on(t.entityPk)],
);

export const accounts = sqliteTable(
  'accounts',
  {
    pk: integer('pk').primaryKey(),
    entityPk: integer('entity_pk')
      .notNull()
      .references(() => entities.pk),
    accountId: text('account_id').notNull().unique(),
    name: text('name').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('accounts_entity').on(t.entityPk)],
);

export const userAccounts = sqliteTable(
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

/**
 * Keys the server keeps in the database: `client_secret_hmac`, the HMAC key of client
 * secret hashes when no TOKENWARDEN_SECRET_KEY is configured. Written once, never changed.
 */
export const serverKeys = sqliteTable('server_keys', {
  name: text('name').primaryKey(),
  key: blob('key', { mode: 'buffer' }).notNull(),
  createdAt: integer('created_at').notNull(),
});

/**
 * The distinct (roles, scopes) pairs an entity's tokens carry, as JSON text. Millions of
 * tokens share a few thousand pairs, so a token row holds only the pair's key: rows are
 * smaller, and a page of tokens maps each pair once per process instead of parsing JSON
 * per row. Pairs are immutable and never deleted.
 */
export const grantSets = sqliteTable(
  'grant_sets',
  {
    pk: integer('pk').primaryKey(),
    entityPk: integer('entity_pk')
      .notNull()
      .references(() => entities.pk),
    roles: text('roles').notNull(),
    scopes: text('scopes').notNull(),
  },
  (t) => [uniqueIndex('grant_sets_lists').on(t.entityPk, t.roles, t.scopes)],
);

/** Grant flows as stored: the protobuf enum numbers, so ordering by grant_flow is enum order. */
export const tokens = sqliteTable(
  'tokens',
  {
    pk: integer('pk').primaryKey(),
    entityPk: integer('entity_pk')
      .notNull()
      .references(() => entities.pk),
    tokenId: text('token_id').notNull(),
    /** SHA-256 of the raw token; the raw value is never stored. */
    tokenHash: blob('token_hash', { mode: 'buffer' }).notNull(),
    clientId: text('client_id').notNull(),
    userId: text('user_id').notNull().default(''),
    accountId: text('account_id').notNull().default(''),
    grantFlow: integer('grant_flow').notNull(),
    /** The token's roles and scopes (see grant_sets). */
    grantSetPk: integer('grant_set_pk')
      .notNull()
      .references(() => grantSets.pk),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    revokedAt: integer('revoked_at'),
    lastUsedAt: integer('last_used_at').notNull().default(0),
  },
  (t) => [
    uniqueIndex('tokens_token_id').on(t.tokenId),
    uniqueIndex('tokens_hash').on(t.tokenHash),
    // One index per order key: (entity, key, token_id) is the total order; created_at rides
    // along so the snapshot test never leaves the index.
    index('tokens_by_created').on(t.entityPk, t.createdAt, t.tokenId),
    index('tokens_by_expires').on(t.entityPk, t.expiresAt, t.tokenId, t.createdAt),
    index('tokens_by_last_used').on(t.entityPk, t.lastUsedAt, t.tokenId, t.createdAt),
    index('tokens_by_token_id').on(t.entityPk, t.tokenId, t.createdAt),
    index('tokens_by_user').on(t.entityPk, t.userId, t.tokenId, t.createdAt),
    index('tokens_by_account').on(t.entityPk, t.accountId, t.tokenId, t.createdAt),
    index('tokens_by_grant').on(t.entityPk, t.grantFlow, t.tokenId, t.createdAt),
    // Equality filters in the default order (created_at).
    index('tokens_user_created').on(t.entityPk, t.userId, t.createdAt, t.tokenId),
    index('tokens_account_created').on(t.entityPk, t.accountId, t.createdAt, t.tokenId),
    index('tokens_grant_created').on(t.entityPk, t.grantFlow, t.createdAt, t.tokenId),
  ],
);

/**
 * One row per (token, role): the role filter seeks here instead of scanning JSON. It
 * carries the default order key so a role-filtered page in created_at order is one
 * index range, and token_pk so rows are fetched without another lookup.
 */
export const tokenRoles = sqliteTable(
  'token_roles',
  {
    entityPk: integer('entity_pk').notNull(),
    role: text('role').notNull(),
    createdAt: integer('created_at').notNull(),
    tokenId: text('token_id').notNull(),
    tokenPk: integer('token_pk')
      .notNull()
      .references(() => tokens.pk),
  },
  (t) => [uniqueIndex('token_roles_order').on(t.entityPk, t.role, t.createdAt, t.tokenId, t.tokenPk)],
);
