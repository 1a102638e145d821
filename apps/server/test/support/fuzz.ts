/**
 * A seeded fuzzer of the HTTP surface (REST, tRPC, health, docs), shared by
 * test/fuzz.test.ts (a small fixed-seed sample in `npm test`) and scripts/fuzz.mjs
 * (`pnpm fuzz`: 100,000 requests). It imports only Node built-ins and the built
 * `@tokenwarden/api`, so the runner can transpile it and run it without a TS loader.
 *
 * Each request is generated from its own PRNG seeded by (run seed, request index), so
 * request #i of a seed is always the same request, whatever ran before it: a failure is
 * replayed with `--seed S --only i`. Generation never depends on an answer.
 */
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import {
  bootstrapEntity,
  createAccount,
  createApiClient,
  createCaller,
  createContext,
  createUser,
  mintToken,
  operatorEvent,
  type Deps,
  type MintSpec,
} from '@tokenwarden/api';

// ---------------------------------------------------------------------------------------
// PRNG

/** mulberry32: small, fast, good enough to pick mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of request `index` of a run. */
export function requestSeed(seed: number, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ index, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export const DEFAULT_SEED = 20261202;

/** FUZZ_SEED (decimal or 0x hex) or the fixed default. */
export function seedFromEnv(value: string | undefined = process.env.FUZZ_SEED): number {
  if (value === undefined || value.trim() === '') return DEFAULT_SEED;
  const n = Number(value.trim());
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`FUZZ_SEED must be an integer 0..2^32-1, not ${JSON.stringify(value)}`);
  return n;
}

class Rand {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  /** Picks by weight: [[weight, value], ...]. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of items) total += w;
    let r = this.next() * total;
    for (const [w, v] of items) {
      r -= w;
      if (r < 0) return v;
    }
    return (items[items.length - 1] as readonly [number, T])[1];
  }
}

// ---------------------------------------------------------------------------------------
// Fixtures: what the fuzzer knows of the server (credentials, tokens) and every secret.

export interface Fixtures {
  /** Bearer tokens by kind; `revoked` and `expired` do not authenticate. */
  bearers: Record<'admin' | 'setup' | 'auditor' | 'teller' | 'noscope' | 'other' | 'revoked' | 'expired', string>;
  /** Token ids that exist (never revoked by the fuzzer: they are the bearers). */
  tokenIds: string[];
  /** Token ids the fuzzer may revoke. */
  victimIds: string[];
  /** The raw values of the victims, and of one of the other entity: what RFC 7009 revocation may be sent. */
  victimTokens: string[];
  otherVictimToken: string;
  /** A token of the other entity (404 for the first). */
  otherTokenId: string;
  userIds: string[];
  accountIds: string[];
  clients: { client_id: string; client_secret: string }[];
  users: { username: string; password: string }[];
  /** next_page_token values of real lists (of entity A, and one of the other entity), with the parameters each is bound to. */
  pageTokens: string[];
  /** Every secret value, by a name to print instead of it. */
  secrets: Map<string, string>;
}

function sha256Forms(raw: string): string[] {
  const d = createHash('sha256').update(raw, 'utf8').digest();
  return [d.toString('hex'), d.toString('base64'), d.toString('base64url')];
}

/** Records an access token and the forms of its stored hash as secrets. */
export function addTokenSecret(fx: Fixtures, name: string, raw: string): void {
  fx.secrets.set(name, raw);
  sha256Forms(raw).forEach((h, i) => {
    fx.secrets.set(`${name}.sha256.${i}`, h);
  });
}

/**
 * Two entities like the demo's: clients and users with passwords (scrypt-hashed by the
 * real code), accounts, bearer tokens of every kind, and tokens to list, get and revoke.
 */
export async function createFixtures(deps: Deps): Promise<Fixtures> {
  const a = await bootstrapEntity(deps, 'Fuzz Fintech');
  const b = await bootstrapEntity(deps, 'Fuzz Other Corp');
  const accounts = [await createAccount(deps, a.entity_pk, 'Main'), await createAccount(deps, a.entity_pk, 'Savings')];
  const accountIds = accounts.map((x) => x.account_id);
  const reporting = await createApiClient(deps, a.entity_pk, {
    name: 'Reporting',
    roles: ['REPORTING'],
    scopes: ['iam.oauth.tokens.list.get', 'payments.*'],
  });
  const users = [
    await createUser(deps, a.entity_pk, {
      username: 'fuzz-alice',
      password: 'fuzz-alice-password-0f3a',
      roles: ['ENTITY_ADMIN'],
      scopes: ['iam.oauth.*', 'accounts.read'],
      accountIds,
    }),
    await createUser(deps, a.entity_pk, {
      username: 'fuzz-carol',
      password: 'fuzz-carol-password-9b1c',
      roles: ['TELLER'],
      scopes: ['iam.oauth.tokens.list.get', 'accounts.read'],
    }),
  ];
  const passwords = ['fuzz-alice-password-0f3a', 'fuzz-carol-password-9b1c'];
  const mint = async (entityPk: number, o: Partial<MintSpec> = {}) =>
    mintToken(deps, {
      entityPk,
      clientId: a.client_id,
      userId: null,
      accountId: null,
      grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS',
      roles: ['ENTITY_ADMIN'],
      scopes: ['*'],
      lifetimeSeconds: 24 * 3600,
      ...o,
    });
  const userA = users[0]!.user_id;
  const userC = users[1]!.user_id;
  const admin = await mint(a.entity_pk);
  const auditor = await mint(a.entity_pk, { userId: userA, grantFlow: 'GRANT_FLOW_PASSWORD', roles: ['AUDITOR'], scopes: ['iam.oauth.tokens.*'] });
  const teller = await mint(a.entity_pk, {
    userId: userC,
    accountId: accountIds[0] ?? null,
    grantFlow: 'GRANT_FLOW_LOGIN',
    roles: ['TELLER'],
    scopes: ['iam.oauth.tokens.list.get'],
  });
  const noscope = await mint(a.entity_pk, { scopes: ['payments.read'] });
  const other = await mint(b.entity_pk, { clientId: b.client_id });
  const revoked = await mint(a.entity_pk);
  await deps.tokens.revoke(a.entity_pk, revoked.record.tokenId, operatorEvent());
  const expired = await mint(a.entity_pk, { lifetimeSeconds: 0 });
  const victims = [];
  for (let i = 0; i < 40; i++)
    victims.push(await mint(a.entity_pk, { userId: i % 2 ? userC : null, accountId: i % 3 ? null : (accountIds[1] ?? null) }));
  const otherVictim = await mint(b.entity_pk, { clientId: b.client_id });
  // Real page tokens: of the default list, of a filtered one, of the other entity.
  const lister = (bearer: string) => createCaller(createContext(deps, { authorization: `Bearer ${bearer}` })).tokens.list;
  const pageTokens = [
    await lister(admin.accessToken)({ page_params: { page_size: 1 } }),
    await lister(admin.accessToken)({ page_params: { page_size: 2 }, status: ['ACTIVE'], client_id: a.client_id }),
    await lister(other.accessToken)({ page_params: { page_size: 1 } }),
  ].map((res) => res.pagination_info.next_page_token ?? '');

  const fx: Fixtures = {
    bearers: {
      admin: admin.accessToken,
      setup: a.access_token,
      auditor: auditor.accessToken,
      teller: teller.accessToken,
      noscope: noscope.accessToken,
      other: other.accessToken,
      revoked: revoked.accessToken,
      expired: expired.accessToken,
    },
    tokenIds: [admin, auditor, teller, noscope, revoked, expired].map((t) => t.record.tokenId).concat(a.token_id),
    victimIds: victims.map((v) => v.record.tokenId),
    victimTokens: victims.map((v) => v.accessToken),
    otherVictimToken: otherVictim.accessToken,
    otherTokenId: other.record.tokenId,
    userIds: [userA, userC],
    accountIds,
    clients: [
      { client_id: a.client_id, client_secret: a.client_secret },
      { client_id: reporting.client_id, client_secret: reporting.client_secret },
    ],
    users: users.map((u, i) => ({ username: u.username, password: passwords[i]! })),
    pageTokens,
    secrets: new Map(),
  };
  for (const [k, v] of Object.entries(fx.bearers)) addTokenSecret(fx, `bearer.${k}`, v);
  addTokenSecret(fx, 'bearer.other-setup', b.access_token);
  victims.forEach((v, i) => {
    addTokenSecret(fx, `victim.${i}`, v.accessToken);
  });
  addTokenSecret(fx, 'victim.other', otherVictim.accessToken);
  fx.secrets.set('client.setup.secret', a.client_secret);
  fx.secrets.set('client.other-setup.secret', b.client_secret);
  fx.secrets.set('client.reporting.secret', reporting.client_secret);
  passwords.forEach((p, i) => {
    fx.secrets.set(`user.${i}.password`, p);
  });
  for (const c of [a.client_id, b.client_id, reporting.client_id]) {
    const hash = (await deps.directory.findClient(c))?.secretHash;
    if (hash) fx.secrets.set(`client.${c}.hash`, hash);
  }
  for (const u of users) {
    const hash = (await deps.directory.findUserByUsername(u.username))?.passwordHash;
    if (hash) fx.secrets.set(`user.${u.username}.scrypt`, hash);
  }
  return fx;
}

// ---------------------------------------------------------------------------------------
// Requests

export interface FuzzRequest {
  index: number;
  /** Which generator made it and the mutations applied, for the report. */
  label: string;
  method: string;
  /** The request target exactly as sent (raw requests), or a path+query fetch will send. */
  target: string;
  headers: [string, string][];
  body?: Buffer | undefined;
  /** Sent over a raw socket (malformed framing, methods or headers fetch refuses, HEAD). */
  raw: boolean;
  /** A raw request sent as these bytes, as is (no framing added). */
  bytes?: Buffer | undefined;
  /** The request may move a secret into a field that the server echoes (e.g. `scope`). */
  mayEchoSecrets: boolean;
  /** The connection may be reset without an answer (a body well over the limit). */
  mayReset: boolean;
}

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'FROBNICATE'] as const;

