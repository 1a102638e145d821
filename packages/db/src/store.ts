import type { EventType, Micros } from '@tokenwarden/contracts';
import type { PageQuery, TokenFilters } from './list-types.js';
import type { HistoricalToken, NewTokenSpec, TokenRecord } from './records.js';
import type { SummaryStore } from './summary.js';

export type RevokeOutcome = 'revoked' | 'already_revoked' | 'not_found';

/** Who did something: the token that authenticated (none for a sign-in or the operator), its client and user. */
export interface Actor {
  tokenId: string | null;
  clientId: string | null;
  userId: string | null;
}

/** What an event records besides its type, time and the tokens it touched. Never a secret. */
export interface EventSpec {
  /** A new UUID, made by the caller (so it can be told before the event is stored). */
  eventId: string;
  actor: Actor;
  requestId: string | null;
  reason: string | null;
  /** What the action was asked (filters, snapshot, counts): JSON, never a secret. */
  details?: Record<string, unknown> | undefined;
}

/** One event of the audit trail. */
export interface EventRecord {
  /** Position in the trail: later events have larger keys (the keyset of the event list). */
  pk: number;
  eventId: string;
  entityPk: number;
  type: EventType;
  occurredAt: Micros;
  actor: Actor;
  requestId: string | null;
  reason: string | null;
  /** How many tokens it touched (rows of its targets). */
  tokenCount: number;
  details: Record<string, unknown> | null;
  /** When a revocation by filter finished (null while it runs); every other event is complete when written. */
  completedAt: Micros | null;
}

/** Which events to list, newest first; filters combine with AND. */
export interface EventQuery {
  /** Events that touched this token. */
  tokenId?: string | undefined;
  actorTokenId?: string | undefined;
  actorClientId?: string | undefined;
  actorUserId?: string | undefined;
  types?: readonly EventType[] | undefined;
  /** occurred_at at or after this instant. */
  occurredAfter?: Micros | undefined;
  /** occurred_at strictly before this instant. */
  occurredBefore?: Micros | undefined;
  /** Keyset: only events older than this one (its pk). */
  beforePk?: number | undefined;
  limit: number;
}

/**
 * The audit trail: append-only. Events of issuance and revocation are written by the
 * token store in the same transaction as the change they record; this part appends the
 * others (listings) and reads the trail, always within one entity.
 */
export interface EventStore {
  /** Appends an event that changes no token (a listing, a purge's record). */
  append(entityPk: number, type: EventType, spec: EventSpec): Promise<EventRecord>;
  list(entityPk: number, q: EventQuery): Promise<EventRecord[]>;
  get(entityPk: number, eventId: string): Promise<EventRecord | undefined>;
  /** The tokens an event touched, in token_id order, after `after` (a keyset), at most `limit`. */
  targets(entityPk: number, eventPk: number, limit: number, after?: string): Promise<string[]>;
  /**
   * Starts a revocation by filter: its event, incomplete, under the caller's idempotency
   * key; or, when the key was used before, that earlier event and the fingerprint of the
   * request that started it (a retry carries the same one).
   */
  begin(
    entityPk: number,
    spec: EventSpec & { idempotencyKey: string; fingerprint: string },
  ): Promise<{ event: EventRecord; fingerprint: string; created: boolean }>;
  /** The revocation by filter started under an idempotency key, and the fingerprint of the request that started it. */
  findByKey(entityPk: number, idempotencyKey: string): Promise<{ event: EventRecord; fingerprint: string } | undefined>;
  /** Marks a revocation by filter finished. */
  complete(entityPk: number, eventPk: number): Promise<void>;
  /** The first `limit` tokens (in token_id order) of each of several events, by event pk. */
  firstTargets(entityPk: number, eventPks: readonly number[], limit: number): Promise<Map<number, string[]>>;
}

/** A token found by its hash, and a new bound of its entity unless the token is revoked. */
export interface TokenWithSnapshot {
  token: TokenRecord;
  snapshot?: Micros;
}

/** `findByHashWithSnapshot` in two steps: the token looked up, then (unless revoked) a bound of its entity. */
export async function withSnapshot(
  token: TokenRecord | undefined,
  snapshot: (entityPk: number) => Promise<Micros>,
): Promise<TokenWithSnapshot | undefined> {
  if (!token) return undefined;
  return token.revokedAt !== null ? { token } : { token, snapshot: await snapshot(token.entityPk) };
}

/**
 * Every operation on tokens. Each method but the hash lookup and the operator's retention
 * methods (which span entities) takes the caller's entity and puts it in the WHERE
 * clause: a query of a store can never return or touch a token of another entity.
 */
