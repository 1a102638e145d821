import type { IntrospectionResponse } from '@tokenwarden/contracts';
import type { Principal } from '../auth.js';
import type { Deps } from '../context.js';
import { visibleTokenByValue } from './token-by-value.js';

const SECOND = 1_000_000;

/** All that is said of a token introspection does not confirm, whatever the reason. */
const INACTIVE: IntrospectionResponse = Object.freeze({ active: false });

/**
 * RFC 7662: what a token is, if it is active, of the principal's entity and visible to the
 * principal; otherwise `{"active":false}` and nothing more, whether the token is unknown,
 * malformed, expired, revoked, another entity's or another user's. Introspecting is no use
 * of the token: its `last_used_at` stays as it was.
 */
export async function introspect(deps: Deps, principal: Principal, raw: string): Promise<IntrospectionResponse> {
  const token = await visibleTokenByValue(deps, principal, raw);
  if (!token || token.revokedAt !== null || token.expiresAt <= deps.clock.nowMicros()) return INACTIVE;
  return {
    active: true,
    scope: token.scopes.join(' '),
    client_id: token.clientId,
    token_type: 'Bearer',
    exp: Math.floor(token.expiresAt / SECOND),
    iat: Math.floor(token.createdAt / SECOND),
    sub: token.userId ?? token.clientId,
    jti: token.tokenId,
    token_id: token.tokenId,
    grant_flow: token.grantFlow,
    roles: [...token.roles],
    account_id: token.accountId,
    user_id: token.userId,
  };
}
