import { execFileSync } from 'node:child_process';
import { openPostgresStore } from '@tokenwarden/db/postgres/store';
import {
  benchBearersIn,
  clientAvailable,
  compare,
  hasTaskset,
  httpLoads,
  measuredRows,
  p5Contenders,
  p5Target,
  setVsP3,
  startServer,
  vsP3Target,
  type Contender,
  type HttpRow,
  type Server,
  type Target,
} from '../http.js';
import type { PgDataset } from './dataset.js';
import { pinPostgres } from './server.js';

export interface PgHttpReport {
  connections: number;
  duration: number;
  repeats: number;
  pinning: string;
  rows: HttpRow[];
  maxRssMb: number;
  targets: Target[];
}

/**
 * P3-pg (minimal Fastify over the raw driver) and P4-pg (Tokenwarden's REST route over
 * `openPostgresStore`), with P5-pg (tRPC: the client's request by autocannon, and the client
 * itself) on the mid and big loads: the SQLite bench's
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
  const hasClient = await clientAvailable();
  if (!hasClient) o.log('  @tokenwarden/client is not built: P5-pg through the client is skipped');
  let maxRssP4 = 0;
  const servers: Server[] = [];
  try {
    for (const [name, script, args] of specs) servers.push(await startServer(name, script, args, pin));
    const p4 = servers[1]!;
    for (const load of loads) {
      const contenders: Contender[] = [
        ...servers.map((server) => ({ name: server.name, server, load: load.rest })),
        ...p5Contenders('P5-pg', p4, load, hasClient),
      ];
      const measured = await compare(contenders, cfg);
      rows.push(...measuredRows(load.name, contenders, measured, o.log));
      for (const [j, m] of measured.entries()) if (contenders[j]!.server === p4) maxRssP4 = Math.max(maxRssP4, m.rssMb);
    }
  } finally {
    for (const s of servers) await s.stop();
  }
  setVsP3(rows);
  const targets: Target[] = [
    vsP3Target(rows, 'P4-pg throughput >= 0.8x P3-pg at page_size 50', 0.8, (r) => r.server.startsWith('P4')),
    p5Target(rows, 'P5-pg', 'P3-pg'),
  ];
  return { ...cfg, pinning, rows, maxRssMb: maxRssP4, targets };
}
