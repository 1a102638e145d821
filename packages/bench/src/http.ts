import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { hashAccessToken } from '@tokenwarden/api';
import { ACCESS_TOKEN_PREFIX } from '@tokenwarden/contracts';
import { hashedUuid, type Store } from '@tokenwarden/db';
import { openSqliteStore } from '@tokenwarden/db/sqlite/store';
import type { Dataset, EntityInfo, Population } from './dataset.js';
import { fmtMs, fmtRatio, median, summarize, table } from './stats.js';

export interface HttpRow {
  workload: string;
  server: string;
  rps: number;
  /** Requests per second of each round, when measured in rounds with the others. */
  rounds?: number[];
  p50: number;
  p99: number;
  /** Throughput against P3: the median over rounds of the ratio within each round. */
  vsP3: number;
  rssMb: number;
  errors: number;
  /** CPU time of the server and of the load generator (this process) over the run, as a share of one core (medians of rounds). */
  serverCpu: number;
  generatorCpu: number;
}

export interface HttpReport {
  connections: number;
  duration: number;
  repeats: number;
  pinning: string;
  rows: HttpRow[];
  interference: { counter: string; idleP99: number; busyP99: number; ratio: number; bigRequests: number }[];
  maxRssMb: number;
  targets: Target[];
}

/** Small-entity requests per second during the interference test (about a third of capacity). */
const SMALL_RATE = 400;

const HERE = dirname(fileURLToPath(import.meta.url));

export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return cpus().length >= 2;
  } catch {
    return false;
  }
}

export interface Server {
  name: string;
  child: ChildProcess;
  url: string;
  rssMb(): number;
  stop(): Promise<void>;
}

/**
 * A measured server, in a session of its own: Linux shares a busy core fairly between
 * sessions (autogroup), and a server in the generator's session would split one share with
 * it, so a generator working harder (the client's) would take CPU from the server it drives
 * whenever other work runs on the machine. The IPC channel ends the server if the bench dies
 * (`ready` in raw-core.ts): out of the bench's session, a Ctrl-C no longer reaches it.
 */
export async function startServer(name: string, script: string, args: string[], pin: boolean): Promise<Server> {
  const node = [process.execPath, join(HERE, 'servers', script), ...args];
  const options: SpawnOptions = { env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'], detached: true };
  const child = pin ? spawn('taskset', ['-c', '1', ...node], options) : spawn(node[0]!, node.slice(1), options);
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const m = /READY (\d+)/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code})`)));
  });
  return {
    name,
    child,
    url: `http://127.0.0.1:${port}`,
    rssMb() {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Number(m[1]) / 1024 : Number.NaN;
      } catch {
        return Number.NaN;
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

export interface Load {
  path: string;
  token: string;
}

/** `tokens.list` with this input through `@tokenwarden/client`, as the console calls it, instead of autocannon. */
export interface ClientLoad {
  token: string;
  input: unknown;
}

/** A server and the load it is measured under, by name in the report. */
export type Contender = { name: string; server: Server } & ({ load: Load } | { client: ClientLoad });

async function cannon(url: string, load: Load, connections: number, duration: number, overallRate?: number) {
  return autocannon({
    url: url + load.path,
    connections,
    duration,
    headers: { authorization: `Bearer ${load.token}` },
    ...(overallRate ? { overallRate } : {}),
  });
}

interface Measured {
  rps: number;
  /** Requests per second in each round, in round order (for ratios between servers of one round). */
  rounds: number[];
  p50: number;
  p99: number;
  errors: number;
  rssMb: number;
  serverCpu: number;
  generatorCpu: number;
}

interface RunResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  maxRss: number;
  serverCpu: number;
  generatorCpu: number;
}

/** Clock ticks per second of /proc/<pid>/stat times. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds of a process so far (every thread); NaN where /proc is missing. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/**
 * One run of a contender, sampling the server's RSS meanwhile and measuring the CPU time
 * the server and this process (the load generator) spent: which of the two limits a run
 * shows in these shares (a side near 100% of its core is the bottleneck).
 */
