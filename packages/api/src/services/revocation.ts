import type { RevokeOutcome, TokenRecord } from '@tokenwarden/db';
import { sees, type Principal } from '../auth.js';
import type { Context } from '../context.js';
import { eventBy } from './audit.js';

/**
 * Revokes a token the principal may see (see `sees`), records it in the audit trail and logs it: the one path of
 * `DELETE /v1/iam/oauth/tokens/{token_id}` and of RFC 7009 revocation. A token it may
 * not see, or none, is `not_found`, as one that does not exist; the store's revocation is
 * scoped to the principal's entity besides.
 */
export async function revokeVisibleToken(
  ctx: Context,
  principal: Principal,
  token: TokenRecord | undefined,
  reason: string | null = null,
): Promise<RevokeOutcome> {
  const { deps } = ctx;
  if (!token || !sees(principal, token)) return 'not_found';
  // The revocation, its time (the store's clock), its actor and reason, and its event: one transaction.
  const outcome = await deps.tokens.revoke(principal.entityPk, token.tokenId, eventBy(ctx, principal, reason));
  if (outcome === 'revoked') deps.log.info({ event: 'token.revoked', token_id: token.tokenId, by: principal.tokenId }, 'token revoked');
  return outcome;
}
