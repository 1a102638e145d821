import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';

/*
 * The built server and admin command as separate processes (what production runs), for
 * tests that must kill the server outright: `node dist/main.js` and `node dist/admin.js`.
 */

const dist = (file: string) => new URL(`../../dist/${file}`, import.meta.url).pathname;

/** What a server process printed, bounded: its last `TAIL` characters (it logs a line per request). */
const TAIL = 64 * 1024;

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcessWithoutNullStreams;
  /** The last 64 KiB of what it wrote to stdout and stderr. */
  output(): string;
  /** Resolves with the exit code and signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL: no shutdown, no flush; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `dist/main.js` on a free port with `env` added; resolves once it logs that it listens. */
export async function startServerProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [dist('main.js')], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', TOKENWARDEN_DEMO: '0', ...env },
  });
  let out = '';
  let url: string | undefined;
  const take = (c: Buffer) => {
    out += c.toString();
    if (!url) url = /"msg":"listening".*"url":"(http:[^"]+)"|"url":"(http:[^"]+)".*"msg":"listening"/.exec(out)?.slice(1).find(Boolean);
    if (out.length > 2 * TAIL) out = out.slice(-TAIL);
  };
  // Always drained: a full pipe would block the server's logging, and so the server.
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + timeoutMs;
  while (!url) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited before listening: ${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not listen within ${timeoutMs} ms: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    pid: child.pid!,
    child,
    output: () => out.slice(-TAIL),
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return (await exited).code;
    },
  };
}

/** Runs tokenwarden-admin (`dist/admin.js`) with `env` added; its JSON answer, or an error with its stderr. */
export function runAdmin(env: Record<string, string>, args: string[]): Record<string, string> {
  const r = spawnSync(process.execPath, [dist('admin.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`admin ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** A small seeded PRNG (mulberry32): the same seed, the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
