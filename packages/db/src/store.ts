import type { Micros } from '@tokenwarden/contracts';
import type { PageQuery, TokenFilters } from './list-types.js';
import type { HistoricalToken, NewTokenSpec, TokenRecord } from './records.js';
import type { SummaryStore } from './summary.js';

export type RevokeOutcome = 'revoked' | 'already_revoked' | 'not_found';

/**
 * Every operation on tokens. Each method but the hash lookup takes the caller's entity
 * and puts it in the WHERE clause: a query of a store can never return or touch a token
 * of another entity.
 */
export interface TokenStore {
  /** Authentication: the token whose hash this is, of whichever entity. */
  findByHash(hash: Buffer): Promise<TokenRecord | undefined>;
  get(entityPk: number, tokenId: string): Promise<TokenRecord | undefined>;
  /** Atomic: of concurrent revocations of one token exactly one answers 'revoked'. */
  revoke(entityPk: number, tokenId: string, now: Micros): Promise<RevokeOutcome>;
  /** Records a use, at most once per `coarseness` µs per token. Resolves whether it wrote. */
  touchLastUsed(entityPk: number, pk: number, now: Micros, coarseness: Micros): Promise<boolean>;
  /**
   * Stores a new token. Its created_at comes from the store's clock, read where no
   * snapshot can be taken between that reading and the token becoming visible (see
   * `snapshot`), and expires_at is created_at plus the lifetime.
   */
  issue(token: NewTokenSpec): Promise<TokenRecord>;
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
  /** The query plan of a page query, one line a step (tests and benchmarks). */
  explainPage(entityPk: number, q: PageQuery): Promise<string[]>;
}

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
  /** The overview's counts (see summary.ts). */
  readonly summary: SummaryStore;
  /** Resolves when the database answers; rejects with `StoreUnavailableError` otherwise. */
  ping(): Promise<void>;
  /** Refreshes planner statistics after bulk loads. */
  optimize(): Promise<void>;
  close(): Promise<void>;
}

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
