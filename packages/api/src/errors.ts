import { TRPCError } from '@trpc/server';
import {
  describeViolation,
  RPC,
  translate,
  violationsFromZod,
  type ErrorBody,
  type Lang,
  type MessageKey,
  type RpcStatus,
  type Violation,
} from '@tokenwarden/contracts';
import { StoreUnavailableError } from '@tokenwarden/db';
import { ZodError } from 'zod';

/** A domain error: a google.rpc status plus what to tell the caller (localized late). */
export class ApiError extends Error {
  constructor(
    readonly status: RpcStatus,
    readonly messageKey: MessageKey | undefined,
    readonly violations: Violation[] = [],
    readonly params: Record<string, string> = {},
  ) {
    super(messageKey ?? violations[0]?.field ?? status);
    this.name = 'ApiError';
  }

  static invalid(violations: Violation[]): ApiError {
    return new ApiError('INVALID_ARGUMENT', undefined, violations);
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

/** Raises a domain error through tRPC, keeping the domain error as its cause. */
export function fail(status: RpcStatus, messageKey?: MessageKey, violations: Violation[] = [], params: Record<string, string> = {}): never {
  const cause = new ApiError(status, messageKey, violations, params);
  throw new TRPCError({ code: TRPC_CODE[status], message: cause.message, cause });
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

function domainError(error: unknown): ApiError | undefined {
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
  const described: DescribedError = { httpStatus: http, body: { code, message, details }, internal: false };
  if (domain.status === 'UNAVAILABLE') described.retryAfter = UNAVAILABLE_RETRY_AFTER_SECONDS;
  if (domain.status === 'RATE_LIMITED') described.retryAfter = Number(domain.params.retry_after ?? 1);
  if (domain.status === 'UNAUTHENTICATED') {
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
