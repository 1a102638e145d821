import type { TokenwardenClient } from '@tokenwarden/client';
import type { Terminal } from '../run.js';

/** How often the trail is read while a revocation runs. */
const POLL_MS = 1000;

/**
 * A revocation by filter while its request runs, on stderr. Its TOKENS_REVOKED_BY_FILTER
 * event grows batch by batch, so the trail tells how many are revoked so far (the run's
 * event: the newest with this reason and snapshot). One line rewritten on a terminal, a
 * line per change otherwise. Without the scope to read the trail it shows nothing more.
 */
export class RevocationProgress {
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private shown = -1;
  private live = false;

  constructor(
    private readonly client: TokenwardenClient,
    private readonly term: Terminal,
    private readonly run: { expected: number; reason: string; snapshot: string },
  ) {}

  start(): void {
    this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.poll(), POLL_MS);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    let count: number | undefined;
    try {
      const page = await this.client.events.list({ type: ['TOKENS_REVOKED_BY_FILTER'], page_size: 10 }, { signal: this.abort.signal });
      count = page.events.find((e) => e.reason === this.run.reason && e.details?.snapshot === this.run.snapshot)?.token_count;
    } catch {
      // No scope for the trail, or stopped: the run goes on without a count.
      return;
    }
    if (this.abort.signal.aborted) return;
    if (count !== undefined && count !== this.shown) {
      this.shown = count;
      const { expected } = this.run;
      const percent = expected > 0 ? ` (${Math.min(100, Math.floor((count * 100) / expected))}%)` : '';
      const text = `revoking: ${count}/${expected} tokens${percent}`;
      if (this.term.stderrIsTty) {
        this.live = true;
        this.term.err(`\r\x1b[K${text}`);
      } else this.term.err(`${text}\n`);
    }
    this.schedule();
  }

  /** Stops reading the trail, and wipes the line on a terminal. */
  stop(): void {
    clearTimeout(this.timer);
    this.abort.abort();
    if (this.live) this.term.err('\r\x1b[K');
    this.live = false;
  }
}
