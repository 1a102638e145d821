import {
  formatMicros,
  SCOPE_PATTERN,
  scopesGrant,
  type GrantFlow,
  type IssueTokenRequest,
  type IssueTokenResponse,
  type Violation,
} from '@tokenwarden/contracts';
import type { ClientRecord, UserRecord } from '@tokenwarden/db';
import type { Deps } from '../context.js';
import { ApiError, asTRPCError, fail } from '../errors.js';
import { DECOY_HASH, verifySecret } from '../token-secrets.js';
import { mintToken } from './mint.js';

/** The client_id recorded on tokens of the first-party login grant (no API client involved). */
export const LOGIN_CLIENT_ID = 'tokenwarden-login';

/** What authenticated credentials may put in a token, before narrowing. */
interface Grant {
  entityPk: number;
  clientId: string;
  userId: string | null;
  grantFlow: GrantFlow;
  roles: string[];
  scopes: string[];
  lifetimeSeconds: number;
  mayBind(accountId: string): Promise<boolean>;
}

/** Verifies a client secret; an unknown client and a wrong secret answer the same (see ClientSecrets). */
async function verifiedClient(deps: Deps, clientId: string, secret: string): Promise<ClientRecord | undefined> {
  const client = await deps.directory.findClient(clientId);
  const ok = await deps.clientSecrets.verify(client, secret);
  return ok && client ? client : undefined;
}

/**
 * Verifies a user's password. Always runs scrypt (against DECOY_HASH for an unknown user),
 * so an unknown username and a wrong password cost the same and answer the same.
 */
async function verifiedUser(deps: Deps, username: string, password: string): Promise<UserRecord | undefined> {
  const user = await deps.directory.findUserByUsername(username);
  const ok = await verifySecret(password, user?.passwordHash ?? DECOY_HASH);
  return ok && user ? user : undefined;
}

/**
 * The scopes both sets grant (wildcard-aware): each scope of one side that the other side
 * grants. `iam.oauth.*` ∩ `iam.oauth.tokens.get` is `iam.oauth.tokens.get`; never wider
 * than either side.
 */
export function intersectScopes(a: readonly string[], b: readonly string[]): string[] {
  const out = new Set<string>();
  for (const s of a) if (scopesGrant(b, s)) out.add(s);
  for (const s of b) if (scopesGrant(a, s)) out.add(s);
  return [...out];
}

/**
 * The scopes a token carries: those held, or exactly the requested ones when each of them
 * is granted by what is held. A requested scope not held is a 400 naming it.
 */
export function narrowScopes(held: readonly string[], requested: string | undefined): string[] {
  if (requested === undefined) return [...held];
  const wanted = [...new Set(requested.split(/\s+/).filter(Boolean))];
  if (wanted.length === 0 || wanted.some((s) => !SCOPE_PATTERN.test(s))) {
    fail('INVALID_ARGUMENT', undefined, [{ field: 'scope', reason: 'invalid' }]);
  }
  const violations: Violation[] = wanted.filter((s) => !scopesGrant(held, s)).map((s) => ({ field: 'scope', reason: 'scope_not_held', value: s }));
  if (violations.length > 0) fail('INVALID_ARGUMENT', undefined, violations);
  return wanted;
}

/** Who is signing in, for throttling: the username (password and login grants) and the peer's address; the request, for the audit trail. */
export interface Caller {
  address: string;
  requestId?: string | null;
  /** The client authenticated with HTTP Basic (its failure then challenges for Basic). */
  basic?: boolean;
}

const usernameOf = (req: IssueTokenRequest): string | undefined => (req.grant_type === 'client_credentials' ? undefined : req.username);

/**
 * A bad credential, counted for throttling and answered as RFC 6749 section 5.2 says:
 * `invalid_client` (401) when the client did not authenticate, `invalid_grant` (400) when
 * the resource owner's username and password are not valid (for this client). Neither
 * says whether the client or user exists.
 */
function denied(deps: Deps, req: IssueTokenRequest, caller: Caller, error: 'invalid_client' | 'invalid_grant'): never {
  deps.throttle.recordFailure(usernameOf(req), caller.address, deps.clock.nowMicros());
  deps.log.info({ event: 'token.denied', grant_type: req.grant_type, error }, 'token request denied: bad credentials');
  throw asTRPCError(
    error === 'invalid_client'
      ? new ApiError('UNAUTHENTICATED', 'auth.client', [], {}, { error, basic: caller.basic === true })
      : new ApiError('INVALID_ARGUMENT', 'auth.user', [], {}, { error }),
  );
}

