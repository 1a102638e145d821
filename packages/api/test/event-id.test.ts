import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { newEventId } from '../src/index.js';

describe('newEventId', () => {
  it('is an RFC 9562 UUIDv7 carrying the millisecond given', () => {
    const at = Date.UTC(2026, 11, 7, 7, 30, 0, 123);
    const id = newEventId(at);
    expect(z.uuid({ version: 'v7' }).safeParse(id).success).toBe(true);
    expect(z.uuid({ version: 'v4' }).safeParse(id).success).toBe(false);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]);
  });

  it('sorts by time across milliseconds, and is unique within one (74 random bits, drawn past the pool refill)', () => {
    const t = Date.now();
    const ids = Array.from({ length: 3000 }, (_, i) => newEventId(t + Math.floor(i / 1000)));
    expect(new Set(ids).size).toBe(ids.length);
    const groups = [0, 1, 2].map((g) => ids.slice(g * 1000, (g + 1) * 1000).sort());
    for (let g = 1; g < groups.length; g++) expect(groups[g]![0]! > groups[g - 1]!.at(-1)!).toBe(true);
    // Within a millisecond the 74 bits are random: both halves of the range occur.
    const same = ids.slice(0, 1000).map((id) => id[15]!);
    expect(new Set(same).size).toBeGreaterThan(8);
  });
});