export interface TokenStore {
  /** Authentication: the token whose hash this is, of whichever entity. */
  findByHash(hash: Buffer): Promise<TokenRecord | undefined>;
  /**
   * `findByHash`, and with it a new snapshot bound of the token's entity, as `snapshot`
   * takes one: a request that authenticates and lists from a new snapshot needs one round
   * trip for both instead of two. Undefined for an unknown hash; no bound for a revoked
   * token (its caller is refused).
   */
  findByHashWithSnapshot(hash: Buffer): Promise<TokenWithSnapshot | undefined>;
  /** The entity's token whose hash this is (introspection, RFC 7009 revocation): another entity's is not there. */
  getByHash(entityPk: number, hash: Buffer): Promise<TokenRecord | undefined>;
  get(entityPk: number, tokenId: string): Promise<TokenRecord | undefined>;
  /**
   * Revokes a token and writes its TOKEN_REVOKED event (revoked_by: the actor's token, the
   * event's reason kept on the token), in one transaction. Atomic: of concurrent
   * revocations of one token exactly one answers 'revoked'. revoked_at comes from the
   * store's clock under the same rule as created_at (see `issue`), so whether a token was
   * revoked at a served snapshot (the list's status filter, the summary) never changes.
   */
  revoke(entityPk: number, tokenId: string, event: EventSpec): Promise<RevokeOutcome>;
  /**
   * Revokes those of the named tokens that are the entity's (and, with `userId`, that
   * user's) and not revoked yet, in one transaction with their event: a new event of
   * `type`, written even when nothing was revoked (the attempt is part of the trail), or,
   * with `eventPk`, the running event of a revocation by filter, which gains the tokens.
   * Tokens of other entities are never touched nor counted. Concurrent revocations never
   * revoke a token twice: each token is in exactly one event.
   */
  revokeMany(entityPk: number, targets: RevokeTargets, revocation: ManyRevocation): Promise<ManyRevoked>;
  /** Records a use and where it came from, at most once per `coarseness` µs per token. Resolves whether it wrote. */
  touchLastUsed(entityPk: number, pk: number, now: Micros, coarseness: Micros, from: UseOrigin): Promise<boolean>;
  /**
   * Stores a new token and its TOKEN_ISSUED event (actor: the grant's client and user), in
   * one transaction. Its created_at comes from the store's clock, read where no snapshot
   * can be taken between that reading and the token becoming visible (see `snapshot`),
   * and expires_at is created_at plus the lifetime.
   */
  issue(token: NewTokenSpec, event: IssueEventSpec): Promise<TokenRecord>;
  /** Bulk-loads tokens with their own times and history: demo data, benchmarks, imports. */
  insertHistorical(tokens: readonly HistoricalToken[]): Promise<void>;
  /**
   * A new snapshot bound for the entity, from the same clock as created_at: every token
   * of the entity created at or before it is already visible, and every token issued
   * later gets a later created_at. So a list at this bound selects the same set forever.
   */
  snapshot(entityPk: number): Promise<Micros>;
  /** Whether a list at `bound` selects a set that can no longer change (a past bound). */
  isSettled(entityPk: number, bound: Micros): Promise<boolean>;
  /** One page of the entity's tokens at a snapshot, in a total order. */
  page(entityPk: number, q: PageQuery): Promise<TokenRecord[]>;
  /** How many of the entity's tokens the filters select at the snapshot. */
  count(entityPk: number, filters: TokenFilters, snapshot: Micros): Promise<number>;
  /**
   * Retention: snapshots of the entity at or before this bound are no longer answered (a
   * purge deleted tokens they held); PURGE_RUNNING while a purge deletes; 0 if none ran.
   */
  purgeHorizon(entityPk: number): Promise<Micros>;
  /** Sets the horizon of these entities: PURGE_RUNNING before deleting, the store's clock reading (returned) after. */
  setPurgeHorizon(entityPks: readonly number[], running: boolean): Promise<Micros>;
  /** The entities a purge marked and did not finish (an interrupted purge). */
  purgingEntities(): Promise<number[]>;
  /** Per entity, how many tokens expired before `before` (those a purge would delete). */
  expiredBefore(before: Micros): Promise<{ entityPk: number; tokens: number }[]>;
  /** Deletes up to `limit` of the entity's tokens that expired before `before` (with their role rows); resolves how many. */
  purgeExpired(entityPk: number, before: Micros, limit: number): Promise<number>;
  /** The query plan of a page query, one line a step (tests and benchmarks). */
  explainPage(entityPk: number, q: PageQuery): Promise<string[]>;
}