async function authenticateGrant(deps: Deps, req: IssueTokenRequest, caller: Caller): Promise<Grant> {
  const { lifetimes } = deps.config;
  switch (req.grant_type) {
    case 'client_credentials': {
      const client = await verifiedClient(deps, req.client_id, req.client_secret);
      if (!client) denied(deps, req, caller, 'invalid_client');
      return {
        entityPk: client.entityPk,
        clientId: client.clientId,
        userId: null,
        grantFlow: 'GRANT_FLOW_CLIENT_CREDENTIALS',
        roles: client.roles,
        scopes: client.scopes,
        lifetimeSeconds: lifetimes.client_credentials,
        mayBind: (accountId) => deps.directory.accountInEntity(client.entityPk, accountId),
      };
    }
    case 'password': {
      // Both checks always run, so the answer and its cost never tell which one failed.
      const [client, user] = await Promise.all([
        verifiedClient(deps, req.client_id, req.client_secret),
        verifiedUser(deps, req.username, req.password),
      ]);
      if (!client) denied(deps, req, caller, 'invalid_client');
      // A user of another entity than the client is, to this client, a user that does not exist.
      if (!user || user.entityPk !== client.entityPk) denied(deps, req, caller, 'invalid_grant');
      return {
        entityPk: user.entityPk,
        clientId: client.clientId,
        userId: user.userId,
        grantFlow: 'GRANT_FLOW_PASSWORD',
        roles: user.roles,
        scopes: intersectScopes(user.scopes, client.scopes),
        lifetimeSeconds: lifetimes.password,
        mayBind: (accountId) => deps.directory.userMayActFor(user.entityPk, user.pk, accountId),
      };
    }
    case 'login': {
      const user = await verifiedUser(deps, req.username, req.password);
      if (!user) denied(deps, req, caller, 'invalid_grant');
      return {
        entityPk: user.entityPk,
        clientId: LOGIN_CLIENT_ID,
        userId: user.userId,
        grantFlow: 'GRANT_FLOW_LOGIN',
        roles: user.roles,
        scopes: user.scopes,
        lifetimeSeconds: lifetimes.login,
        mayBind: (accountId) => deps.directory.userMayActFor(user.entityPk, user.pk, accountId),
      };
    }
  }
}

/**
 * `POST /v1/iam/oauth/tokens`: authenticates the grant (401 `invalid_client` for a bad
 * client, 400 `invalid_grant` for a bad username or password), then checks the narrowing
 * (400 `invalid_scope`) and the account binding (400 `invalid_grant`), then mints. Scope
 * and account are judged only after authentication, so nothing about a client or user
 * leaks to a caller who cannot prove to be it.
 */
export async function issueToken(deps: Deps, req: IssueTokenRequest, caller: Caller = { address: '' }): Promise<IssueTokenResponse> {
  // Throttled before any secret is verified: a blocked guesser costs no scrypt work.
  const wait = deps.throttle.check(usernameOf(req), caller.address, deps.clock.nowMicros());
  if (wait > 0) {
    deps.log.info({ event: 'token.throttled', grant_type: req.grant_type, retry_after: wait }, 'token request throttled');
    fail('RATE_LIMITED', 'auth.throttled', [], { retry_after: String(wait) });
  }
  const grant = await authenticateGrant(deps, req, caller);
  deps.throttle.recordSuccess(usernameOf(req), caller.address);
  const scopes = narrowScopes(grant.scopes, req.scope);
  const accountId = req.account_id?.toLowerCase() ?? null;
  if (accountId !== null && !(await grant.mayBind(accountId))) {
    throw asTRPCError(ApiError.invalid([{ field: 'account_id', reason: 'account_not_allowed' }], { error: 'invalid_grant' }));
  }
  // The clock is read only now, after the (slow) scrypt work: created_at is issuance time.
  const { accessToken, record } = await mintToken(
    deps,
    {
      entityPk: grant.entityPk,
      clientId: grant.clientId,
      userId: grant.userId,
      accountId,
      grantFlow: grant.grantFlow,
      roles: grant.roles,
      scopes,
      lifetimeSeconds: grant.lifetimeSeconds,
    },
    caller.requestId ?? null,
  );
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: grant.lifetimeSeconds,
    token_id: record.tokenId,
    scopes: [...record.scopes],
    roles: [...record.roles],
    created_at: formatMicros(record.createdAt),
    expires_at: formatMicros(record.expiresAt),
  };
}
