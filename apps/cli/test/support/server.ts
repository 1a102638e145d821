import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bootstrapEntity, type Deps } from '@tokenwarden/api';

export { mintTestToken as mint, startTestServer as startServer, type TestServer } from '@tokenwarden/server/testing';

/** An entity with its setup client and its all-powerful ENTITY_SETUP token. */
export function newEntity(deps: Deps, name: string) {
  return bootstrapEntity(deps, name);
}

export const CLI = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI as a child process (asynchronously: the server answering it runs in
 * this process). The environment holds only what is given, plus PATH. stdin is a pipe with
 * `input` (or nothing) in it: never a terminal.
 */
export function runCli(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.end(input);
  });
}

/**
 * Runs the built CLI on a pseudo-terminal (util-linux `script`), as a person at a terminal
 * would: when its output shows `prompt`, `answer` is typed (then end of input). stdout and
 * stderr are the one terminal, so `output` holds both (and the typed answer, echoed).
 */
export function runCliOnTerminal(
  args: string[],
  env: Record<string, string>,
  prompt: RegExp,
  answer: string,
): Promise<{ code: number | null; output: string; prompted: boolean }> {
  const quote = (a: string) => `'${a.replaceAll("'", `'\\''`)}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let prompted = false;
    const onData = (b: Buffer) => {
      out.push(b);
      if (!prompted && prompt.test(Buffer.concat(out).toString('utf8'))) {
        prompted = true;
        child.stdin.write(`${answer}\n`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: Buffer.concat(out).toString('utf8'), prompted }));
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