const LIST = '/v1/iam/oauth/tokens';
const INTROSPECT = '/v1/iam/oauth/introspect';
const REVOKE_BY_VALUE = '/v1/iam/oauth/revoke';
const MAX_BODY = 64 * 1024;

const PATHS = [
  LIST,
  `${LIST}/`,
  `${LIST}/{id}`,
  `${LIST}/{id}/`,
  `${LIST}/{id}/extra`,
  '/v1/iam/oauth',
  INTROSPECT,
  REVOKE_BY_VALUE,
  `${INTROSPECT}/`,
  '/v1',
  '/',
  '/healthz',
  '/healthz/',
  '/openapi.json',
  '/docs',
  '/docs/',
  '/docs/init.js',
  '/docs/assets/swagger-ui.css',
  '/docs/assets/swagger-ui-bundle.js',
  '/docs/assets/favicon-32x32.png',
  '/docs/assets/favicon-16x16.png',
  '/docs/assets/nope.js',
  '/docs/assets/../../package.json',
  '/docs/assets/%2e%2e/%2e%2e/package.json',
  '/trpc',
  '/trpc/',
  '/trpc/tokens.list',
  '/trpc/tokens.get',
  '/trpc/tokens.revoke',
  '/trpc/oauth.issueToken',
  '/trpc/oauth.introspect',
  '/trpc/oauth.revoke',
  '/trpc/tokens.list,tokens.get',
  '/trpc/tokens',
  '/trpc/nope.nope',
  '/trpc/__proto__',
  '/trpc/tokens.list/extra',
  '/V1/IAM/OAUTH/TOKENS',
  '/v1/iam/oauth/tokens.json',
  '/favicon.ico',
  '/.env',
];

/** Values that are wrong in interesting ways, for any parameter or field. */
const WEIRD = [
  '',
  ' ',
  '0',
  '-1',
  '1',
  '100',
  '101',
  '1.5',
  '1e2',
  '1E2',
  '-0',
  '+5',
  '007',
  '0x10',
  '0b1',
  '0o7',
  'NaN',
  'Infinity',
  '-Infinity',
  '9007199254740993',
  '99999999999999999999',
  '999999999999999999999999999999',
  '-99999999999999999999',
  '18446744073709551616',
  '1_000',
  '1,000',
  ' 10',
  '10 ',
  '\t5',
  '٣',
  '１０',
  'true',
  'false',
  'null',
  'undefined',
  '[]',
  '{}',
  '[1,2]',
  '{"a":1}',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  "1' or '1'='1",
  '"; --',
  "'; drop table x; --",
  '\\',
  '\\u0000',
  '%',
  '%%',
  '%zz',
  '%e2%82',
  '%C0%AF',
  '%00',
  '%ff%fe',
  '\u0000',
  '\u0007',
  '\r\n',
  '\u202e',
  '\ud800',
  '\ufeff',
  '😀',
  'ß',
  'İ',
  'ﬀ',
  'Ω≈ç√∫',
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, meant literally
  '${7*7}',
  '{{7*7}}',
  '../../../../etc/passwd',
  'ASC',
  'DESC',
  'asc',
  'ORDER_DIRECTION_ENUM_UNSPECIFIED',
  'created_at',
  'CREATED_AT',
  'expires_at',
  'last_used_at',
  'token_id',
  'user_id',
  'account_id',
  'grant_flow',
  'GRANT_FLOW_LOGIN',
  'GRANT_FLOW_PASSWORD',
  'GRANT_FLOW_CLIENT_CREDENTIALS',
  'GRANT_FLOW_ENTITY_SETUP',
  'GRANT_FLOW_UNSPECIFIED',
  'grant_flow_login',
  'AUDITOR',
  'TELLER',
  'ENTITY_ADMIN',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '{00000000-0000-0000-0000-000000000000}',
  '00000000000000000000000000000000',
  '00000000-0000-0000-0000-00000000000g',
  '-62135596800',
  '-62135596801',
  '253402300799',
  '253402300800',
  '999999999',
  '1000000000',
  'ACTIVE',
  'EXPIRED',
  'TOKEN_STATUS_REVOKED',
  'active',
  'true',
  'false',
  'TRUE',
  '2026-01-31T23:00:00Z',
  '2026-01-31T23:00:00.123456789+01:00',
  '2026-02-30T00:00:00Z',
  '0001-01-01T00:00:00Z',
  'iam.oauth.*',
  'iam..oauth',
  '*',
  'tokenwarden-login',
];

const PARAM_NAMES = [
  'page_params.page_size',
  'page_params.page_number',
  'page_params.first_request_timestamp.seconds',
  'page_params.first_request_timestamp.nanos',
  'order_params.order_key',
  'order_params.order_direction',
  'account_id',
  'user_id',
  'grant_flow',
  'role',
  'page_token',
  'status',
  'client_id',
  'scope',
  'created_after',
  'created_before',
  'expires_after',
  'expires_before',
  'last_used_after',
  'last_used_before',
  'never_used',
];

const BAD_NAMES = [
  '',
  'page_size',
  'page_params',
  'page_params.',
  '.page_size',
  'page_params..page_size',
  'page_params.page_size.x',
  'page_params[page_size]',
  'PAGE_PARAMS.PAGE_SIZE',
  'page_params.first_request_timestamp',
  'page_params.first_request_timestamp.seconds.x',
  '__proto__',
  '__proto__.polluted',
  'page_params.__proto__',
  'page_params.__proto__.page_size',
  'constructor.prototype.x',
  'toString',
  'input',
  'batch',
  'a',
  'ROLE',
  'role ',
  ' role',
  'rôle',
  '%72ole',
  'r%00le',
  'x'.repeat(300),
];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json;charset=UTF-8',
  'application/json; charset=latin1',
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'Application/X-WWW-Form-Urlencoded',
  'text/plain',
  'text/plain;charset=UTF-8',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/jsonx',
  'application/vnd.api+json',
  'application/octet-stream',
  '',
  ';',
  '*/*',
  'application/json, text/plain',
  'a'.repeat(2000),
];

const LANGS = [
  'en',
  'es',
  'es-ES,es;q=0.9,en;q=0.8',
  'ES',
  'fr',
  '*',
  'es;q=0',
  'es;q=2',
  'es;q=NaN',
  'es;q=1e-9',
  'en;q=0.1, es;q=0.2',
  ',,,;;;',
  ';q=1',
  'x'.repeat(5000),
  'es-'.repeat(1000),
  '\u00e9s',
  '',
];

const ACCEPTS = ['*/*', 'application/json', 'text/html', 'application/jsonl', 'text/event-stream', ''];

/** A JSON nested `depth` levels deep. */
function deep(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

function uuidish(r: Rand): string {
  const h = () => r.int(16).toString(16);
  const part = (n: number) => Array.from({ length: n }, h).join('');
  return `${part(8)}-${part(4)}-4${part(3)}-a${part(3)}-${part(12)}`;
}

function randomString(r: Rand, max: number): string {
  const n = r.int(max + 1);
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = r.int(10);
    if (k < 6) s += String.fromCharCode(0x20 + r.int(95));
    else if (k < 7) s += String.fromCharCode(r.int(32));
    else if (k < 9) s += String.fromCharCode(0x80 + r.int(0x700));
    else s += String.fromCodePoint(0x1f300 + r.int(200));
  }
  return s;
}

