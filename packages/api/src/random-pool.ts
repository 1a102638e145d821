import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let drawn = pool.length;

/**
 * `n` bytes (at most 4096) of the OS CSPRNG, drawn from a pool refilled 4 KiB at a time:
 * one system call for many draws, where `randomBytes` makes one per call (about 3 µs each on
 * a virtual machine, where a page token or an event id needs the bytes in the request's
 * path). The bytes are the pool's own memory, overwritten at its next refill, and its
 * `.buffer` shows the draws to come: use them at once, copy them to keep them, and never draw
 * a secret (a key or a token) from here: those come from `randomBytes`.
 */
export function randomDraw(n: number): Buffer {
  if (!Number.isInteger(n) || n < 1 || n > pool.length) throw new RangeError(`randomDraw draws 1 to ${pool.length} bytes, not ${n}`);
  if (drawn + n > pool.length) {
    randomFillSync(pool);
    drawn = 0;
  }
  const bytes = pool.subarray(drawn, drawn + n);
  drawn += n;
  return bytes;
}
