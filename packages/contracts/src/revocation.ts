import { z } from 'zod';
import { Reason, Uuid } from './token.js';

/** A leak report holds at most this many strings (and fits the 64 KiB body limit: a token is 54 characters). */
export const MAX_LEAKED_TOKENS = 1000;

/** `POST /v1/iam/oauth/tokens:revoke-leaked`: raw token strings found where they should not be. */
export const RevokeLeakedInput = z
  .object({
    tokens: z.array(z.string().min(1).max(256)).min(1).max(MAX_LEAKED_TOKENS),
    reason: Reason.optional(),
  })
  .strict();
export type RevokeLeakedInput = z.infer<typeof RevokeLeakedInput>;

/**
 * What a leak report did, in the caller's entity only: a string that is another entity's
 * token counts as not matched, exactly like a string that is no token at all.
 */
export const RevokeLeakedResponse = z
  .object({
    /** Strings received. */
    submitted: z.number().int().min(0),
    /** Strings that are not shaped like a token (checked offline, never looked up). */
    malformed: z.number().int().min(0),
    /** Distinct tokens of the caller's entity among them. */
    matched: z.number().int().min(0),
    /** Of those, revoked now. */
    revoked: z.number().int().min(0),
    /** Of those, revoked before. */
    already_revoked: z.number().int().min(0),
    revoked_token_ids: z.array(Uuid),
    /** The TOKENS_REVOKED_LEAKED event that records the report. */
    event_id: Uuid,
  })
  .strict();
export type RevokeLeakedResponse = z.infer<typeof RevokeLeakedResponse>;
