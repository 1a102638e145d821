import { retryPolicy, TokenwardenError, type TokenwardenClient } from '@tokenwarden/client';
import type { RevokeByFilterRequest, RevokeByFilterResponse } from '@tokenwarden/contracts';

/** Revoked ids per page of the result. */
export const REVOKED_PAGE_SIZE = 100;
/** Above this many tokens, the count is typed back to confirm (a slip of the mouse revokes nothing). */
export const TYPED_CONFIRMATION_ABOVE = 10;
/** How long to wait before asking again about a revocation another request with the same key is still running. */
const STILL_RUNNING_WAIT_MS = 1000;

/**
 * A key for one revocation, made once when it is confirmed and sent again with every retry
 * of it. From `getRandomValues`, which (unlike `randomUUID`) a console served over plain
 * HTTP on a LAN address has too.
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends a confirmation until it answers a finished revocation: the very same request (so
 * the same idempotency key: the server finishes that revocation, never starts another)
 * after a failure that may pass (no answer, 5xx), and again while another request with the
 * key is still revoking. The client retries no mutation itself; this one is safe to retry.
 */
export async function confirmRevocation(client: TokenwardenClient, request: RevokeByFilterRequest): Promise<RevokeByFilterResponse> {
  const policy = retryPolicy(true);
  for (let failures = 0; ; ) {
    try {
      const answer = await client.tokens.revokeByFilter(request);
      if (answer.completed) return answer;
      await wait(STILL_RUNNING_WAIT_MS);
    } catch (error) {
      failures++;
      if (!(error instanceof TokenwardenError) || !error.isTransient || failures >= policy.attempts) throw error;
      await wait(policy.delayMs(failures));
    }
  }
}
