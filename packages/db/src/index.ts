export { closeDatabase, MIGRATIONS_FOLDER, openDatabase, optimizeDatabase, type Db, type OpenOptions } from './client.js';
export { CountWorker } from './count-client.js';
export * from './directory-store.js';
export * from './list-query.js';
export * from './records.js';
export * from './token-store.js';
export * as schema from './schema.js';
export * from './synthetic.js';