async function run(c: Contender, connections: number, duration: number, rate?: number): Promise<RunResult> {
  const { server } = c;
  let maxRss = server.rssMb();
  const sampler = setInterval(() => {
    maxRss = Math.max(maxRss, server.rssMb());
  }, 250);
  const serverCpu0 = cpuSeconds(server.child.pid);
  const generatorCpu0 = process.cpuUsage();
  const started = performance.now();
  try {
    let r: Omit<RunResult, 'maxRss' | 'serverCpu' | 'generatorCpu'>;
    if ('client' in c) r = await clientLoad(server.url, c.client.token, c.client.input, connections, duration);
    else {
      const a = await cannon(server.url, c.load, connections, duration, rate);
      r = { rps: a.requests.average, p50: a.latency.p50, p99: a.latency.p99, errors: a.errors + a.non2xx + a.timeouts };
    }
    const wall = (performance.now() - started) / 1000;
    const generator = process.cpuUsage(generatorCpu0);
    return {
      ...r,
      maxRss: Math.max(maxRss, server.rssMb()),
      serverCpu: (cpuSeconds(server.child.pid) - serverCpu0) / wall,
      generatorCpu: (generator.user + generator.system) / 1e6 / wall,
    };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * The contenders measured in rotation: a warm-up each, then `repeats` rounds in which every
 * contender runs once, so a disturbance (this machine is shared) hits all of them alike.
 * Medians over the rounds of req/s, p50, p99 and CPU shares; the highest RSS seen.
 */
export async function compare(
  contenders: Contender[],
  o: { connections: number; duration: number; repeats: number; warmup: number; rate?: number },
): Promise<Measured[]> {
  for (const c of contenders) await run(c, o.connections, o.warmup, o.rate);
  const runs = contenders.map(() => [] as RunResult[]);
  for (let i = 0; i < o.repeats; i++) {
    for (const [j, c] of contenders.entries()) runs[j]!.push(await run(c, o.connections, o.duration, o.rate));
  }
  return runs.map((rs) => ({
    rps: median(rs.map((x) => x.rps)),
    rounds: rs.map((x) => x.rps),
    p50: median(rs.map((x) => x.p50)),
    p99: median(rs.map((x) => x.p99)),
    errors: rs.reduce((s, x) => s + x.errors, 0),
    rssMb: Math.max(...rs.map((x) => x.maxRss)),
    serverCpu: median(rs.map((x) => x.serverCpu)),
    generatorCpu: median(rs.map((x) => x.generatorCpu)),
  }));
}

/** Measured rows of one workload, logged as they come. */
export function measuredRows(workload: string, contenders: Contender[], measured: Measured[], log: (s: string) => void): HttpRow[] {
  return measured.map((m, j) => {
    const server = contenders[j]!.name;
    log(
      `  ${server} / ${workload}: ${Math.round(m.rps)} req/s, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, RSS ${m.rssMb.toFixed(0)} MB, ` +
        `CPU server ${pct(m.serverCpu)} generator ${pct(m.generatorCpu)}${m.errors ? `, ${m.errors} ERRORS` : ''}`,
    );
    return { workload, server, ...m, vsP3: Number.NaN };
  });
}

const pct = (share: number) => `${Math.round(share * 100)}%`;

/** Each row's throughput against P3 of its workload: the median over rounds of the ratio within each round. */
export function setVsP3(rows: HttpRow[]): void {
  for (const r of rows) {
    const p3 = rows.find((x) => x.workload === r.workload && x.server.startsWith('P3'));
    if (!p3) continue;
    // The contenders of one round run back to back, so a slow spell of this shared machine
    // weighs on both sides of a ratio taken within the round.
    r.vsP3 = r.rounds && p3.rounds && r.rounds.length === p3.rounds.length ? median(r.rounds.map((x, i) => x / p3.rounds![i]!)) : r.rps / p3.rps;
  }
}

/**
 * A run the load generator limited rather than the server: this process near a full core
 * while the server had CPU to spare. Its req/s is then a floor of what the server can do.
 */
export function generatorBound(r: HttpRow): boolean {
  return r.generatorCpu >= 0.85 && r.serverCpu < 0.85;
}

/**
 * A run in which neither side had its core: other work on the machine took it. The ratio
 * to P3 of such a row is less telling than usual; in particular a client-driven row, whose
 * generator needs several times autocannon's CPU, loses more to it than P3's run does.
 */
export function starved(r: HttpRow): boolean {
  return r.serverCpu < 0.7 && r.generatorCpu < 0.85;
}

/** What a row's figure says beyond itself, for the targets. */
function caveat(r: HttpRow): string {
  if (generatorBound(r)) return ' (load generator saturated)';
  if (starved(r)) return ' (busy machine)';
  return '';
}

/** A throughput target on the rows `pick` selects at page size 50: the worst within-round ratio to P3 at least `min`, no errors. */
export function vsP3Target(rows: HttpRow[], target: string, min: number, pick: (r: HttpRow) => boolean, also = ''): Target {
  const picked = rows.filter((r) => pick(r) && r.workload.includes('size 50'));
  if (picked.length === 0) return { target, measured: 'not measured', ok: false };
  const errors = picked.reduce((s, r) => s + r.errors, 0);
  const each = picked.map((r) => `${r.workload.split(',')[0]} ${r.vsP3.toFixed(2)}x${caveat(r)}`);
  return {
    target,
    measured: each.join(', ') + (errors ? `; ${errors} errors` : '') + also,
    ok: Math.min(...picked.map((r) => r.vsP3)) >= min && errors === 0,
  };
}

export interface Target {
  target: string;
  measured: string;
  ok: boolean;
}

export const CPU_NOTE =
  'CPU: the server process and the load generator (this process: autocannon, or the client), each as a share of its one core over the run; ' +
  'a generator near 100% with a server below it means the generator set the pace, and that row is a floor of what the server does ' +
  '("load generator saturated" in the targets); both well below 100% means other work on the machine took the cores ("busy machine"). ' +
  'server µs/req: the server’s CPU time per request, less sensitive than req/s to other work on the machine.';

/** The HTTP table of a report: req/s, latencies, ratio to P3, RSS, and the CPU shares that say which side limited each row. */
export function httpTable(rows: HttpRow[], p3Label: string): string {
  return table(
    ['workload', 'server', 'req/s', 'p50 ms', 'p99 ms', `vs ${p3Label}`, 'RSS MB', 'CPU server', 'CPU generator', 'server µs/req'],
    rows.map((r) => [
      r.workload,
      r.server,
      Math.round(r.rps),
      fmtMs(r.p50),
      fmtMs(r.p99),
      fmtRatio(r.vsP3),
      r.rssMb.toFixed(0),
      pct(r.serverCpu),
      pct(r.generatorCpu),
      Math.round((r.serverCpu / r.rps) * 1e6),
    ]),
  );
}

/**
 * P5 through the client package: `connections` concurrent loops of `client.tokens.list`
 * for `duration` seconds. The load is generated by the client itself (tRPC client + Node's
 * fetch, several times autocannon's cost per request), so on the one generator core it can
 * be the generator that sets the pace: the CPU columns show when.
 */
export async function clientLoad(url: string, token: string, input: unknown, connections: number, duration: number) {
  const mod = (await import('@tokenwarden/client')) as unknown as {
    createTokenwardenClient(o: { url: string; accessToken: string }): { tokens: { list(i: unknown): Promise<unknown> } };
  };
  const client = mod.createTokenwardenClient({ url, accessToken: token });
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + duration * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await client.tokens.list(input);
          latencies.push(performance.now() - t0);
        } catch {
          errors += 1;
        }
      }
    }),
  );
  const s = summarize(latencies);
  return { rps: latencies.length / duration, p50: s.median, p99: s.p99, errors };
}

