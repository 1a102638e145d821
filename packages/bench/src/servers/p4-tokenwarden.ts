import { createDeps } from '@tokenwarden/api';
import { openSqliteStore } from '@tokenwarden/db/sqlite/store';
import { createApp, createLogger } from '@tokenwarden/server';
import { ready } from './raw-core.js';

/*
 * P4/P5: Tokenwarden itself, composed as apps/server/src/main.ts composes it (createDeps
 * with the count worker, createApp, the pino logger at LOG_LEVEL), minus env config and
 * demo data. `inline` as second argument counts on the request thread instead; `adapter` as
 * third sends every tRPC call through tRPC's adapter (no single-call path), for A/B runs.
 */
const file = process.argv[2] ?? '';
const mode = process.argv[3] ?? 'worker';
const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
const store = openSqliteStore(file, { counts: mode === 'inline' ? 'inline' : 'worker' });
const deps = createDeps(store, { log });
const app = createApp({ deps, log, trpcSingleCalls: process.argv[4] !== 'adapter' });
app.listen(0, '127.0.0.1').then((address) => ready(address.port));
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
