import { Worker } from 'node:worker_threads';
import type { Micros } from '@tokenwarden/contracts';
import type { CountReply, CountRequest } from './count-worker.js';
import type { TokenFilters } from '../list-types.js';

const WORKER_URL = new URL('./count-worker.js', import.meta.url);

/**
 * Counts in a worker thread with its own read-only connection to `file` (which must be
 * a file database in WAL mode, not ':memory:'). Requests are answered in order; the
 * worker is started on first use and again after a crash (pending counts then fail).
 */
export class CountWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (n: number) => void; reject: (e: Error) => void }>();
  private closed = false;

  constructor(private readonly file: string) {
    if (file === ':memory:') throw new Error('a count worker needs a database file');
  }

  count(entityPk: number, filters: TokenFilters, snapshot: Micros): Promise<number> {
    if (this.closed) return Promise.reject(new Error('count worker closed'));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      const request: CountRequest = { id, entityPk, filters: { ...filters }, snapshot };
      worker.postMessage(request);
    });
  }

  /** Counts still in flight (for tests and metrics). */
  get inFlight(): number {
    return this.pending.size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    const timer = setTimeout(() => void worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
    this.failAll(new Error('count worker closed'));
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_URL, { workerData: { file: this.file } });
    // Idle, the worker must not keep the process alive; it is ref'd while counts are pending.
    worker.unref();
    worker.on('message', (reply: CountReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if ('error' in reply) p.reject(new Error(reply.error));
      else p.resolve(reply.n);
    });
    const lost = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(error);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`count worker exited (${code})`)));
    this.worker = worker;
    return worker;
  }

  private failAll(error: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(error);
  }
}
