import { CountWorker, TokenStore, type Db } from '@tokenwarden/db';
import { inlineCounter, type Counter } from './token-lister.js';

/** A counter that owns resources (a worker thread) and must be closed on shutdown. */
export interface ClosableCounter extends Counter {
  close(): Promise<void>;
}

/**
 * Totals off the request thread: a worker with its own read-only connection to the
 * database file. An in-memory database (tests) cannot be shared with a worker, so it
 * counts inline. Should the worker fail, the count is retried inline: slower, never wrong.
 */
export function workerCounter(db: Db, file: string): ClosableCounter {
  const inline = inlineCounter(new TokenStore(db));
  if (file === ':memory:' || file === '') return { count: inline.count, close: async () => {} };
  const worker = new CountWorker(file);
  return {
    count: (entityPk, filters, snapshot) =>
      worker.count(entityPk, filters, snapshot).catch(() => inline.count(entityPk, filters, snapshot)),
    close: () => worker.close(),
  };
}
