import { describe, expect, it } from 'vitest';
import {
  formatMicros,
  formatTimestamp,
  MAX_NANOS,
  MAX_TIMESTAMP_SECONDS,
  microsToTimestamp,
  MIN_TIMESTAMP_SECONDS,
  parseTimestamp,
  Rfc3339,
  Timestamp,
  timestampToMicrosFloor,
} from '../src/index.js';
import { rng } from './helpers.js';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

describe('Timestamp schema', () => {
  it('accepts the protobuf range and rejects one second outside it', () => {
    expect(Timestamp.safeParse({ seconds: MIN_TIMESTAMP_SECONDS }).success).toBe(true);
    expect(Timestamp.safeParse({ seconds: MAX_TIMESTAMP_SECONDS, nanos: MAX_NANOS }).success).toBe(true);
    expect(Timestamp.safeParse({ seconds: MIN_TIMESTAMP_SECONDS - 1 }).success).toBe(false);
    expect(Timestamp.safeParse({ seconds: MAX_TIMESTAMP_SECONDS + 1 }).success).toBe(false);
    expect(Timestamp.safeParse({ seconds: 0, nanos: -1 }).success).toBe(false);
    expect(Timestamp.safeParse({ seconds: 0, nanos: MAX_NANOS + 1 }).success).toBe(false);
    expect(Timestamp.safeParse({ seconds: 0.5 }).success).toBe(false);
    expect(Timestamp.safeParse({ seconds: 0, extra: 1 }).success).toBe(false);
    expect(Timestamp.parse({ seconds: 5 })).toEqual({ seconds: 5, nanos: 0 });
  });

  it('matches the documented calendar range', () => {
    expect(MIN_TIMESTAMP_SECONDS * 1000).toBe(new Date('0001-01-01T00:00:00Z').getTime());
    expect(MAX_TIMESTAMP_SECONDS * 1000).toBe(new Date('9999-12-31T23:59:59Z').getTime());
    expect(MAX_NANOS).toBe(999_999_999);
  });
});

