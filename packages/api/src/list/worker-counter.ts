import { CountWorker, TokenStore, type Db } from '@tokenwarden/db';
import { inlineCounter, type Counter } from './token-lister.js';

/** A counter that owns resources (a worker thread) and must be closed on shutdown. */
export interface ClosableCounter extends Counter {
  close(): Promise<void>;
}

/** Counts up to this many rows on the request thread before handing the count to the worker. */
export const INLINE_COUNT_CAP = 5_000;

/**
 * Totals off the request thread: a worker with its own read-only connection to the
 * database file. A set under INLINE_COUNT_CAP rows is counted inline (a bounded, sub-
 * millisecond index walk that costs less than a round trip to the worker); only larger
 * sets go to the worker. An in-memory database (tests) cannot be shared with a worker, so
 * it counts inline. `inlineCap: 0` sends every count to the worker. Should the worker fail, the count is retried inline: slower, never wrong.
 */
export function workerCounter(db: Db, file: string, options: { inlineCap?: number } = {}): ClosableCounter {
  const cap = options.inlineCap ?? INLINE_COUNT_CAP;
  const store = new TokenStore(db);
  const inline = inlineCounter(store);
  if (file === ':memory:' || file === '') return { count: inline.count, close: async () => {} };
  const worker = new CountWorker(file);
  return {
    count: (entityPk, filters, snapshot) => {
      const bounded = cap > 0 ? store.countUpTo(entityPk, filters, snapshot, cap) : cap;
      if (bounded < cap) return Promise.resolve(bounded);
      return worker.count(entityPk, filters, snapshot).catch(() => inline.count(entityPk, filters, snapshot));
    },
    close: () => worker.close(),
  };
}
