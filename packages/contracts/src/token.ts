import { z } from 'zod';
import { GrantFlow, TokenStatus } from './enums.js';
import { Rfc3339 } from './timestamp.js';

/** UUIDs are accepted in any version and case; the product compares them lower-cased. */
export const Uuid = z.guid();

/**
 * A revoke reason: free text an auditor writes, kept with the token and its event. Any
 * character but NUL, which no PostgreSQL text can hold (a 400 here, not a store error).
 */
export const MAX_REASON_LENGTH = 500;
export const Reason = z
  .string()
  .trim()
  .min(1)
  .max(MAX_REASON_LENGTH)
  .refine((s) => !s.includes('\u0000'), 'no NUL character');

export const Token = z
  .object({
    token_id: Uuid,
    client_id: z.string(),
    account_id: Uuid.nullable(),
    user_id: Uuid.nullable(),
    grant_flow: GrantFlow,
    roles: z.array(z.string()),
    scopes: z.array(z.string()),
    created_at: Rfc3339,
    expires_at: Rfc3339,
    expires_in: z.number().int().min(0),
    revoked_at: Rfc3339.nullable(),
    /** The token_id of the token that revoked it (null: not revoked, or by the operator). */
    revoked_by: Uuid.nullable(),
    revoke_reason: z.string().nullable(),
    status: TokenStatus,
    last_used_at: Rfc3339.nullable(),
    /** Where the last recorded use came from: the peer's address and its User-Agent. */
    last_used_ip: z.string().nullable(),
    last_used_user_agent: z.string().nullable(),
  })
  .strict();
export type Token = z.infer<typeof Token>;

export const TokenIdInput = z.object({ token_id: Uuid }).strict();
export type TokenIdInput = z.infer<typeof TokenIdInput>;

/** Revoke: the path id, and the optional body whose token_id must equal it, with the reason recorded with the revocation. */
export const RevokeTokenInput = z
  .object({ token_id: Uuid, body: z.object({ token_id: Uuid.optional(), reason: Reason.optional() }).strict().optional() })
  .strict();
export type RevokeTokenInput = z.infer<typeof RevokeTokenInput>;

export const RevokeTokenResponse = z.object({}).strict();