describe('formatTimestamp / parseTimestamp', () => {
  const exact: [number, number, string][] = [
    [MIN_TIMESTAMP_SECONDS, 0, '0001-01-01T00:00:00Z'],
    [MIN_TIMESTAMP_SECONDS, 1, '0001-01-01T00:00:00.000000001Z'],
    [MAX_TIMESTAMP_SECONDS, 0, '9999-12-31T23:59:59Z'],
    [MAX_TIMESTAMP_SECONDS, MAX_NANOS, '9999-12-31T23:59:59.999999999Z'],
    [0, 0, '1970-01-01T00:00:00Z'],
    [-1, 0, '1969-12-31T23:59:59Z'],
    [-1, 1, '1969-12-31T23:59:59.000000001Z'],
    [-1, 999_999_999, '1969-12-31T23:59:59.999999999Z'],
    [-86_400, 500_000_000, '1969-12-31T00:00:00.500Z'],
    [-2_208_988_800, 0, '1900-01-01T00:00:00Z'],
    [951_782_400, 0, '2000-02-29T00:00:00Z'], // leap day
    [1_757_542_970, 337_000_000, '2025-09-10T22:22:50.337Z'], // 3 digits
    [1_774_750_335, 123_456_000, '2026-03-29T02:12:15.123456Z'], // 6 digits
    [1_774_750_335, 123_456_789, '2026-03-29T02:12:15.123456789Z'], // 9 digits
    [1_774_750_335, 1_000_000, '2026-03-29T02:12:15.001Z'],
    [1_774_750_335, 1_000, '2026-03-29T02:12:15.000001Z'],
    [1_774_750_335, 1, '2026-03-29T02:12:15.000000001Z'],
    [1_774_750_335, 100, '2026-03-29T02:12:15.000000100Z'],
    [1_774_750_335, 100_000, '2026-03-29T02:12:15.000100Z'],
    [1_774_750_335, 100_000_000, '2026-03-29T02:12:15.100Z'],
    [1_774_750_335, 10_000_000, '2026-03-29T02:12:15.010Z'],
  ];

  it.each(exact)('{seconds: %d, nanos: %d} <-> %s', (seconds, nanos, text) => {
    expect(formatTimestamp({ seconds, nanos })).toBe(text);
    expect(parseTimestamp(text)).toEqual({ seconds, nanos });
    expect(Rfc3339.safeParse(text).success).toBe(true);
  });

  it('parses any number (1..9) of fractional digits', () => {
    const base = parseTimestamp('2026-03-29T02:12:15Z').seconds;
    const cases: [string, number][] = [
      ['.5', 500_000_000],
      ['.12', 120_000_000],
      ['.123', 123_000_000],
      ['.1234', 123_400_000],
      ['.12345', 123_450_000],
      ['.123456', 123_456_000],
      ['.1234567', 123_456_700],
      ['.12345678', 123_456_780],
      ['.123456789', 123_456_789],
      ['.000000000', 0],
      ['.999999999', 999_999_999],
    ];
    for (const [frac, nanos] of cases) {
      expect(parseTimestamp(`2026-03-29T02:12:15${frac}Z`)).toEqual({ seconds: base, nanos });
    }
  });

  it.each([
    '',
    '2026-03-29',
    '2026-03-29T02:12:15',
    '2026-03-29T02:12:15+00:00',
    '2026-03-29T02:12:15.123+01:00',
    '2026-03-29t02:12:15Z',
    '2026-03-29T02:12:15z',
    '2026-03-29 02:12:15Z',
    '2026-03-29T02:12:15.Z',
    '2026-03-29T02:12:15.1234567890Z',
    '2026-3-29T02:12:15Z',
    '26-03-29T02:12:15Z',
    '+02026-03-29T02:12:15Z',
    '-000001-01-01T00:00:00Z',
    ' 2026-03-29T02:12:15Z',
    '2026-03-29T02:12:15Z ',
    '1757542970',
  ])('parseTimestamp(%j) throws RangeError', (text) => {
    expect(() => parseTimestamp(text)).toThrow(RangeError);
    expect(Rfc3339.safeParse(text).success).toBe(false);
  });

  it('agrees with Date#toISOString for millisecond instants across years 0001..9999', () => {
    const r = rng(2024);
    for (let i = 0; i < 2000; i++) {
      const seconds = r.int(MIN_TIMESTAMP_SECONDS, MAX_TIMESTAMP_SECONDS);
      const ms = r.int(1, 999);
      const iso = new Date(seconds * 1000 + ms).toISOString();
      expect(formatTimestamp({ seconds, nanos: ms * 1_000_000 })).toBe(iso);
      expect(parseTimestamp(iso)).toEqual({ seconds, nanos: ms * 1_000_000 });
    }
  });

  it('round-trips exactly at 0, 3, 6 and 9 fractional digits (5000 random instants)', () => {
    const r = rng(99);
    const digits = /\.(\d+)Z$/;
    for (let i = 0; i < 5000; i++) {
      const seconds = r.pick([MIN_TIMESTAMP_SECONDS, MAX_TIMESTAMP_SECONDS, 0, -1, r.int(MIN_TIMESTAMP_SECONDS, MAX_TIMESTAMP_SECONDS)]);
      const granularity = r.pick([0, 1_000_000, 1_000, 1]);
      const nanos = granularity === 0 ? 0 : r.int(0, Math.floor(MAX_NANOS / granularity)) * granularity;
      const text = formatTimestamp({ seconds, nanos });
      expect(parseTimestamp(text)).toEqual({ seconds, nanos });
      expect(formatTimestamp(parseTimestamp(text))).toBe(text);
      expect(Rfc3339.safeParse(text).success).toBe(true);
      const fraction = digits.exec(text)?.[1];
      if (nanos === 0) expect(fraction).toBeUndefined();
      else {
        // shortest of 3/6/9 digits that keeps every significant nanosecond
        const expected = nanos % 1_000_000 === 0 ? 3 : nanos % 1_000 === 0 ? 6 : 9;
        expect(fraction?.length).toBe(expected);
      }
    }
  });

  it('keeps lexicographic order equal to chronological order for same-precision texts in years 1000..9999', () => {
    const r = rng(5);
    const lo = parseTimestamp('1000-01-01T00:00:00Z').seconds;
    for (let i = 0; i < 1000; i++) {
      const a = { seconds: r.int(lo, MAX_TIMESTAMP_SECONDS), nanos: r.int(1, MAX_NANOS) | 1 };
      const b = { seconds: r.int(lo, MAX_TIMESTAMP_SECONDS), nanos: r.int(1, MAX_NANOS) | 1 };
      const chrono = a.seconds - b.seconds || a.nanos - b.nanos;
      const lex = formatTimestamp(a) < formatTimestamp(b) ? -1 : formatTimestamp(a) > formatTimestamp(b) ? 1 : 0;
      expect(Math.sign(chrono)).toBe(lex);
    }
  });
});

