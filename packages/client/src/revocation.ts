import type { RevokeByFilterRequest, RevokeByFilterResponse } from '@tokenwarden/contracts';
import { TokenwardenError } from './errors.js';
import { followPageTokens } from './pagination.js';
import type { RetryPolicy } from './retry.js';

export type RevokeByFilter = (request: RevokeByFilterRequest) => Promise<RevokeByFilterResponse>;

export interface RevocationWalkOptions {
  /**
   * Attempts per call after a failure that may pass (no answer, 5xx). Safe: every call of
   * a walk is the one request with its one `idempotency_key`, which the server answers
   * with the same revocation, never a second. One attempt when absent.
   */
  retry?: RetryPolicy;
  /** How long to wait before asking again while another request with the key is still revoking (ms). */
  stillRunningDelayMs?: number;
  /** Stops the walk between calls (and the waits between them). */
  signal?: AbortSignal;
}

const STILL_RUNNING_DELAY_MS = 1000;

function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Drives a revocation by filter to its end and yields every answer: the first (the
 * counts, `revoked` being the whole revocation's, and the first page of revoked ids),
 * then each next page of ids, by sending the same request (the same `idempotency_key`)
 * with the previous answer's `next_page_token`, until an answer has none. The ids of all
 * pages together are every token the revocation revoked, each once, in token_id order.
 *
 * An answer with `completed: false` (another request with the key is still revoking) is
 * asked for again after a pause, so every yielded answer is of a finished revocation. A
 * call that fails in a way that may pass is sent again under `retry`. A dry run yields
 * its one answer. To resume an interrupted walk, send the same request again (the same
 * key): the server finishes the revocation if it must, and answers it from the start.
 */
export function walkRevocation(
  revoke: RevokeByFilter,
  request: RevokeByFilterRequest,
  options: RevocationWalkOptions = {},
): AsyncGenerator<RevokeByFilterResponse, void, undefined> {
  const attempts = options.retry?.attempts ?? 1;
  const settled = async (req: RevokeByFilterRequest): Promise<RevokeByFilterResponse> => {
    for (let failures = 0; ; ) {
      options.signal?.throwIfAborted();
      let answer: RevokeByFilterResponse;
      try {
        answer = await revoke(req);
      } catch (error) {
        failures += 1;
        if (!(error instanceof TokenwardenError) || !error.isTransient || failures >= attempts) throw error;
        await wait(options.retry?.delayMs(failures) ?? 0, options.signal);
        continue;
      }
      if (answer.completed) return answer;
      await wait(options.stillRunningDelayMs ?? STILL_RUNNING_DELAY_MS, options.signal);
    }
  };
  return followPageTokens(settled, request, (answer) => answer.next_page_token);
}
