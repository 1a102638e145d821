import { z } from 'zod';
import { ListTokensInput } from './list.js';
import { Rfc3339, Timestamp } from './timestamp.js';
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

/**
 * The list's filters: every parameter of the list but paging (its page token included: a
 * revocation by filter pages its revoked ids with a token of its own) and order.
 */
export const TokenFilterFields = ListTokensInput.omit({ page_params: true, order_params: true, page_token: true });
/** The filters as the operations read them (time bounds in µs, statuses by their short names). */
export type TokenFilterInput = z.output<typeof TokenFilterFields>;
/** The filters as a caller writes them (time bounds as RFC 3339 text). */
export type TokenFilterRequest = z.input<typeof TokenFilterFields>;

/** Revoked ids per answer of a revocation by filter, at most; a dry run shows this many of the ids it would revoke. */
export const MAX_REVOKED_PAGE = 1000;
export const DRY_RUN_SAMPLE = 100;
/** A caller's idempotency key: one revocation per key and entity, retried safely. */
export const IdempotencyKey = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/);

/**
 * `POST /v1/iam/oauth/tokens:revoke`: revoke every token the list's filters select at a
 * snapshot (not the ones issued after it), or, with `dry_run`, only count them. A real run
 * needs a `reason` and an `idempotency_key`; the same key with the same request answers
 * the same revocation (and pages its ids with `page_token`), never a second one.
 */
export const RevokeByFilterInput = TokenFilterFields.extend({
  /** The snapshot: the one of a dry run (or of a listing) to revoke exactly what it showed; a new one when absent. */
  first_request_timestamp: Timestamp.optional(),
  dry_run: z.boolean().default(false),
  reason: Reason.optional(),
  idempotency_key: IdempotencyKey.optional(),
  page_size: z.number().int().min(1).max(MAX_REVOKED_PAGE).default(MAX_REVOKED_PAGE),
  /** The `next_page_token` of the previous answer (with the same request): the next revoked ids. */
  page_token: z.string().min(1).max(1024).optional(),
}).strict();
export type RevokeByFilterRequest = z.input<typeof RevokeByFilterInput>;
export type RevokeByFilterInput = z.output<typeof RevokeByFilterInput>;

export const RevokeByFilterResponse = z
  .object({
    dry_run: z.boolean(),
    /** The snapshot the filters were applied at (send it back to revoke what a dry run counted). */
    snapshot: Rfc3339,
    /** Dry run: the tokens it would revoke (selected and not revoked yet). Else: revoked by this revocation so far. */
    matched: z.number().int().min(0),
    revoked: z.number().int().min(0),
    /** Dry run: the first ids it would revoke (token_id order). Else: a page of the revoked ids (token_id order). */
    token_ids: z.array(Uuid),
    /** The TOKENS_REVOKED_BY_FILTER event (null on a dry run). */
    event_id: Uuid.nullable(),
    /** False while another request with the same key is still revoking. */
    completed: z.boolean(),
    next_page_token: z.string().nullable(),
  })
  .strict();
export type RevokeByFilterResponse = z.infer<typeof RevokeByFilterResponse>;