describe('timestampToMicrosFloor', () => {
  const cases: [number, number, number][] = [
    [0, 0, 0],
    [0, 1, 0],
    [0, 999, 0],
    [0, 1_000, 1],
    [0, 1_999, 1],
    [0, 999_999_999, 999_999],
    [1, 0, 1_000_000],
    [1_757_542_970, 337_123_999, 1_757_542_970_337_123],
    [-1, 0, -1_000_000],
    [-1, 1, -1_000_000], // -999999.999 µs floors to -1000000
    [-1, 999, -1_000_000],
    [-1, 1_000, -999_999],
    [-1, 1_001, -999_999], // -999998.999 floors to -999999
    [-1, 999_999_000, -1],
    [-1, 999_999_001, -1], // -0.999 µs floors to -1
    [-1, 999_999_999, -1], // -1 ns floors to -1 µs
    [-2, 500_000_000, -1_500_000],
    [-2, 500_000_500, -1_500_000],
    [-86_400, 1, -86_400_000_000],
    // the exactly representable extremes (year 2255 / 1684)
    [9_007_199_254, 740_991_000, MAX_SAFE],
    [9_007_199_254, 740_991_999, MAX_SAFE],
    [-9_007_199_255, 259_009_000, -MAX_SAFE],
  ];
  it.each(cases)('{seconds: %d, nanos: %d} -> %d µs', (seconds, nanos, micros) => {
    expect(timestampToMicrosFloor({ seconds, nanos })).toBe(micros);
  });

  it('clamps instants beyond the safe-integer range', () => {
    expect(timestampToMicrosFloor({ seconds: MAX_TIMESTAMP_SECONDS, nanos: MAX_NANOS })).toBe(MAX_SAFE);
    expect(timestampToMicrosFloor({ seconds: MIN_TIMESTAMP_SECONDS, nanos: 0 })).toBe(-MAX_SAFE);
    expect(timestampToMicrosFloor({ seconds: 9_007_199_254, nanos: 740_992_000 })).toBe(MAX_SAFE);
    expect(timestampToMicrosFloor({ seconds: -9_007_199_255, nanos: 259_008_999 })).toBe(-MAX_SAFE);
    expect(Number.isSafeInteger(timestampToMicrosFloor({ seconds: MAX_TIMESTAMP_SECONDS, nanos: 1 }))).toBe(true);
  });

  it('is the floor: m*1000 <= total nanos < (m+1)*1000 (5000 random instants)', () => {
    const r = rng(31337);
    const limit = 9_007_199_254; // seconds whose µs are all safe
    for (let i = 0; i < 5000; i++) {
      const seconds = r.int(-limit, limit - 1);
      const nanos = r.pick([0, 1, 999, 1000, 999_999_999, r.int(0, MAX_NANOS)]);
      const m = timestampToMicrosFloor({ seconds, nanos });
      expect(Number.isSafeInteger(m)).toBe(true);
      const total = BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
      expect(BigInt(m) * 1000n <= total).toBe(true);
      expect(total < (BigInt(m) + 1n) * 1000n).toBe(true);
    }
  });

  it('is monotonic in the instant', () => {
    const r = rng(8);
    for (let i = 0; i < 2000; i++) {
      const seconds = r.int(-5_000_000_000, 5_000_000_000);
      const a = r.int(0, MAX_NANOS);
      const b = r.int(a, MAX_NANOS);
      expect(timestampToMicrosFloor({ seconds, nanos: a })).toBeLessThanOrEqual(timestampToMicrosFloor({ seconds, nanos: b }));
      expect(timestampToMicrosFloor({ seconds, nanos: b })).toBeLessThan(timestampToMicrosFloor({ seconds: seconds + 1, nanos: a }) + 1);
    }
  });
});

