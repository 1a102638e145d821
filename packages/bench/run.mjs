#!/usr/bin/env node
// `pnpm bench`: builds what the benchmark runs (its workspace dependencies first, then
// itself) and runs it, passing arguments through. The client package is built when it
// has sources; P5-through-the-client is skipped (and says so) when it cannot be.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function build(dir, optional = false) {
  const r = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (r.status !== 0) {
    if (optional) {
      process.stderr.write(`bench: could not build ${dir}; continuing without it\n`);
      return false;
    }
    process.exit(r.status ?? 1);
  }
  return true;
}

for (const pkg of ['packages/contracts', 'packages/db', 'packages/api', 'apps/server']) build(join(root, pkg));
const client = join(root, 'packages/client');
if (existsSync(join(client, 'src')) && readdirSync(join(client, 'src')).some((f) => f.endsWith('.ts'))) build(client, true);
build(here);
const r = spawnSync(process.execPath, [join(here, 'dist', 'main.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
