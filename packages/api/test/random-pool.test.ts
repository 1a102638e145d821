import { describe, expect, it } from 'vitest';
import { PageTokens } from '../src/page-tokens.js';
import { randomDraw } from '../src/random-pool.js';

describe('randomDraw', () => {
  it('draws bytes of the size asked, never the same draw twice, across many refills of the pool', () => {
    const seen = new Set<string>();
    let bytes = 0;
    for (let i = 0; i < 20_000; i++) {
      const n = [12, 16, 7][i % 3]!;
      const b = randomDraw(n);
      expect(b.length).toBe(n);
      seen.add(b.toString('hex'));
      bytes += n;
    }
    expect(bytes).toBeGreaterThan(40 * 4096);
    expect(seen.size).toBe(20_000);
  });

  it('refuses a draw it cannot give whole', () => {
    for (const n of [0, -1, 1.5, 4097, Number.NaN]) expect(() => randomDraw(n), String(n)).toThrow(RangeError);
    expect(randomDraw(4096)).toHaveLength(4096);
  });

  it('is uniform enough that every byte value occurs', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 4000; i++) for (const v of randomDraw(16)) counts[v]! += 1;
    // 64,000 bytes: each value about 250 times; absent or tenfold would mean a broken pool.
    expect(Math.min(...counts)).toBeGreaterThan(150);
    expect(Math.max(...counts)).toBeLessThan(400);
  });

  it('gives page tokens a fresh IV each: the same position sealed twice gives two tokens that both open', async () => {
    const tokens = new PageTokens(async () => [Buffer.alloc(32, 7)]);
    const sealed = await Promise.all(Array.from({ length: 600 }, () => tokens.seal('tokens', 1, { page: 2 })));
    expect(new Set(sealed).size).toBe(sealed.length);
    expect(new Set(sealed.map((t) => Buffer.from(t, 'base64url').subarray(0, 12).toString('hex'))).size).toBe(sealed.length);
    for (const t of sealed.slice(0, 50)) expect(await tokens.open('tokens', 1, t)).toEqual({ page: 2 });
  });
});
