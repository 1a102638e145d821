import { sql } from 'drizzle-orm';
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
  /**
   * Retention purges: a snapshot bound at or before this is no longer answered (its set lost the
   * purged tokens). PURGE_RUNNING while a purge deletes; 0 when none ever ran.
   */
  purgeHorizon: integer('purge_horizon').notNull().default(0),
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

/**
 * One row per (grant set, scope it holds): the scope filter of the list finds the grant
 * sets whose scopes grant a scope (the scope itself or a wildcard above it) here.
 */
export const grantSetScopes = sqliteTable(
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
    /** The token_id of the token that revoked it (NULL: not revoked, or by the operator). */
    revokedBy: text('revoked_by'),
    revokeReason: text('revoke_reason'),
    lastUsedAt: integer('last_used_at').notNull().default(0),
    /** Where the last recorded use came from (written with last_used_at). */
    lastUsedIp: text('last_used_ip'),
    lastUsedUserAgent: text('last_used_user_agent'),
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
    index('tokens_client_created').on(t.entityPk, t.clientId, t.createdAt, t.tokenId),
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
  (t) => [
    uniqueIndex('token_roles_order').on(t.entityPk, t.role, t.createdAt, t.tokenId, t.tokenPk),
    // A token's rows, for deleting them with it (retention) and for the foreign key's check.
    index('token_roles_token').on(t.tokenPk),
  ],
);

/** What an event records, in token_events and in its journal: what was done, when, by whom, in which request, why. */
const eventFacts = () => ({
  type: text('type').notNull(),
  occurredAt: integer('occurred_at').notNull(),
  actorTokenId: text('actor_token_id'),
  actorClientId: text('actor_client_id'),
  actorUserId: text('actor_user_id'),
  requestId: text('request_id'),
  reason: text('reason'),
});

/**
 * The audit trail: append-only, one row per action (a token issued, revoked one by one, by
 * filter or by leaked value; a listing; a purge), with who did it (the actor's token,
 * client, user), when, the request id and reason. Never a secret. The tokens an event
 * touched are rows of token_event_targets. A revocation by filter is one event written as
 * it goes: `completed_at` stays NULL until its last batch, and `idempotency_key` +
 * `fingerprint` make a retry of the same request find it.
 */
export const tokenEvents = sqliteTable(
  'token_events',
  {
    pk: integer('pk').primaryKey(),
    entityPk: integer('entity_pk')
      .notNull()
      .references(() => entities.pk),
    eventId: text('event_id').notNull().unique(),
    ...eventFacts(),
    tokenCount: integer('token_count').notNull().default(0),
    /** JSON: what the action was asked (filters, snapshot, counts); never a secret. */
    details: text('details'),
    idempotencyKey: text('idempotency_key'),
    fingerprint: text('fingerprint'),
    completedAt: integer('completed_at'),
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

/** The tokens each event touched: by token (the events of a token) and by event (its tokens, in order). */
export const tokenEventTargets = sqliteTable(
  'token_event_targets',
  {
    entityPk: integer('entity_pk').notNull(),
    tokenId: text('token_id').notNull(),
    eventPk: integer('event_pk')
      .notNull()
      .references(() => tokenEvents.pk),
  },
  (t) => [primaryKey({ columns: [t.entityPk, t.tokenId, t.eventPk] }), index('token_event_targets_event').on(t.eventPk, t.tokenId)],
);

/**
 * Events committed but not yet in token_events (SQLite only): a listing or the issuance or
 * revocation of one token appends here, one row on the table's last page, instead of an
 * event row, its seven index entries and a target row; `SqliteEventStore` folds the rows
 * into token_events in bulk, under the pk each was given when appended (so the trail's
 * order is the order of commit), before any read of the trail. Its one index keeps event
 * ids unique (the writer checks token_events too) and its foreign key refuses an unknown
 * entity when the row is written, as token_events would: a fold never fails on a row.
 */
export const tokenEventJournal = sqliteTable(
  'token_event_journal',
  {
    /** The event's pk in token_events: allocated past both tables' largest when appended. */
    pk: integer('pk').primaryKey(),
    entityPk: integer('entity_pk')
      .notNull()
      .references(() => entities.pk),
    eventId: text('event_id').notNull(),
    ...eventFacts(),
    details: text('details'),
    /** The one token the event touched (its target row), or NULL. */
    tokenId: text('token_id'),
  },
  (t) => [uniqueIndex('token_event_journal_event_id').on(t.eventId)],
);
