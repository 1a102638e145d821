import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrapEntity, createDeps, mintToken, type Deps, type DepsOptions, type MintSpec } from '@tokenwarden/api';
import { openDatabase } from '@tokenwarden/db';
import { createApp, createLogger, type App } from '@tokenwarden/server';

export interface TestServer {
  url: string;
  deps: Deps;
  app: App;
  close(): Promise<void>;
}

/** A real Tokenwarden server on port 0 over a fresh SQLite file with migrations. */
export async function startServer(options: DepsOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwarden-cli-test-'));
  const log = createLogger('silent');
  const deps = createDeps(openDatabase(join(dir, 'test.db')), { log, ...options });
  const app = createApp({ deps, log, shutdownGraceMs: 1_000 });
  const address = await app.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${address.port}`,
    deps,
    app,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function newEntity(deps: Deps, name: string) {
  return bootstrapEntity(deps, name);
}

/** Mints a token directly (defaults: client credentials, every scope, one hour). */
export function mint(deps: Deps, spec: Partial<MintSpec> & { entityPk: number }) {
  return mintToken(deps, {
    clientId: 'test-client',
    userId: null,
    accountId: null,
    grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS',
    roles: [],
    scopes: ['*'],
    lifetimeSeconds: 3600,
    ...spec,
  });
}

export const CLI = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI as a child process (asynchronously: the server answering it runs in
 * this process). The environment holds only what is given, plus PATH.
 */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

/** A small RFC 4180 reader (quoted fields, doubled quotes, CRLF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
