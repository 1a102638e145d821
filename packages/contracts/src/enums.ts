import { z } from 'zod';

/** Grant flows, in protobuf enum order (ordering by `grant_flow` follows this order). */
export const GRANT_FLOWS = ['GRANT_FLOW_CLIENT_CREDENTIALS', 'GRANT_FLOW_PASSWORD', 'GRANT_FLOW_ENTITY_SETUP', 'GRANT_FLOW_LOGIN'] as const;
export const GrantFlow = z.enum(GRANT_FLOWS);
export type GrantFlow = z.infer<typeof GrantFlow>;

export const TOKEN_STATUSES = ['TOKEN_STATUS_ACTIVE', 'TOKEN_STATUS_EXPIRED', 'TOKEN_STATUS_REVOKED'] as const;
export const TokenStatus = z.enum(TOKEN_STATUSES);
export type TokenStatus = z.infer<typeof TokenStatus>;

export const ORDER_KEYS = ['created_at', 'expires_at', 'last_used_at', 'token_id', 'user_id', 'account_id', 'grant_flow'] as const;
export const OrderKey = z.enum(ORDER_KEYS);
export type OrderKey = z.infer<typeof OrderKey>;

export const ORDER_DIRECTIONS = ['ASC', 'DESC', 'ORDER_DIRECTION_ENUM_UNSPECIFIED'] as const;
export const OrderDirection = z.enum(ORDER_DIRECTIONS);
export type OrderDirection = z.infer<typeof OrderDirection>;

/** `ORDER_DIRECTION_ENUM_UNSPECIFIED` means the default direction, DESC. */
export function effectiveDirection(direction: OrderDirection): 'ASC' | 'DESC' {
  return direction === 'ASC' ? 'ASC' : 'DESC';
}
