import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fmtMs, fmtRatio, median, table } from '../stats.js';
import { ensurePgDataset } from './dataset.js';
import { CPU_NOTE, httpTable } from '../http.js';
import { runHttpPg } from './http.js';
import { runColdTotalsPg, runPageOnePg, runPlansPg, runWalksPg } from './inproc.js';
import { benchPostgres } from './server.js';

export interface PgBenchOptions {
  size: number;
  seed: number;
  only: Set<string>;
  quick: boolean;
}

const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

/**
 * `--backend postgres`: the same population in PostgreSQL (TOKENWARDEN_BENCH_DATABASE_URL,
 * else a private server for the run), P0-pg vs P1-pg in process, the walks, first-request
 * totals, query plans, and P3-pg / P4-pg (/ P5-pg) over HTTP. Tables on stdout, progress
 * on stderr, results in bench-results/<time>.json.
 */
export async function runPostgresBench(o: PgBenchOptions, machine: string, pkgDir: string, log: (s: string) => void): Promise<void> {
  const print = (s: string) => process.stdout.write(`${s}\n`);
  const server = await benchPostgres(log);
  const stopOnSignal = () => void server.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    log(`postgres: ${server.description}`);
    const d = await ensurePgDataset(server.adminUrl, o.size, o.seed, log);
    const out: Record<string, unknown> = {
      backend: 'postgres',
      machine,
      size: o.size,
      seed: o.seed,
      started: new Date().toISOString(),
      postgres: server.description,
      database: d.database,
      loadSeconds: d.loadSeconds,
      vacuumAnalyzeSeconds: d.optimizeSeconds,
    };
    const targets: { target: string; measured: string; ok: boolean }[] = [];
    print(`\nPostgreSQL: ${server.description}.`);
    if (server.private) print("fsync is off in this private server: this measures the product's CPU and query path, not disks.");
    print(
      d.loadSeconds !== undefined
        ? `Dataset: ${o.size.toLocaleString('en-US')} tokens loaded into ${d.database} in ${d.loadSeconds.toFixed(0)} s (insertHistorical, 20,000 a batch; VACUUM ANALYZE ${d.optimizeSeconds?.toFixed(0)} s)`
        : `Dataset: ${d.database} reused (complete)`,
    );

    if (o.only.has('inproc')) {
      log('P0-pg vs P1-pg: page 1');
      const rows = await runPageOnePg(d, log);
      out.pageOne = rows;
      print(
        '\nPage 1, in process: P0-pg raw prepared statement (pg Pool, rowMode array) vs P1-pg TokenLister (ms, median / p99; cold = first request of a new snapshot, with its count)',
      );
      print(
        table(
          ['workload', 'P0 med', 'P0 p99', 'P1 med', 'P1 p99', 'P1/P0', 'P0 cold', 'P1 cold', 'cold P1/P0'],
          rows.map((r) => [
            r.workload,
            fmtMs(r.p0.median),
            fmtMs(r.p0.p99),
            fmtMs(r.p1.median),
            fmtMs(r.p1.p99),
            fmtRatio(r.ratio),
            fmtMs(r.p0Cold),
            fmtMs(r.p1Cold),
            fmtRatio(r.coldRatio),
          ]),
        ),
      );
      const ratios = rows.map((r) => r.ratio);
      print(
        `P1-pg/P0-pg (informational, no target): median ${fmtRatio(median(ratios))}, worst ${fmtRatio(Math.max(...ratios))} of ${rows.length} workloads`,
      );
    }

    let maxCounts = -1;
    let countNote = '';
    if (o.only.has('walk')) {
      log('walks (P1-pg TokenLister, size 10, one snapshot)');
      const rows = await runWalksPg(d, log);
      out.walks = rows;
      const depths = [100, 1000, 10_000];
      print('\nWalking in sequence (P1-pg, big entity, page size 10): page d+1 after page d vs page 1 (ms, medians)');
      print(
        table(
          ['walk', 'pages', 'page 1', ...depths.map((x) => `p${x + 1}`), 'deepest', 'worst ratio', 'counts'],
          rows.map((r) => {
            const deepest = Math.max(...Object.keys(r.next).map(Number));
            return [
              r.walk + (r.stoppedAt !== undefined ? ` (stopped at p${r.stoppedAt})` : ''),
              r.pages,
              fmtMs(r.page1),
              ...depths.map((x) => (r.next[x] === undefined ? '-' : fmtMs(r.next[x]!))),
              `p${deepest + 1}`,
              fmtRatio(r.worstRatio),
              r.counts,
            ];
          }),
        ),
      );
      const worst = Math.max(...rows.map((r) => r.worstRatio));
      const stopped = rows.filter((r) => r.stoppedAt !== undefined);
      for (const r of stopped) print(`walk ${r.walk} ran out of its 120 s budget at page ${r.stoppedAt} of ${r.pages} (page 1 ${fmtMs(r.page1)} ms)`);
      const worstWalk = rows.find((r) => r.worstRatio === worst);
      const stoppedNote = stopped.length
        ? `; ${stopped.length} walks did not finish in 120 s: ${stopped.map((r) => `${r.walk} (page 1 ${fmtMs(r.page1)} ms)`).join(', ')}`
        : '';
      targets.push({
        target: 'walk (P1-pg): page N+1 <= 1.5x page 1 at depths to 10,000, every order',
        measured: `worst ${fmtRatio(worst)} of ${rows.length} walks (${worstWalk?.walk})${stoppedNote}`,
        ok: worst <= 1.5 && stopped.length === 0,
      });
      maxCounts = Math.max(maxCounts, ...rows.map((r) => r.counts));
      countNote = `max ${Math.max(...rows.map((r) => r.counts))} per walk of up to 10,001 pages`;
    }

    if (o.only.has('cold')) {
      log('cold totals');
      const rows = await runColdTotalsPg(d, log);
      out.coldTotals = rows;
      print('\nFirst request of a new snapshot (counts, in the PostgreSQL server) vs its following pages (P1-pg, size 50, ms medians)');
      print(
        table(
          ['entity', 'rows', 'first (count)', 'pages 2-3', 'ratio', 'counts/snapshot'],
          rows.map((r) => [r.entity, r.rows, fmtMs(r.first), fmtMs(r.following), fmtRatio(r.ratio), r.counts]),
        ),
      );
      maxCounts = Math.max(maxCounts, ...rows.map((r) => r.counts));
      countNote = [countNote, `max ${Math.max(...rows.map((r) => r.counts))} per snapshot of pages 1-3`].filter(Boolean).join('; ');
    }
    if (maxCounts >= 0)
      targets.push({ target: 'at most one count per (entity, filters, snapshot) per replica (P1-pg)', measured: countNote, ok: maxCounts <= 1 });

    if (o.only.has('plan')) {
      log('query plans');
      const rows = await runPlansPg(d, log);
      out.plans = rows;
      print('\nEXPLAIN (ANALYZE, BUFFERS), big entity, size 10: page 1 and a cold jump to page 10,000 (OFFSET 99,990, no cursor; informational)');
      print(
        table(
          ['query', 'ms', 'index-only', 'scan', 'deferred join ms', 'index-only'],
          rows.map((r) => [
            r.query,
            fmtMs(r.ms),
            r.indexOnly ? 'yes' : 'no',
            (r.plan.find((l) => /Scan/.test(l)) ?? '')
              .trim()
              .replace(/^->\s*/, '')
              .replace(/\s+\(cost.*$/, ''),
            fmtMs(r.deferredMs),
            r.deferredIndexOnly ? 'yes' : 'no',
          ]),
        ),
      );
      print(
        "(deferred join: the same page with an index-only inner select of token_id, then the rows by token_id; a proposal, not the product's SQL)",
      );
      print('Plan of the cold jump, created_at DESC:');
      for (const line of rows[1]?.plan ?? []) print(`  ${line}`);
    }

    if (o.only.has('http')) {
      const report = await runHttpPg(d, { quick: o.quick, log, postmasterPid: server.postmasterPid });
      out.http = report;
      print(
        `\nHTTP, P3-pg / P4-pg / P5-pg (autocannon, ${report.connections} connections, ${report.duration} s x ${report.repeats} repeats after warm-up; server ${report.pinning}; LOG_LEVEL=warn)`,
      );
      print(httpTable(report.rows, 'P3-pg'));
      print(`${CPU_NOTE} (PostgreSQL runs on the generator's core here: its CPU is not in either share)`);
      for (const t of report.targets) targets.push(t);
    }

    const load = loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    out.loadAverageAtEnd = load;
    print(`\nMachine: ${machine}; load average at the end ${load} (the machine is shared: other work runs on it)`);
    print('\nTargets (PostgreSQL; the SQLite targets are those of `pnpm bench` without --backend)');
    print(
      table(
        ['target', 'measured', 'verdict'],
        targets.map((t) => [t.target, t.measured, verdict(t.ok)]),
      ),
    );
    out.targets = targets;
    const dir = join(pkgDir, 'bench-results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(out, null, 2));
    log(`results written to ${file}`);
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    if (server.private) log('postgres: stopping the private server');
    await server.stop();
  }
}
