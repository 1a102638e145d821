import { createDeps } from '@tokenwarden/api';
import { openPostgresStore } from '@tokenwarden/db/postgres/store';
import { createApp, createLogger } from '@tokenwarden/server';
import { ready } from './raw-core.js';

/*
 * P4-pg/P5-pg: Tokenwarden itself over PostgreSQL, composed as apps/server/src/main.ts
 * composes it (openStore → openPostgresStore with the default pool of 10, createDeps,
 * createApp, the pino logger at LOG_LEVEL), minus env config and demo data.
 */
const url = process.argv[2] ?? '';
const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
const store = await openPostgresStore(url, { max: 10 });
const deps = createDeps(store, { log });
const app = createApp({ deps, log });
app.listen(0, '127.0.0.1').then((address) => ready(address.port));
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
