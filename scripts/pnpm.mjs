#!/usr/bin/env node
// Runs pnpm 10 with the given arguments: the installed one when it is pnpm 10, else the
// pinned release through npx (a machine needs only Node and npm).
import { spawnSync } from 'node:child_process';

export const PNPM_VERSION = '10.34.9';

function installedPnpmIsUsable() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8', shell: process.platform === 'win32' });
  return probe.status === 0 && /^10\./.test(probe.stdout.trim());
}

let command;
export function pnpmCommand() {
  command ??= installedPnpmIsUsable() ? ['pnpm'] : ['npx', '--yes', `pnpm@${PNPM_VERSION}`];
  return command;
}

/** Runs pnpm synchronously with inherited stdio; returns its exit status. */
export function pnpm(args, options = {}) {
  const [bin, ...pre] = pnpmCommand();
  const result = spawnSync(bin, [...pre, ...args], {
    stdio: 'inherit',
    shell: process.platform === 'win32',
    ...options,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', ...options.env },
  });
  return result.status ?? 1;
}

/** Installs (offline when it can) and builds `pkgs` (one name or a list) with their workspace dependencies; exits on failure. */
export function installAndBuild(pkgs, who) {
  const step = (what, status) => {
    if (status !== 0) {
      process.stderr.write(`${who}: ${what} failed (exit ${status})\n`);
      process.exit(status);
    }
  };
  step('install', pnpm(['install', '--frozen-lockfile', '--prefer-offline', '--reporter=silent']));
  step('build', pnpm(['exec', 'turbo', 'run', 'build', ...[pkgs].flat().map((pkg) => `--filter=${pkg}...`), '--output-logs=errors-only']));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exit(pnpm(process.argv.slice(2)));
}
