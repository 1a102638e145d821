import { StoreUnavailableError } from './store.js';

/** Items written by one call at most; more wait for the next. */
export const MAX_BATCH = 1_000;

interface Pending<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit: items added during one turn of the event loop are written together by one
 * call of `write` (one transaction, one statement), and each caller's promise settles only
 * after that write. One write is in flight at a time: items added while an asynchronous
 * write awaits its database (PostgreSQL) wait for it and are then written together, so
 * under load a batch holds what arrived during one round trip rather than during one turn,
 * and writes never queue up for the pool's connections; at most MAX_BATCH items a write.
 * Should the batch fail, each item is written alone, so one bad item fails only its own
 * caller (the items behind wait meanwhile: a batch fails whole only on a bad item, which
 * callers never send, or on the database gone, which fails every item at once).
 */
export class TurnBatch<T, R> {
  private pending: Pending<T, R>[] = [];
  private writing = false;

  constructor(private readonly write: (items: T[]) => R[] | Promise<R[]>) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length === 1 && !this.writing) setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      for (;;) {
        await this.flush();
        if (this.pending.length === 0) break;
        // A turn between writes: a synchronous write (SQLite) and callers that add again as
        // soon as they resume must not keep the event loop from timers and I/O.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.writing = false;
    }
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, MAX_BATCH);
    let results: R[] | undefined;
    try {
      results = await this.write(batch.map((p) => p.item));
    } catch (error) {
      // Alone, the item's own failure; a database away fails them all at once (not one
      // connection timeout after another); else one at a time below, each its own outcome.
      if (batch.length === 1 || error instanceof StoreUnavailableError) {
        for (const p of batch) p.reject(error);
        return;
      }
    }
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i] as Pending<T, R>;
      if (results) {
        p.resolve(results[i] as R);
        continue;
      }
      try {
        p.resolve((await this.write([p.item]))[0] as R);
      } catch (error) {
        p.reject(error);
      }
    }
  }
}
