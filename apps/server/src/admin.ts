#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { bootstrapEntity, createAccount, createApiClient, createDeps, createUser, purgeExpiredTokens, type Deps } from '@tokenwarden/api';
import { instantToMicrosCeil, MAX_SECRET_LENGTH, MAX_USERNAME_LENGTH, ROLE_PATTERN, SCOPE_PATTERN, Uuid } from '@tokenwarden/contracts';
import { DuplicateKeyError, openStore, type EntityRecord } from '@tokenwarden/db';
import { loadConfig } from './config.js';
import { ensureDemoData } from './demo/data.js';

/**
 * Operator commands that write to the database directly (not through the API):
 * creating entities, API clients, users and accounts, and seeding demo data. Output is
 * JSON on stdout; secrets in it are shown once and never logged.
 */
const USAGE = `usage: tokenwarden-admin <command> [options]

commands:
  entity create --name NAME     create an entity, its first API client and an
                                ENTITY_SETUP token; prints entity_id, client_id,
                                client_secret, access_token as JSON
  client create --entity ENTITY_ID --name NAME --roles A,B --scopes x,y
                                create an API client; prints client_id and the
                                generated client_secret (shown once) as JSON
  user create --entity ENTITY_ID --username U [--password-stdin | --password P]
              [--roles A,B] [--scopes x,y] [--accounts ID,ID]
                                create a user; without a password one is generated
                                and printed once
  account create --entity ENTITY_ID --name NAME
                                create an account; prints account_id as JSON
  demo seed [--seed N] [--tokens N]
                                seed the demo entity (first time only)
  tokens purge --expired-before DATE [--batch N] [--dry-run] [--quiet]
                                retention: delete the tokens that expired before DATE
                                (RFC 3339, or YYYY-MM-DD for midnight UTC), N per
                                transaction (default 5000), with progress on stderr;
                                --dry-run counts per entity and deletes nothing. Walks
                                of a listing started before the purge are refused
                                (409) from its start on; new listings are unaffected.
                                The audit trail keeps a TOKENS_PURGED event per entity

options:
  --db PATH                     SQLite database file (default: $TOKENWARDEN_DB or ./data/tokenwarden.db);
                                with $TOKENWARDEN_DATABASE_URL set (postgres://…), that database instead
  -h, --help                    show this help`;

type Values = Record<string, string | boolean | undefined>;
type Command = (deps: Deps, values: Values) => Promise<unknown>;

