import { z } from 'zod';
import { GrantFlow, OrderDirection, OrderKey, TOKEN_STATUSES } from './enums.js';
import { MAX_SECRET_LENGTH, SCOPE_PATTERN } from './issue.js';
import { InstantBound, Rfc3339, Timestamp } from './timestamp.js';
import { Token, Uuid } from './token.js';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 10;
/** page_number is an int32 in the protobuf contract. */
export const MAX_PAGE_NUMBER = 2_147_483_647;

export const ROLE_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
export const Role = z.string().regex(ROLE_PATTERN);

/** The statuses a list filters by; `status` also takes the output's names (`TOKEN_STATUS_ACTIVE`). */
export const STATUS_FILTERS = ['ACTIVE', 'EXPIRED', 'REVOKED'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];
/** One `status` value, either spelling, as its short name. */
export const StatusFilter = z.enum([...STATUS_FILTERS, ...TOKEN_STATUSES]).transform((v) => v.replace('TOKEN_STATUS_', '') as StatusFilter);
/** At most every spelling of every status once (repeats are harmless, an unbounded list is not). */
export const MAX_STATUS_VALUES = STATUS_FILTERS.length + TOKEN_STATUSES.length;

/** The longest scope the list filters by (a scope is a few dotted words; this bounds its wildcard candidates). */
export const MAX_SCOPE_FILTER_LENGTH = 256;
/** One scope in the syntax tokens carry: dotted segments, `*` only as the whole last one. */
export const ScopeFilter = z.string().max(MAX_SCOPE_FILTER_LENGTH).regex(SCOPE_PATTERN);

export const PageParams = z
  .object({
    page_size: z.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
    // No schema default: a page_token and a page_number are exclusive, so the operation must
    // tell a page_number sent from none. Absent, it is 1 (the document says so).
    page_number: z.number().int().min(1).max(MAX_PAGE_NUMBER).optional().meta({ default: 1 }),
    first_request_timestamp: Timestamp.optional(),
  })
  .strict();

export const OrderParams = z
  .object({
    order_key: OrderKey.default('created_at'),
    order_direction: OrderDirection.default('DESC'),
  })
  .strict();

export const ListTokensInput = z
  .object({
    page_params: PageParams.default({ page_size: DEFAULT_PAGE_SIZE }),
    order_params: OrderParams.default({ order_key: 'created_at', order_direction: 'DESC' }),
    /** Opaque: a `next_page_token` of an earlier answer, sent with the same other parameters. */
    page_token: z.string().min(1).max(1024).optional(),
    account_id: Uuid.optional(),
    user_id: Uuid.optional(),
    grant_flow: GrantFlow.optional(),
    role: Role.optional(),
    /** Status at the snapshot (repeatable: any of them). */
    status: z.array(StatusFilter).min(1).max(MAX_STATUS_VALUES).optional(),
    /** As long as issuance accepts a client_id. */
    client_id: z.string().min(1).max(MAX_SECRET_LENGTH).optional(),
    /** Tokens whose scopes grant this one (wildcards included). */
    scope: ScopeFilter.optional(),
    created_after: InstantBound.optional(),
    created_before: InstantBound.optional(),
    expires_after: InstantBound.optional(),
    expires_before: InstantBound.optional(),
    /** Tokens used at least once, last at or after this instant. */
    last_used_after: InstantBound.optional(),
    /** Tokens used at least once, last before this instant. */
    last_used_before: InstantBound.optional(),
    /** true: tokens never used; false: tokens used at least once. */
    never_used: z.boolean().optional(),
  })
  .strict();
/** The time bounds among the filters: RFC 3339 text as a caller writes them, µs as the operations read them. */
export const TIME_FILTERS = ['created_after', 'created_before', 'expires_after', 'expires_before', 'last_used_after', 'last_used_before'] as const;
export type TimeFilter = (typeof TIME_FILTERS)[number];

/** What a caller sends (everything optional). */
export type ListTokensRequest = z.input<typeof ListTokensInput>;
/** What the server works with (defaults applied). */
export type ListTokensInput = z.output<typeof ListTokensInput>;

export const PaginationInfo = z
  .object({
    total_elements: z.number().int().min(0),
    total_pages: z.number().int().min(0),
    current_page: z.number().int().min(1),
    page_size: z.number().int().min(1),
    first_request_timestamp: Rfc3339,
    /** Opaque: send it back as `page_token` (with the same other parameters) for the next page; null on the last page. */
    next_page_token: z.string().nullable(),
  })
  .strict();
export type PaginationInfo = z.infer<typeof PaginationInfo>;

export const ListTokensResponse = z.object({ tokens: z.array(Token), pagination_info: PaginationInfo }).strict();
export type ListTokensResponse = z.infer<typeof ListTokensResponse>;
