import type { RevokeOutcome, TokenRecord } from '@tokenwarden/db';
import { sees, type Principal } from '../auth.js';
import type { Deps } from '../context.js';

/**
 * Revokes a token the principal may see (see `sees`) and logs it: the one path of
 * `DELETE /v1/iam/oauth/tokens/{token_id}` and of RFC 7009 revocation. A token it may
 * not see, or none, is `not_found`, as one that does not exist; the store's revocation is
 * scoped to the principal's entity besides.
 */
export async function revokeVisibleToken(deps: Deps, principal: Principal, token: TokenRecord | undefined): Promise<RevokeOutcome> {
  if (!token || !sees(principal, token)) return 'not_found';
  const outcome = await deps.tokens.revoke(principal.entityPk, token.tokenId, deps.clock.nowMicros());
  if (outcome === 'revoked') deps.log.info({ event: 'token.revoked', token_id: token.tokenId, by: principal.tokenId }, 'token revoked');
  return outcome;
}
