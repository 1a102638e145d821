import type { Micros } from '@tokenwarden/contracts';

/** Time as the product sees it: microseconds since the Unix epoch. Injected for tests. */
export interface Clock {
  nowMicros(): Micros;
}

/**
 * Wall-clock microseconds that strictly increase within the process: a token created
 * after a snapshot was taken always has a later created_at than the snapshot, so a
 * snapshot selects exactly the tokens that existed when it was taken.
 */
export function systemClock(): Clock {
  const originMs = Date.now();
  const originHr = process.hrtime.bigint();
  let last = 0;
  return {
    nowMicros() {
      const elapsedUs = Number((process.hrtime.bigint() - originHr) / 1000n);
      const now = Math.max(originMs * 1000 + elapsedUs, last + 1);
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
