import { z } from 'zod';
import { DEFAULT_CONFIG, type ApiConfig } from '@tokenwarden/api';
import { isPostgresUrl, type StoreConfig } from '@tokenwarden/db';

const seconds = z.coerce.number().int().min(1).max(31_536_000);

/** A key as hex or base64(url), decoded; at least 32 bytes. Messages never repeat the value. */
export function decodeKey(text: string): Buffer | undefined {
  const t = text.trim();
  const bytes = /^(?:[0-9a-fA-F]{2})+$/.test(t) ? Buffer.from(t, 'hex') : /^[A-Za-z0-9+/_-]+={0,2}$/.test(t) ? Buffer.from(t, 'base64') : undefined;
  return bytes && bytes.length >= 32 ? bytes : undefined;
}
const KEY_MESSAGE = 'must be at least 32 random bytes as hex or base64 (e.g. `openssl rand -base64 32`)';
/** Comma-separated keys, decoded; `one` allows a single key only. */
const keyList = (one: boolean) =>
  z.string().transform((t, ctx) =>
    (one ? [t] : t.split(',').filter((k) => k.trim() !== '')).map((k, i) => {
      const key = decodeKey(k);
      if (!key) ctx.addIssue({ code: 'custom', message: one ? KEY_MESSAGE : `key ${i + 1} ${KEY_MESSAGE}` });
      return key ?? Buffer.alloc(0);
    }),
  );

/** Process configuration from the environment; a bad value stops start-up with a clear message. */
const Env = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  TOKENWARDEN_DB: z.string().min(1).default('./data/tokenwarden.db'),
  /** `postgres://…`: PostgreSQL (any number of replicas); otherwise the SQLite file TOKENWARDEN_DB. */
  TOKENWARDEN_DATABASE_URL: z
    .string()
    .optional()
    .refine((u) => u === undefined || u === '' || isPostgresUrl(u), 'must be a postgres:// or postgresql:// URL'),
  TOKENWARDEN_DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TOKENWARDEN_ADMIN_ROLES: z.string().optional(),
  TOKENWARDEN_LIFETIME_CLIENT_CREDENTIALS: seconds.optional(),
  TOKENWARDEN_LIFETIME_PASSWORD: seconds.optional(),
  TOKENWARDEN_LIFETIME_LOGIN: seconds.optional(),
  TOKENWARDEN_LIFETIME_ENTITY_SETUP: seconds.optional(),
  /** `1`: seed the demo entity on first run and print a ready-to-use token. */
  TOKENWARDEN_DEMO: z.enum(['0', '1']).default('0'),
  TOKENWARDEN_DEMO_TOKENS: z.coerce.number().int().min(0).max(50_000_000).default(20_000),
  TOKENWARDEN_DEMO_SEED: z.coerce.number().int().min(0).default(42),
  /** Failed sign-in limits (0 turns one off): see README, Configuration. */
  TOKENWARDEN_THROTTLE_USER_ADDRESS: z.coerce.number().int().min(0).max(1_000_000).optional(),
  TOKENWARDEN_THROTTLE_ADDRESS: z.coerce.number().int().min(0).max(1_000_000).optional(),
  TOKENWARDEN_THROTTLE_USER: z.coerce.number().int().min(0).max(1_000_000).optional(),
  TOKENWARDEN_THROTTLE_WINDOW_SECONDS: seconds.optional(),
  /** The HMAC key of client secret hashes; unset: a key kept in the database. See README, Configuration. */
  TOKENWARDEN_SECRET_KEY: keyList(true).optional(),
  /** Comma-separated earlier keys: their hashes still verify and are rehashed under the current key. */
  TOKENWARDEN_PREVIOUS_SECRET_KEYS: keyList(false).optional(),
  /** Milliseconds in-flight requests get to finish on shutdown. */
  TOKENWARDEN_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
});

export interface ServerConfig {
  host: string;
  port: number;
  /** Which database, for `openStore`. */
  store: StoreConfig;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  api: ApiConfig;
  demo: { enabled: boolean; tokens: number; seed: number };
  shutdownGraceMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  if (e.TOKENWARDEN_PREVIOUS_SECRET_KEYS?.length && !e.TOKENWARDEN_SECRET_KEY) {
    throw new Error('invalid configuration: TOKENWARDEN_PREVIOUS_SECRET_KEYS: needs TOKENWARDEN_SECRET_KEY (the key that replaces them)');
  }
  const d = DEFAULT_CONFIG.lifetimes;
  return {
    host: e.HOST,
    port: e.PORT,
    store: {
      databaseUrl: e.TOKENWARDEN_DATABASE_URL || undefined,
      sqliteFile: e.TOKENWARDEN_DB,
      poolSize: e.TOKENWARDEN_DATABASE_POOL_SIZE,
    },
    logLevel: e.LOG_LEVEL,
    api: {
      ...DEFAULT_CONFIG,
      adminRoles: e.TOKENWARDEN_ADMIN_ROLES
        ? e.TOKENWARDEN_ADMIN_ROLES.split(',')
            .map((r) => r.trim())
            .filter(Boolean)
        : DEFAULT_CONFIG.adminRoles,
      lifetimes: {
        client_credentials: e.TOKENWARDEN_LIFETIME_CLIENT_CREDENTIALS ?? d.client_credentials,
        password: e.TOKENWARDEN_LIFETIME_PASSWORD ?? d.password,
        login: e.TOKENWARDEN_LIFETIME_LOGIN ?? d.login,
        entity_setup: e.TOKENWARDEN_LIFETIME_ENTITY_SETUP ?? d.entity_setup,
      },
      loginThrottle: {
        ...DEFAULT_CONFIG.loginThrottle,
        perUserAddress: e.TOKENWARDEN_THROTTLE_USER_ADDRESS ?? DEFAULT_CONFIG.loginThrottle.perUserAddress,
        perAddress: e.TOKENWARDEN_THROTTLE_ADDRESS ?? DEFAULT_CONFIG.loginThrottle.perAddress,
        perUser: e.TOKENWARDEN_THROTTLE_USER ?? DEFAULT_CONFIG.loginThrottle.perUser,
        windowSeconds: e.TOKENWARDEN_THROTTLE_WINDOW_SECONDS ?? DEFAULT_CONFIG.loginThrottle.windowSeconds,
      },
      secretKeys: e.TOKENWARDEN_SECRET_KEY ? [...e.TOKENWARDEN_SECRET_KEY, ...(e.TOKENWARDEN_PREVIOUS_SECRET_KEYS ?? [])] : [],
    },
    demo: { enabled: e.TOKENWARDEN_DEMO === '1', tokens: e.TOKENWARDEN_DEMO_TOKENS, seed: e.TOKENWARDEN_DEMO_SEED },
    shutdownGraceMs: e.TOKENWARDEN_SHUTDOWN_GRACE_MS,
  };
}
