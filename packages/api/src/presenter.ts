import { formatMicros, type Micros, type Token } from '@tokenwarden/contracts';
import type { TokenRecord } from '@tokenwarden/db';

/**
 * The public view of a token at `now`: never its hash, never its raw value. The role and
 * scope lists are the record's own, shared with every token of the same grant set and
 * frozen, so the view is only ever serialized, never changed (hence the casts: the
 * contract's arrays are mutable in type only).
 */
export function presentToken(t: TokenRecord, now: Micros): Token {
  const expired = t.expiresAt <= now;
  return {
    token_id: t.tokenId,
    client_id: t.clientId,
    account_id: t.accountId,
    user_id: t.userId,
    grant_flow: t.grantFlow,
    roles: t.roles as string[],
    scopes: t.scopes as string[],
    created_at: formatMicros(t.createdAt),
    expires_at: formatMicros(t.expiresAt),
    expires_in: expired ? 0 : Math.floor((t.expiresAt - now) / 1_000_000),
    revoked_at: t.revokedAt === null ? null : formatMicros(t.revokedAt),
    revoked_by: t.revokedBy,
    revoke_reason: t.revokeReason,
    status: t.revokedAt !== null ? 'TOKEN_STATUS_REVOKED' : expired ? 'TOKEN_STATUS_EXPIRED' : 'TOKEN_STATUS_ACTIVE',
    last_used_at: t.lastUsedAt === null ? null : formatMicros(t.lastUsedAt),
    last_used_ip: t.lastUsedIp,
    last_used_user_agent: t.lastUsedUserAgent,
  };
}
