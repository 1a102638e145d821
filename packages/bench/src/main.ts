#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDataset } from './dataset.js';
import { CPU_NOTE, httpTable, runHttp, type HttpReport } from './http.js';
import { runColdTotals, runJumps, runPageOne, runWalks } from './inproc.js';
import { runIssuance } from './issuance.js';
import { runPostgresBench } from './pg/main.js';
import { fmtMs, fmtRatio, median, table } from './stats.js';

/*
 * Tokenwarden list benchmark. Usage (from the repository root: `pnpm bench`):
 *   node dist/main.js [--size 1000000] [--seed 1] [--only inproc,walk,jump,cold,http,issue] [--quick]
 *   node dist/main.js --backend postgres [--size …] [--seed …] [--only inproc,walk,cold,plan,http] [--quick]
 *     (TOKENWARDEN_BENCH_DATABASE_URL: an admin URL; else a private server for the run)
 * Prints tables and writes bench-results/<timestamp>.json (gitignored).
 */

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function args() {
  const a = process.argv.slice(2);
  const get = (name: string) => {
    const i = a.indexOf(`--${name}`);
    return i >= 0 ? a[i + 1] : undefined;
  };
  const size = Number(get('size') ?? process.env.BENCH_SIZE ?? 1_000_000);
  const seed = Number(get('seed') ?? 1);
  const backend = get('backend') ?? 'sqlite';
  if (backend !== 'sqlite' && backend !== 'postgres') throw new Error(`--backend must be sqlite or postgres, not ${backend}`);
  const only = new Set((get('only') ?? (backend === 'postgres' ? 'inproc,walk,cold,plan,http' : 'inproc,walk,jump,cold,http,issue')).split(','));
  return { size, seed, only, quick: a.includes('--quick'), backend };
}

const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');

