import { z } from 'zod';
import { GrantFlow, OrderDirection, OrderKey } from './enums.js';
import { Rfc3339, Timestamp } from './timestamp.js';
import { Token, Uuid } from './token.js';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 10;
/** page_number is an int32 in the protobuf contract. */
export const MAX_PAGE_NUMBER = 2_147_483_647;

export const ROLE_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
export const Role = z.string().regex(ROLE_PATTERN);

export const PageParams = z
  .object({
    page_size: z.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
    page_number: z.number().int().min(1).max(MAX_PAGE_NUMBER).default(1),
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
    page_params: PageParams.default({ page_size: DEFAULT_PAGE_SIZE, page_number: 1 }),
    order_params: OrderParams.default({ order_key: 'created_at', order_direction: 'DESC' }),
    account_id: Uuid.optional(),
    user_id: Uuid.optional(),
    grant_flow: GrantFlow.optional(),
    role: Role.optional(),
  })
  .strict();
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
  })
  .strict();
export type PaginationInfo = z.infer<typeof PaginationInfo>;

export const ListTokensResponse = z.object({ tokens: z.array(Token), pagination_info: PaginationInfo }).strict();
export type ListTokensResponse = z.infer<typeof ListTokensResponse>;
