import type { Micros } from '@tokenwarden/contracts';
import { Lru } from '@tokenwarden/db';

/** Limits on failed sign-ins (0 turns a limit off). Windows and waits in seconds. */
export interface ThrottleConfig {
  /** Failures for one username from one address, in the window, before that pair must wait. */
  perUserAddress: number;
  /** Failures from one address (any credentials), in the window, before it must wait. */
  perAddress: number;
  /**
   * Failures for one username from all addresses, in the window, before its attempts are
   * paced to one per `userPaceSeconds` — for addresses that have failed for it already.
   */
  perUser: number;
  windowSeconds: number;
  /** The first wait of a blocked pair or address; each next block doubles it, up to `maxBlockSeconds`. */
  blockSeconds: number;
  maxBlockSeconds: number;
  userPaceSeconds: number;
}

export const DEFAULT_THROTTLE: ThrottleConfig = {
  perUserAddress: 5,
  perAddress: 50,
  perUser: 20,
  windowSeconds: 900,
  blockSeconds: 30,
  maxBlockSeconds: 900,
  userPaceSeconds: 1,
};

interface Counter {
  windowStart: Micros;
  failures: number;
  blockedUntil: Micros;
  blocks: number;
  /** Paced usernames: the earliest instant of the next attempt. */
  nextAttempt: Micros;
}

const S = 1_000_000;

/**
 * Failed-sign-in throttling, per process (each replica counts its own). Three counters:
 *  - (username, address): after `perUserAddress` failures the pair waits, 30 s, 60 s, ...
 *    up to 15 min; a success clears it. This stops guessing one user's password from one
 *    place, and blocks only that place.
 *  - address: after `perAddress` failures of any credentials the address waits likewise.
 *  - username: after `perUser` failures from anywhere, attempts for it from an address that
 *    has already failed for it are paced to one a second. An address with no failure for
 *    the user is never held back by others' failures, so an attacker cannot lock the user
 *    out from somewhere else; a botnet gets one try per fresh address, then the pace.
 * Bounded memory: each counter table keeps its 10,000 most recent keys.
 */
export class LoginThrottle {
  private readonly pairs = new Lru<string, Counter>(10_000);
  private readonly addresses = new Lru<string, Counter>(10_000);
  private readonly users = new Lru<string, Counter>(10_000);

  constructor(private readonly config: ThrottleConfig) {}

  /** Seconds to wait before this attempt may be made (0: go ahead). A paced attempt takes its slot. */
  check(username: string | undefined, address: string, now: Micros): number {
    const waits = [this.blockedFor(this.addresses.get(address), now)];
    if (username !== undefined) {
      const pair = this.current(this.pairs.get(pairKey(username, address)), now);
      waits.push(this.blockedFor(pair, now));
      const user = this.current(this.users.get(username), now);
      if (pair && pair.failures > 0 && user && this.config.perUser > 0 && user.failures >= this.config.perUser) {
        if (user.nextAttempt > now) waits.push(seconds(user.nextAttempt - now));
        else user.nextAttempt = now + this.config.userPaceSeconds * S;
      }
    }
    return Math.max(...waits);
  }

  recordFailure(username: string | undefined, address: string, now: Micros): void {
    this.fail(this.addresses, address, this.config.perAddress, now);
    if (username !== undefined) {
      this.fail(this.pairs, pairKey(username, address), this.config.perUserAddress, now);
      this.fail(this.users, username, 0, now);
    }
  }

  /** Correct credentials from this address: its pair starts over (the username's count does not). */
  recordSuccess(username: string | undefined, address: string): void {
    if (username !== undefined) this.pairs.delete(pairKey(username, address));
  }

  private fail(table: Lru<string, Counter>, key: string, limit: number, now: Micros): void {
    let c = this.current(table.get(key), now);
    if (!c) {
      c = { windowStart: now, failures: 0, blockedUntil: 0, blocks: 0, nextAttempt: 0 };
      table.set(key, c);
    }
    c.failures += 1;
    if (limit > 0 && c.failures >= limit) {
      const wait = Math.min(this.config.maxBlockSeconds, this.config.blockSeconds * 2 ** c.blocks);
      c.blocks += 1;
      c.blockedUntil = now + wait * S;
      // The next block needs `limit` new failures.
      c.failures = 0;
    }
  }

  /** The counter if its window is still open (a blocked counter stays until its block ends). */
  private current(c: Counter | undefined, now: Micros): Counter | undefined {
    if (!c) return undefined;
    if (now - c.windowStart >= this.config.windowSeconds * S && c.blockedUntil <= now) {
      c.windowStart = now;
      c.failures = 0;
      // Blocks count up within a spell of attempts; a quiet window forgives them.
      if (now - c.blockedUntil >= this.config.windowSeconds * S) c.blocks = 0;
    }
    return c;
  }

  private blockedFor(c: Counter | undefined, now: Micros): number {
    return c && c.blockedUntil > now ? seconds(c.blockedUntil - now) : 0;
  }
}

const pairKey = (username: string, address: string) => `${address}\u0000${username}`;
const seconds = (micros: Micros) => Math.max(1, Math.ceil(micros / S));
