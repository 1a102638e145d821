import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
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
import { median, summarize } from './stats.js';

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
}

export interface HttpReport {
  connections: number;
  duration: number;
  repeats: number;
  pinning: string;
  rows: HttpRow[];
  interference: { counter: string; idleP99: number; busyP99: number; ratio: number; bigRequests: number }[];
  maxRssMb: number;
  targets: { target: string; measured: string; ok: boolean }[];
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

export async function startServer(name: string, script: string, args: string[], pin: boolean): Promise<Server> {
  const node = [process.execPath, join(HERE, 'servers', script), ...args];
  const child = pin
    ? spawn('taskset', ['-c', '1', ...node], { env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn(node[0]!, node.slice(1), { env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
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
}

/** One run against a server, sampling its RSS meanwhile. */
async function run(server: Server, load: Load, connections: number, duration: number, rate?: number) {
  let maxRss = server.rssMb();
  const sampler = setInterval(() => {
    maxRss = Math.max(maxRss, server.rssMb());
  }, 250);
  try {
    const r = await cannon(server.url, load, connections, duration, rate);
    return { r, maxRss: Math.max(maxRss, server.rssMb()) };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * The servers measured in rotation: a warm-up each, then `repeats` rounds in which every
 * server runs once, so a disturbance (this machine is shared) hits all of them alike.
 * Medians over the rounds of req/s, p50 and p99; the highest RSS seen.
 */
export async function compare(
  servers: { server: Server; load: Load }[],
  o: { connections: number; duration: number; repeats: number; warmup: number; rate?: number },
): Promise<Measured[]> {
  for (const { server, load } of servers) await cannon(server.url, load, o.connections, o.warmup, o.rate);
  const runs = servers.map(() => [] as Awaited<ReturnType<typeof run>>[]);
  for (let i = 0; i < o.repeats; i++) {
    for (const [j, { server, load }] of servers.entries()) runs[j]!.push(await run(server, load, o.connections, o.duration, o.rate));
  }
  return runs.map((rs) => ({
    rps: median(rs.map((x) => x.r.requests.average)),
    rounds: rs.map((x) => x.r.requests.average),
    p50: median(rs.map((x) => x.r.latency.p50)),
    p99: median(rs.map((x) => x.r.latency.p99)),
    errors: rs.reduce((s, x) => s + x.r.errors + x.r.non2xx + x.r.timeouts, 0),
    rssMb: Math.max(...rs.map((x) => x.maxRss)),
  }));
}

/**
 * P5 through the client package: `connections` concurrent loops of `client.tokens.list`
 * for `duration` seconds. The load is generated by the client itself (tRPC client + fetch),
 * so this includes the client's own cost on the generator core.
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

/** The HTTP workloads: page 1 of the tiny, mid and big entities (REST, and tRPC for mid and big). */
export function httpLoads(d: Population, bearers: Record<'big' | 'mid' | 'tiny', string>) {
  // A past snapshot after every historical token (and the bench bearers).
  const seconds = Math.floor(d.anchor / 1_000_000) + 1;
  const fixed = `&page_params.first_request_timestamp.seconds=${seconds}&page_params.first_request_timestamp.nanos=0`;
  const rest = '/v1/iam/oauth/tokens?page_params.page_size=50';
  const trpcInput = encodeURIComponent(JSON.stringify({ page_params: { page_size: 50, first_request_timestamp: { seconds, nanos: 0 } } }));
  const trpcBody = { page_params: { page_size: 50, first_request_timestamp: { seconds, nanos: 0 } } };
  const loads: { name: string; rest: Load; trpc?: Load; trpcInput?: unknown }[] = [
    { name: 'tiny, page 1, size 50, new snapshot', rest: { path: rest, token: bearers.tiny } },
    {
      name: 'mid, page 1, size 50, fixed snapshot',
      rest: { path: rest + fixed, token: bearers.mid },
      trpc: { path: `/trpc/tokens.list?input=${trpcInput}`, token: bearers.mid },
      trpcInput: trpcBody,
    },
    {
      name: 'big, page 1, size 50, fixed snapshot',
      rest: { path: rest + fixed, token: bearers.big },
      trpc: { path: `/trpc/tokens.list?input=${trpcInput}`, token: bearers.big },
      trpcInput: trpcBody,
    },
    { name: 'big, page 1, size 10, fixed snapshot', rest: { path: rest.replace('=50', '=10') + fixed, token: bearers.big } },
  ];
  return { loads, rest, fixed };
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
      const contenders = servers.map((server) => ({ server, load: load.rest }));
      if (load.trpc) contenders.push({ server: p4, load: load.trpc });
      const measured = await compare(contenders, cfg);
      for (const [j, m] of measured.entries()) {
        const name = j < servers.length ? servers[j]!.name : 'P5 tRPC wire (autocannon GET)';
        rows.push({ workload: load.name, server: name, ...m, vsP3: Number.NaN });
        o.log(
          `  ${name} / ${load.name}: ${Math.round(m.rps)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, RSS ${m.rssMb.toFixed(0)} MB${m.errors ? `, ${m.errors} ERRORS` : ''}`,
        );
        if (j >= 2) maxRssP4 = Math.max(maxRssP4, m.rssMb);
      }
      if (load.trpcInput && hasClient) {
        await clientLoad(p4.url, load.rest.token, load.trpcInput, cfg.connections, cfg.warmup);
        const runs = [];
        for (let i = 0; i < cfg.repeats; i++) runs.push(await clientLoad(p4.url, load.rest.token, load.trpcInput, cfg.connections, cfg.duration));
        const m = {
          rps: median(runs.map((r) => r.rps)),
          p50: median(runs.map((r) => r.p50)),
          p99: median(runs.map((r) => r.p99)),
          errors: runs.reduce((a, r) => a + r.errors, 0),
          rssMb: p4.rssMb(),
        };
        rows.push({ workload: load.name, server: 'P5 Tokenwarden via @tokenwarden/client', ...m, vsP3: Number.NaN });
        o.log(
          `  P5 client / ${load.name}: ${Math.round(m.rps)} req/s, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms${m.errors ? `, ${m.errors} ERRORS` : ''}`,
        );
      }
    }
  } finally {
    for (const s of servers) await s.stop();
  }
  for (const r of rows) {
    const p3 = rows.find((x) => x.workload === r.workload && x.server.startsWith('P3'));
    if (!p3) continue;
    // The servers of one round run back to back, so a slow spell of this shared machine
    // weighs on both sides of a ratio taken within the round.
    r.vsP3 = r.rounds && p3.rounds && r.rounds.length === p3.rounds.length ? median(r.rounds.map((x, i) => x / p3.rounds![i]!)) : r.rps / p3.rps;
  }

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
        const quiet = await run(server, small, cfg.connections, cfg.duration, SMALL_RATE);
        idle.push(quiet.r.latency.p99);
        let running = true;
        const background = (async () => {
          // Each request names no snapshot, so each is a new snapshot and counts half the rows.
          while (running) {
            const res = await fetch(server.url + rest, { headers: { authorization: `Bearer ${bearers.big}` } });
            await res.arrayBuffer();
            if (res.ok) bigRequests += 1;
          }
        })();
        const loud = await run(server, small, cfg.connections, cfg.duration, SMALL_RATE);
        running = false;
        await background;
        busy.push(loud.r.latency.p99);
        if (mode === 'worker') maxRssP4 = Math.max(maxRssP4, loud.maxRss);
      }
      const row = { counter: mode, idleP99: median(idle), busyP99: median(busy), ratio: median(busy) / median(idle), bigRequests };
      interference.push(row);
      o.log(`  interference (${mode}): small p99 idle ${row.idleP99} ms, while counting ${row.busyP99} ms, ${bigRequests} big-entity first pages`);
    } finally {
      await server.stop();
    }
  }

  const targets: HttpReport['targets'] = [];
  const p4 = rows.filter((r) => r.server.startsWith('P4') && r.workload.includes('size 50'));
  const worst = Math.min(...p4.map((r) => r.vsP3));
  targets.push({
    target: 'P4 throughput >= 0.8x P3 at page_size 50',
    measured: p4.map((r) => `${r.workload.split(',')[0]} ${r.vsP3.toFixed(2)}x`).join(', '),
    ok: worst >= 0.8,
  });
  const w = interference.find((i) => i.counter === 'worker')!;
  targets.push({
    target: 'small-entity p99 while the big entity counts <= 2x idle',
    measured: `worker ${w.ratio.toFixed(2)}x (inline ${interference.find((i) => i.counter === 'inline')!.ratio.toFixed(2)}x)`,
    ok: w.ratio <= 2,
  });
  targets.push({ target: 'server RSS < 300 MB at 1M tokens under load', measured: `${maxRssP4.toFixed(0)} MB max (P4)`, ok: maxRssP4 < 300 });
  return { ...cfg, pinning, rows, interference, maxRssMb: maxRssP4, targets };
}
