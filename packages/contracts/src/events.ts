import { z } from 'zod';
import { InstantBound, Rfc3339 } from './timestamp.js';
import { Uuid } from './token.js';

/**
 * What the audit trail records: a token issued; revoked one at a time, by filter or by
 * leaked value; a listing of the tokens (one per walk: the request that took its
 * snapshot); a retention purge.
 */
export const EVENT_TYPES = [
  'TOKEN_ISSUED',
  'TOKEN_REVOKED',
  'TOKENS_REVOKED_BY_FILTER',
  'TOKENS_REVOKED_LEAKED',
  'TOKENS_LISTED',
  'TOKENS_PURGED',
] as const;
export const EventType = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventType>;

/** The most events a page of the audit trail holds. */
export const MAX_EVENT_PAGE_SIZE = 100;
export const DEFAULT_EVENT_PAGE_SIZE = 50;
/** An event lists at most this many of the tokens it touched; `token_count` says how many in all. */
export const EVENT_TOKEN_IDS_SHOWN = 100;
/** An API client id, as the list and the audit trail filter by it. */
export const ClientId = z.string().min(1).max(256);

/** `GET /v1/iam/oauth/token-events`: the audit trail of the caller's entity, newest first, one page at a time. */
export const ListTokenEventsInput = z
  .object({
    page_size: z.number().int().min(1).max(MAX_EVENT_PAGE_SIZE).default(DEFAULT_EVENT_PAGE_SIZE),
    /** Opaque: `next_page_token` of the previous page, with the same filters. */
    page_token: z.string().min(1).max(1024).optional(),
    token_id: Uuid.optional(),
    actor_token_id: Uuid.optional(),
    actor_client_id: ClientId.optional(),
    actor_user_id: Uuid.optional(),
    type: z.array(EventType).min(1).max(EVENT_TYPES.length).optional(),
    occurred_after: InstantBound.optional(),
    occurred_before: InstantBound.optional(),
  })
  .strict();
export type ListTokenEventsRequest = z.input<typeof ListTokenEventsInput>;
export type ListTokenEventsInput = z.output<typeof ListTokenEventsInput>;

export const EventActor = z
  .object({
    /** The token that acted (null for a sign-in, which no token made, and for the operator). */
    token_id: Uuid.nullable(),
    client_id: z.string().nullable(),
    user_id: Uuid.nullable(),
  })
  .strict();

export const TokenEvent = z
  .object({
    event_id: Uuid,
    type: EventType,
    occurred_at: Rfc3339,
    actor: EventActor,
    request_id: z.string().nullable(),
    reason: z.string().nullable(),
    /** How many tokens the event touched. */
    token_count: z.number().int().min(0),
    /** The first of them (by token_id), at most EVENT_TOKEN_IDS_SHOWN. */
    token_ids: z.array(Uuid),
    /** What was asked (filters, snapshot); never a secret. */
    details: z.record(z.string(), z.unknown()).nullable(),
    /** False while a revocation by filter is still running. */
    completed: z.boolean(),
  })
  .strict();
export type TokenEvent = z.infer<typeof TokenEvent>;

export const ListTokenEventsResponse = z.object({ events: z.array(TokenEvent), next_page_token: z.string().nullable() }).strict();
export type ListTokenEventsResponse = z.infer<typeof ListTokenEventsResponse>;