/** A value for any parameter or field: a weird one, a real one, a long one or random text. */
function weirdValue(r: Rand, fx: Fixtures): string {
  return r.weighted<() => string>([
    [8, () => r.pick(WEIRD)],
    [2, () => r.pick(fx.userIds.concat(fx.accountIds, fx.tokenIds, [fx.otherTokenId]))],
    [1, () => uuidish(r)],
    [1, () => r.pick(fx.userIds).toUpperCase()],
    [2, () => randomString(r, 40)],
    [1, () => String(r.int(2 ** 31) * (r.chance(0.5) ? -1 : 1))],
    [1, () => (r.next() * 10 ** r.int(30)).toString()],
    [1, () => 'a'.repeat(r.pick([255, 256, 1025, 4097, 15_000]))],
  ])();
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Percent-encodes a string for a query or form, sometimes badly on purpose. */
function enc(r: Rand, s: string): string {
  const wellFormed = s.replace(LONE_SURROGATE, '');
  if (r.chance(0.85)) return encodeURIComponent(wellFormed).replace(/%20/g, r.chance(0.5) ? '+' : '%20');
  // As is: a raw '%' or '&' inside a value, and raw non-ASCII (fetch encodes it; raw sends it).
  return wellFormed;
}

type Pair = [string, string];

function listPairs(r: Rand, fx: Fixtures): Pair[] {
  const all: Pair[] = [
    ['page_params.page_size', String(1 + r.int(100))],
    ['page_params.page_number', String(1 + r.int(5))],
    ['page_params.first_request_timestamp.seconds', String(Math.floor(Date.now() / 1000) - r.int(100))],
    ['page_params.first_request_timestamp.nanos', String(r.int(1e9))],
    ['order_params.order_key', r.pick(['created_at', 'expires_at', 'last_used_at', 'token_id', 'user_id', 'account_id', 'grant_flow'])],
    ['order_params.order_direction', r.pick(['ASC', 'DESC', 'ORDER_DIRECTION_ENUM_UNSPECIFIED'])],
    ['account_id', r.pick(fx.accountIds)],
    ['user_id', r.pick(fx.userIds)],
    ['grant_flow', r.pick(['GRANT_FLOW_CLIENT_CREDENTIALS', 'GRANT_FLOW_PASSWORD', 'GRANT_FLOW_ENTITY_SETUP', 'GRANT_FLOW_LOGIN'])],
    ['role', r.pick(['ENTITY_ADMIN', 'AUDITOR', 'TELLER', 'REPORTING'])],
    ['status', r.pick(['ACTIVE', 'EXPIRED', 'REVOKED', 'TOKEN_STATUS_ACTIVE'])],
    ['client_id', r.pick(fx.clients.map((c) => c.client_id).concat('tokenwarden-login'))],
    ['scope', r.pick(['iam.oauth.tokens.list.get', 'payments.create', 'iam.oauth.*', '*', 'accounts.read'])],
    ...(['created_after', 'created_before', 'expires_after', 'expires_before', 'last_used_after', 'last_used_before'] as const).map(
      (k): Pair => [k, instant(r)],
    ),
    ['never_used', r.pick(['true', 'false'])],
    ['page_token', r.pick(fx.pageTokens)],
  ];
  // A second status now and then (the parameter repeats).
  if (r.chance(0.3)) all.push(['status', r.pick(['EXPIRED', 'TOKEN_STATUS_REVOKED'])]);
  // Every parameter (the README's "every parameter" list) or a random subset; a page
  // token mostly alone with its page size, as a walk sends it.
  if (r.chance(0.1))
    return [
      ['page_params.page_size', r.pick(['1', '2'])],
      ['page_token', r.pick(fx.pageTokens)],
    ];
  const chosen = r.chance(0.3) ? all : all.filter(() => r.chance(0.35));
  return r.chance(0.8) ? chosen.filter(([k]) => k !== 'page_token') : chosen;
}

/** Instants of time bounds lie around this one (fixed, so a seed makes the same requests). */
const INSTANT_ANCHOR = Date.UTC(2026, 11, 1);

/** An instant as RFC 3339, with Z or an offset. */
function instant(r: Rand): string {
  const at = new Date(INSTANT_ANCHOR + (r.int(24 * 400) - 24 * 200) * 3600_000 + r.int(1000));
  const text = at.toISOString();
  return r.chance(0.7) ? text : text.replace('Z', r.pick(['+02:00', '-05:30', '+00:00']));
}

/** Mutates query or form pairs: repeat, drop, rename, replace values, add, reorder. */
function mutatePairs(r: Rand, fx: Fixtures, pairs: Pair[], notes: string[]): Pair[] {
  let out = pairs.slice();
  const rounds = 1 + r.int(3);
  for (let i = 0; i < rounds; i++) {
    const op = r.int(9);
    const at = r.int(Math.max(out.length, 1));
    const p = out[at];
    if (op === 0 && p) {
      out.splice(at, 0, [p[0], r.chance(0.5) ? p[1] : weirdValue(r, fx)]);
      notes.push('repeat');
    } else if (op === 1 && p) {
      out.splice(at, 1);
      notes.push('drop');
    } else if (op === 2 && p) {
      out[at] = [r.chance(0.5) ? r.pick(BAD_NAMES) : r.pick(PARAM_NAMES), p[1]];
      notes.push('rename');
    } else if (op <= 5) {
      const name = p && r.chance(0.7) ? p[0] : r.pick(PARAM_NAMES);
      const v: Pair = [name, weirdValue(r, fx)];
      if (p && r.chance(0.7)) out[at] = v;
      else out.push(v);
      notes.push('value');
    } else if (op === 6) {
      out.push([r.pick(BAD_NAMES), weirdValue(r, fx)]);
      notes.push('unknown');
    } else if (op === 7) {
      out = out.sort(() => r.next() - 0.5);
      notes.push('shuffle');
    } else {
      const n = r.pick([50, 500, 3000]);
      for (let k = 0; k < n; k++) out.push([r.pick(PARAM_NAMES), String(k)]);
      notes.push(`many:${n}`);
    }
  }
  return out;
}

function encodePairs(r: Rand, pairs: Pair[]): string {
  const parts = pairs.map(([k, v]) => {
    const form = r.int(20);
    if (form === 0) return enc(r, k); // no '='
    if (form === 1) return `${enc(r, k)}=${enc(r, v)}=${enc(r, v)}`;
    return `${enc(r, k)}=${enc(r, v)}`;
  });
  let s = parts.join(r.chance(0.95) ? '&' : r.pick(['&&', ';', '&amp;', '&;']));
  if (r.chance(0.05)) s = `&${s}&`;
  if (r.chance(0.03)) s = `?${s}`;
  return s;
}

/** Overlong values: a few kilobytes fit the URL limit (16 KiB of headers), 1 MB does not. */
function hugeValue(r: Rand): string {
  const n = r.pick([1_000, 8_000, 15_000, 17_000, 100_000, 1_000_000]);
  return r.pick(['9', 'a', '%', '%zz', 'é', '😀']).repeat(Math.ceil(n / 3));
}

interface Draft {
  method: string;
  path: string;
  query: string;
  headers: [string, string][];
  body?: string | Buffer | undefined;
  raw: boolean;
  notes: string[];
  mayEchoSecrets: boolean;
  mayReset: boolean;
}

function issuanceBody(r: Rand, fx: Fixtures): Record<string, unknown> {
  const client = r.pick(fx.clients);
  const user = r.pick(fx.users);
  const kind = r.int(3);
  const body: Record<string, unknown> =
    kind === 0
      ? { grant_type: 'client_credentials', ...client }
      : kind === 1
        ? { grant_type: 'password', ...client, ...user }
        : { grant_type: 'login', ...user };
  if (r.chance(0.3)) body.account_id = r.pick(fx.accountIds);
  if (r.chance(0.3))
    body.scope = r.pick(['iam.oauth.tokens.get', 'iam.oauth.tokens.get iam.oauth.tokens.delete', 'payments.*', '*', 'iam.oauth.tokens.list.get']);
  return body;
}

const ISSUE_FIELDS = ['grant_type', 'client_id', 'client_secret', 'username', 'password', 'account_id', 'scope'];

/**
 * The body of introspection or RFC 7009 revocation: a token by value. Revocation is only
 * ever sent tokens the fuzzer may lose (victims, another entity's, garbage), never a bearer.
 */
function tokenValueBody(r: Rand, fx: Fixtures, revoke: boolean): Record<string, unknown> {
  const token = r.weighted<() => string>([
    [4, () => r.pick(fx.victimTokens)],
    [2, () => fx.otherVictimToken],
    [revoke ? 0 : 4, () => r.pick(Object.values(fx.bearers))],
    [1, () => `${r.pick(fx.victimTokens).slice(0, -1)}${r.pick(['0', 'A', 'z'])}`],
    [1, () => `twat_${'A'.repeat(r.pick([43, 49]))}`],
    [2, () => weirdValue(r, fx)],
  ])();
  const body: Record<string, unknown> = { token };
  if (r.chance(0.4)) body.token_type_hint = r.pick(['access_token', 'refresh_token', '', 'x', weirdValue(r, fx)]);
  return body;
}

/** `Authorization: Basic` for the token endpoint: the body's client credentials moved into it, or a broken one. */
function basicHeader(r: Rand, fx: Fixtures, body: Record<string, unknown>, notes: string[]): string {
  notes.push('basic');
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const client = r.pick(fx.clients);
  const id = typeof body.client_id === 'string' ? body.client_id : client.client_id;
  const secret = typeof body.client_secret === 'string' ? body.client_secret : client.client_secret;
  if (r.chance(0.6)) {
    delete body.client_id;
    delete body.client_secret;
  }
  return r.weighted<() => string>([
    [6, () => `Basic ${b64(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`],
    [2, () => `Basic ${b64(`${id}:${secret}x`)}`],
    [1, () => `Basic ${b64(`${r.pick(['no-such-client', '', '%zz'])}:${secret}`)}`],
    [1, () => `Basic ${r.pick(['', '!!!!', 'abc', b64('no colon'), `${b64('a:b')} extra`])}`],
    [1, () => r.pick(['Basic', 'basic   ', `BASIC ${b64(`${id}:${secret}`)}`])],
  ])();
}

/** Mutates an issuance (or any JSON object) body's fields. Returns whether a secret may now sit in an echoed field. */
function mutateObject(r: Rand, fx: Fixtures, body: Record<string, unknown>, notes: string[]): boolean {
  let moved = false;
  const keys = Object.keys(body);
  const key = r.pick(keys.length ? keys : ISSUE_FIELDS);
  switch (r.int(9)) {
    case 0:
      delete body[key];
      notes.push(`drop:${key}`);
      break;
    case 1:
      body[key] = weirdValue(r, fx);
      notes.push(`value:${key}`);
      break;
    case 2:
      body[key] = r.pick<unknown>([null, 0, -1, 1.5, 1e308, true, [], {}, ['a'], { a: 1 }, [body[key]], Number.MAX_SAFE_INTEGER]);
      notes.push(`type:${key}`);
      break;
    case 3: {
      const to = r.pick(ISSUE_FIELDS.concat(BAD_NAMES));
      body[to] = body[key];
      delete body[key];
      moved = true;
      notes.push(`rename:${key}->${to}`);
      break;
    }
    case 4:
      body.grant_type = r.pick([
        'client_credentials',
        'password',
        'login',
        'refresh_token',
        'authorization_code',
        'CLIENT_CREDENTIALS',
        '',
        'entity_setup',
        'GRANT_FLOW_LOGIN',
      ]);
      notes.push('grant_type');
      break;
    case 5:
      body[key] = `${String(body[key] ?? '')}${r.pick(['x', ' ', '\u0000', 'é', '%00'])}`;
      notes.push(`append:${key}`);
      break;
    case 6:
      body[key] = r.pick(['a'.repeat(257), 'a'.repeat(1025), 'a'.repeat(5000), 'a'.repeat(40_000)]);
      notes.push(`long:${key}`);
      break;
    case 7:
      body[r.pick(BAD_NAMES)] = weirdValue(r, fx);
      notes.push('unknown');
      break;
    default:
      body.scope = r.pick(['', ' ', 'a b', 'iam.oauth.*', '*.*', 'a..b', 'x'.repeat(5000), 'iam.oauth.tokens.get\u0000', weirdValue(r, fx)]);
      notes.push('scope');
  }
  return moved;
}

/** Serializes JSON, then sometimes breaks it. */
function jsonText(r: Rand, value: unknown, notes: string[]): string {
  const text = JSON.stringify(value);
  if (!r.chance(0.35)) return text;
  const k = r.int(12);
  notes.push(`json:${k}`);
  switch (k) {
    case 0:
      return text.slice(0, r.int(text.length));
    case 1:
      return deep(r.pick([100, 1000, 10_000, 30_000]), r.chance(0.5) ? 'array' : 'object');
    case 2:
      return `{"grant_type":${deep(r.pick([1000, 10_000]), 'array')}}`;
    case 3:
      return `[${Array.from({ length: r.pick([1000, 20_000]) }, () => '0').join(',')}]`;
    case 4:
      return `{"a":[${Array.from({ length: 15_000 }, () => '1').join(',')}]}`;
    case 5:
      return r.pick(['null', '1', '"x"', 'true', '[]', '[{}]', '', ' ', '{', '}', '{"a"}', "{'a':1}", '{"a":1,}', 'NaN', '{"a":NaN}']);
    case 6:
      return `\ufeff${text}`;
    case 7:
      return text.replace(/"/, '"\u0000');
    case 8:
      return `${text.slice(0, -1)},"grant_type":"login"}`; // a duplicate key
    case 9:
      return `{"__proto__":${text},"constructor":{"prototype":{"polluted":1}}}`;
    case 10:
      return `${text}${text}`;
    default:
      return text.replace(/:/g, () => (r.chance(0.2) ? ':\u00a0' : ':'));
  }
}

/** A form body from pairs, sometimes malformed. */
function formText(r: Rand, fx: Fixtures, body: Record<string, unknown>, notes: string[]): string {
  let pairs: Pair[] = Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
  if (r.chance(0.4)) pairs = mutatePairs(r, fx, pairs, notes);
  let s = encodePairs(r, pairs);
  if (r.chance(0.1))
    s = r.pick(['&&&', '=', '==', '%', '%zz=1', 'a=%ff%fe', '+=+', `${s}%`, `${s}&grant_type=login`, 'grant_type[]=login', 'a'.repeat(70_000)]);
  return s;
}

function tokenId(r: Rand, fx: Fixtures, revoke: boolean): string {
  if (revoke && r.chance(0.6)) return r.pick(fx.victimIds);
  return r.weighted<() => string>([
    [6, () => r.pick(fx.tokenIds)],
    [2, () => fx.otherTokenId],
    [2, () => uuidish(r)],
    [1, () => r.pick(fx.tokenIds).toUpperCase()],
    [3, () => enc(r, weirdValue(r, fx))],
  ])();
}

function bearer(r: Rand, fx: Fixtures): string | undefined {
  return r.weighted<() => string | undefined>([
    [10, () => `Bearer ${fx.bearers.admin}`],
    [2, () => `Bearer ${fx.bearers.setup}`],
    [2, () => `Bearer ${fx.bearers.auditor}`],
    [2, () => `Bearer ${fx.bearers.teller}`],
    [1, () => `Bearer ${fx.bearers.noscope}`],
    [1, () => `Bearer ${fx.bearers.other}`],
    [1, () => `Bearer ${fx.bearers.revoked}`],
    [1, () => `Bearer ${fx.bearers.expired}`],
    [3, () => undefined],
    [
      4,
      () =>
        r.pick([
          'Bearer',
          'Bearer ',
          'Bearer  x',
          `bearer ${fx.bearers.admin}`,
          `BEARER ${fx.bearers.admin}`,
          `Bearer  ${fx.bearers.admin}`,
          `Bearer ${fx.bearers.admin} x`,
          `Bearer ${fx.bearers.admin}x`,
          `Bearer ${fx.bearers.admin.slice(0, -1)}`,
          `Bearer twat_${'A'.repeat(43)}`,
          `Bearer twat_${'A'.repeat(4000)}`,
          'Basic dXNlcjpwYXNz',
          'Token abc',
          'Bearer %00',
          'Bearer é',
          `Bearer ${'x'.repeat(15_000)}`,
          'Bearer twcs_not-a-token',
        ]),
    ],
  ])();
}

/** Headers of a request, sometimes with odd ones added. */
function commonHeaders(r: Rand, fx: Fixtures, headers: [string, string][], notes: string[]): void {
  const auth = bearer(r, fx);
  if (auth !== undefined) headers.push(['authorization', auth]);
  if (r.chance(0.3)) headers.push(['accept-language', r.pick(LANGS)]);
  if (r.chance(0.1)) headers.push(['accept', r.pick(ACCEPTS)]);
  if (r.chance(0.05)) headers.push(['trpc-accept', r.pick(['application/jsonl', 'application/json', 'x'])]);
  if (r.chance(0.1))
    headers.push(['x-request-id', r.pick(['fuzz-1', '', ' ', 'x'.repeat(8000), 'é', '\t', randomString(r, 20).replace(/[^\x20-\x7e]/g, '')])]);
  if (r.chance(0.02)) {
    headers.push(['content-encoding', r.pick(['gzip', 'br', 'identity', 'x'])]);
    notes.push('content-encoding');
  }
  if (r.chance(0.02)) {
    headers.push(['x-forwarded-for', r.pick(['1.2.3.4', '::1', 'x'.repeat(300), ''])]);
  }
}

function baseDraft(r: Rand, fx: Fixtures, o: { issuanceShare: number }): Draft {
  const notes: string[] = [];
  const d: Draft = { method: 'GET', path: LIST, query: '', headers: [], raw: false, notes, mayEchoSecrets: false, mayReset: false };
  const kind = r.weighted<string>([
    [24, 'list'],
    [8, 'get'],
    [5, 'revoke'],
    [o.issuanceShare * 100 * 0.6, 'issue-json'],
    [o.issuanceShare * 100 * 0.4, 'issue-form'],
    [3, 'introspect'],
    [2, 'revoke-by-value'],
    [8, 'trpc-get'],
    [6, 'trpc-post'],
    [4, 'trpc-batch'],
    [10, 'any-path'],
    [2, 'health'],
    [2, 'docs'],
  ]);
  notes.push(kind);
  switch (kind) {
    case 'list': {
      const pairs = listPairs(r, fx);
      d.query = encodePairs(r, r.chance(0.8) ? mutatePairs(r, fx, pairs, notes) : pairs);
      break;
    }
    case 'get':
      d.path = `${LIST}/${tokenId(r, fx, false)}`;
      if (r.chance(0.2)) d.query = encodePairs(r, mutatePairs(r, fx, [], notes));
      break;
    case 'revoke': {
      d.method = 'DELETE';
      const id = tokenId(r, fx, true);
      d.path = `${LIST}/${id}`;
      if (r.chance(0.5)) {
        const body: Record<string, unknown> = { token_id: r.chance(0.6) ? decodeSafe(id) : tokenId(r, fx, false) };
        if (r.chance(0.5)) mutateObject(r, fx, body, notes);
        d.body = jsonText(r, body, notes);
        d.headers.push(['content-type', r.chance(0.8) ? 'application/json' : r.pick(CONTENT_TYPES)]);
      }
      break;
    }
    case 'introspect':
    case 'revoke-by-value': {
      d.method = 'POST';
      d.path = kind === 'introspect' ? INTROSPECT : REVOKE_BY_VALUE;
      const body = tokenValueBody(r, fx, kind === 'revoke-by-value');
      if (r.chance(0.3)) mutateObject(r, fx, body, notes);
      if (r.chance(0.5)) {
        d.body = formText(r, fx, body, notes);
        d.headers.push(['content-type', r.chance(0.9) ? 'application/x-www-form-urlencoded' : r.pick(CONTENT_TYPES)]);
      } else {
        d.body = jsonText(r, body, notes);
        d.headers.push(['content-type', r.chance(0.9) ? 'application/json' : r.pick(CONTENT_TYPES)]);
      }
      // Values move between fields freely here; a token is never echoed, but say so to the leak check.
      d.mayEchoSecrets = true;
      if (r.chance(0.05)) d.query = encodePairs(r, mutatePairs(r, fx, [], notes));
      break;
    }
    case 'issue-json':
    case 'issue-form': {
      d.method = 'POST';
      const body = issuanceBody(r, fx);
      if (r.chance(0.9)) {
        const n = 1 + r.int(2);
        for (let i = 0; i < n; i++) d.mayEchoSecrets = mutateObject(r, fx, body, notes) || d.mayEchoSecrets;
      }
      if (r.chance(0.2)) d.headers.push(['authorization', basicHeader(r, fx, body, notes)]);
      if (kind === 'issue-json') {
        d.body = jsonText(r, body, notes);
        d.headers.push(['content-type', r.chance(0.8) ? 'application/json' : r.pick(CONTENT_TYPES)]);
      } else {
        d.body = formText(r, fx, body, notes);
        d.mayEchoSecrets = true; // form mutations rename and move values freely
        d.headers.push(['content-type', r.chance(0.8) ? 'application/x-www-form-urlencoded' : r.pick(CONTENT_TYPES)]);
      }
      if (r.chance(0.05)) d.query = encodePairs(r, mutatePairs(r, fx, [], notes));
      return d; // issuance authenticates by its body: no bearer most of the time
    }
    case 'trpc-get': {
      const proc = r.weighted<string>([
        [6, 'tokens.list'],
        [3, 'tokens.get'],
        [1, 'oauth.issueToken'],
        [1, 'tokens.revoke'],
        [1, r.pick(['oauth.introspect', 'oauth.revoke'])],
        [1, r.pick(['nope', 'tokens', 'tokens.list.x', '__proto__', 'tokens.__proto__', 'constructor', 'tokens.list,', ',', ''])],
      ]);
      d.path = `/trpc/${proc}`;
      const input = trpcInput(r, fx, proc);
      if (r.chance(0.9)) d.query = `input=${enc(r, jsonText(r, input, notes))}`;
      if (r.chance(0.2)) d.query = encodePairs(r, mutatePairs(r, fx, [['input', JSON.stringify(input)]], notes));
      break;
    }
    case 'trpc-post': {
      const proc = r.weighted<string>([
        [3, 'tokens.revoke'],
        [1, 'oauth.issueToken'],
        [2, 'tokens.list'],
        [1, 'tokens.get'],
        [2, 'oauth.introspect'],
        [1, 'oauth.revoke'],
      ]);
      d.method = 'POST';
      d.path = `/trpc/${proc}`;
      const input = trpcInput(r, fx, proc);
      if (proc.startsWith('oauth.') && r.chance(0.8)) {
        d.mayEchoSecrets = mutateObject(r, fx, input, notes);
        mutateObject(r, fx, input, notes);
        d.mayEchoSecrets = true;
      }
      if (proc === 'oauth.issueToken' && r.chance(0.2)) d.headers.push(['authorization', basicHeader(r, fx, input, notes)]);
      d.body = jsonText(r, input, notes);
      d.headers.push(['content-type', r.chance(0.85) ? 'application/json' : r.pick(CONTENT_TYPES)]);
      if (r.chance(0.1)) d.query = encodePairs(r, mutatePairs(r, fx, [], notes));
      break;
    }
    case 'trpc-batch': {
      const procs = Array.from({ length: 1 + r.int(r.chance(0.1) ? 60 : 4) }, () =>
        r.pick(['tokens.list', 'tokens.get', 'tokens.revoke', 'oauth.issueToken', 'oauth.introspect', 'nope']),
      );
      const post = r.chance(0.3);
      d.method = post ? 'POST' : 'GET';
      d.path = `/trpc/${procs.join(',')}`;
      const inputs: Record<string, unknown> = {};
      procs.forEach((p, i) => {
        if (p !== 'oauth.issueToken') inputs[String(r.chance(0.9) ? i : r.pick(['-1', 'x', '99', '__proto__']))] = trpcInput(r, fx, p);
      });
      const batch = r.weighted<string>([
        [8, 'batch=1'],
        [1, 'batch=0'],
        [1, 'batch=true'],
        [1, 'batch=1&batch=1'],
        [1, ''],
      ]);
      if (post) {
        d.query = batch;
        d.body = jsonText(r, inputs, notes);
        d.headers.push(['content-type', 'application/json']);
      } else d.query = `${batch}&input=${enc(r, jsonText(r, inputs, notes))}`;
      break;
    }
    case 'any-path': {
      d.method = r.pick(METHODS);
      d.path = r.pick(PATHS).replace('{id}', tokenId(r, fx, d.method === 'DELETE'));
      if (r.chance(0.3)) d.query = encodePairs(r, mutatePairs(r, fx, listPairs(r, fx), notes));
      if (d.method !== 'GET' && d.method !== 'HEAD' && r.chance(0.4)) {
        d.body = jsonText(r, r.chance(0.5) ? { token_id: r.pick(fx.tokenIds) } : { a: weirdValue(r, fx) }, notes);
        d.headers.push(['content-type', r.pick(CONTENT_TYPES)]);
      }
      break;
    }
    case 'health':
      d.path = r.pick(['/healthz', '/healthz?x=1', '/healthz/', '/HEALTHZ', '/healthz%00']);
      break;
    default:
      d.path = r.pick([
        '/docs',
        '/docs/',
        '/docs/init.js',
        '/openapi.json',
        '/docs/assets/swagger-ui.css',
        '/docs/assets/favicon-16x16.png',
        '/docs/assets/x',
      ]);
      if (r.chance(0.05)) d.path = '/docs/assets/swagger-ui-bundle.js';
      if (r.chance(0.2)) d.query = encodePairs(r, mutatePairs(r, fx, [], notes));
  }
  commonHeaders(r, fx, d.headers, notes);
  return d;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function trpcInput(r: Rand, fx: Fixtures, proc: string): Record<string, unknown> {
  if (proc === 'tokens.list') {
    const input: Record<string, unknown> = {};
    for (const [k, v] of listPairs(r, fx)) {
      const path = k.split('.');
      let node = input;
      for (const seg of path.slice(0, -1)) {
        node[seg] ??= {};
        node = node[seg] as Record<string, unknown>;
      }
      const last = path[path.length - 1]!;
      if (k === 'status') node[last] = [...((node[last] as string[] | undefined) ?? []), v];
      else if (k === 'never_used') node[last] = v === 'true';
      else node[last] = /^\d+$/.test(v) && !k.endsWith('_id') ? Number(v) : v;
    }
    if (r.chance(0.5)) {
      const key = r.pick(['page_params', 'order_params', 'role', 'user_id', 'x', '__proto__']);
      input[key] = r.pick<unknown>([
        weirdValue(r, fx),
        -1,
        Number.POSITIVE_INFINITY,
        0.5,
        null,
        [],
        { page_size: weirdValue(r, fx) },
        { page_size: 1e21 },
        { page_number: -0 },
      ]);
    }
    return input;
  }
  if (proc === 'tokens.get' || proc === 'tokens.revoke') {
    const id = proc === 'tokens.revoke' && r.chance(0.6) ? r.pick(fx.victimIds) : r.pick(fx.tokenIds.concat([fx.otherTokenId]));
    const input: Record<string, unknown> = { token_id: r.chance(0.8) ? id : weirdValue(r, fx) };
    if (proc === 'tokens.revoke' && r.chance(0.3)) input.body = { token_id: r.chance(0.5) ? id : uuidish(r) };
    if (r.chance(0.3)) mutateObject(r, fx, input, []);
    return input;
  }
  if (proc === 'oauth.introspect' || proc === 'oauth.revoke') return tokenValueBody(r, fx, proc === 'oauth.revoke');
  return issuanceBody(r, fx);
}

/** Turns a draft into the bytes of a raw request with malformed framing or headers. */
function rawMalformed(r: Rand, d: Draft): { bytes?: Buffer; note: string; mayReset?: boolean } {
  const target = d.query ? `${d.path}?${d.query}` : d.path;
  const k = r.int(22);
  const head = (reqLine: string, headers: string[], body: Buffer | string = '') =>
    Buffer.concat([
      Buffer.from(`${reqLine}\r\n${['Host: 127.0.0.1', ...headers, 'Connection: close'].join('\r\n')}\r\n\r\n`, 'latin1'),
      Buffer.from(body),
    ]);
  const auth = d.headers.filter(([n]) => n === 'authorization').map(([n, v]) => `${n}: ${v}`);
  switch (k) {
    case 0:
      return {
        bytes: head(`${d.method} ${d.path}/%${r.pick(['', 'z', 'zz', 'e2%82', 'c0%af', 'ff', '00', '2', 'G0'])} HTTP/1.1`, auth),
        note: 'raw:bad-path-escape',
      };
    case 1:
      return {
        bytes: head(`GET ${LIST}/${r.pick(['%', '%zz', '%e2%82%ac%', '%ED%A0%80', '%F4%90%80%80', 'a%2Fb', '%2e%2e'])} HTTP/1.1`, auth),
        note: 'raw:bad-id-escape',
      };
    case 2:
      return {
        bytes: head(`GET ${target} HTTP/1.1`, [...auth, `X-Big: ${'a'.repeat(r.pick([8_000, 17_000, 70_000]))}`]),
        note: 'raw:oversized-header',
      };
    case 3:
      return {
        bytes: head(`GET ${target} HTTP/1.1`, [...auth, ...Array.from({ length: r.pick([100, 2100]) }, (_, i) => `X-H${i}: v`)]),
        note: 'raw:many-headers',
      };
    case 4:
      return {
        bytes: head(`GET ${LIST} HTTP/1.1`, [`Authorization: Bearer ${r.pick(['\u0001', '\u007f', 'a\u0000b', '\u00ff\u00fe'])}`]),
        note: 'raw:control-char-header',
      };
    case 5:
      return { bytes: head(`GET ${LIST} HTTP/1.1`, [`${r.pick(['X Bad', 'X:Bad', 'X\u0001', '(x)', 'é'])}: v`]), note: 'raw:bad-header-name' };
    case 6:
      return {
        bytes: head(
          `POST ${LIST} HTTP/1.1`,
          ['Content-Type: application/json', `Content-Length: ${r.pick(['99999999999999999999', '-1', 'abc', '1e3', '0x10', '5, 6'])}`],
          '{}',
        ),
        note: 'raw:absurd-content-length',
      };
    case 7:
      return {
        bytes: head(`POST ${d.path} HTTP/1.1`, ['Content-Type: application/json', 'Content-Length: 2', 'Content-Length: 3'], '{}'),
        note: 'raw:double-content-length',
      };
    case 8:
      return {
        bytes: head(
          `POST ${d.path} HTTP/1.1`,
          ['Content-Type: application/json', 'Transfer-Encoding: chunked'],
          r.pick(['zz\r\n{}\r\n0\r\n\r\n', '2\r\n{}0\r\n\r\n', '-2\r\n{}\r\n0\r\n\r\n']),
        ),
        note: 'raw:bad-chunked',
      };
    case 9:
      return {
        bytes: head(
          `POST ${d.path} HTTP/1.1`,
          ['Content-Type: application/json', 'Transfer-Encoding: chunked', 'Content-Length: 2'],
          '2\r\n{}\r\n0\r\n\r\n',
        ),
        note: 'raw:te-and-cl',
      };
    case 10:
      return {
        bytes: head(
          `${r.pick(['get', 'Get', 'FROBNICATE', 'G E T', 'GET\u0000', 'PROPFIND', 'SEARCH', 'M-SEARCH', 'BREW'])} ${target} HTTP/1.1`,
          auth,
        ),
        note: 'raw:odd-method',
      };
    case 11:
      return { bytes: head(`GET ${target} HTTP/${r.pick(['1.0', '0.9', '2.0', '1.2', 'x'])}`, auth), note: 'raw:http-version' };
    case 12:
      return {
        bytes: head(
          `GET ${r.pick(['*', 'http://[::1', 'http://127.0.0.1:1/healthz', 'http://x/v1/iam/oauth/tokens', 'https://', '//', 'http:/', 'x', 'v1/iam', '?a=1', 'http://a b/'])} HTTP/1.1`,
          auth,
        ),
        note: 'raw:odd-target',
      };
    case 13:
      return { bytes: Buffer.from(`GET ${target} HTTP/1.1\r\nConnection: close\r\n\r\n`, 'latin1'), note: 'raw:no-host' };
    case 14:
      return {
        bytes: head(`GET ${LIST}?${Buffer.from(r.pick(['é=1', 'role=\u00ff', 'a=\u0080%', '%C3=%A9'])).toString('latin1')} HTTP/1.1`, auth),
        note: 'raw:non-ascii-query',
      };
    case 15:
      return { bytes: head(`GET ${LIST} HTTP/1.1`, ['Authorization: Bearer a', 'Authorization: Bearer b']), note: 'raw:double-authorization' };
    case 16:
      return { bytes: head(`GET ${d.path} HTTP/1.1`, ['Expect: 100-continue-please', ...auth]), note: 'raw:expect' };
    case 17: {
      // Every byte the Content-Length announces is sent: a request whose body never comes is
      // (rightly) waited for up to the request timeout.
      const n = r.pick([MAX_BODY + 1, 70_000, 1_000_000]);
      return {
        bytes: head(
          `POST ${r.pick([LIST, '/trpc/oauth.issueToken', '/trpc/tokens.revoke'])} HTTP/1.1`,
          ['Content-Type: application/json', `Content-Length: ${n}`],
          Buffer.alloc(n, r.pick(['a', ' ', '['])),
        ),
        note: 'raw:oversized-body',
        mayReset: true,
      };
    }
    case 18:
      return {
        bytes: head(`GET ${target} HTTP/1.1`, [...auth, 'Content-Type: application/json', 'Content-Length: 7'], '{"a":1}'),
        note: 'raw:get-with-body',
      };
    case 19:
      return { bytes: head(`GET ${target}\t HTTP/1.1`, auth), note: 'raw:tab-in-request-line' };
    case 20:
      return { bytes: Buffer.from(`GET ${target} HTTP/1.1\nHost: x\nConnection: close\n\n`, 'latin1'), note: 'raw:bare-lf' };
    default:
      return { bytes: head(`GET ${target} HTTP/1.1`, [...auth, 'Accept-Language: es', `Cookie: ${'a=b; '.repeat(3000)}`]), note: 'raw:big-cookie' };
  }
}

/** Request #index of a run with `seed`. */
export function generateRequest(seed: number, index: number, fx: Fixtures, o: { issuanceShare?: number } = {}): FuzzRequest {
  const r = new Rand(prng(requestSeed(seed, index)));
  const d = baseDraft(r, fx, { issuanceShare: o.issuanceShare ?? 0.03 });
  let bytes: Buffer | undefined;

  // Whole-request mutations.
  const m = r.int(100);
  if (m < 4) {
    d.method = r.pick(METHODS);
    d.notes.push(`method:${d.method}`);
  } else if (m < 7) {
    d.query = d.query ? `${d.query}&${r.pick(PARAM_NAMES)}=${enc(r, hugeValue(r))}` : `${r.pick(PARAM_NAMES)}=${enc(r, hugeValue(r))}`;
    d.notes.push('huge-query');
  } else if (m < 10 && d.body !== undefined) {
    d.body = Buffer.concat([Buffer.from(d.body), Buffer.alloc(Math.max(0, MAX_BODY + 1 - Buffer.byteLength(d.body)) + r.int(3000), ' ')]);
    d.notes.push('body-over-limit');
  } else if (m < 11) {
    d.body = Buffer.alloc(r.pick([MAX_BODY - 1, MAX_BODY, MAX_BODY + 1]), r.pick(['a', ' ', '{']));
    d.headers.push(['content-type', r.pick(CONTENT_TYPES)]);
    d.notes.push(`body-${d.body.length}`);
    d.mayReset = d.body.length > MAX_BODY;
  } else if (m < 13) {
    d.body = Buffer.from(
      r.pick([
        [0xff, 0xfe, 0x7b, 0x7d],
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
        [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d],
      ]),
    );
    d.headers.push(['content-type', r.pick(['application/json', 'application/x-www-form-urlencoded'])]);
    d.notes.push('invalid-utf8-body');
  } else if (m < 15) {
    d.path = (d.path === '/' ? '/x' : d.path).replace(
      /\/?$/,
      r.pick(['/', '//', '/.', '/..', '/%2e', '/%2F', '%2F', '%00', '/x', ';a=1', '.json', '%20']),
    );
    d.notes.push('path-suffix');
  } else if (m < 33) {
    const malformed = rawMalformed(r, d);
    bytes = malformed.bytes;
    d.mayReset = d.mayReset || malformed.mayReset === true;
    d.notes.push(malformed.note);
  }

  const target = d.query ? `${d.path}?${d.query}` : d.path;
  const body = d.body === undefined ? undefined : Buffer.from(d.body);
  // fetch cannot send these: HEAD answers are checked byte by byte, and fetch refuses TRACE,
  // a body on GET/HEAD, and unencoded control characters in a header value.
  const raw =
    bytes !== undefined ||
    d.method === 'HEAD' ||
    d.method === 'TRACE' ||
    ((d.method === 'GET' || d.method === 'HEAD') && body !== undefined) ||
    d.headers.some(([, v]) => /[^\t\x20-\x7e\x80-\xff]/.test(v) || v !== v.trim()) ||
    (body !== undefined && body.length > MAX_BODY);
  return {
    index,
    label: d.notes.join(' '),
    method: d.method,
    target,
    headers: d.headers,
    body,
    raw,
    bytes,
    mayEchoSecrets: d.mayEchoSecrets,
    mayReset: d.mayReset,
  };
}

// ---------------------------------------------------------------------------------------
// Sending

export interface FuzzResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Bytes of a raw request for a generated one that has no bytes of its own. */
function frame(req: FuzzRequest): Buffer {
  // Raw: the target as written (non-ASCII as UTF-8 bytes, control characters stripped so the line stays one line).
  const target = Buffer.from(
    req.target
      .replace(/[\r\n ]/g, '')
      .split(String.fromCharCode(0))
      .join(''),
    'utf8',
  ).toString('latin1');
  const lines = [`${req.method} ${target} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [n, v] of req.headers) lines.push(`${n}: ${Buffer.from(v.replace(/[\r\n]/g, ''), 'utf8').toString('latin1')}`);
  if (req.body !== undefined) lines.push(`Content-Length: ${req.body.length}`);
  lines.push('Connection: close');
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), req.body ?? Buffer.alloc(0)]);
}

/** Parses one HTTP/1.1 response from `buf`; undefined while incomplete (unless `closed`). */
function parseResponse(buf: Buffer, head: boolean, closed: boolean): FuzzResponse | undefined {
  let start = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', start);
    if (end < 0) return undefined;
    const lines = buf.subarray(start, end).toString('latin1').split('\r\n');
    const status = Number(lines[0]?.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      const name = line.slice(0, i).trim().toLowerCase();
      const value = line.slice(i + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const rest = buf.subarray(end + 4);
    if (status >= 100 && status < 200) {
      start = end + 4;
      continue;
    }
    // HEAD: whatever follows the head is a body that must not be there; read up to the close.
    if (head || status === 204 || status === 304) return closed ? { status, headers, body: rest } : undefined;
    if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) {
      const chunks: Buffer[] = [];
      let at = 0;
      for (;;) {
        const nl = rest.indexOf('\r\n', at);
        if (nl < 0) return closed ? { status, headers, body: Buffer.concat(chunks) } : undefined;
        const size = Number.parseInt(rest.subarray(at, nl).toString('latin1'), 16);
        if (!Number.isFinite(size)) return { status, headers, body: Buffer.concat(chunks) };
        if (size === 0) return { status, headers, body: Buffer.concat(chunks) };
        if (rest.length < nl + 2 + size + 2) return closed ? { status, headers, body: Buffer.concat(chunks) } : undefined;
        chunks.push(rest.subarray(nl + 2, nl + 2 + size));
        at = nl + 2 + size + 2;
      }
    }
    const length = headers['content-length'];
    if (length !== undefined) {
      const n = Number(length);
      if (rest.length >= n) return { status, headers, body: rest.subarray(0, n) };
      return closed ? { status, headers, body: rest } : undefined;
    }
    return closed ? { status, headers, body: rest } : undefined;
  }
}

/** Sends raw bytes on a connection of its own; resolves with the answer, or an error text. */
export function sendRaw(port: number, bytes: Buffer, head: boolean, timeoutMs: number): Promise<FuzzResponse | { error: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    let writeError: string | undefined;
    const socket = connect(port, '127.0.0.1');
    const finish = (v: FuzzResponse | { error: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => finish({ error: `timeout after ${timeoutMs} ms` }), timeoutMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const res = parseResponse(Buffer.concat(chunks), head, false);
      if (res) finish(res);
    });
    const closed = () => {
      const res = parseResponse(Buffer.concat(chunks), head, true);
      finish(res ?? { error: writeError ?? (chunks.length ? 'incomplete answer' : 'connection closed without an answer') });
    };
    socket.on('end', closed);
    socket.on('close', closed);
    socket.on('error', (e: NodeJS.ErrnoException) => {
      writeError = e.code ?? e.message;
    });
    // Written in pieces: an answer to an oversized upload can come (and the connection close) midway.
    let at = 0;
    const writeMore = () => {
      while (at < bytes.length && !done && !socket.destroyed) {
        const piece = bytes.subarray(at, at + 64 * 1024);
        at += piece.length;
        if (!socket.write(piece)) {
          socket.once('drain', writeMore);
          return;
        }
      }
    };
    socket.once('connect', writeMore);
  });
}

export async function send(baseUrl: string, req: FuzzRequest, timeoutMs = 60_000): Promise<FuzzResponse | { error: string }> {
  if (req.raw) return sendRaw(Number(new URL(baseUrl).port), req.bytes ?? frame(req), req.method === 'HEAD' && req.bytes === undefined, timeoutMs);
  try {
    const res = await fetch(baseUrl + req.target, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    return { status: res.status, headers, body: Buffer.from(await res.arrayBuffer()) };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    return { error: `${err.name}: ${err.cause?.code ?? err.cause?.message ?? err.message}` };
  }
}

// ---------------------------------------------------------------------------------------
// Oracles

/** HTTP status -> google.rpc code, as the README's error table has them. */
/** Node's own rejections (408, 431) have no row in that table: INVALID_ARGUMENT, or RESOURCE_EXHAUSTED for 431. */
const RPC_FOR_STATUS: Record<number, number[]> = {
  400: [3],
  401: [16],
  403: [7],
  404: [5],
  405: [12],
  408: [3, 4],
  409: [9],
  413: [8],
  429: [8],
  431: [3, 8],
  503: [14],
};

const LEAKS: [string, RegExp][] = [
  ['stack trace', /\bat [\w.<>$ ]*\(?[^\s()]*\.(?:js|ts|mjs|cjs):\d+/],
  ['stack trace', /\n\s+at \S/],
  ['error class', /\b(?:Type|Range|Syntax|Reference|Zod|TRPC|Sqlite|Postgres|Database|Store[A-Za-z]*)Error\b/],
  ['error prefix', /(?:^|["\s])Error: /],
  ['SQL', /\b(?:SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|WHERE \w+ =)\b/],
  ['SQL', /sqlite|postgres|\bpg_|syntax error|\brelation "|SQLITE_|constraint failed|duplicate key/i],
  ['file path', /\/work\/|node_modules|file:\/\/|\/home\/|\/usr\/|[A-Z]:\\\\/],
  ['scrypt hash', /scrypt\$/],
  ['HMAC secret hash', /hmac-sha256\$/],
  ['internals', /ERR_[A-Z_]{4,}|ECONN|EADDR|\bundefined is not\b|Cannot read propert/],
];

/** Bodies that are static files of the docs page: not error bodies, and long; not searched. */
const STATIC = /^\/docs(?:\/assets\/[^?]*|\/init\.js)?(?:\?|$)|^\/openapi\.json(?:\?|$)/;

export interface Problem {
  kind: string;
  detail: string;
}

/** The path the server routes by: `new URL(target, base).pathname`, as its RequestTarget reads it. */
function pathnameOf(target: string): string {
  try {
    return new URL(target, 'http://localhost').pathname;
  } catch {
    return '';
  }
}

/** The method and target a request really carried: its own bytes' request line when it has them. */
function requestLine(req: FuzzRequest): { method: string; target: string } {
  if (!req.bytes) return { method: req.method, target: req.target };
  const line = req.bytes.subarray(0, Math.max(0, req.bytes.indexOf('\n'))).toString('latin1');
  const [method = '', target = ''] = line.split(' ');
  return { method, target };
}

/** The tRPC procedures and REST paths (POST) of the OAuth endpoints: the only answers that may carry an RFC 6749 error code. */
const OAUTH_PROCEDURES = new Set(['oauth.issueToken', 'oauth.introspect', 'oauth.revoke']);
const OAUTH_PATHS = new Set([LIST, INTROSPECT, REVOKE_BY_VALUE]);
const OAUTH_ERRORS = new Set(['invalid_request', 'invalid_client', 'invalid_grant', 'unsupported_grant_type', 'invalid_scope']);
/** RFC 6749 5.2: printable ASCII but `"` and `\`. */
const OAUTH_DESCRIPTION = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * A google.rpc.Status body; from an OAuth endpoint (`oauth`) it may also carry the RFC 6749
 * `error` (invalid_client with 401, the others with 400) and an ASCII `error_description`.
 */
function isErrorBody(v: unknown, oauth = false): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const { error, error_description, ...o } = v as Record<string, unknown>;
  if (error !== undefined || error_description !== undefined) {
    const expectedCode = error === 'invalid_client' ? 16 : 3;
    if (!oauth || typeof error !== 'string' || !OAUTH_ERRORS.has(error) || o.code !== expectedCode) return false;
    if (typeof error_description !== 'string' || !OAUTH_DESCRIPTION.test(error_description)) return false;
  }
  const keys = Object.keys(o).sort().join(',');
  return (
    keys === 'code,details,message' &&
    Number.isInteger(o.code) &&
    typeof o.message === 'string' &&
    o.message.length > 0 &&
    Array.isArray(o.details) &&
    o.details.every(
      (d) =>
        typeof d === 'object' &&
        d !== null &&
        Object.keys(d).sort().join(',') === 'description,field' &&
        typeof (d as Record<string, unknown>).field === 'string' &&
        typeof (d as Record<string, unknown>).description === 'string',
    )
  );
}

function trpcErrorProblem(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return 'error is not an object';
  const err = e as Record<string, unknown>;
  if (typeof err.code !== 'number' || typeof err.message !== 'string') return 'error.code/message';
  const data = err.data as Record<string, unknown> | undefined;
  if (typeof data !== 'object' || data === null) return 'error.data missing';
  if (typeof data.code !== 'string' || typeof data.httpStatus !== 'number') return 'error.data.code/httpStatus';
  if (!isErrorBody(data.rpc, OAUTH_PROCEDURES.has(String(data.path)))) return 'error.data.rpc is not a google.rpc.Status';
  const rpc = data.rpc as { code: number; message: string };
  if (rpc.message !== err.message) return 'error.message differs from error.data.rpc.message';
  const codes = RPC_FOR_STATUS[data.httpStatus];
  if (!codes?.includes(rpc.code)) return `error.data.rpc.code ${rpc.code} for httpStatus ${data.httpStatus}`;
  if ('stack' in data) return 'error.data.stack';
  return undefined;
}

/** Every oracle on one answer. */
export function check(req: FuzzRequest, res: FuzzResponse | { error: string }, fx: Fixtures): Problem[] {
  const problems: Problem[] = [];
  if ('error' in res) {
    if (req.mayReset && /ECONNRESET|EPIPE|closed without an answer/.test(res.error)) return problems;
    return [{ kind: 'no answer', detail: res.error }];
  }
  const { status, headers, body } = res;
  const line = requestLine(req);
  const path = pathnameOf(line.target);
  const trpc = path.startsWith('/trpc/');
  const type = headers['content-type'] ?? '';
  const isHead = line.method === 'HEAD';
  if (!(status >= 100 && status <= 599)) problems.push({ kind: 'bad status line', detail: String(status) });
  if (status >= 500) problems.push({ kind: `status ${status}`, detail: body.subarray(0, 300).toString('utf8') });
  const requestId = headers['x-request-id'];
  if (requestId === undefined) problems.push({ kind: 'no x-request-id', detail: `status ${status}` });
  else if (requestId.trim() === '') problems.push({ kind: 'blank x-request-id (the caller sent a blank one)', detail: JSON.stringify(requestId) });
  if (isHead) {
    if (body.length > 0) problems.push({ kind: 'HEAD answer has a body', detail: `${body.length} bytes` });
    return problems;
  }
  const text = body.toString('utf8');
  let json: unknown;
  let parsed = false;
  if (/^application\/json\b/i.test(type)) {
    try {
      json = JSON.parse(text);
      parsed = true;
    } catch {
      problems.push({ kind: 'content-type JSON, body not JSON', detail: text.slice(0, 200) });
    }
  } else if (/^application\/jsonl\b/i.test(type)) {
    // tRPC's streamed batch: every line one JSON value.
    for (const l of text.split('\n').filter((x) => x.trim() !== '')) {
      try {
        JSON.parse(l);
      } catch {
        problems.push({ kind: 'content-type JSONL, a line not JSON', detail: l.slice(0, 200) });
        break;
      }
    }
  }
  const isError = status >= 400;
  if (isError) {
    if (!/^application\/json\b/i.test(type))
      problems.push({
        kind: 'error body not application/json',
        detail: `${status} content-type=${JSON.stringify(type)} body=${JSON.stringify(text.slice(0, 200))}`,
      });
    else if (parsed) {
      // What Node rejects before routing (malformed HTTP, 431 headers, 408) has no procedure: a bare google.rpc.Status is right there.
      if (trpc && !(isErrorBody(json) && (status === 400 || status === 408 || status === 431))) {
        const items = Array.isArray(json) ? json : [json];
        for (const item of items) {
          if (typeof item !== 'object' || item === null) {
            problems.push({ kind: 'tRPC envelope', detail: 'item is not an object' });
            continue;
          }
          const it = item as Record<string, unknown>;
          if ('error' in it) {
            const p = trpcErrorProblem(it.error);
            if (p) problems.push({ kind: 'tRPC error shape', detail: p });
            else if (!Array.isArray(json) && (it.error as { data: { httpStatus: number } }).data.httpStatus !== status) {
              problems.push({ kind: 'tRPC httpStatus differs from the status', detail: `${status}` });
            }
          } else if (!('result' in it)) problems.push({ kind: 'tRPC envelope', detail: 'neither error nor result' });
        }
      } else if (!isErrorBody(json, line.method === 'POST' && OAUTH_PATHS.has(path))) {
        problems.push({ kind: 'REST error not google.rpc.Status', detail: text.slice(0, 200) });
      } else if (!RPC_FOR_STATUS[status]?.includes((json as { code: number }).code)) {
        problems.push({ kind: 'REST rpc code does not match the status', detail: `${status} code ${(json as { code: number }).code}` });
      }
    }
  } else if (status >= 300 && status < 400) {
    if (body.length > 0 && !parsed) problems.push({ kind: 'redirect with a non-JSON body', detail: text.slice(0, 100) });
  }
  // RFC 6749 5.2: a client that failed to authenticate is challenged for Basic only if it used Basic; else with nothing.
  const oauthError = parsed
    ? ((trpc ? (json as { error?: { data?: { rpc?: { error?: unknown } } } })?.error?.data?.rpc : json) as { error?: unknown })?.error
    : undefined;
  const usedBasic = /^basic(?: |$)/i.test(req.headers.find(([n]) => n.toLowerCase() === 'authorization')?.[1] ?? '');
  const challenge = headers['www-authenticate'];
  if (status === 401 && oauthError === 'invalid_client') {
    if (usedBasic ? challenge !== 'Basic realm="tokenwarden"' : challenge !== undefined) {
      problems.push({ kind: 'invalid_client with the wrong challenge', detail: `${JSON.stringify(challenge)} basic=${usedBasic}` });
    }
  } else if (status === 401 && !challenge) problems.push({ kind: '401 without WWW-Authenticate', detail: path });
  // RFC 6749 5.1: nothing the OAuth endpoints answer is cached.
  const oauthCall = trpc
    ? path
        .slice(6)
        .split(',')
        .some((p) => OAUTH_PROCEDURES.has(p))
    : line.method === 'POST' && OAUTH_PATHS.has(path);
  if (oauthCall && status === 200 && (headers.pragma !== 'no-cache' || headers['cache-control'] !== 'no-store')) {
    problems.push({ kind: 'OAuth answer without Cache-Control: no-store and Pragma: no-cache', detail: path });
  }
  if (status === 405 && !trpc && !headers.allow) problems.push({ kind: '405 without Allow', detail: path });

  // Leaks. Static docs files are the docs page's own code; error bodies of those paths are still searched.
  if (!(status < 300 && STATIC.test(line.target))) {
    let searched = text;
    // The one place a secret belongs: the access token of a successful issuance.
    if (status === 200 && parsed && typeof (json as { access_token?: unknown })?.access_token === 'string') {
      const token = (json as { access_token: string }).access_token;
      addTokenSecret(fx, `issued.${req.index}`, token);
      searched = searched.split(token).join('[issued]');
    }
    for (const [what, re] of LEAKS) {
      const m = re.exec(searched);
      if (m) problems.push({ kind: `leak: ${what}`, detail: searched.slice(Math.max(0, m.index - 60), m.index + 80) });
    }
    const sent = `${req.target}\n${req.body?.toString('utf8') ?? ''}\n${req.bytes?.toString('latin1') ?? ''}`;
    for (const [name, secret] of fx.secrets) {
      if (!searched.includes(secret)) continue;
      // A value the caller itself moved into a field that is echoed (a client secret sent as `scope`) is its own input.
      if (req.mayEchoSecrets && sent.includes(secret)) continue;
      problems.push({ kind: 'leak: secret', detail: name });
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// Running

export interface Failure {
  index: number;
  /** The generator and mutations that made the request. */
  label: string;
  problems: Problem[];
  status: number | string;
  /** The request, secrets replaced by their names, long parts cut ('' unless it is an example of its group). */
  request: string;
}

export interface FuzzReport {
  seed: number;
  requests: number;
  byClass: Record<string, number>;
  byStatus: Record<string, number>;
  failures: Failure[];
  /** Failures grouped by kind: how many, and the first few. */
  groups: Map<string, { count: number; examples: Failure[] }>;
  ms: number;
  stoppedByTime: boolean;
}

/** A request as text for a report: secrets by name, long runs shortened. */
export function describeRequest(req: FuzzRequest, fx: Fixtures): string {
  const head = req.bytes
    ? req.bytes.toString('latin1')
    : `${req.method} ${req.target}\n${req.headers.map(([n, v]) => `${n}: ${v}`).join('\n')}\n\n${req.body?.toString('utf8') ?? ''}`;
  return redact(head, fx);
}

export function redact(text: string, fx: Fixtures): string {
  let s = text;
  // Longest first, so a secret's hash forms are replaced before anything shorter that they contain.
  const secrets = [...fx.secrets].sort((a, b) => b[1].length - a[1].length);
  for (const [name, secret] of secrets) if (secret && s.includes(secret)) s = s.split(secret).join(`[${name}]`);
  // Long runs shortened: of one character, then of short units ('[[', '{"a":', '0,'); fixed-length units keep this linear.
  s = s.replace(/(.)\1{63,}/gs, (run, c: string) => `${c.repeat(8)}…(${run.length}×)`);
  for (const n of [2, 3, 4, 5, 6]) {
    s = s.replace(new RegExp(`([^]{${n}})\\1{15,}`, 'g'), (run, unit: string) => `${unit.repeat(4)}…(${run.length / unit.length}×)`);
  }
  if (s.length > 1500) s = `${s.slice(0, 1500)}…(${s.length} chars)`;
  return JSON.stringify(s);
}

export interface RunOptions {
  url: string;
  fixtures: Fixtures;
  seed: number;
  requests: number;
  /** First request index (to replay one: `from: i, requests: 1`). */
  from?: number;
  concurrency?: number;
  /** Stops early (reported) after this long. */
  timeLimitMs?: number;
  timeoutMs?: number;
  issuanceShare?: number;
  onProgress?: (done: number, report: FuzzReport) => void;
  progressEvery?: number;
}

export async function runFuzz(o: RunOptions): Promise<FuzzReport> {
  const started = Date.now();
  const report: FuzzReport = { seed: o.seed, requests: 0, byClass: {}, byStatus: {}, failures: [], groups: new Map(), ms: 0, stoppedByTime: false };
  const from = o.from ?? 0;
  let next = from;
  const end = from + o.requests;
  const every = o.progressEvery ?? 5000;
  const worker = async () => {
    while (next < end) {
      if (o.timeLimitMs !== undefined && Date.now() - started > o.timeLimitMs) {
        report.stoppedByTime = true;
        return;
      }
      const index = next++;
      let req: FuzzRequest | undefined;
      let res: FuzzResponse | { error: string };
      let problems: Problem[];
      try {
        req = generateRequest(o.seed, index, o.fixtures, { issuanceShare: o.issuanceShare });
        res = await send(o.url, req, o.timeoutMs);
        problems = check(req, res, o.fixtures);
      } catch (e) {
        res = { error: 'fuzzer error' };
        problems = [{ kind: 'fuzzer error', detail: (e as Error).stack ?? String(e) }];
      }
      const status = 'error' in res ? 'none' : String(res.status);
      const cls = 'error' in res ? 'no answer' : `${String(res.status)[0]}xx`;
      report.requests++;
      report.byClass[cls] = (report.byClass[cls] ?? 0) + 1;
      report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
      if (problems.length > 0) {
        const failure: Failure = { index, label: `${req?.label ?? '?'}${req?.raw ? ' (raw socket)' : ''}`, problems, status, request: '' };
        report.failures.push(failure);
        for (const p of problems) {
          const key = `${p.kind} [${status}]`;
          const g = report.groups.get(key) ?? { count: 0, examples: [] };
          g.count++;
          if (g.examples.length < 3) {
            // Described only for the examples printed: redacting every failure of a long run costs more than the run.
            if (!failure.request && req) failure.request = describeRequest(req, o.fixtures);
            g.examples.push(failure);
          }
          report.groups.set(key, g);
        }
      }
      if (o.onProgress && report.requests % every === 0) o.onProgress(report.requests, report);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 4 }, worker));
  report.ms = Date.now() - started;
  return report;
}

/** The end-of-run checks: the server still answers /healthz 200 and logged no internal error. */
export async function finalChecks(url: string, logLines: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const health = await fetch(`${url}/healthz`).catch((e: Error) => e);
  if (health instanceof Error) out.push(`/healthz: ${health.message}`);
  else {
    const body = await health.text();
    if (health.status !== 200) out.push(`/healthz answered ${health.status}: ${body}`);
  }
  for (const line of logLines) {
    if (/internal error|health probe failed|"level":(?:50|60)/.test(line)) out.push(`log: ${line.slice(0, 600)}`);
  }
  return out;
}

/** A summary for humans: totals, then each failure group with examples. */
export function formatReport(report: FuzzReport, extra: string[] = []): string {
  const lines = [
    `fuzz: seed ${report.seed}, ${report.requests} requests in ${(report.ms / 1000).toFixed(1)} s (${Math.round(report.requests / (report.ms / 1000 || 1))}/s)${report.stoppedByTime ? ', stopped by the time limit' : ''}`,
    `  by class: ${Object.entries(report.byClass)
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  by status: ${Object.entries(report.byStatus)
      .sort()
      .map(([k, v]) => `${k}:${v}`)
      .join(' ')}`,
    `  failing requests: ${report.failures.length}`,
  ];
  for (const [key, g] of [...report.groups].sort((a, b) => b[1].count - a[1].count)) {
    lines.push(`  ✗ ${g.count}× ${key}`);
    for (const ex of g.examples) {
      lines.push(`      #${ex.index} (${ex.label}) → ${ex.status}: ${ex.problems.map((p) => `${p.kind}: ${p.detail}`.slice(0, 300)).join('; ')}`);
      lines.push(`        ${ex.request}`);
    }
  }
  for (const e of extra) lines.push(`  ✗ ${e}`);
  return lines.join('\n');
}
