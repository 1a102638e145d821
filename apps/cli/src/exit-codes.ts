import { RPC } from '@tokenwarden/contracts';
import type { TokenwardenError } from '@tokenwarden/client';

/** What the process exit status tells a script. */
export const EXIT = {
  OK: 0,
  /** Anything unexpected (a bug): report it. */
  UNEXPECTED: 1,
  /** Bad command line, missing credentials, the server said 400 (bad input), or a revocation by filter was not confirmed. */
  USAGE: 2,
  /** The server said 401 or 403: the token is missing, bad, expired, revoked, or not allowed. */
  AUTH: 3,
  /** The server said 404: no such token (or not visible to this token). */
  NOT_FOUND: 4,
  /** The server said 409: e.g. the token is already revoked. */
  CONFLICT: 5,
  /** The server failed (5xx) or did not answer (network). Retrying later may help. */
  UNAVAILABLE: 6,
} as const;

export const EXIT_CODES_HELP = `Exit status:
  0  success
  1  unexpected error (a bug; please report it)
  2  bad command line, missing credentials, or bad input (HTTP 400); a revocation
     by filter not confirmed (nothing was revoked)
  3  authentication or permission error (HTTP 401, 403)
  4  not found (HTTP 404)
  5  conflict, e.g. already revoked (HTTP 409)
  6  server error (HTTP 5xx) or no answer (network)`;

export function exitCodeFor(error: TokenwardenError): number {
  const s = error.status;
  if (s === 0 || s >= 500) return EXIT.UNAVAILABLE;
  if (s === 401 || s === 403) return EXIT.AUTH;
  if (s === 404) return EXIT.NOT_FOUND;
  if (s === 409) return EXIT.CONFLICT;
  if (s >= 400) return EXIT.USAGE;
  return EXIT.UNEXPECTED;
}

/** `UNAUTHENTICATED` for 16, and so on. */
export function rpcCodeName(code: number): string {
  for (const [name, v] of Object.entries(RPC)) if (v.code === code) return name;
  return `code ${code}`;
}

/** A problem with the command line itself (exit status 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
