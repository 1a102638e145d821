/** Small deterministic PRNG (mulberry32) so property-style tests are reproducible. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  /** Integer in [min, max] (inclusive), exact for any safe-integer range. */
  const int = (min: number, max: number): number => {
    const span = max - min + 1;
    if (span <= 2 ** 32) return min + Math.floor(next() * span);
    const hi = Math.floor(next() * Math.ceil(span / 2 ** 32));
    const lo = Math.floor(next() * 2 ** 32);
    return min + ((hi * 2 ** 32 + lo) % span);
  };
  const pick = <T>(items: readonly T[]): T => {
    const item = items[Math.floor(next() * items.length)];
    if (item === undefined && items.length === 0) throw new Error('pick from empty list');
    return item as T;
  };
  const bool = (p = 0.5): boolean => next() < p;
  return { next, int, pick, bool };
}
export type Rng = ReturnType<typeof rng>;

export function hex(r: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[r.int(0, 15)];
  return s;
}

export function randomUuid(r: Rng): string {
  return `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-${r.pick(['8', '9', 'a', 'b'])}${hex(r, 3)}-${hex(r, 12)}`;
}
