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
  /** Retention purges (see ../sqlite/schema.ts). */
  purgeHorizon: micros('purge_horizon').notNull().default(0),
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

/** One row per (grant set, scope it holds), for the scope filter (see the SQLite schema). */
export const grantSetScopes = pgTable(
  'grant_set_scopes',
  {
    entityPk: integer('entity_pk').notNull(),
    scope: text('scope').notNull(),
    grantSetPk: integer('grant_set_pk')
      .notNull()
      .references(() => grantSets.pk),
  },
  (t) => [primaryKey({ columns: [t.entityPk, t.scope, t.grantSetPk] })],
);

export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An id a uuid column can hold (lowercase); anything else names no row (rather than a cast error). */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

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
    /** The token_id of the token that revoked it (NULL: not revoked, or by the operator). */
    revokedBy: uuid('revoked_by'),
    revokeReason: text('revoke_reason'),
    lastUsedAt: micros('last_used_at').notNull().default(0),
    /** Where the last recorded use came from (written with last_used_at). */
    lastUsedIp: text('last_used_ip'),
    lastUsedUserAgent: text('last_used_user_agent'),
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
    index('tokens_client_created').on(t.entityPk, t.clientId, t.createdAt, t.tokenId),
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
  (t) => [
    uniqueIndex('token_roles_order').on(t.entityPk, t.role, t.createdAt, t.tokenId, t.tokenPk),
    // A token's rows, for deleting them with it (retention) and for the foreign key's check.
    index('token_roles_token').on(t.tokenPk),
  ],
);

/** The audit trail, append-only (see the SQLite schema). */
export const tokenEvents = pgTable(
  'token_events',
  {
    pk: bigint('pk', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    entityPk: integer('entity_pk')
      .notNull()
      .references(() => entities.pk),
    eventId: uuid('event_id').notNull().unique(),
    type: text('type').notNull(),
    occurredAt: micros('occurred_at').notNull(),
    actorTokenId: uuid('actor_token_id'),
    actorClientId: text('actor_client_id'),
    actorUserId: uuid('actor_user_id'),
    requestId: text('request_id'),
    reason: text('reason'),
    tokenCount: integer('token_count').notNull().default(0),
    details: text('details'),
    idempotencyKey: text('idempotency_key'),
    fingerprint: text('fingerprint'),
    completedAt: micros('completed_at'),
  },
  (t) => [
    index('token_events_entity').on(t.entityPk, t.pk),
    index('token_events_type').on(t.entityPk, t.type, t.pk),
    index('token_events_actor_token').on(t.entityPk, t.actorTokenId, t.pk),
    index('token_events_actor_client').on(t.entityPk, t.actorClientId, t.pk),
    index('token_events_actor_user').on(t.entityPk, t.actorUserId, t.pk),
    uniqueIndex('token_events_idempotency').on(t.entityPk, t.idempotencyKey).where(sql`${t.idempotencyKey} IS NOT NULL`),
  ],
);

/** The tokens each event touched (see the SQLite schema). */
export const tokenEventTargets = pgTable(
  'token_event_targets',
  {
    entityPk: integer('entity_pk').notNull(),
    tokenId: uuid('token_id').notNull(),
    eventPk: bigint('event_pk', { mode: 'number' })
      .notNull()
      .references(() => tokenEvents.pk),
  },
  (t) => [primaryKey({ columns: [t.entityPk, t.tokenId, t.eventPk] }), index('token_event_targets_event').on(t.eventPk, t.tokenId)],
);
