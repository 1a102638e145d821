import { accessTokenFormat } from '@tokenwarden/contracts';
import type { TokenRecord } from '@tokenwarden/db';
import { sees, type Principal } from '../auth.js';
import type { Deps } from '../context.js';
import { hashAccessToken } from '../token-secrets.js';

/**
 * The token whose raw value this is, if the principal may see it (RFC 7662 and RFC 7009
 * name tokens by value). Looked up within the principal's entity only, so a token of
 * another entity is exactly as absent as a random string; a malformed value (a wrong
 * checksum included) is looked up nowhere.
 */
export async function visibleTokenByValue(deps: Deps, principal: Principal, raw: string): Promise<TokenRecord | undefined> {
  if (accessTokenFormat(raw) === 'malformed') return undefined;
  const token = await deps.tokens.getByHash(principal.entityPk, hashAccessToken(raw));
  return token && sees(principal, token) ? token : undefined;
}
