#!/usr/bin/env node
// `npm test`: install, build, run every package's vitest suite, and print the totals
// as one line `N passed, N failed` (read from each package's test-results.json).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pnpm } from './pnpm.mjs';

const root = new URL('..', import.meta.url).pathname;
const packageDirs = ['apps', 'packages'].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, group, d.name, 'package.json')))
    .map((d) => join(root, group, d.name)),
);
for (const dir of packageDirs) rmSync(join(dir, 'test-results.json'), { force: true });

let status = pnpm(['install', '--frozen-lockfile', '--prefer-offline', '--reporter=silent']);
if (status === 0) {
  status = pnpm(['exec', 'turbo', 'run', 'test', '--continue', '--concurrency=2', '--output-logs=full', ...process.argv.slice(2)]);
}

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
console.log(`${passed} passed, ${failed} failed`);
process.exit(status !== 0 || failed > 0 ? 1 : 0);