describe('microsToTimestamp / formatMicros', () => {
  it.each([
    [0, 0, 0],
    [1, 0, 1_000],
    [-1, -1, 999_999_000],
    [-1_000_000, -1, 0],
    [-1_000_001, -2, 999_999_000],
    [1_757_542_970_337_123, 1_757_542_970, 337_123_000],
    [MAX_SAFE, 9_007_199_254, 740_991_000],
    [-MAX_SAFE, -9_007_199_255, 259_009_000],
  ])('%d µs -> {seconds: %d, nanos: %d}', (micros, seconds, nanos) => {
    expect(microsToTimestamp(micros)).toEqual({ seconds, nanos });
  });

  it('is the inverse of timestampToMicrosFloor on whole microseconds (5000 random)', () => {
    const r = rng(1234);
    for (let i = 0; i < 5000; i++) {
      const m = r.pick([r.int(-MAX_SAFE, MAX_SAFE), r.int(-1e13, 1e13), r.int(-2e6, 2e6)]);
      const ts = microsToTimestamp(m);
      expect(Number.isInteger(ts.seconds)).toBe(true);
      expect(ts.nanos).toBeGreaterThanOrEqual(0);
      expect(ts.nanos).toBeLessThanOrEqual(MAX_NANOS);
      expect(ts.nanos % 1000).toBe(0);
      expect(timestampToMicrosFloor(ts)).toBe(m);
    }
  });

  it('formats micros like the timestamp they stand for', () => {
    expect(formatMicros(0)).toBe('1970-01-01T00:00:00Z');
    expect(formatMicros(-1)).toBe('1969-12-31T23:59:59.999999Z');
    expect(formatMicros(1_757_542_970_337_000)).toBe('2025-09-10T22:22:50.337Z');
    expect(formatMicros(1_774_750_335_123_456)).toBe('2026-03-29T02:12:15.123456Z');
    expect(timestampToMicrosFloor(parseTimestamp(formatMicros(1_774_750_335_123_456)))).toBe(1_774_750_335_123_456);
  });
});

describe('parseTimestamp rejects impossible instants', () => {
  it.each(['2025-13-01T00:00:00Z', '2025-02-30T00:00:00Z', '2025-01-01T24:00:00Z', '2025-01-01T23:61:00Z', '2025-01-01T23:00:61Z'])('%s', (text) => {
    expect(() => parseTimestamp(text)).toThrow(RangeError);
  });
  it('accepts a leap day', () => {
    expect(formatTimestamp(parseTimestamp('2024-02-29T12:00:00.5Z'))).toBe('2024-02-29T12:00:00.500Z');
  });
});

describe('formatMicros (fast path) agrees with formatTimestamp', () => {
  it('on edges and 20,000 random instants', () => {
    const r = rng(99);
    const samples = [
      0,
      1,
      -1,
      999,
      1000,
      1_000_000,
      -1_000_000,
      1_700_000_000_123_456,
      1_700_000_000_123_000,
      1_700_000_000_000_000,
      MIN_TIMESTAMP_SECONDS * 1_000_000,
      MAX_TIMESTAMP_SECONDS * 1_000_000 + 999_999,
      // The closest double below the minimum (…_001 is not representable and rounds to the minimum itself).
      -62_135_596_800_000_008,
    ];
    for (let i = 0; i < 20_000; i++) samples.push(r.int(-1e15, 3e15));
    for (const us of samples) expect(formatMicros(us), String(us)).toBe(formatTimestamp(microsToTimestamp(us)));
  });
});
