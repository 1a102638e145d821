import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Micros } from '@tokenwarden/contracts';
import { openDatabase } from './client.js';
import type { TokenFilters } from '../list-types.js';
import { systemClock } from '../clock.js';
import { SqliteTokenStore } from './token-store.js';

/** A count request from `CountWorker`; the answer carries the same id. */
export interface CountRequest {
  id: number;
  entityPk: number;
  filters: TokenFilters;
  snapshot: Micros;
}

export type CountReply = { id: number; n: number } | { id: number; error: string };

/*
 * Worker entry: counts on its own read-only connection, so a count of millions of rows
 * never holds up the request thread. WAL lets it read while the server writes.
 */
/**
 * Counting is background work: on Linux the worker lowers its own thread's priority so a
 * count sharing a core with the request thread yields to it (elsewhere this is a no-op).
 */
function lowerOwnPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 10);
  } catch {
    // Not Linux, or not permitted: counts simply run at normal priority.
  }
}

const port = parentPort;
if (port) {
  lowerOwnPriority();
  const db = openDatabase((workerData as { file: string }).file, { readonly: true });
  const store = new SqliteTokenStore(db, systemClock());
  port.on('message', (m: CountRequest | 'close') => {
    if (m === 'close') {
      // Read-only: nothing to optimize or checkpoint.
      db.$client.close();
      port.close();
      return;
    }
    let reply: CountReply;
    try {
      reply = { id: m.id, n: store.countNow(m.entityPk, m.filters, m.snapshot) };
    } catch (error) {
      reply = { id: m.id, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  });
}
