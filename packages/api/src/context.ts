import { pickLanguage, type Lang } from '@tokenwarden/contracts';
import { systemClock, type Clock, type DirectoryStore, type Store, type TokenStore } from '@tokenwarden/db';
import { DEFAULT_CONFIG, type ApiConfig } from './config.js';
import { TokenLister } from './list/token-lister.js';
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
  return {
    store,
    tokens: store.tokens,
    directory: store.directory,
    lister: new TokenLister(store.tokens, config),
    summarizer: new TokenSummarizer(store.tokens, store.summary),
    throttle: new LoginThrottle(config.loginThrottle),
    clientSecrets: new ClientSecrets(store.directory, config.secretKeys, clock, log),
    clock,
    config,
    log,
  };
}

/** Per request: the dependencies, the caller's language, credentials and network address. */
export interface Context {
  deps: Deps;
  lang: Lang;
  authorization: string | undefined;
  /** The peer's address (failed sign-ins are throttled by it); '' when unknown. */
  clientAddress: string;
}

export function createContext(
  deps: Deps,
  headers: { authorization?: string | undefined; acceptLanguage?: string | undefined; clientAddress?: string | undefined },
): Context {
  return { deps, lang: pickLanguage(headers.acceptLanguage), authorization: headers.authorization, clientAddress: headers.clientAddress ?? '' };
}
