/** Opt-in retry of idempotent calls (queries) after a 5xx answer or a network failure. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 3). */
  attempts?: number;
  /** Delay before the first retry in ms (default 200); doubles each retry. */
  baseDelayMs?: number;
  /** Upper bound of one delay in ms (default 5000). */
  maxDelayMs?: number;
}

export interface RetryPolicy {
  attempts: number;
  /** Delay before the attempt after `attempt` (1-based): exponential with jitter. */
  delayMs(attempt: number): number;
}

/** `true` means the defaults; `false`/`undefined` means no retry (one attempt). */
export function retryPolicy(option: boolean | RetryOptions | undefined, random: () => number = Math.random): RetryPolicy {
  if (!option) return { attempts: 1, delayMs: () => 0 };
  const o = option === true ? {} : option;
  const attempts = Math.max(1, Math.floor(o.attempts ?? 3));
  const base = Math.max(0, o.baseDelayMs ?? 200);
  const max = Math.max(base, o.maxDelayMs ?? 5_000);
  return {
    attempts,
    // "Equal jitter": half the exponential delay, plus a random share of the other half,
    // so many clients retrying at once do not hit the server in step.
    delayMs(attempt) {
      const exp = Math.min(max, base * 2 ** (attempt - 1));
      return Math.round(exp / 2 + random() * (exp / 2));
    },
  };
}
