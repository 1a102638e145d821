import { DEFAULT_THROTTLE, type ThrottleConfig } from './services/login-throttle.js';

/** Lifetimes in seconds by how a token was obtained. */
export interface Lifetimes {
  client_credentials: number;
  password: number;
  login: number;
  entity_setup: number;
}

export interface ApiConfig {
  /** User-token roles that see the whole entity's tokens. */
  adminRoles: string[];
  lifetimes: Lifetimes;
  /** last_used_at is written at most once per this many seconds per token. */
  lastUsedGranularitySeconds: number;
  /** Bounds of the list caches (entries). */
  cursorCacheEntries: number;
  countCacheEntries: number;
  /** Failed sign-in limits (see LoginThrottle). */
  loginThrottle: ThrottleConfig;
  /**
   * Keys of client secret hashes (see ClientSecrets), at least 32 bytes each: the first
   * hashes, the others still verify. None: a key kept in the database.
   */
  secretKeys: readonly Buffer[];
}

export const DEFAULT_CONFIG: ApiConfig = {
  adminRoles: ['ENTITY_ADMIN', 'AUDITOR'],
  lifetimes: { client_credentials: 3600, password: 3600, login: 900, entity_setup: 600 },
  lastUsedGranularitySeconds: 60,
  cursorCacheEntries: 10_000,
  countCacheEntries: 10_000,
  loginThrottle: DEFAULT_THROTTLE,
  secretKeys: [],
};
