import type { Micros } from '@tokenwarden/contracts';

/** Time as the product sees it: microseconds since the Unix epoch. Injected for tests. */
export interface Clock {
  nowMicros(): Micros;
}

/**
 * Wall-clock microseconds that strictly increase within the process: a token created
 * after a snapshot was taken always has a later created_at than the snapshot, so a
 * snapshot selects exactly the tokens that existed when it was taken. It follows the
 * system's wall clock (not a monotonic clock anchored at start), so two processes on one
 * host read the same time: the server's snapshots and the admin command's purge horizon
 * are comparable. Should the wall clock step back, readings stay at the last one plus 1 µs
 * until it catches up.
 */
export function systemClock(): Clock {
  let last = 0;
  return {
    nowMicros() {
      const now = Math.max(Date.now() * 1000, last + 1);
      last = now;
      return now;
    },
  };
}

/** A clock tests move by hand; each reading still advances by at least 1 µs. */
export function manualClock(startMicros: Micros): Clock & { advance(micros: Micros): void; set(micros: Micros): void } {
  let now = startMicros;
  return {
    nowMicros: () => now++,
    advance: (micros) => {
      now += micros;
    },
    set: (micros) => {
      now = micros;
    },
  };
}
