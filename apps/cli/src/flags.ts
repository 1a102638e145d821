import type { ParseArgsConfig } from 'node:util';
import { UsageError } from './exit-codes.js';
import type { Format } from './output.js';
import type { Terminal } from './run.js';

/** The flags every command takes: where the server is, as whom, and how to print. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  lang: { type: 'string' },
  retries: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export function integerFlag(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value) || Number(value) < min) throw new UsageError(`--${name} must be an integer of at least ${min}`);
  return Number(value);
}

export function formatFlag(value: string | undefined, allowed: readonly Format[], term: Terminal): Format {
  if (value === undefined) return term.stdoutIsTty ? 'table' : 'json';
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--format must be one of ${allowed.join(', ')}`);
  return value as Format;
}

/** `--type A --type b,c`: every value, split at commas, trimmed, none empty. */
export function listFlag(values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * An enum value as a person types it: exact, upper-cased (`revoked` → `REVOKED`), or the one
 * value ending with it (`password` → `GRANT_FLOW_PASSWORD`). Anything else is sent as
 * written, and the server's 400 lists the values it takes.
 */
export function enumFlag(value: string, allowed: readonly string[]): string {
  if (allowed.includes(value)) return value;
  const upper = value.toUpperCase();
  if (allowed.includes(upper)) return upper;
  const ending = allowed.filter((a) => a.endsWith(`_${upper}`));
  return ending.length === 1 ? (ending[0] as string) : value;
}

const AGO = /^(\d{1,9})([smhd])$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A time flag: an RFC 3339 instant as written (the server checks it), or a span back from
 * now (`90s`, `15m`, `24h`, `7d`) as the instant it names.
 */
export function instantFlag(value: string | undefined, now: () => number = Date.now): string | undefined {
  if (value === undefined) return undefined;
  const ago = AGO.exec(value);
  if (!ago) return value;
  return new Date(now() - Number(ago[1]) * UNIT_MS[ago[2] as keyof typeof UNIT_MS]).toISOString();
}