async function main(): Promise<void> {
  const o = args();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  if (o.backend === 'postgres') {
    log(`tokenwarden bench (PostgreSQL): ${o.size.toLocaleString('en-US')} tokens, seed ${o.seed}; ${machine}`);
    return runPostgresBench(o, machine, PKG, log);
  }
  log(`tokenwarden bench: ${o.size.toLocaleString('en-US')} tokens, seed ${o.seed}; ${machine}`);
  const dataset = await ensureDataset(join(PKG, 'data'), o.size, o.seed, log);
  const out: Record<string, unknown> = { machine, size: o.size, seed: o.seed, started: new Date().toISOString() };
  const targets: { target: string; measured: string; ok: boolean }[] = [];
  const print = (s: string) => process.stdout.write(`${s}\n`);

  if (o.only.has('inproc')) {
    log('P0 vs P1: page 1');
    const rows = await runPageOne(dataset, log);
    out.pageOne = rows;
    print(
      '\nPage 1, in process: P0 raw prepared statement vs P1 TokenLister (ms, median / p99; cold = first request of a new snapshot, with its count)',
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
    const worst = Math.max(...rows.map((r) => r.ratio));
    const over = rows.filter((r) => r.ratio > 1.1).length;
    const mid = median(rows.map((r) => r.ratio));
    targets.push({
      target: 'P1 <= 1.1x P0 on page 1 (warm)',
      measured: `median ${fmtRatio(mid)}, worst ${fmtRatio(worst)}; ${over} of ${rows.length} workloads over 1.1x`,
      ok: worst <= 1.1,
    });
  }

  if (o.only.has('walk')) {
    log('walks (TokenLister, size 10, one snapshot)');
    const rows = await runWalks(dataset, log);
    out.walks = rows;
    const depths = [100, 1000, 10_000];
    print('\nWalking in sequence (P1, big entity, page size 10): page d+1 after page d vs page 1 (ms, medians)');
    print(
      table(
        ['walk', 'pages', 'page 1', ...depths.map((d) => `p${d + 1}`), 'deepest', 'worst ratio', 'counts'],
        rows.map((r) => {
          const deepest = Math.max(...Object.keys(r.next).map(Number));
          return [
            r.walk,
            r.pages,
            fmtMs(r.page1),
            ...depths.map((d) => (r.next[d] === undefined ? '-' : fmtMs(r.next[d]!))),
            `p${deepest + 1}`,
            fmtRatio(r.worstRatio),
            r.counts,
          ];
        }),
      ),
    );
    const worst = Math.max(...rows.map((r) => r.worstRatio));
    targets.push({ target: 'walk: page N+1 <= 1.5x page 1 at every depth, every order', measured: `worst ${fmtRatio(worst)}`, ok: worst <= 1.5 });
    const maxCounts = Math.max(...rows.map((r) => r.counts));
    targets.push({
      target: 'at most one full count per (entity, filters, snapshot)',
      measured: `max ${maxCounts} per walk of up to 10,001 pages`,
      ok: maxCounts <= 1,
    });
  }

  if (o.only.has('jump')) {
    log('cold jumps to page 10,000');
    const rows = await runJumps(dataset, log);
    out.jumps = rows;
    print('\nCold jump to page 10,000 (size 10, no cursor), big entity: page query vs counting the skipped rows in the same index (ms)');
    print(
      table(
        ['order', 'index-only', 'jump', 'count skipped', 'ratio', 'lister cold (with total)'],
        rows.map((r) => [r.order, r.indexOnly ? 'yes' : 'NO', fmtMs(r.jump), fmtMs(r.countSkipped), fmtRatio(r.ratio), fmtMs(r.listerCold)]),
      ),
    );
    print('EXPLAIN QUERY PLAN (created_at DESC):');
    for (const line of rows[0]?.plan ?? []) print(`  ${line}`);
    const worst = Math.max(...rows.map((r) => r.ratio));
    targets.push({
      target: 'cold jump p10000 index-only and <= 1.2x counting skipped rows',
      measured: `worst ${fmtRatio(worst)}, index-only: ${rows.every((r) => r.indexOnly) ? 'all' : 'not all'}`,
      ok: worst <= 1.2 && rows.every((r) => r.indexOnly),
    });
  }

  if (o.only.has('cold')) {
    log('cold totals');
    const rows = await runColdTotals(dataset, log);
    out.coldTotals = rows;
    print('\nFirst request of a new snapshot (counts) vs its following pages (P1, size 50, ms medians)');
    print(
      table(
        ['entity', 'rows', 'first (count)', 'pages 2-3', 'ratio', 'counts/snapshot'],
        rows.map((r) => [r.entity, r.rows, fmtMs(r.first), fmtMs(r.following), fmtRatio(r.ratio), r.counts]),
      ),
    );
  }

  if (o.only.has('http')) {
    const report: HttpReport = await runHttp(dataset, { quick: o.quick, log });
    out.http = report;
    print(
      `\nHTTP, P2-P5 (autocannon, ${report.connections} connections, ${report.duration} s x ${report.repeats} repeats after warm-up; server ${report.pinning}; LOG_LEVEL=warn)`,
    );
    print(httpTable(report.rows, 'P3'));
    print(CPU_NOTE);
    print(`\nSmall-entity requests (${'~'}400 req/s steady) while the big entity's total is counted over and over (new snapshot per request)`);
    print(
      table(
        ['counter', 'p99 idle ms', 'p99 counting ms', 'ratio', 'big first pages served'],
        report.interference.map((i) => [i.counter, fmtMs(i.idleP99), fmtMs(i.busyP99), fmtRatio(i.ratio), i.bigRequests]),
      ),
    );
    for (const t of report.targets) targets.push(t);
  }

  if (o.only.has('issue')) {
    const report = await runIssuance(join(PKG, 'data'), { quick: o.quick, log });
    out.issuance = report;
    print(
      `\nclient_credentials issuance over REST (autocannon, ${report.duration} s a row; server ${report.pinning}; fresh SQLite file, synchronous=FULL)`,
    );
    print(
      table(
        ['secret hash', 'connections', 'issued/s', 'p50 ms', 'p99 ms', 'errors', 'stored - acknowledged'],
        report.rows.map((r) => [r.secret, r.connections, Math.round(r.perSecond), fmtMs(r.p50), fmtMs(r.p99), r.errors, r.storedMinusAcknowledged]),
      ),
    );
    print(`scrypt (client secrets before HMAC): ${report.scryptPerSecond.toFixed(1)} verifications/s, one at a time`);
    for (const t of report.targets) targets.push(t);
  }

  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  out.loadAverageAtEnd = load;
  print(`\nMachine: ${machine}; load average at the end ${load} (the machine is shared: other work runs on it)`);
  print('\nTargets');
  print(
    table(
      ['target', 'measured', 'verdict'],
      targets.map((t) => [t.target, t.measured, verdict(t.ok)]),
    ),
  );
  out.targets = targets;
  const dir = join(PKG, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(out, null, 2));
  log(`results written to ${file}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
