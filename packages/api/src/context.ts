import { pickLanguage, type Lang } from '@tokenwarden/contracts';
import { DirectoryStore, TokenStore, type Db } from '@tokenwarden/db';
import { systemClock, type Clock } from './clock.js';
import { DEFAULT_CONFIG, type ApiConfig } from './config.js';
import { inlineCounter, TokenLister, type Counter } from './list/token-lister.js';

/** The structured-logger surface the api needs (pino satisfies it). */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Everything a request may use, built once per process. */
export interface Deps {
  db: Db;
  tokens: TokenStore;
  directory: DirectoryStore;
  lister: TokenLister;
  clock: Clock;
  config: ApiConfig;
  log: Logger;
}

export interface DepsOptions {
  clock?: Clock;
  config?: Partial<ApiConfig>;
  log?: Logger;
  /** Runs totals (e.g. in a worker thread); counts in-process by default. */
  counter?: Counter;
}

export function createDeps(db: Db, options: DepsOptions = {}): Deps {
  const config = { ...DEFAULT_CONFIG, ...options.config };
  const tokens = new TokenStore(db);
  const clock = options.clock ?? systemClock();
  return {
    db,
    tokens,
    directory: new DirectoryStore(db),
    lister: new TokenLister(tokens, options.counter ?? inlineCounter(tokens), config),
    clock,
    config,
    log: options.log ?? silentLogger,
  };
}

/** Per request: the dependencies, the caller's language and credentials. */
export interface Context {
  deps: Deps;
  lang: Lang;
  authorization: string | undefined;
}

export function createContext(
  deps: Deps,
  headers: { authorization?: string | undefined; acceptLanguage?: string | undefined },
): Context {
  return { deps, lang: pickLanguage(headers.acceptLanguage), authorization: headers.authorization };
}
