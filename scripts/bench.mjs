#!/usr/bin/env node
// `pnpm bench` / `npm run bench`: install, build the benchmark and what it runs, then run it.
// Arguments pass through, e.g. `npm run bench -- --size 100000 --only inproc,walk`.
import { spawnSync } from 'node:child_process';
import { installAndBuild } from './pnpm.mjs';

installAndBuild('@tokenwarden/bench', 'bench');
const run = spawnSync(process.execPath, ['packages/bench/dist/main.js', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
