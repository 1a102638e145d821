#!/usr/bin/env node
import { createDeps } from '@tokenwarden/api';
import { describeLocation, openStore } from '@tokenwarden/db';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { ensureDemoData, issueDemoToken } from './demo/data.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  const store = await openStore(config.store);
  const deps = createDeps(store, { config: config.api, log });
  if (config.demo.enabled) {
    const started = Date.now();
    let lastReport = 0;
    const seeded = await ensureDemoData(deps, {
      seed: config.demo.seed,
      tokens: config.demo.tokens,
      onProgress: (n, total) => {
        if (Date.now() - lastReport > 2000 || n === total) {
          lastReport = Date.now();
          process.stderr.write(`seeding demo data: ${n}/${total} tokens\n`);
        }
      },
    });
    if (seeded) log.info({ tokens: config.demo.tokens, ms: Date.now() - started }, 'demo data seeded');
  }
  const app = createApp({ deps, log, shutdownGraceMs: config.shutdownGraceMs });
  const address = await app.listen(config.port, config.host);
  const base = `http://${address.address}:${address.port}`;
  const consoleUrl = (await app.consoleSite()) ? `${base}/console` : null;
  log.info({ url: base, console: consoleUrl, db: describeLocation(config.store), dialect: store.dialect }, 'listening');
  const consoleLine = consoleUrl
    ? `Web console (sign in as alice / alice-demo-password, or paste that token): ${consoleUrl}`
    : 'Web console: not built (run `pnpm build`, or `npm start`, which builds it)';
  if (config.demo.enabled) {
    const token = await issueDemoToken(deps, config.demo.seed);
    process.stdout.write(
      `\nTokenwarden is ready at ${base} (demo data; a fresh demo token, valid ${config.api.lifetimes.client_credentials / 60} min):\n\n` +
        `  curl -s '${base}/v1/iam/oauth/tokens?page_params.page_size=5' \\\n    -H 'Authorization: Bearer ${token}'\n\n` +
        `API reference (try it with that token): ${base}/docs\n` +
        `${consoleLine}\n\n`,
    );
  }
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    app.close().then(
      () => {
        log.info({}, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`tokenwarden: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
