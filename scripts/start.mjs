#!/usr/bin/env node
// `npm start`: install, build (the server and the web console it serves at /console), then
// run the server on the embedded database. On first run it migrates and seeds demo data;
// every run prints a curl with a fresh demo token and the addresses of the docs and console.
import { spawn } from 'node:child_process';
import { installAndBuild } from './pnpm.mjs';

installAndBuild(['@tokenwarden/server', '@tokenwarden/console'], 'npm start');

const server = spawn(process.execPath, ['apps/server/dist/main.js'], {
  stdio: 'inherit',
  env: { TOKENWARDEN_DEMO: '1', ...process.env },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