export async function clientAvailable(): Promise<boolean> {
  try {
    await import('@tokenwarden/client');
    return true;
  } catch {
    return false;
  }
}

/**
 * One bearer token per measured entity (client credentials, every scope), the same on every
 * run: its raw value is derived from the dataset's seed, and it is inserted only when the
 * dataset does not hold it yet, so runs never add tokens to the data they measure.
 */
async function benchBearers(d: Dataset): Promise<Record<'big' | 'mid' | 'tiny', string>> {
  const store = openSqliteStore(d.file, { counts: 'inline' });
  const out = await benchBearersIn(store, d);
  await store.close();
  return out;
}

/** The bench bearers of `benchBearers` in an open store (either backend), inserted when missing. */
export async function benchBearersIn(store: Store, d: Population): Promise<Record<'big' | 'mid' | 'tiny', string>> {
  const bearer = async (e: EntityInfo) => {
    const raw = ACCESS_TOKEN_PREFIX + createHash('sha256').update(`tokenwarden-bench:${d.seed}:${e.pk}`).digest('base64url');
    const tokenHash = hashAccessToken(raw);
    if (!(await store.tokens.findByHash(tokenHash))) {
      await store.tokens.insertHistorical([
        {
          entityPk: e.pk,
          tokenId: hashedUuid(`tokenwarden-bench:${d.seed}:${e.pk}`),
          tokenHash,
          clientId: `client-${e.pk}-0`,
          userId: null,
          accountId: null,
          grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS',
          roles: ['ENTITY_ADMIN'],
          scopes: ['*'],
          // Inside the dataset's span, so fixed-snapshot pages include it on every run alike.
          createdAt: d.anchor - 1,
          expiresAt: Date.UTC(2100, 0, 1) * 1000,
        },
      ]);
    }
    return raw;
  };
  return { big: await bearer(d.big), mid: await bearer(d.mid[0]!), tiny: await bearer(d.tiny[0]!) };
}

