#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { bootstrapEntity, createDeps, type Deps } from '@tokenwarden/api';
import { closeDatabase, openDatabase } from '@tokenwarden/db';
import { ensureDemoData } from './demo/data.js';

/**
 * Operator commands that write to the database directly (not through the API):
 * creating entities and seeding demo data. Output is JSON on stdout; secrets in it are
 * shown once and never logged.
 */
const USAGE = `usage: tokenwarden-admin <command> [options]

commands:
  entity create --name NAME     create an entity, its first API client and an
                                ENTITY_SETUP token; prints entity_id, client_id,
                                client_secret, access_token as JSON
  demo seed [--seed N] [--tokens N]
                                seed the demo entity (first time only)

options:
  --db PATH                     database file (default: $TOKENWARDEN_DB or ./data/tokenwarden.db)
  -h, --help                    show this help`;

type Command = (deps: Deps, values: Record<string, string | boolean | undefined>) => Promise<unknown>;

const COMMANDS: Record<string, Command> = {
  'entity create': async (deps, v) => {
    if (typeof v.name !== 'string' || v.name.trim() === '') throw new UsageError('--name is required');
    const { entity_pk: _pk, ...out } = await bootstrapEntity(deps, v.name.trim());
    return out;
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
};

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      name: { type: 'string' },
      seed: { type: 'string' },
      tokens: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const name = positionals.slice(0, 2).join(' ');
  const command = COMMANDS[name];
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const db = openDatabase(values.db ?? process.env.TOKENWARDEN_DB ?? './data/tokenwarden.db');
  try {
    const out = await command(createDeps(db), values);
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  } finally {
    closeDatabase(db);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`tokenwarden-admin: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
