import { execFileSync } from 'node:child_process';
import { openPostgresStore } from '@tokenwarden/db/postgres/store';
import { benchBearersIn, compare, hasTaskset, httpLoads, startServer, type HttpRow, type Server } from '../http.js';
import { median } from '../stats.js';
import type { PgDataset } from './dataset.js';
import { pinPostgres } from './server.js';

export interface PgHttpReport {
  connections: number;
  duration: number;
  repeats: number;
  pinning: string;
  rows: HttpRow[];
  maxRssMb: number;
  targets: { target: string; measured: string; ok: boolean }[];
}

/**
 * P3-pg (minimal Fastify over the raw driver) and P4-pg (Tokenwarden's REST route over
 * `openPostgresStore`), with P5-pg (tRPC GET) on the mid and big loads: the SQLite bench's
 * loads and method (autocannon, warm-up, rounds in which every server runs once, ratios
 * within rounds). Layout on 2 cores: the Node servers on core 1, the load generator and
 * the PostgreSQL server (postmaster and every backend) on core 0.
 */
export async function runHttpPg(
  d: PgDataset,
  o: { quick: boolean; log: (s: string) => void; postmasterPid: number | undefined },
): Promise<PgHttpReport> {
  const pin = hasTaskset();
  if (pin) execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  const pgPinned = pin ? pinPostgres(o.postmasterPid, 0) : 0;
  const pinning = pin
    ? `pinned to core 1 (taskset), load generator on core 0, PostgreSQL ${pgPinned > 0 ? `on core 0 with the load generator (${pgPinned} processes pinned; new backends inherit)` : 'NOT pinned (not a local server we can see)'}`
    : 'NOT pinned (taskset unavailable or < 2 cores)';
  o.log(`  layout: server ${pinning}`);
  const cfg = o.quick ? { connections: 10, duration: 2, repeats: 2, warmup: 1 } : { connections: 10, duration: 3, repeats: 6, warmup: 2 };
  const store = await openPostgresStore(d.url, { max: 1 });
  const bearers = await benchBearersIn(store, d);
  await store.close();
  const { loads } = httpLoads(d, bearers);
  const specs: [string, string, string[]][] = [
    ['P3-pg Fastify', 'p3-fastify-pg.js', [d.url]],
    ['P4-pg Tokenwarden REST', 'p4-tokenwarden-pg.js', [d.url]],
  ];
  const rows: HttpRow[] = [];
  let maxRssP4 = 0;
  const servers: Server[] = [];
  try {
    for (const [name, script, args] of specs) servers.push(await startServer(name, script, args, pin));
    const p4 = servers[1]!;
    for (const load of loads) {
      const contenders = servers.map((server) => ({ server, load: load.rest }));
      if (load.trpc) contenders.push({ server: p4, load: load.trpc });
      const measured = await compare(contenders, cfg);
      for (const [j, m] of measured.entries()) {
        const name = j < servers.length ? servers[j]!.name : 'P5-pg tRPC wire (autocannon GET)';
        rows.push({ workload: load.name, server: name, ...m, vsP3: Number.NaN });
        o.log(
          `  ${name} / ${load.name}: ${Math.round(m.rps)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, RSS ${m.rssMb.toFixed(0)} MB${m.errors ? `, ${m.errors} ERRORS` : ''}`,
        );
        if (j >= 1) maxRssP4 = Math.max(maxRssP4, m.rssMb);
      }
    }
  } finally {
    for (const s of servers) await s.stop();
  }
  for (const r of rows) {
    const p3 = rows.find((x) => x.workload === r.workload && x.server.startsWith('P3'));
    if (!p3) continue;
    r.vsP3 = r.rounds && p3.rounds && r.rounds.length === p3.rounds.length ? median(r.rounds.map((x, i) => x / p3.rounds![i]!)) : r.rps / p3.rps;
  }
  const targets: PgHttpReport['targets'] = [];
  const p4 = rows.filter((r) => r.server.startsWith('P4') && r.workload.includes('size 50'));
  const worst = Math.min(...p4.map((r) => r.vsP3));
  const errors = rows.reduce((s, r) => s + r.errors, 0);
  targets.push({
    target: 'P4-pg throughput >= 0.8x P3-pg at page_size 50',
    measured: p4.map((r) => `${r.workload.split(',')[0]} ${r.vsP3.toFixed(2)}x`).join(', ') + (errors ? `; ${errors} errors` : ''),
    ok: worst >= 0.8 && errors === 0,
  });
  return { ...cfg, pinning, rows, maxRssMb: maxRssP4, targets };
}