/**
 * The HTTP workloads: page 1 of the tiny, mid and big entities over REST; for mid and big
 * also tRPC's `tokens.list`, as the request the client sends (autocannon) and through the
 * client itself.
 */
export function httpLoads(d: Population, bearers: Record<'big' | 'mid' | 'tiny', string>) {
  // A past snapshot after every historical token (and the bench bearers).
  const seconds = Math.floor(d.anchor / 1_000_000) + 1;
  const fixed = `&page_params.first_request_timestamp.seconds=${seconds}&page_params.first_request_timestamp.nanos=0`;
  const rest = '/v1/iam/oauth/tokens?page_params.page_size=50';
  const trpcInput = { page_params: { page_size: 50, first_request_timestamp: { seconds, nanos: 0 } } };
  // What httpLink sends for `tokens.list(trpcInput)`.
  const trpcPath = `/trpc/tokens.list?input=${encodeURIComponent(JSON.stringify(trpcInput))}`;
  const loads: { name: string; rest: Load; trpc?: Load; client?: ClientLoad }[] = [
    { name: 'tiny, page 1, size 50, new snapshot', rest: { path: rest, token: bearers.tiny } },
    {
      name: 'mid, page 1, size 50, fixed snapshot',
      rest: { path: rest + fixed, token: bearers.mid },
      trpc: { path: trpcPath, token: bearers.mid },
      client: { token: bearers.mid, input: trpcInput },
    },
    {
      name: 'big, page 1, size 50, fixed snapshot',
      rest: { path: rest + fixed, token: bearers.big },
      trpc: { path: trpcPath, token: bearers.big },
      client: { token: bearers.big, input: trpcInput },
    },
    { name: 'big, page 1, size 10, fixed snapshot', rest: { path: rest.replace('=50', '=10') + fixed, token: bearers.big } },
  ];
  return { loads, rest, fixed };
}

/** The P5 contenders of a workload on the Tokenwarden server `p4`: the client's request by autocannon, and the client itself. */
export function p5Contenders(label: string, p4: Server, load: ReturnType<typeof httpLoads>['loads'][number], hasClient: boolean): Contender[] {
  const out: Contender[] = [];
  if (load.trpc) out.push({ name: `${label} tRPC wire (autocannon GET)`, server: p4, load: load.trpc });
  if (load.client && hasClient) out.push({ name: `${label} tRPC via @tokenwarden/client`, server: p4, client: load.client });
  return out;
}

/** The P5 target: the client's throughput against P3, with the wire figures beside it. */
export function p5Target(rows: HttpRow[], label: string, p3Label: string): Target {
  const wire = rows.filter((r) => r.server.startsWith(label) && r.server.includes('wire') && r.workload.includes('size 50'));
  const also = wire.length ? `; wire (autocannon) ${wire.map((r) => `${r.workload.split(',')[0]} ${r.vsP3.toFixed(2)}x`).join(', ')}` : '';
  return vsP3Target(
    rows,
    `${label} (tRPC via the client) >= 0.7x ${p3Label} at page_size 50`,
    0.7,
    (r) => r.server.startsWith(label) && r.server.includes('client'),
    also,
  );
}

