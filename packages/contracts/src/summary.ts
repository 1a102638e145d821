import { z } from 'zod';
import { GrantFlow } from './enums.js';
import { Rfc3339, Timestamp } from './timestamp.js';

/** The summary's windows: creations per UTC day over this many days, expiries over this many days, idle after this many. */
export const SUMMARY_CREATED_DAYS = 30;
export const SUMMARY_EXPIRING_DAYS = 7;
export const SUMMARY_IDLE_DAYS = 30;

/** `GET /v1/iam/oauth/tokens:summary`: at a snapshot (the list's `first_request_timestamp`), or a new one. */
export const TokenSummaryInput = z.object({ first_request_timestamp: Timestamp.optional() }).strict();
export type TokenSummaryRequest = z.input<typeof TokenSummaryInput>;

const Count = z.number().int().min(0);

/**
 * An overview of the caller's visible tokens at one snapshot S. "Active" means created at
 * or before S, expiring after S and not revoked at S.
 */
export const TokenSummary = z
  .object({
    /** The snapshot the figures are of: the one given, or the new one taken. */
    first_request_timestamp: Rfc3339,
    active: z
      .object({
        total: Count,
        /** Every grant flow, in enum order, zeros included. */
        by_grant_flow: z.array(z.object({ grant_flow: GrantFlow, count: Count }).strict()),
        /** Each role some active token carries, most tokens first (a token counts for each of its roles). */
        by_role: z.array(z.object({ role: z.string(), count: Count }).strict()),
        /** Never used to authenticate. */
        never_used: Count,
        /** Used, but not in the 30 days before the snapshot. */
        unused_30_days: Count,
      })
      .strict(),
    /** Tokens created per UTC day, the 30 days up to the snapshot's, oldest first (the last one up to the snapshot). */
    created_per_day: z.array(z.object({ day: z.iso.date(), count: Count }).strict()),
    /** Active tokens expiring per 24 hours after the snapshot, 7 windows: (from, to]. */
    expiring_next_7_days: z.array(z.object({ from: Rfc3339, to: Rfc3339, count: Count }).strict()),
  })
  .strict();
export type TokenSummary = z.infer<typeof TokenSummary>;
