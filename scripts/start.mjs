#!/usr/bin/env node
// `npm start`: install, build, then run the server on the embedded database. On first run
// it migrates and seeds demo data; every run prints a curl with a fresh demo token.
import { spawn } from 'node:child_process';
import { pnpm } from './pnpm.mjs';

const step = (what, status) => {
  if (status !== 0) {
    process.stderr.write(`npm start: ${what} failed (exit ${status})\n`);
    process.exit(status);
  }
};

step('install', pnpm(['install', '--frozen-lockfile', '--prefer-offline', '--reporter=silent']));
step('build', pnpm(['exec', 'turbo', 'run', 'build', '--filter=@tokenwarden/server...', '--output-logs=errors-only']));

const server = spawn(process.execPath, ['apps/server/dist/main.js'], {
  stdio: 'inherit',
  env: { TOKENWARDEN_DEMO: '1', ...process.env },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