function required(v: Values, name: string): string {
  const value = v[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

/** A comma-separated option as a list (empty when absent), each item checked by `valid`. */
function list(v: Values, name: string, valid: (item: string) => boolean, what: string): string[] {
  const value = v[name];
  if (value === undefined) return [];
  if (typeof value !== 'string') throw new UsageError(`--${name} takes a value`);
  const items = [
    ...new Set(
      value
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ),
  ];
  const bad = items.find((x) => !valid(x));
  if (bad !== undefined) throw new UsageError(`--${name}: ${JSON.stringify(bad)} is not ${what}`);
  return items;
}

const roles = (v: Values) => list(v, 'roles', (r) => ROLE_PATTERN.test(r), 'a role (letters, digits, _ . : -; at most 64)');
const scopes = (v: Values) => list(v, 'scopes', (s) => SCOPE_PATTERN.test(s), 'a scope (dotted segments, * only as the last)');

async function entityOf(deps: Deps, v: Values): Promise<EntityRecord> {
  const entityId = required(v, 'entity');
  const entity = Uuid.safeParse(entityId).success ? await deps.directory.findEntity(entityId.toLowerCase()) : undefined;
  if (!entity) throw new UsageError(`--entity: no entity ${JSON.stringify(entityId)}`);
  return entity;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Turns a uniqueness violation into a message an operator can act on. */
function explainConstraint(err: unknown, what: string): never {
  if (err instanceof DuplicateKeyError) throw new UsageError(`${what} already exists`);
  throw err;
}

const COMMANDS: Record<string, Command> = {
  'entity create': async (deps, v) => {
    if (typeof v.name !== 'string' || v.name.trim() === '') throw new UsageError('--name is required');
    const { entity_pk: _pk, ...out } = await bootstrapEntity(deps, v.name.trim());
    return out;
  },
  'client create': async (deps, v) => {
    const entity = await entityOf(deps, v);
    const created = await createApiClient(deps, entity.pk, { name: required(v, 'name'), roles: roles(v), scopes: scopes(v) });
    return { entity_id: entity.entityId, name: required(v, 'name'), ...created };
  },
  'user create': async (deps, v) => {
    const entity = await entityOf(deps, v);
    const username = required(v, 'username');
    if (username.length > MAX_USERNAME_LENGTH) throw new UsageError(`--username: at most ${MAX_USERNAME_LENGTH} characters`);
    if (v['password-stdin'] && v.password !== undefined) throw new UsageError('give --password or --password-stdin, not both');
    let password = typeof v.password === 'string' ? v.password : v['password-stdin'] ? await readStdin() : undefined;
    if (password === '') throw new UsageError('the password must not be empty');
    if (password !== undefined && password.length > MAX_SECRET_LENGTH) {
      throw new UsageError(`the password must be at most ${MAX_SECRET_LENGTH} characters`);
    }
    const generated = password === undefined;
    password ??= randomBytes(24).toString('base64url');
    const accountIds = list(v, 'accounts', (a) => Uuid.safeParse(a).success, 'an account id (UUID)').map((a) => a.toLowerCase());
    for (const a of accountIds) {
      if (!(await deps.directory.accountInEntity(entity.pk, a))) throw new UsageError(`--accounts: ${a} is not an account of this entity`);
    }
    const user = await createUser(deps, entity.pk, { username, password, roles: roles(v), scopes: scopes(v), accountIds }).catch((err: unknown) =>
      explainConstraint(err, `a user named ${JSON.stringify(username)}`),
    );
    // A password the operator chose is never echoed; a generated one is shown this once.
    return { entity_id: entity.entityId, ...user, ...(generated ? { password } : {}) };
  },
  'account create': async (deps, v) => {
    const entity = await entityOf(deps, v);
    return { entity_id: entity.entityId, ...(await createAccount(deps, entity.pk, required(v, 'name'))) };
  },
  'demo seed': async (deps, v) => {
    const seed = Number(v.seed ?? 42);
    const tokens = Number(v.tokens ?? 20_000);
    if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(tokens) || tokens < 0) {
      throw new UsageError('--seed and --tokens must be whole numbers');
    }
    const seeded = await ensureDemoData(deps, {
      seed,
      tokens,
      onProgress: (n, total) => process.stderr.write(`\rseeding: ${n}/${total}`),
    });
    process.stderr.write('\n');
    return { seeded, seed, tokens };
  },
  'tokens purge': async (deps, v) => {
    const text = required(v, 'expired-before');
    const before = instantToMicrosCeil(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
    if (before === undefined) throw new UsageError('--expired-before must be an RFC 3339 instant or a date (YYYY-MM-DD, midnight UTC)');
    // A date to come would delete tokens still valid, unrevoked and without an event: never.
    if (before > deps.clock.nowMicros()) throw new UsageError('--expired-before must not be in the future: only tokens that have expired are purged');
    const batch = Number(v.batch ?? 5000);
    if (!Number.isSafeInteger(batch) || batch < 1 || batch > 100_000) throw new UsageError('--batch must be a whole number from 1 to 100000');
    let last = 0;
    const started = performance.now();
    return purgeExpiredTokens(deps, before, {
      batch,
      dryRun: v['dry-run'] === true,
      onProgress: (p) => {
        const now = performance.now();
        if (v.quiet === true || (now - last < 500 && p.deleted < p.total)) return;
        last = now;
        const rate = Math.round(p.deleted / Math.max((now - started) / 1000, 0.001));
        const pct = p.total === 0 ? 100 : Math.floor((100 * p.deleted) / p.total);
        process.stderr.write(`purge: ${p.deleted}/${p.total} tokens (${pct}%), ${p.entitiesDone}/${p.entities} entities, ${rate} tokens/s\n`);
      },
    });
  },
};

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      name: { type: 'string' },
      entity: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      roles: { type: 'string' },
      scopes: { type: 'string' },
      accounts: { type: 'string' },
      seed: { type: 'string' },
      tokens: { type: 'string' },
      'expired-before': { type: 'string' },
      batch: { type: 'string' },
      'dry-run': { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const name = positionals.slice(0, 2).join(' ');
  const command = COMMANDS[name];
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  // The server's own settings (TOKENWARDEN_DATABASE_URL, TOKENWARDEN_DB, lifetimes, ...), --db overriding the file.
  const config = loadConfig(process.env);
  const store = await openStore({ ...config.store, sqliteFile: values.db ?? config.store.sqliteFile, counts: 'inline' });
  try {
    const out = await command(createDeps(store, { config: config.api }), values);
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`tokenwarden-admin: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
