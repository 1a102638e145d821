import { accessTokenFormat, scopesGrant, type GrantFlow } from '@tokenwarden/contracts';
import type { TokenRecord } from '@tokenwarden/db';
import type { Context } from './context.js';
import { fail } from './errors.js';
import { hashAccessToken } from './token-secrets.js';

/** Who is calling: the token that authenticated, and what it may see. */
export interface Principal {
  entityPk: number;
  tokenPk: number;
  tokenId: string;
  clientId: string;
  grantFlow: GrantFlow;
  userId: string | null;
  roles: readonly string[];
  scopes: readonly string[];
  /** Client-credentials and entity-setup tokens, and user tokens with an admin role. */
  seesWholeEntity: boolean;
}

/**
 * Whether the principal may see (and so act on) a token: one of its own entity and, for a
 * user token without an admin role, one of its own user. The one rule of retrieval,
 * revocation and introspection.
 */
export function sees(principal: Principal, token: TokenRecord): boolean {
  return token.entityPk === principal.entityPk && (principal.seesWholeEntity || (principal.userId !== null && token.userId === principal.userId));
}

/**
 * Bearer token → format (a wrong checksum is refused here, without a database lookup) →
 * hash lookup → reject unknown, expired, revoked → scope check (wildcards). Every
 * rejection is 401 with an RFC 6750 challenge; none says which check failed beyond a
 * missing scope.
 */
export async function authenticate(ctx: Context, requiredScope: string): Promise<Principal> {
  const { deps, authorization } = ctx;
  if (!authorization) fail('UNAUTHENTICATED', 'auth.missing');
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  const raw = match?.[1];
  if (!raw || accessTokenFormat(raw) === 'malformed') fail('UNAUTHENTICATED', 'auth.invalid');
  const token = await deps.tokens.findByHash(hashAccessToken(raw));
  const now = deps.clock.nowMicros();
  if (!token || token.revokedAt !== null || token.expiresAt <= now) fail('UNAUTHENTICATED', 'auth.invalid');
  if (!scopesGrant(token.scopes, requiredScope)) fail('UNAUTHENTICATED', 'auth.scope', [], { scope: requiredScope });
  // Recorded at most once per granularity, with where the use came from; the row just read
  // says whether it is due, so most requests write nothing (the UPDATE's own condition
  // still guards races).
  const granularity = deps.config.lastUsedGranularitySeconds * 1_000_000;
  if (token.lastUsedAt === null || now - token.lastUsedAt >= granularity) {
    await deps.tokens.touchLastUsed(token.entityPk, token.pk, now, granularity, { ip: ctx.clientAddress || null, userAgent: ctx.userAgent });
  }
  const isUserToken = token.grantFlow === 'GRANT_FLOW_PASSWORD' || token.grantFlow === 'GRANT_FLOW_LOGIN';
  return {
    entityPk: token.entityPk,
    tokenPk: token.pk,
    tokenId: token.tokenId,
    clientId: token.clientId,
    grantFlow: token.grantFlow,
    userId: token.userId,
    roles: token.roles,
    scopes: token.scopes,
    seesWholeEntity: !isUserToken || token.roles.some((r) => deps.config.adminRoles.includes(r)),
  };
}
