import type { Context } from '../context.js';
import { type ApiError, asTRPCError, domainError, type OAuthFault } from '../errors.js';

/**
 * What an OAuth endpoint (the RFC 6749 token endpoint, RFC 7662 introspection, RFC 7009
 * revocation) adds to an operation. Both transports apply it the same way: REST around
 * reading the request and invoking the operation, tRPC in a middleware around input
 * validation and the procedure.
 */
export interface OAuthEndpoint {
  /**
   * The input from the raw one (the body, or the tRPC input) and the request, before it
   * is validated: e.g. client credentials from an HTTP Basic header. Runs after empty
   * parameters are dropped.
   */
  input?(raw: unknown, ctx: Context): unknown;
  /**
   * The RFC 6749 section 5.2 reading of an error the call ends with, validation errors
   * included, given the raw input; undefined leaves it a plain google.rpc error (a 429, a
   * 503, a bearer token's 401). An error raised with its own fault keeps it.
   */
  fault(error: ApiError, raw: unknown): OAuthFault | undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The endpoint's input before validation. "Parameters sent without a value MUST be treated
 * as if they were omitted from the request" (RFC 6749 section 3.2): `scope=` is no scope
 * asked for, `client_secret=` a missing secret.
 */
export function oauthInput(endpoint: OAuthEndpoint, raw: unknown, ctx: Context): unknown {
  const params = isRecord(raw) ? Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== '')) : raw;
  return endpoint.input ? endpoint.input(params, ctx) : params;
}

/** An error of the endpoint as it answers it: with its OAuth error code when it has one, else unchanged. */
export function oauthFailure(endpoint: OAuthEndpoint, error: unknown, raw: unknown): unknown {
  const domain = domainError(error);
  const fault = domain && (domain.oauth ?? endpoint.fault(domain, raw));
  return domain && fault ? asTRPCError(domain.withOAuth(fault)) : error;
}

/** The raw input's field, when the raw input is an object (a grant_type sent, say). */
export const rawField = (raw: unknown, field: string): unknown => (isRecord(raw) ? raw[field] : undefined);

/** Introspection and RFC 7009 revocation: a bad request is `invalid_request`; the bearer token's own 401 stays RFC 6750's. */
export const invalidRequestOnly: OAuthEndpoint = {
  fault: (error) => (error.status === 'INVALID_ARGUMENT' ? { error: 'invalid_request' } : undefined),
};
