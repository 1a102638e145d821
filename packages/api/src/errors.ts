import { TRPCError } from '@trpc/server';
import {
  describeViolation,
  RPC,
  translate,
  violationsFromZod,
  type ErrorBody,
  type Lang,
  type MessageKey,
  type OAuthError,
  type RpcStatus,
  type Violation,
} from '@tokenwarden/contracts';
import { StoreUnavailableError } from '@tokenwarden/db';
import { ZodError } from 'zod';

/** How an OAuth endpoint answers an error beside its google.rpc.Status (RFC 6749 section 5.2). */
export interface OAuthFault {
  error: OAuthError;
  /**
   * The client authenticated with HTTP Basic, so an `invalid_client` 401 challenges for
   * Basic; a client that authenticated in the body gets no challenge (and never a Bearer one).
   */
  basic?: boolean;
}

/** A domain error: a google.rpc status plus what to tell the caller (localized late). */
export class ApiError extends Error {
  constructor(
    readonly status: RpcStatus,
    readonly messageKey: MessageKey | undefined,
    readonly violations: Violation[] = [],
    readonly params: Record<string, string> = {},
    /** Set only by the OAuth endpoints; every other error body stays a plain google.rpc.Status. */
    readonly oauth?: OAuthFault,
  ) {
    super(messageKey ?? violations[0]?.field ?? status);
    this.name = 'ApiError';
  }

  static invalid(violations: Violation[], oauth?: OAuthFault): ApiError {
    return new ApiError('INVALID_ARGUMENT', undefined, violations, {}, oauth);
  }

  /** The same error, answered the OAuth way. */
  withOAuth(oauth: OAuthFault): ApiError {
    return new ApiError(this.status, this.messageKey, this.violations, this.params, oauth);
  }
}

const TRPC_CODE: Record<RpcStatus, TRPCError['code']> = {
  INVALID_ARGUMENT: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  PERMISSION_DENIED: 'FORBIDDEN',
  RESOURCE_EXHAUSTED: 'PAYLOAD_TOO_LARGE',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  FAILED_PRECONDITION: 'CONFLICT',
  UNIMPLEMENTED: 'METHOD_NOT_SUPPORTED',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  UNAUTHENTICATED: 'UNAUTHORIZED',
};

/** A domain error as tRPC carries it: the domain error is its cause. */
export function asTRPCError(cause: ApiError): TRPCError {
  return new TRPCError({ code: TRPC_CODE[cause.status], message: cause.message, cause });
}

/** Raises a domain error through tRPC, keeping the domain error as its cause. */
export function fail(status: RpcStatus, messageKey?: MessageKey, violations: Violation[] = [], params: Record<string, string> = {}): never {
  throw asTRPCError(new ApiError(status, messageKey, violations, params));
}

export interface DescribedError {
  httpStatus: number;
  body: ErrorBody;
  /** RFC 6750 challenge for 401 answers. */
  wwwAuthenticate?: string;
  /** Whether this is a fault of ours (logged with its stack, never shown). */
  internal: boolean;
  /** Seconds after which a retry may succeed (503 answers: `Retry-After`). */
  retryAfter?: number;
}

/** How long a caller should wait before retrying while the database is away. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

/** The domain error an error is (or carries), if any: what the caller is told. */
export function domainError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof StoreUnavailableError) return new ApiError('UNAVAILABLE', 'database.unavailable');
  if (error instanceof TRPCError) {
    if (error.cause instanceof ApiError) return error.cause;
    if (error.cause instanceof StoreUnavailableError) return new ApiError('UNAVAILABLE', 'database.unavailable');
    if (error.cause instanceof ZodError) return ApiError.invalid(violationsFromZod(error.cause));
    if (error.code === 'NOT_FOUND') return new ApiError('NOT_FOUND', 'not_found.route');
    if (error.code === 'METHOD_NOT_SUPPORTED') return new ApiError('UNIMPLEMENTED', 'method.not_allowed');
    if (error.code === 'PAYLOAD_TOO_LARGE') return new ApiError('RESOURCE_EXHAUSTED', 'body.too_large');
    // tRPC refuses a POST body it cannot read (no or a wrong content type) before any procedure.
    if (error.code === 'UNSUPPORTED_MEDIA_TYPE') return ApiError.invalid([{ field: 'body', reason: 'malformed_body' }]);
    if (error.code === 'BAD_REQUEST' || error.code === 'PARSE_ERROR') {
      return ApiError.invalid([{ field: 'body', reason: 'malformed_body' }]);
    }
  }
  return undefined;
}

/**
 * The one mapping from any error to what a caller sees: HTTP status, google.rpc.Status
 * body in the caller's language, and the RFC 6750 challenge on 401. Anything that is
 * not a domain error is an INTERNAL error whose details never leave the server.
 */
export function describeError(error: unknown, lang: Lang): DescribedError {
  const domain = domainError(error);
  if (!domain) {
    return {
      httpStatus: RPC.INTERNAL.http,
      body: { code: RPC.INTERNAL.code, message: translate(lang, 'internal'), details: [] },
      internal: true,
    };
  }
  const { code, http } = RPC[domain.status];
  const details = domain.violations.map((v) => ({ field: v.field, description: describeViolation(v, lang) }));
  const first = details[0];
  const message = domain.messageKey
    ? translate(lang, domain.messageKey, domain.params)
    : first
      ? `${first.field} ${first.description}`
      : translate(lang, 'internal');
  const body: ErrorBody = { code, message, details };
  if (domain.oauth) {
    body.error = domain.oauth.error;
    body.error_description = oauthDescription(message);
  }
  const described: DescribedError = { httpStatus: http, body, internal: false };
  if (domain.status === 'UNAVAILABLE') described.retryAfter = UNAVAILABLE_RETRY_AFTER_SECONDS;
  if (domain.status === 'RATE_LIMITED') described.retryAfter = Number(domain.params.retry_after ?? 1);
  if (domain.oauth?.error === 'invalid_client') {
    if (domain.oauth.basic) described.wwwAuthenticate = 'Basic realm="tokenwarden"';
  } else if (domain.status === 'UNAUTHENTICATED') {
    const scope = domain.params.scope;
    described.wwwAuthenticate =
      domain.messageKey === 'auth.missing'
        ? 'Bearer realm="tokenwarden"'
        : scope
          ? `Bearer realm="tokenwarden", error="insufficient_scope", scope="${scope}"`
          : 'Bearer realm="tokenwarden", error="invalid_token"';
  }
  return described;
}

/**
 * A message as RFC 6749 allows an `error_description`: printable ASCII without `"` and `\`.
 * Accents are dropped (`válidas` → `validas`), so a Spanish message stays readable.
 */
function oauthDescription(message: string): string {
  return message
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '');
}
