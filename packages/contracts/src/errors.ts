import { z } from 'zod';

/** google.rpc.Code values the API answers with, and the HTTP status gRPC-gateway maps each to. */
export const RPC = {
  INVALID_ARGUMENT: { code: 3, http: 400 },
  NOT_FOUND: { code: 5, http: 404 },
  PERMISSION_DENIED: { code: 7, http: 403 },
  RESOURCE_EXHAUSTED: { code: 8, http: 413 },
  /** RESOURCE_EXHAUSTED as gRPC-gateway answers a quota: too many attempts, retry later. */
  RATE_LIMITED: { code: 8, http: 429 },
  FAILED_PRECONDITION: { code: 9, http: 409 },
  UNIMPLEMENTED: { code: 12, http: 405 },
  INTERNAL: { code: 13, http: 500 },
  UNAVAILABLE: { code: 14, http: 503 },
  UNAUTHENTICATED: { code: 16, http: 401 },
} as const;
export type RpcStatus = keyof typeof RPC;

export const FieldViolation = z.object({ field: z.string(), description: z.string() }).strict();
export type FieldViolation = z.infer<typeof FieldViolation>;

/** The RFC 6749 section 5.2 error codes the OAuth endpoints answer with, beside the google.rpc.Status. */
export const OAUTH_ERRORS = ['invalid_request', 'invalid_client', 'invalid_grant', 'unsupported_grant_type', 'invalid_scope'] as const;
export const OAuthError = z.enum(OAUTH_ERRORS);
export type OAuthError = z.infer<typeof OAuthError>;

/** What RFC 6749 allows in `error_description`: printable ASCII but `"` and `\`. */
export const OAUTH_DESCRIPTION_PATTERN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * The error body of every failed call: google.rpc.Status as gRPC-gateway writes it. The
 * OAuth endpoints (issuance, introspection, RFC 7009 revocation) add the RFC 6749 `error`
 * and `error_description` to their 400 and 401 answers, so OAuth client libraries read them.
 */
export const ErrorBody = z
  .object({
    code: z.number().int(),
    message: z.string(),
    details: z.array(FieldViolation),
    error: OAuthError.optional(),
    error_description: z.string().regex(OAUTH_DESCRIPTION_PATTERN).optional(),
  })
  .strict();
export type ErrorBody = z.infer<typeof ErrorBody>;
