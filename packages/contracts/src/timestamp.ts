import { z } from 'zod';

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds (protobuf Timestamp range). */
export const MIN_TIMESTAMP_SECONDS = -62135596800;
export const MAX_TIMESTAMP_SECONDS = 253402300799;
export const MAX_NANOS = 999_999_999;

/** A protobuf `Timestamp` as it travels in query parameters: seconds and nanos. */
export const Timestamp = z
  .object({
    seconds: z.number().int().min(MIN_TIMESTAMP_SECONDS).max(MAX_TIMESTAMP_SECONDS),
    nanos: z.number().int().min(0).max(MAX_NANOS).default(0),
  })
  .strict();
export type Timestamp = z.output<typeof Timestamp>;

/** RFC 3339 UTC with 0, 3, 6 or 9 fractional digits, as protobuf's JSON mapping writes it. */
export const Rfc3339 = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/, 'must be an RFC 3339 UTC timestamp');

/**
 * Microseconds since the Unix epoch: the store's resolution. Every instant the product
 * stores fits a JS number exactly (|µs| < 2^53 until year 2255).
 */
export type Micros = number;

/** The greatest stored instant (µs) at or before a timestamp: the exact snapshot bound. */
export function timestampToMicrosFloor(ts: Timestamp): Micros {
  const totalNanos = BigInt(ts.seconds) * 1_000_000_000n + BigInt(ts.nanos);
  // BigInt division truncates toward zero; floor it for instants before 1970.
  let micros = totalNanos / 1000n;
  if (totalNanos < 0n && totalNanos % 1000n !== 0n) micros -= 1n;
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  if (micros > max) return Number.MAX_SAFE_INTEGER;
  if (micros < -max) return -Number.MAX_SAFE_INTEGER;
  return Number(micros);
}

export function microsToTimestamp(micros: Micros): Timestamp {
  const seconds = Math.floor(micros / 1_000_000);
  const nanos = (micros - seconds * 1_000_000) * 1000;
  return { seconds, nanos };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Formats a Timestamp as RFC 3339 UTC, keeping every significant nanosecond. */
export function formatTimestamp(ts: Timestamp): string {
  const d = new Date(ts.seconds * 1000);
  const base =
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  if (ts.nanos === 0) return `${base}Z`;
  if (ts.nanos % 1_000_000 === 0) return `${base}.${pad(ts.nanos / 1_000_000, 3)}Z`;
  if (ts.nanos % 1000 === 0) return `${base}.${pad(ts.nanos / 1000, 6)}Z`;
  return `${base}.${pad(ts.nanos, 9)}Z`;
}

/** 0001-01-01 and 10000-01-01 in µs: where Date#toISOString writes a 4-digit year. */
const ISO_MIN_MICROS = MIN_TIMESTAMP_SECONDS * 1_000_000;
const ISO_END_MICROS = (MAX_TIMESTAMP_SECONDS + 1) * 1_000_000;

/** `formatTimestamp` for a stored instant; the native ISO writer does the calendar work (hot path). */
export function formatMicros(micros: Micros): string {
  if (micros < ISO_MIN_MICROS || micros >= ISO_END_MICROS) return formatTimestamp(microsToTimestamp(micros));
  const ms = Math.floor(micros / 1000);
  const sub = micros - ms * 1000;
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  if (sub !== 0) return `${iso.slice(0, 23)}${String(sub).padStart(3, '0')}Z`;
  return ms % 1000 === 0 ? `${iso.slice(0, 19)}Z` : iso;
}

/** Parses an RFC 3339 UTC string (as returned in `first_request_timestamp`) back to seconds/nanos. */
export function parseTimestamp(text: string): Timestamp {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/.exec(text);
  if (!m) throw new RangeError(`not an RFC 3339 UTC timestamp: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, frac] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), 0);
  // Date rolls impossible fields over (month 13, 24:61); such text is not RFC 3339.
  if (
    date.getUTCFullYear() !== Number(y) ||
    date.getUTCMonth() !== Number(mo) - 1 ||
    date.getUTCDate() !== Number(d) ||
    date.getUTCHours() !== Number(h) ||
    date.getUTCMinutes() !== Number(mi) ||
    date.getUTCSeconds() !== Number(s)
  ) {
    throw new RangeError(`not a valid instant: ${JSON.stringify(text)}`);
  }
  const seconds = Math.floor(date.getTime() / 1000);
  const nanos = frac ? Number(frac.padEnd(9, '0')) : 0;
  return { seconds, nanos };
}

const INSTANT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * The first stored instant (µs) at or after an RFC 3339 instant with any offset (`Z`,
 * `+02:00`): a bound of a time filter. `after` is inclusive and `before` exclusive, so both
 * round up: a µs value v is at or after T exactly when v >= ceil(T), and before T exactly
 * when v < ceil(T). Undefined for text that is not a valid instant.
 */
export function instantToMicrosCeil(text: string): Micros | undefined {
  const m = INSTANT.exec(text);
  if (!m) return undefined;
  const [, base, frac = '', zone = 'Z'] = m;
  let ts: Timestamp;
  try {
    ts = parseTimestamp(`${(base ?? '').toUpperCase()}Z`);
  } catch {
    return undefined;
  }
  const offsetMinutes = zone.toUpperCase() === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  if (Math.abs(offsetMinutes) >= 24 * 60 || Number(zone.slice(4, 6) || 0) >= 60) return undefined;
  const nanos = frac ? Number(frac.slice(1).padEnd(9, '0')) : 0;
  const micros = (ts.seconds - offsetMinutes * 60) * 1_000_000 + Math.ceil(nanos / 1000);
  return Number.isSafeInteger(micros) ? micros : undefined;
}

/**
 * A bound of a time filter as a caller writes it (RFC 3339, any offset, up to nanoseconds),
 * decoded to the first stored instant at or after it (see `instantToMicrosCeil`).
 */
export const InstantBound = z
  .string()
  .max(40)
  .transform((text, ctx) => {
    const micros = instantToMicrosCeil(text);
    if (micros === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be an RFC 3339 instant, e.g. 2026-01-31T23:00:00Z' });
      return z.NEVER;
    }
    return micros;
  });
