import { pickLanguage, type Lang } from '@tokenwarden/contracts';
import { systemClock, type Clock, type DirectoryStore, type Store, type TokenStore } from '@tokenwarden/db';
import { DEFAULT_CONFIG, type ApiConfig } from './config.js';
import { PurgeHorizons } from './list/purge-horizons.js';
import { TokenLister } from './list/token-lister.js';
import { PageTokens } from './page-tokens.js';
import { TokenSummarizer } from './list/token-summarizer.js';
import { ClientSecrets } from './services/client-secrets.js';
import { LoginThrottle } from './services/login-throttle.js';

/** The structured-logger surface the api needs (pino satisfies it). */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Everything a request may use, built once per process. */
export interface Deps {
  store: Store;
  /** The store's parts, named for brevity. */
  tokens: TokenStore;
  directory: DirectoryStore;
  lister: TokenLister;
  summarizer: TokenSummarizer;
  throttle: LoginThrottle;
  clientSecrets: ClientSecrets;
  pageTokens: PageTokens;
  /** Which given snapshots retention purges have made unanswerable. */
  horizons: PurgeHorizons;
  /** The clock of expiry, last use and revocation times; must be the one the store was opened with, if any. */
  clock: Clock;
  config: ApiConfig;
  log: Logger;
}

export interface DepsOptions {
  clock?: Clock;
  config?: Partial<ApiConfig>;
  log?: Logger;
}

export function createDeps(store: Store, options: DepsOptions = {}): Deps {
  const config = { ...DEFAULT_CONFIG, ...options.config };
  const clock = options.clock ?? systemClock();
  const log = options.log ?? silentLogger;
  const clientSecrets = new ClientSecrets(store.directory, config.secretKeys, clock, log);
  const horizons = new PurgeHorizons(store.tokens);
  return {
    store,
    tokens: store.tokens,
    directory: store.directory,
    lister: new TokenLister(store.tokens, config, horizons),
    summarizer: new TokenSummarizer(store.tokens, store.summary, horizons),
    horizons,
    throttle: new LoginThrottle(config.loginThrottle),
    clientSecrets,
    pageTokens: new PageTokens(() => clientSecrets.serverKeys()),
    clock,
    config,
    log,
  };
}

/** Per request: the dependencies, the caller's language, credentials, network address and request id. */
export interface Context {
  deps: Deps;
  lang: Lang;
  authorization: string | undefined;
  /** The peer's address (failed sign-ins are throttled by it, a token's last use records it); '' when unknown. */
  clientAddress: string;
  /** The caller's User-Agent, cut to MAX_USER_AGENT characters; null when none was sent. */
  userAgent: string | null;
  /** The request's id (X-Request-Id), recorded with the events it causes; null outside HTTP. */
  requestId: string | null;
}

/** A User-Agent is recorded up to this many characters. */
export const MAX_USER_AGENT = 256;

export interface RequestFacts {
  authorization?: string | undefined;
  acceptLanguage?: string | undefined;
  clientAddress?: string | undefined;
  userAgent?: string | undefined;
  requestId?: string | undefined;
}

export function createContext(deps: Deps, facts: RequestFacts): Context {
  return {
    deps,
    lang: pickLanguage(facts.acceptLanguage),
    authorization: facts.authorization,
    clientAddress: facts.clientAddress ?? '',
    userAgent: facts.userAgent ? facts.userAgent.slice(0, MAX_USER_AGENT) : null,
    requestId: facts.requestId ?? null,
  };
}
