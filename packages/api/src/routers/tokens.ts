import { ListTokensInput, RevokeTokenInput, SCOPES, TokenIdInput, formatTimestamp, type ListTokensResponse } from '@tokenwarden/contracts';
import type { TokenFilters } from '@tokenwarden/db';
import type { Principal } from '../auth.js';
import type { Context, Deps } from '../context.js';
import { fail } from '../errors.js';
import { presentToken } from '../presenter.js';
import { principalFor, publicProcedure } from '../trpc.js';

/**
 * The list's filters as the caller may have them: a user token without an admin role
 * sees only its own user's tokens, and asking for another user is 403.
 */
function visibleFilters(principal: Principal, input: ListTokensInput): TokenFilters {
  const userId = input.user_id?.toLowerCase();
  const filters: TokenFilters = {
    accountId: input.account_id?.toLowerCase(),
    userId,
    grantFlow: input.grant_flow,
    role: input.role,
  };
  if (!principal.seesWholeEntity) {
    // A user token with no user (an imported one) has no tokens of its own to list.
    if (principal.userId === null || (userId !== undefined && userId !== principal.userId)) fail('PERMISSION_DENIED', 'forbidden.other_user');
    filters.userId = principal.userId;
  }
  return filters;
}

/** A token the principal may see, or 404 (unknown, of another entity, or of another user). */
async function visibleToken(deps: Deps, principal: Principal, tokenId: string) {
  const token = await deps.tokens.get(principal.entityPk, tokenId.toLowerCase());
  if (!token || (!principal.seesWholeEntity && (principal.userId === null || token.userId !== principal.userId))) {
    fail('NOT_FOUND', 'not_found.token');
  }
  return token;
}

/**
 * List Token Information: the list procedure's whole implementation, for an input the
 * contract schema has already validated. The REST route calls it directly (see
 * apps/server/src/rest.ts); every other caller goes through the procedure.
 */
export async function listTokens(ctx: Context, input: ListTokensInput): Promise<ListTokensResponse> {
  const principal = await principalFor(ctx, SCOPES.list);
  const filters = visibleFilters(principal, input);
  const result = await ctx.deps.lister.list(principal.entityPk, input, filters);
  const now = ctx.deps.clock.nowMicros();
  const size = input.page_params.page_size;
  return {
    tokens: result.records.map((r) => presentToken(r, now)),
    pagination_info: {
      total_elements: result.total,
      total_pages: Math.ceil(result.total / size),
      current_page: input.page_params.page_number,
      page_size: size,
      first_request_timestamp: formatTimestamp(result.snapshot),
    },
  };
}

export const tokensRouter = {
  list: publicProcedure
    // No input at all means every default, as an empty REST query does.
    .input(ListTokensInput.prefault({}))
    .query(({ ctx, input }) => listTokens(ctx, input)),

  get: publicProcedure.input(TokenIdInput).query(async ({ ctx, input }) => {
    const principal = await principalFor(ctx, SCOPES.get);
    return presentToken(await visibleToken(ctx.deps, principal, input.token_id), ctx.deps.clock.nowMicros());
  }),

  revoke: publicProcedure.input(RevokeTokenInput).mutation(async ({ ctx, input }) => {
    const principal = await principalFor(ctx, SCOPES.revoke);
    const bodyId = input.body?.token_id;
    if (bodyId !== undefined && bodyId.toLowerCase() !== input.token_id.toLowerCase()) {
      fail('INVALID_ARGUMENT', undefined, [{ field: 'body.token_id', reason: 'mismatch' }]);
    }
    const token = await visibleToken(ctx.deps, principal, input.token_id);
    const outcome = await ctx.deps.tokens.revoke(principal.entityPk, token.tokenId, ctx.deps.clock.nowMicros());
    if (outcome === 'not_found') fail('NOT_FOUND', 'not_found.token');
    if (outcome === 'already_revoked') fail('FAILED_PRECONDITION', 'revoked.already');
    ctx.deps.log.info({ event: 'token.revoked', token_id: token.tokenId, by: principal.tokenId }, 'token revoked');
    return {};
  }),
};
