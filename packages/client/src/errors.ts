import { OAUTH_ERRORS, RPC, type ErrorBody, type FieldViolation, type OAuthError } from '@tokenwarden/contracts';

/** google.rpc codes the client itself assigns when no server answered with one. */
const UNAVAILABLE = RPC.UNAVAILABLE.code;
const INTERNAL = RPC.INTERNAL.code;
const UNKNOWN = 2;

/** The google.rpc code gRPC-gateway maps each HTTP status from. */
function codeForStatus(status: number): number {
  for (const { code, http } of Object.values(RPC)) if (http === status) return code;
  return status >= 500 ? INTERNAL : UNKNOWN;
}

export interface TokenwardenErrorInit {
  /** HTTP status of the answer; 0 when no answer came (network failure, aborted). */
  status: number;
  /** google.rpc code (3 INVALID_ARGUMENT, 16 UNAUTHENTICATED, …). */
  code: number;
  message: string;
  details?: FieldViolation[];
  /** The RFC 6749 error code the OAuth endpoints add (`invalid_client`, `invalid_grant`, …). */
  oauthError?: OAuthError;
  cause?: unknown;
}

/**
 * The one error every call of the client throws: the server's google.rpc.Status (code,
 * localized message, field violations) with the HTTP status, or status 0 for a network
 * failure. Never carries the access token.
 */
export class TokenwardenError extends Error {
  readonly status: number;
  readonly code: number;
  readonly details: FieldViolation[];
  /** The OAuth endpoints' RFC 6749 error code (issuance, introspection, RFC 7009 revocation); undefined elsewhere. */
  readonly oauthError: OAuthError | undefined;

  constructor(init: TokenwardenErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'TokenwardenError';
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? [];
    this.oauthError = init.oauthError;
  }

  /** No HTTP answer at all: connection refused, DNS, reset, aborted. */
  get isNetworkError(): boolean {
    return this.status === 0;
  }

  /** 401 or 403: the credentials are missing, bad, or not allowed this. */
  get isAuthError(): boolean {
    return this.status === 401 || this.status === 403;
  }

  /** Whether trying the same idempotent call again may succeed (5xx or no answer). */
  get isTransient(): boolean {
    return this.status === 0 || this.status >= 500;
  }

  /** The google.rpc.Status body, as the REST API answers it (with the OAuth code where it has one). */
  toJSON(): ErrorBody & { status: number } {
    const body = { status: this.status, code: this.code, message: this.message, details: this.details };
    return this.oauthError === undefined ? body : { ...body, error: this.oauthError };
  }

  /** From a google.rpc.Status body (REST, or tRPC's `error.data.rpc`) and its HTTP status. */
  static fromBody(status: number, body: unknown, cause?: unknown): TokenwardenError {
    if (isErrorBody(body)) {
      const oauthError = (OAUTH_ERRORS as readonly unknown[]).includes(body.error) ? body.error : undefined;
      return new TokenwardenError({ status, code: body.code, message: body.message, details: body.details, oauthError, cause });
    }
    return new TokenwardenError({ status, code: codeForStatus(status), message: `HTTP ${status}`, cause });
  }

  /** A failure with no HTTP answer. */
  static network(cause: unknown): TokenwardenError {
    const reason = cause instanceof Error ? describeCause(cause) : String(cause);
    return new TokenwardenError({ status: 0, code: UNAVAILABLE, message: `network error: ${reason}`, cause });
  }
}

function describeCause(error: Error): string {
  // undici's "fetch failed" hides the useful part (ECONNREFUSED, ENOTFOUND) in its cause.
  const inner = error.cause;
  if (inner instanceof Error && inner.message && inner.message !== error.message) return `${error.message} (${inner.message})`;
  return error.message;
}

export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'number' && typeof v.message === 'string' && Array.isArray(v.details);
}

/**
 * Thrown by the client's fetch wrapper for an answer that is not JSON (an HTML 502 from a
 * proxy), so its HTTP status survives the tRPC link, which would only see a parse error.
 */
export class NonJsonResponseError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status} with a non-JSON body`);
    this.name = 'NonJsonResponseError';
  }
}