/** Tokens named by the SHA-256 of their raw values (a leak report), or by id (a filter's selection). */
export type RevokeTargets = { hashes: readonly Buffer[] } | { tokenIds: readonly string[] };

export interface ManyRevocation {
  type: 'TOKENS_REVOKED_LEAKED' | 'TOKENS_REVOKED_BY_FILTER';
  event: EventSpec;
  /** Only this user's tokens (a user token without an admin role acts on its own user's tokens only). */
  userId?: string | undefined;
  /** Add to this event (a revocation by filter, batch after batch) rather than write a new one. */
  eventPk?: number | undefined;
}

export interface ManyRevoked {
  /** How many of the named tokens are the entity's (and the user's), revoked before or now. */
  matched: number;
  /** The ids of those revoked now. */
  revoked: string[];
  /** The event that holds them. */
  eventPk: number;
}

/** Where a use of a token came from. */
export interface UseOrigin {
  ip: string | null;
  userAgent: string | null;
}

/** An issuance's event: its id and the request's; the actor is the grant's client and user. */
export type IssueEventSpec = Pick<EventSpec, 'eventId' | 'requestId'>;

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

/**
 * Entities, API clients, users and accounts: the operator's records. Lookups by a
 * credential (client_id, username) are global, as sign-in requires; everything else is
 * scoped to an entity. A duplicate key rejects with `DuplicateKeyError`.
 */
export interface DirectoryStore {
  createEntity(e: { entityId: string; name: string; createdAt: Micros }): Promise<EntityRecord>;
  findEntity(entityId: string): Promise<EntityRecord | undefined>;
  /** Every entity (the operator's view: retention runs over all of them). */
  listEntities(): Promise<EntityRecord[]>;
  createClient(c: ClientRecord & { createdAt: Micros }): Promise<void>;
  findClient(clientId: string): Promise<ClientRecord | undefined>;
  /**
   * Replaces a client's secret hash if it still is `from` (a compare-and-set, so an
   * upgrade racing a rotation never undoes it). Resolves whether it replaced.
   */
  replaceClientSecretHash(entityPk: number, clientId: string, from: string, to: string): Promise<boolean>;
  /**
   * The key stored under `name`. With `candidate`, stores it first when there is none:
   * processes racing to create a key all get the one stored first.
   */
  serverKey(name: string, candidate?: { key: Buffer; createdAt: Micros }): Promise<Buffer | undefined>;
  /** Creates the user and its account links in one transaction. */
  createUser(u: Omit<UserRecord, 'pk'> & { createdAt: Micros; accountIds?: readonly string[] }): Promise<UserRecord>;
  findUserByUsername(username: string): Promise<UserRecord | undefined>;
  createAccount(a: Omit<AccountRecord, 'pk'> & { createdAt: Micros }): Promise<AccountRecord>;
  /** Whether the account belongs to the entity. */
  accountInEntity(entityPk: number, accountId: string): Promise<boolean>;
  /** Whether the user (of that entity) may act for the account. */
  userMayActFor(entityPk: number, userPk: number, accountId: string): Promise<boolean>;
  listAccounts(entityPk: number): Promise<AccountRecord[]>;
  listUsers(entityPk: number): Promise<UserRecord[]>;
}

export type Dialect = 'sqlite' | 'postgres';

/** One database behind the product: what the api, the server and the tools use, whatever the dialect. */
export interface Store {
  readonly dialect: Dialect;
  readonly tokens: TokenStore;
  readonly directory: DirectoryStore;
  readonly events: EventStore;
  /** The overview's counts (see summary.ts). */
  readonly summary: SummaryStore;
  /** Resolves when the database answers; rejects with `StoreUnavailableError` otherwise. */
  ping(): Promise<void>;
  /** Refreshes planner statistics after bulk loads. */
  optimize(): Promise<void>;
  close(): Promise<void>;
}

/** The purge horizon while a purge is deleting: every given snapshot is refused until it ends. */
export const PURGE_RUNNING = Number.MAX_SAFE_INTEGER;

/** A unique key already taken (an entity, client, user or account id, a username, a token). */
export class DuplicateKeyError extends Error {
  override readonly name = 'DuplicateKeyError';
  constructor(
    /** What was duplicated, as the column's name (`username`, `client_id`, ...), when known. */
    readonly key: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`duplicate key${key ? `: ${key}` : ''}`, options);
  }
}

/** The database cannot be reached or is shutting down: worth retrying later. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(options?: { cause?: unknown }) {
    super('the database is unavailable', options);
  }
}