export async function runHttp(d: Dataset, o: { quick: boolean; log: (s: string) => void }): Promise<HttpReport> {
  const pin = hasTaskset();
  if (pin) execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  const pinning = pin ? 'pinned to core 1 (taskset), load generator on core 0' : 'NOT pinned (taskset unavailable or < 2 cores)';
  const cfg = o.quick ? { connections: 10, duration: 2, repeats: 2, warmup: 1 } : { connections: 10, duration: 3, repeats: 6, warmup: 2 };
  const bearers = await benchBearers(d);
  const { loads, rest, fixed } = httpLoads(d, bearers);
  const rows: HttpRow[] = [];
  const hasClient = await clientAvailable();
  if (!hasClient) o.log('  @tokenwarden/client is not built: P5 through the client is skipped');
  const specs: [string, string, string[]][] = [
    ['P2 node:http', 'p2-node-http.js', [d.file]],
    ['P3 Fastify', 'p3-fastify.js', [d.file]],
    ['P4 Tokenwarden REST', 'p4-tokenwarden.js', [d.file, 'worker']],
  ];
  let maxRssP4 = 0;
  // All three run at once (pinned to the same core; an idle one costs nothing).
  const servers: Server[] = [];
  try {
    for (const [name, script, args] of specs) servers.push(await startServer(name, script, args, pin));
    const p4 = servers[2]!;
    for (const load of loads) {
      // P5 in the same rounds as the others, so its ratio to P3 is taken within rounds too.
      const contenders: Contender[] = [
        ...servers.map((server) => ({ name: server.name, server, load: load.rest })),
        ...p5Contenders('P5', p4, load, hasClient),
      ];
      const measured = await compare(contenders, cfg);
      rows.push(...measuredRows(load.name, contenders, measured, o.log));
      for (const [j, m] of measured.entries()) if (contenders[j]!.server === p4) maxRssP4 = Math.max(maxRssP4, m.rssMb);
    }
  } finally {
    for (const s of servers) await s.stop();
  }
  setVsP3(rows);

  // Counting the big entity while small requests arrive: worker counter vs inline.
  const interference: HttpReport['interference'] = [];
  const small: Load = { path: rest + fixed, token: bearers.tiny };
  for (const mode of ['worker', 'inline']) {
    const server = await startServer(`P4 (${mode} count)`, 'p4-tokenwarden.js', [d.file, mode], pin);
    try {
      // A steady, unsaturated load (a saturated closed loop measures queueing, not
      // interference), idle and counting windows alternated.
      await cannon(server.url, small, cfg.connections, cfg.warmup, SMALL_RATE);
      const idle: number[] = [];
      const busy: number[] = [];
      let bigRequests = 0;
      for (let i = 0; i < cfg.repeats; i++) {
        const quiet = await run({ name: server.name, server, load: small }, cfg.connections, cfg.duration, SMALL_RATE);
        idle.push(quiet.p99);
        let running = true;
        const background = (async () => {
          // Each request names no snapshot, so each is a new snapshot and counts half the rows.
          while (running) {
            const res = await fetch(server.url + rest, { headers: { authorization: `Bearer ${bearers.big}` } });
            await res.arrayBuffer();
            if (res.ok) bigRequests += 1;
          }
        })();
        const loud = await run({ name: server.name, server, load: small }, cfg.connections, cfg.duration, SMALL_RATE);
        running = false;
        await background;
        busy.push(loud.p99);
        if (mode === 'worker') maxRssP4 = Math.max(maxRssP4, loud.maxRss);
      }
      const row = { counter: mode, idleP99: median(idle), busyP99: median(busy), ratio: median(busy) / median(idle), bigRequests };
      interference.push(row);
      o.log(`  interference (${mode}): small p99 idle ${row.idleP99} ms, while counting ${row.busyP99} ms, ${bigRequests} big-entity first pages`);
    } finally {
      await server.stop();
    }
  }

  const targets: Target[] = [
    vsP3Target(rows, 'P4 throughput >= 0.8x P3 at page_size 50', 0.8, (r) => r.server.startsWith('P4')),
    p5Target(rows, 'P5', 'P3'),
  ];
  const w = interference.find((i) => i.counter === 'worker')!;
  targets.push({
    target: 'small-entity p99 while the big entity counts <= 2x idle',
    measured: `worker ${w.ratio.toFixed(2)}x (inline ${interference.find((i) => i.counter === 'inline')!.ratio.toFixed(2)}x)`,
    ok: w.ratio <= 2,
  });
  targets.push({ target: 'server RSS < 300 MB at 1M tokens under load', measured: `${maxRssP4.toFixed(0)} MB max (P4)`, ok: maxRssP4 < 300 });
  return { ...cfg, pinning, rows, interference, maxRssMb: maxRssP4, targets };
}
