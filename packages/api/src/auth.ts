import { accessTokenFormat, scopesGrant, type GrantFlow, type Micros } from '@tokenwarden/contracts';
import type { TokenRecord, TokenWithSnapshot } from '@tokenwarden/db';
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
  /**
   * A new snapshot bound of the entity, taken with the authentication when the operation
   * asked for one (`Operation.newSnapshot`): the bound a listing without a snapshot uses.
   */
  snapshot?: Micros;
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
 * The user whose tokens (and actions) a principal is confined to, for a filter by user:
 * a principal that sees the whole entity gets the user it asked for (none: every user);
 * a user token without an admin role always its own user, and asking for another one, or
 * having no user at all (an imported token), is 403. The one rule of the list, its summary,
 * revocations by filter or by leaked value, and the audit trail (`sees` is its rule for one
 * token).
 */
export function visibleUser(principal: Principal, asked?: string): string | undefined {
  if (principal.seesWholeEntity) return asked;
  if (principal.userId === null || (asked !== undefined && asked !== principal.userId)) fail('PERMISSION_DENIED', 'forbidden.other_user');
  return principal.userId;
}

/**
 * Bearer token → format (a wrong checksum is refused here, without a database lookup) →
 * hash lookup → reject unknown, expired, revoked → scope check (wildcards). Every
 * rejection is 401 with an RFC 6750 challenge; none says which check failed beyond a
 * missing scope.
 */
export async function authenticate(ctx: Context, requiredScope: string, newSnapshot = false): Promise<Principal> {
  const { deps, authorization } = ctx;
  if (!authorization) fail('UNAUTHENTICATED', 'auth.missing');
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  const raw = match?.[1];
  if (!raw || accessTokenFormat(raw) === 'malformed') fail('UNAUTHENTICATED', 'auth.invalid');
  const hash = hashAccessToken(raw);
  // The time of the request (expiry, last use), read before the lookup: a token that
  // expires while its lookup waits for the entity's snapshot lock still counts as live.
  const now = deps.clock.nowMicros();
  // A new snapshot is taken in the same round trip as the lookup (see findByHashWithSnapshot).
  const found: Partial<TokenWithSnapshot> | undefined = newSnapshot
    ? await deps.tokens.findByHashWithSnapshot(hash)
    : { token: await deps.tokens.findByHash(hash) };
  const token = found?.token;
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
    snapshot: found?.snapshot,
  };
}
